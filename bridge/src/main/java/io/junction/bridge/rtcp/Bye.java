package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Goodbye (RFC 3550 §6.6): the listed sources stop. The bridge sends one for a forwarded track's
 * subscriber-side SSRCs when the track ends, so the receiver ends the stream at once.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    SC   |   PT=BYE=203  |             length            |
 * |                           SSRC/CSRC                           |
 * :                              ...                              :
 * |     length    |               reason for leaving (opt)      ...
 * </pre>
 */
public final class Bye {
    private Bye() {}

    public static boolean is(byte[] buf, int off, int len) {
        return len >= 4 && RtcpCompound.packetType(buf, off) == RtcpCompound.BYE;
    }

    /** The sources that leave (the SC field, bounded by the length). */
    public static int ssrcCount(byte[] buf, int off, int len) {
        return Math.min(RtcpCompound.countOrFormat(buf, off), (len - 4) / 4);
    }

    public static int ssrc(byte[] buf, int off, int i) {
        return ByteIo.readInt(buf, off + 4 + 4 * i);
    }

    /** A BYE for one SSRC, without a reason; returns 8. */
    public static int write(byte[] buf, int off, int ssrc) {
        RtcpCompound.writeHeader(buf, off, 1, RtcpCompound.BYE, 8);
        ByteIo.writeInt(buf, off + 4, ssrc);
        return 8;
    }

    /** A BYE for two SSRCs (a stream and its RTX), without a reason; returns 12. */
    public static int write(byte[] buf, int off, int ssrc, int secondSsrc) {
        RtcpCompound.writeHeader(buf, off, 2, RtcpCompound.BYE, 12);
        ByteIo.writeInt(buf, off + 4, ssrc);
        ByteIo.writeInt(buf, off + 8, secondSsrc);
        return 12;
    }
}
