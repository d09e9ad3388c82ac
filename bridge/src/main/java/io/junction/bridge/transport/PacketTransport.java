package io.junction.bridge.transport;

import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.transport.srtp.PacketProtection;

/**
 * What the packet path needs from one endpoint's secure transport: its SRTP session (null until
 * DTLS exported the keys), a way to send a datagram on the selected path, and the SSRC the bridge's
 * own RTCP toward this endpoint uses. {@link EndpointTransport} is the real one (ICE + DTLS); a
 * bridge-to-bridge relay or a test harness can be another. Called on the endpoint's packet worker.
 */
public interface PacketTransport {
    /** The SRTP session, or null before the keys were installed. */
    PacketProtection srtp();

    /** Sends one protected datagram; false (and counted by the transport) when it could not. Never blocks long. */
    boolean send(byte[] buf, int off, int len);

    /** The SSRC of the bridge's RTCP (reports, feedback) toward this endpoint. */
    int rtcpSsrc();

    /** True once the transport was closed: nothing more will be delivered or sent. */
    boolean isClosed();

    default boolean isSrtpReady() {
        return srtp() != null;
    }

    /**
     * SRTCP-protects the {@code len} bytes of RTCP at {@code off} in place and sends them, counting
     * them in {@code stats}. False when there are no keys yet or the packet could not be protected or sent.
     */
    default boolean sendRtcp(byte[] buf, int off, int len, EndpointStats stats) {
        PacketProtection s = srtp();
        int n = s == null ? -1 : s.protectRtcp(buf, off, len);
        if (n <= 0 || !send(buf, off, n)) {
            return false;
        }
        stats.rtcpPacketsOut++;
        stats.rtcpBytesOut += n;
        return true;
    }

    /** RFC 5761 §4: RTCP packet types 192..223 occupy the second byte of an RTCP packet. */
    static boolean isRtcp(byte[] buf, int off, int len) {
        if (len < 2) {
            return false;
        }
        int pt = buf[off + 1] & 0xFF;
        return pt >= 192 && pt <= 223;
    }
}
