package io.junction.bridge.conference;

/**
 * Control-plane events of one conference. Called on the thread that made the change (never a
 * packet thread); implementations must be quick and must not call back into the conference
 * under their own locks.
 */
public interface ConferenceListener {
    default void endpointAdded(Endpoint endpoint) {}

    default void endpointRemoved(Endpoint endpoint, RemovalReason reason) {}

    /** The endpoint announced another mute state ({@link Endpoint#audioMuted()}, {@link Endpoint#videoMuted()}). */
    default void endpointMuteChanged(Endpoint endpoint) {}

    default void conferenceEnded(Conference conference, RemovalReason reason) {}

    /** A new dominant speaker (from the endpoints' audio levels); on the bridge's control thread. */
    default void dominantSpeakerChanged(Conference conference, String endpointId) {}
}
