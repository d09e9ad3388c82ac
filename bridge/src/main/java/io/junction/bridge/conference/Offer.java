package io.junction.bridge.conference;

import java.util.List;

/**
 * An SDP offer the bridge sends to one endpoint, with the metadata the client SDK needs.
 *
 * @param revision   increases by one per offer to this endpoint
 * @param publishAudioMid mid of the recvonly audio m-line the client publishes its microphone into
 * @param publishVideoMid mid of the recvonly video m-line the client publishes its camera into
 * @param tracks     the sendonly m-lines currently carrying a remote participant's track
 */
public record Offer(int revision, String sdp, String publishAudioMid, String publishVideoMid, String publishScreenMid,
                    List<Track> tracks) {
    /** A forwarded remote track and the m-line (mid) it arrives on. */
    /** A forwarded track: {@code source} is "microphone", "camera" or "screen". */
    public record Track(String mid, String endpointId, String kind, String trackId, String source) {}

    public Offer {
        tracks = List.copyOf(tracks);
    }
}
