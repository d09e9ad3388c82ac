package io.junction.bridge.conference;

/** Why an endpoint or conference went away; the wire name is what signaling tells clients. */
public enum RemovalReason {
    LEFT("left"),
    DISCONNECTED("disconnected"),
    REMOVED("removed"),
    ICE_FAILED("ice-failed"),
    DTLS_FAILED("dtls-failed"),
    EXPIRED("expired"),
    CONFERENCE_ENDED("conference-ended"),
    SHUTDOWN("shutdown");

    private final String wireName;

    RemovalReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
