package io.junction.bridge.transport.srtp;

/**
 * Protection of one endpoint's packets in place, as the packet path uses it: {@link SrtpSession}
 * (SRTP/SRTCP, RFC 3711 / RFC 7714) in production. Each call returns the new length, or a negative
 * {@code SrtpSession.ERR_*} code. The buffer needs {@link SrtpSession#MIN_TAIL_ROOM} bytes after the
 * packet for the tag.
 */
public interface PacketProtection {
    int unprotectRtp(byte[] buf, int off, int len);

    int protectRtp(byte[] buf, int off, int len);

    int unprotectRtcp(byte[] buf, int off, int len);

    int protectRtcp(byte[] buf, int off, int len);

    /** How many bytes {@link #protectRtp} adds to a packet (the authentication tag). */
    default int rtpOverhead() {
        return 0;
    }
}
