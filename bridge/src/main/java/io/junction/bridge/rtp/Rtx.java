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
}
