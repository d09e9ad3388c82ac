package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03): an application-layer PSFB
 * (FMT 15) tagged "REMB". The bridge sends its configured cap on publishers' bitrate in one; those
 * browsers send are counted and otherwise ignored (the bridge estimates from transport-cc).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P| FMT=15  |   PT=206      |             length            |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source = 0                     |
 * |  Unique identifier 'R' 'E' 'M' 'B'                            |
 * |  Num SSRC     | BR Exp    |  BR Mantissa                      |
 * |   SSRC feedback                                               |  (Num SSRC)
 * </pre>
 */
public final class Remb {
    public static final int FMT = 15;
    public static final int MIN_LENGTH = 20;

    private Remb() {}

    public static boolean is(byte[] buf, int off, int len) {
        return len >= MIN_LENGTH && RtcpCompound.packetType(buf, off) == RtcpCompound.PSFB
                && RtcpCompound.countOrFormat(buf, off) == FMT
                && buf[off + 12] == 'R' && buf[off + 13] == 'E' && buf[off + 14] == 'M' && buf[off + 15] == 'B';
    }

    /** The bitrate in bits per second ({@code mantissa << exponent}; saturated). */
    public static long bitrate(byte[] buf, int off) {
        int exp = (buf[off + 17] & 0xFF) >>> 2;
        long mantissa = ((buf[off + 17] & 0x03L) << 16) | ((buf[off + 18] & 0xFFL) << 8) | (buf[off + 19] & 0xFFL);
        return exp > 46 ? Long.MAX_VALUE : mantissa << exp;
    }

    /** The SSRCs it applies to (the Num SSRC field, bounded by the length). */
    public static int ssrcCount(byte[] buf, int off, int len) {
        return Math.min(buf[off + 16] & 0xFF, (len - MIN_LENGTH) / 4);
    }

    public static int ssrc(byte[] buf, int off, int i) {
        return ByteIo.readInt(buf, off + MIN_LENGTH + 4 * i);
    }

    /** Writes a REMB for {@code count} SSRCs (18-bit mantissa, rounded down); returns its length. */
    public static int write(byte[] buf, int off, int senderSsrc, long bitrateBps, int[] ssrcs, int count) {
        long mantissa = Math.max(0, bitrateBps);
        int exp = 0;
        while (mantissa > 0x3FFFF) {
            mantissa >>>= 1;
            exp++;
        }
        RtcpCompound.writeHeader(buf, off, FMT, RtcpCompound.PSFB, MIN_LENGTH + 4 * count);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, 0);
        buf[off + 12] = 'R';
        buf[off + 13] = 'E';
        buf[off + 14] = 'M';
        buf[off + 15] = 'B';
        buf[off + 16] = (byte) count;
        buf[off + 17] = (byte) ((exp << 2) | (int) (mantissa >>> 16));
        ByteIo.writeU16(buf, off + 18, (int) (mantissa & 0xFFFF));
        for (int i = 0; i < count; i++) {
            ByteIo.writeInt(buf, off + MIN_LENGTH + 4 * i, ssrcs[i]);
        }
        return MIN_LENGTH + 4 * count;
    }
}
