package io.junction.bridge.rtp;

/**
 * RTX retransmissions (RFC 4588 §4): the original header (extensions included) under the RTX SSRC,
 * sequence number and payload type, then the original sequence number (OSN, 2 bytes), then the
 * original payload (and padding, if any). {@link #write} builds one; {@link #restore} turns a
 * received one back into the original packet, in place.
 */
public final class Rtx {
    private Rtx() {}

    /**
     * Turns the RTX packet {@code rtx} is wrapped over back into the packet it repairs, in place: the
     * header moves 2 bytes toward the payload over the OSN, then gets the OSN as sequence number and
     * the primary SSRC and payload type. {@code rtx} is re-wrapped over the result.
     *
     * @return the new offset of the packet in the buffer (its length is the old one minus 2), or -1
     *         when the packet carries no OSN (an RTX padding-only probe)
     */
    public static int restore(RtpPacket rtx, int primarySsrc, int primaryPayloadType) {
        if (rtx.payloadLength() < 2) {
            return -1;
        }
        byte[] buf = rtx.buffer();
        int off = rtx.offset();
        int len = rtx.length();
        int header = rtx.headerLength();
        int osn = ByteIo.readU16(buf, off + header);
        System.arraycopy(buf, off, buf, off + 2, header);
        int newOff = off + 2;
        buf[newOff + 1] = (byte) ((buf[newOff + 1] & 0x80) | (primaryPayloadType & 0x7F));
        ByteIo.writeU16(buf, newOff + 2, osn);
        ByteIo.writeInt(buf, newOff + 8, primarySsrc);
        if (!rtx.wrap(buf, newOff, len - 2)) {
            return -1;
        }
        return newOff;
    }

    /**
     * @param original a view already wrapped over the original packet
     * @return bytes written at {@code dstOff}
     */
    public static int write(RtpPacket original, byte[] dst, int dstOff, int rtxSsrc, int rtxSeq, int rtxPayloadType) {
        byte[] src = original.buffer();
        int off = original.offset();
        int header = original.headerLength();
        int rest = original.length() - header;
        System.arraycopy(src, off, dst, dstOff, header);
        dst[dstOff + 1] = (byte) ((src[off + 1] & 0x80) | (rtxPayloadType & 0x7F));
        ByteIo.writeU16(dst, dstOff + 2, rtxSeq);
        ByteIo.writeInt(dst, dstOff + 8, rtxSsrc);
        ByteIo.writeU16(dst, dstOff + header, original.sequenceNumber());
        System.arraycopy(src, off + header, dst, dstOff + header + 2, rest);
        return header + 2 + rest;
    }

    /** Bytes of padding in a padding-only probe (the most one RTP packet can carry). */
    public static final int PADDING_BYTES = 255;

    /**
     * A padding-only RTX packet (RFC 3550 §5.1 P bit; no OSN, no payload) carrying a transport-cc
     * extension (one-byte form, id {@code transportCcId}) so the receiver's feedback reports it: what
     * the bridge sends to probe a subscriber's downlink. Returns the length written
     * (20-byte header + {@link #PADDING_BYTES}).
     */
    public static int writePadding(byte[] dst, int off, int rtxSsrc, int rtxSeq, int rtxPayloadType, int timestamp,
                                   int transportCcId, int transportSeq) {
        dst[off] = (byte) 0xB0; // V=2, P=1, X=1, CC=0
        dst[off + 1] = (byte) (rtxPayloadType & 0x7F);
        ByteIo.writeU16(dst, off + 2, rtxSeq);
        ByteIo.writeInt(dst, off + 4, timestamp);
        ByteIo.writeInt(dst, off + 8, rtxSsrc);
        ByteIo.writeU16(dst, off + 12, 0xBEDE);
        ByteIo.writeU16(dst, off + 14, 1);
        dst[off + 16] = (byte) ((transportCcId << 4) | 1);
        ByteIo.writeU16(dst, off + 17, transportSeq);
        dst[off + 19] = 0;
        java.util.Arrays.fill(dst, off + 20, off + 20 + PADDING_BYTES - 1, (byte) 0);
        dst[off + 20 + PADDING_BYTES - 1] = (byte) PADDING_BYTES;
        return 20 + PADDING_BYTES;
    }
}
