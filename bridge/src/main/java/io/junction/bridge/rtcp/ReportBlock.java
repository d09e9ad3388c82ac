package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * One report block of an SR or RR (RFC 3550 §6.4.1): how one stream arrives at the reporter.
 * The round-trip time is {@code now - LSR - DLSR} (both in 1/65536 s), when LSR names an SR we sent.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 SSRC_1 (SSRC of first source)                 |
 * | fraction lost |       cumulative number of packets lost       |
 * |           extended highest sequence number received           |
 * |                      interarrival jitter                      |
 * |                         last SR (LSR)                         |
 * |                   delay since last SR (DLSR)                  |
 * </pre>
 */
public final class ReportBlock {
    public static final int LENGTH = 24;

    private ReportBlock() {}

    public static int ssrc(byte[] buf, int at) {
        return ByteIo.readInt(buf, at);
    }

    /** Fraction lost since the previous report, 0..255 (/256). */
    public static int fractionLost(byte[] buf, int at) {
        return buf[at + 4] & 0xFF;
    }

    /** Cumulative packets lost: a signed 24-bit number (duplicates can make it negative). */
    public static int cumulativeLost(byte[] buf, int at) {
        return (ByteIo.readU24(buf, at + 5) << 8) >> 8;
    }

    public static long extendedHighestSequence(byte[] buf, int at) {
        return ByteIo.readInt(buf, at + 8) & 0xFFFFFFFFL;
    }

    /** Interarrival jitter in RTP timestamp units. */
    public static long jitter(byte[] buf, int at) {
        return ByteIo.readInt(buf, at + 12) & 0xFFFFFFFFL;
    }

    /** The middle 32 bits of the NTP timestamp of the last SR received from the source (0: none). */
    public static int lastSr(byte[] buf, int at) {
        return ByteIo.readInt(buf, at + 16);
    }

    /** Delay since that SR, in 1/65536 s. */
    public static long delaySinceLastSr(byte[] buf, int at) {
        return ByteIo.readInt(buf, at + 20) & 0xFFFFFFFFL;
    }

    /** Writes one block (cumulative loss clamped to 24 signed bits, jitter to 32 unsigned); returns 24. */
    public static int write(byte[] buf, int at, int ssrc, int fractionLost, long cumulativeLost, long extendedHighestSeq,
                            long jitter, int lsr, int dlsr) {
        ByteIo.writeInt(buf, at, ssrc);
        int cum = (int) Math.max(-0x800000, Math.min(0x7FFFFF, cumulativeLost));
        ByteIo.writeInt(buf, at + 4, ((fractionLost & 0xFF) << 24) | (cum & 0xFFFFFF));
        ByteIo.writeInt(buf, at + 8, (int) extendedHighestSeq);
        ByteIo.writeInt(buf, at + 12, (int) Math.min(0xFFFFFFFFL, jitter));
        ByteIo.writeInt(buf, at + 16, lsr);
        ByteIo.writeInt(buf, at + 20, dlsr);
        return LENGTH;
    }
}
