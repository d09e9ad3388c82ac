package io.junction.bridge.pipeline;

/**
 * Handles one type of RTCP message an endpoint sent, given where the sub-packet sits in the (already
 * unprotected, validated) compound packet. Registered with {@link RtcpTermination} for a packet type
 * and, for feedback, a format; on the endpoint's packet worker.
 */
interface RtcpHandler {
    void handle(byte[] buf, int off, int len, long nowNs);
}
