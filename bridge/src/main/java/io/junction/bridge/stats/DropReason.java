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
    /** A payload type the publisher did not negotiate (only checked for clients that made the offer: WHIP). */
    UNKNOWN_PAYLOAD_TYPE("unknown_payload_type"),
    QUEUE_FULL("queue_full"),
    DTLS_AFTER_HANDSHAKE("dtls_after_handshake"),
    /** A second copy of a packet already forwarded (a late original after its repair). */
    RTP_DUPLICATE("rtp_duplicate"),
    /** RTX carrying no original packet: the publisher's bandwidth probes (padding only). */
    RTX_PADDING("rtx_padding"),
    /** RTX repairing a packet the bridge already has (probes made of old packets, or late repairs). */
    RTX_REDUNDANT("rtx_redundant"),
    /** A first STUN request from a new source whose MESSAGE-INTEGRITY does not verify (or names no live ufrag). */
    STUN_UNAUTHENTICATED("stun_unauthenticated"),
    /** A first STUN request from yet another source for a ufrag that has {@code MAX_SOURCES_PER_UFRAG} already. */
    STUN_SOURCE_LIMIT("stun_source_limit"),
    /**
     * A first STUN request from a new source for a ufrag whose verification budget is spent
     * ({@code VERIFICATIONS_PER_SECOND}): dropped without computing its HMAC.
     */
    STUN_RATE_LIMITED("stun_rate_limited"),
    /** Redundant audio (RFC 2198) whose blocks run past the payload: not forwarded to receivers without RED. */
    RED_MALFORMED("red_malformed");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
