package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Receiver report (RFC 3550 §6.4.2): reception quality of each stream the reporter receives, one
 * {@link ReportBlock} per stream. A compound packet must start with an SR or RR, so the bridge also
 * writes an empty RR in front of feedback it sends alone (a BYE, say).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    RC   |   PT=RR=201   |             length            |
 * |                     SSRC of packet sender                     |
 * |                 report blocks (RC × 24 bytes)                 |
 * </pre>
 */
public final class ReceiverReport {
    public static final int HEADER_LENGTH = 8;
    /** The RC field holds five bits. */
    public static final int MAX_BLOCKS = 31;

    private ReceiverReport() {}

    public static boolean is(byte[] buf, int off, int len) {
        return len >= HEADER_LENGTH && RtcpCompound.packetType(buf, off) == RtcpCompound.RR;
    }

    public static int senderSsrc(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 4);
    }

    /** The report blocks present (the RC field, bounded by the length). */
    public static int reportBlockCount(byte[] buf, int off, int len) {
        return Math.max(0, Math.min(RtcpCompound.countOrFormat(buf, off), (len - HEADER_LENGTH) / ReportBlock.LENGTH));
    }

    /** Absolute offset of report block {@code i}. */
    public static int reportBlockOffset(int off, int i) {
        return off + HEADER_LENGTH + ReportBlock.LENGTH * i;
    }

    /** The header of a receiver report with {@code blocks} report blocks to follow; returns 8. */
    public static int writeHeader(byte[] buf, int off, int senderSsrc, int blocks) {
        RtcpCompound.writeHeader(buf, off, blocks, RtcpCompound.RR, HEADER_LENGTH + ReportBlock.LENGTH * blocks);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        return HEADER_LENGTH;
    }
}
