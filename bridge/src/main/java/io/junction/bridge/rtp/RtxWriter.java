package io.junction.bridge.rtp;

/**
 * Builds an RTX retransmission (RFC 4588 §4) of an RTP packet: the original header (extensions
 * included) under the RTX SSRC, sequence number and payload type, then the original sequence number
 * (OSN, 2 bytes), then the original payload (and padding, if any).
 */
public final class RtxWriter {
    private RtxWriter() {}

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
