package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Sender report (RFC 3550 §6.4.1): what a sender sent and when, relating its RTP clock to wall-clock
 * (NTP) time. The bridge reads publishers' reports (for LSR/DLSR and lip sync) and re-issues them to
 * subscribers under their SSRCs. Report blocks follow the sender info ({@link ReportBlock}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * |                         SSRC of sender                        |
 * |              NTP timestamp, most significant word             |
 * |             NTP timestamp, least significant word             |
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
 * |                 report blocks (RC × 24 bytes)                 |
 * </pre>
 */
public final class SenderReport {
    /** Header and sender info, without report blocks. */
    public static final int MIN_LENGTH = 28;

    private SenderReport() {}

    /** True when the sub-packet at {@code off} of {@code len} bytes is a sender report with its sender info. */
    public static boolean is(byte[] buf, int off, int len) {
        return len >= MIN_LENGTH && RtcpCompound.packetType(buf, off) == RtcpCompound.SR;
    }

    public static int senderSsrc(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 4);
    }

    /** The 64-bit NTP timestamp (32.32 fixed point seconds since 1900). */
    public static long ntp(byte[] buf, int off) {
        return ((long) ByteIo.readInt(buf, off + 8) << 32) | (ByteIo.readInt(buf, off + 12) & 0xFFFFFFFFL);
    }

    public static int rtpTimestamp(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 16);
    }

    public static long packetCount(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 20) & 0xFFFFFFFFL;
    }

    public static long octetCount(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 24) & 0xFFFFFFFFL;
    }

    /** The report blocks present (the RC field, bounded by the length). */
    public static int reportBlockCount(byte[] buf, int off, int len) {
        return Math.max(0, Math.min(RtcpCompound.countOrFormat(buf, off), (len - MIN_LENGTH) / ReportBlock.LENGTH));
    }

    /** Absolute offset of report block {@code i}. */
    public static int reportBlockOffset(int off, int i) {
        return off + MIN_LENGTH + ReportBlock.LENGTH * i;
    }

    /** Writes a sender report without report blocks; returns its length (28). */
    public static int write(byte[] buf, int off, int ssrc, long ntp, int rtpTimestamp, long packets, long octets) {
        RtcpCompound.writeHeader(buf, off, 0, RtcpCompound.SR, MIN_LENGTH);
        ByteIo.writeInt(buf, off + 4, ssrc);
        ByteIo.writeInt(buf, off + 8, (int) (ntp >>> 32));
        ByteIo.writeInt(buf, off + 12, (int) ntp);
        ByteIo.writeInt(buf, off + 16, rtpTimestamp);
        ByteIo.writeInt(buf, off + 20, (int) packets);
        ByteIo.writeInt(buf, off + 24, (int) octets);
        return MIN_LENGTH;
    }
}
