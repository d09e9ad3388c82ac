package io.junction.bridge.rtp;

/**
 * Redundant audio (RFC 2198): a payload of block headers, then the redundant blocks (earlier frames),
 * then the primary block (this packet's own frame).
 *
 * <pre>
 *   |F|   block PT  |  timestamp offset (14)  | block length (10) |   F=1: a redundant block's header
 *   |0|   block PT  |                                                F=0: the primary block's header
 * </pre>
 *
 * {@link #unwrap} turns a RED packet into the plain packet of its primary block, in place, for a
 * receiver that did not negotiate RED.
 */
public final class Red {
    private Red() {}

    /**
     * Turns the RED packet {@code rtp} is wrapped over into its primary block under the block's payload
     * type, in place: the RTP header moves forward over the block headers and redundant blocks (and
     * the padding is dropped). {@code rtp} is re-wrapped over the result.
     *
     * @return the new offset of the packet in the buffer (its length: {@code rtp.length()} after the
     *         call), or -1 when the payload is not valid RED (a block header or length runs past the
     *         payload, or no primary block); the packet is then unchanged
     */
    public static int unwrap(RtpPacket rtp) {
        byte[] buf = rtp.buffer();
        int off = rtp.offset();
        int header = rtp.headerLength();
        int at = off + header;
        int end = at + rtp.payloadLength();
        int redundant = 0;
        while (true) {
            if (at >= end) {
                return -1;
            }
            int b = buf[at] & 0xFF;
            if ((b & 0x80) == 0) {
                break;
            }
            if (at + 4 > end) {
                return -1;
            }
            redundant += ((buf[at + 2] & 0x03) << 8) | (buf[at + 3] & 0xFF);
            at += 4;
        }
        int primaryPt = buf[at] & 0x7F;
        int primary = at + 1 + redundant;
        if (primary > end) {
            return -1;
        }
        int shift = primary - (off + header);
        int newOff = off + shift;
        System.arraycopy(buf, off, buf, newOff, header);
        buf[newOff] = (byte) (buf[newOff] & ~0x20); // the padding stays behind
        buf[newOff + 1] = (byte) ((buf[newOff + 1] & 0x80) | primaryPt);
        int newLen = end - newOff;
        if (!rtp.wrap(buf, newOff, newLen)) {
            return -1; // cannot happen: the header is the one just read
        }
        return newOff;
    }
}
