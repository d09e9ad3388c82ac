package io.junction.bridge.rtp;

/** Writers for the RTCP messages the bridge originates. Each returns the number of bytes written. */
public final class RtcpWriter {
    private RtcpWriter() {}

    /**
     * Picture Loss Indication (RFC 4585 §6.3.1): PSFB, FMT 1, no FCI.
     * <pre>
     * |V=2|P| FMT=1 |   PT=206      |          length=2             |
     * |                  SSRC of packet sender                        |
     * |                  SSRC of media source                         |
     * </pre>
     */
    public static int writePli(byte[] buf, int off, int senderSsrc, int mediaSsrc) {
        buf[off] = (byte) 0x81;
        buf[off + 1] = (byte) RtcpCompound.PSFB;
        ByteIo.writeU16(buf, off + 2, 2);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, mediaSsrc);
        return 12;
    }

    /**
     * Full Intra Request (RFC 5104 §4.3.1): PSFB, FMT 4, media SSRC 0, one FCI entry with the target
     * SSRC and a command sequence number (the receiver acts on each new number once).
     */
    public static int writeFir(byte[] buf, int off, int senderSsrc, int mediaSsrc, int sequenceNumber) {
        buf[off] = (byte) 0x84;
        buf[off + 1] = (byte) RtcpCompound.PSFB;
        ByteIo.writeU16(buf, off + 2, 4);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, 0);
        ByteIo.writeInt(buf, off + 12, mediaSsrc);
        buf[off + 16] = (byte) sequenceNumber;
        buf[off + 17] = 0;
        buf[off + 18] = 0;
        buf[off + 19] = 0;
        return 20;
    }

    /**
     * Sender report without report blocks (RFC 3550 §6.4.1).
     * <pre>
     * |V=2|P|  RC=0   |   PT=200      |          length=6             |
     * |                         SSRC of sender                        |
     * |              NTP timestamp, most significant word             |
     * |             NTP timestamp, least significant word             |
     * |                         RTP timestamp                         |
     * |                     sender's packet count                     |
     * |                      sender's octet count                     |
     * </pre>
     */
    public static int writeSr(byte[] buf, int off, int ssrc, long ntp, int rtpTimestamp, long packets, long octets) {
        buf[off] = (byte) 0x80;
        buf[off + 1] = (byte) RtcpCompound.SR;
        ByteIo.writeU16(buf, off + 2, 6);
        ByteIo.writeInt(buf, off + 4, ssrc);
        ByteIo.writeInt(buf, off + 8, (int) (ntp >>> 32));
        ByteIo.writeInt(buf, off + 12, (int) ntp);
        ByteIo.writeInt(buf, off + 16, rtpTimestamp);
        ByteIo.writeInt(buf, off + 20, (int) packets);
        ByteIo.writeInt(buf, off + 24, (int) octets);
        return 28;
    }

    /**
     * SDES with one chunk holding a CNAME item (RFC 3550 §6.5), padded to 32 bits.
     * <pre>
     * |V=2|P|  SC=1   |  PT=202       |             length            |
     * |                          SSRC                                 |
     * |   CNAME=1     |     length    | user and domain name        ...
     * </pre>
     */
    public static int writeSdesCname(byte[] buf, int off, int ssrc, byte[] cname) {
        int len = Math.min(cname.length, 255);
        int at = off + 8;
        buf[at++] = 1;
        buf[at++] = (byte) len;
        System.arraycopy(cname, 0, buf, at, len);
        at += len;
        buf[at++] = 0; // end of item list
        while ((at - off) % 4 != 0) {
            buf[at++] = 0;
        }
        buf[off] = (byte) 0x81;
        buf[off + 1] = (byte) RtcpCompound.SDES;
        ByteIo.writeU16(buf, off + 2, (at - off) / 4 - 1);
        ByteIo.writeInt(buf, off + 4, ssrc);
        return at - off;
    }

    /** Header of a receiver report with {@code blocks} report blocks to follow (each 24 bytes). */
    public static int writeRrHeader(byte[] buf, int off, int senderSsrc, int blocks) {
        buf[off] = (byte) (0x80 | blocks);
        buf[off + 1] = (byte) RtcpCompound.RR;
        ByteIo.writeU16(buf, off + 2, 1 + 6 * blocks);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        return 8;
    }

    /**
     * One report block (RFC 3550 §6.4.1): SSRC, fraction lost (8 bits), cumulative lost (24 bits,
     * signed, clamped), extended highest sequence number, jitter, LSR, DLSR.
     */
    public static int writeReportBlock(byte[] buf, int off, int ssrc, int fractionLost, long cumulativeLost,
                                       long extendedHighestSeq, long jitter, int lsr, int dlsr) {
        ByteIo.writeInt(buf, off, ssrc);
        int cum = (int) Math.max(-0x800000, Math.min(0x7FFFFF, cumulativeLost));
        ByteIo.writeInt(buf, off + 4, ((fractionLost & 0xFF) << 24) | (cum & 0xFFFFFF));
        ByteIo.writeInt(buf, off + 8, (int) extendedHighestSeq);
        ByteIo.writeInt(buf, off + 12, (int) Math.min(0xFFFFFFFFL, jitter));
        ByteIo.writeInt(buf, off + 16, lsr);
        ByteIo.writeInt(buf, off + 20, dlsr);
        return 24;
    }

    /**
     * Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03): PSFB, FMT 15, media SSRC 0,
     * "REMB", the SSRC count, a 6-bit exponent and 18-bit mantissa, then the SSRCs it applies to.
     */
    public static int writeRemb(byte[] buf, int off, int senderSsrc, long bitrateBps, int[] ssrcs, int count) {
        long mantissa = Math.max(0, bitrateBps);
        int exp = 0;
        while (mantissa > 0x3FFFF) {
            mantissa >>>= 1;
            exp++;
        }
        buf[off] = (byte) 0x8F;
        buf[off + 1] = (byte) RtcpCompound.PSFB;
        ByteIo.writeU16(buf, off + 2, 4 + count);
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
            ByteIo.writeInt(buf, off + 20 + 4 * i, ssrcs[i]);
        }
        return 20 + 4 * count;
    }

    /** BYE (RFC 3550 §6.6) for the given SSRCs (at most 31), without a reason. */
    public static int writeBye(byte[] buf, int off, int... ssrcs) {
        buf[off] = (byte) (0x80 | ssrcs.length);
        buf[off + 1] = (byte) RtcpCompound.BYE;
        ByteIo.writeU16(buf, off + 2, ssrcs.length);
        for (int i = 0; i < ssrcs.length; i++) {
            ByteIo.writeInt(buf, off + 4 + 4 * i, ssrcs[i]);
        }
        return 4 + 4 * ssrcs.length;
    }

    /** Generic NACK (RFC 4585 §6.2.1) with items given as {@code PID << 16 | BLP}. */
    public static int writeNack(byte[] buf, int off, int senderSsrc, int mediaSsrc, int[] items, int count) {
        buf[off] = (byte) 0x81;
        buf[off + 1] = (byte) RtcpCompound.RTPFB;
        ByteIo.writeU16(buf, off + 2, 2 + count);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, mediaSsrc);
        for (int i = 0; i < count; i++) {
            ByteIo.writeInt(buf, off + 12 + 4 * i, items[i]);
        }
        return 12 + 4 * count;
    }
}
