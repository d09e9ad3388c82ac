package io.junction.bridge.stats;

/** Why a received packet was dropped; each has a counter (exported with a bounded "reason" label). */
public enum DropReason {
    NOT_CONNECTED("not_connected"),
    UNKNOWN_FIRST_BYTE("unknown_first_byte"),
    SRTP_AUTH_FAILED("srtp_auth_failed"),
    SRTP_REPLAY("srtp_replay"),
    SRTP_INVALID("srtp_invalid"),
    RTP_MALFORMED("rtp_malformed"),
    RTCP_MALFORMED("rtcp_malformed"),
    UNKNOWN_SSRC("unknown_ssrc"),
    QUEUE_FULL("queue_full"),
    DTLS_AFTER_HANDSHAKE("dtls_after_handshake");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
