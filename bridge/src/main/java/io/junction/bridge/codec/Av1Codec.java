package io.junction.bridge.codec;

/**
 * AV1 (the AOM RTP payload format, without the dependency descriptor extension): the aggregation
 * header's N bit marks the first packet of a coded video sequence (a keyframe, where a simulcast
 * layer may start), and that packet's sequence header OBU gives the frame size. Temporal and spatial
 * layers are not told apart (that needs the dependency descriptor): a receiver gets every layer of
 * the simulcast encoding it is switched to. Nothing is rewritten.
 *
 * <pre>
 *   aggregation header  |Z|Y| W |N|-|-|-|   Z: first element continues an OBU, Y: last one goes on,
 *                                           W: element count (0: each has a length), N: new sequence
 *   OBU header          |0| type  |X|S|-|   X: an extension byte follows, S: a size field follows
 * </pre>
 */
public final class Av1Codec implements VideoCodec {
    private static final int OBU_SEQUENCE_HEADER = 1;
    /** Reads keyframes' sequence headers (publisher's worker only). */
    private final BitReader bits = new BitReader();

    @Override
    public String name() {
        return "AV1";
    }

    @Override
    public boolean inspect(byte[] buf, int off, int len, FrameInfo info) {
        info.reset();
        if (len < 2) {
            return false;
        }
        int aggregation = buf[off] & 0xFF;
        boolean continuation = (aggregation & 0x80) != 0;
        boolean newSequence = (aggregation & 0x08) != 0;
        info.valid = true;
        info.startOfFrame = !continuation;
        info.keyframeStart = newSequence && !continuation;
        if (info.keyframeStart) {
            readSize(buf, off + 1, off + len, (aggregation >>> 4) & 0x03, info);
        }
        return true;
    }

    /**
     * Finds the sequence header among the first packet's OBU elements ({@code count}: W, 0 when every
     * element has a length) and reads the maximum frame size from it into {@code info}.
     */
    private void readSize(byte[] buf, int at, int end, int count, FrameInfo info) {
        for (int element = 1; at < end; element++) {
            int size;
            if (count != 0 && element == count) {
                size = end - at; // the last of W elements has no length
            } else {
                long value = 0;
                int shift = 0;
                int b;
                do {
                    if (at >= end || shift > 28) {
                        return;
                    }
                    b = buf[at++] & 0xFF;
                    value |= (long) (b & 0x7F) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                if (value > end - at) {
                    return;
                }
                size = (int) value;
            }
            if (size > 0 && ((buf[at] >>> 3) & 0x0F) == OBU_SEQUENCE_HEADER) {
                int header = (buf[at] & 0x04) != 0 ? 2 : 1; // with the extension byte
                int payload = at + header;
                int payloadEnd = at + size;
                if ((buf[at] & 0x02) != 0) { // an OBU size field too: skip it
                    while (payload < payloadEnd && (buf[payload] & 0x80) != 0) {
                        payload++;
                    }
                    payload++;
                }
                if (payload < payloadEnd) {
                    readSequenceHeader(buf, payload, payloadEnd, info);
                }
                return;
            }
            at += size;
        }
    }

    /** The maximum frame size of a sequence header OBU (AV1 spec 5.5), or nothing when it is cut short. */
    private void readSequenceHeader(byte[] buf, int from, int end, FrameInfo info) {
        BitReader r = bits.reset(buf, from, end);
        r.u(3); // seq_profile
        r.u(1); // still_picture
        boolean reduced = r.u(1) == 1;
        if (reduced) {
            r.u(5); // seq_level_idx[0]
        } else {
            boolean decoderModel = false;
            int bufferDelayLength = 0;
            if (r.u(1) == 1) { // timing_info_present_flag
                r.u(32);
                r.u(32);
                if (r.u(1) == 1) { // equal_picture_interval
                    r.ue(); // uvlc()
                }
                decoderModel = r.u(1) == 1;
                if (decoderModel) {
                    bufferDelayLength = r.u(5) + 1;
                    r.u(32);
                    r.u(5);
                    r.u(5);
                }
            }
            boolean initialDisplayDelay = r.u(1) == 1;
            int points = r.u(5) + 1;
            for (int i = 0; i < points && !r.overrun; i++) {
                r.u(12); // operating_point_idc
                if (r.u(5) > 7) { // seq_level_idx
                    r.u(1); // seq_tier
                }
                if (decoderModel && r.u(1) == 1) {
                    r.u(bufferDelayLength);
                    r.u(bufferDelayLength);
                    r.u(1);
                }
                if (initialDisplayDelay && r.u(1) == 1) {
                    r.u(4);
                }
            }
        }
        int widthBits = r.u(4) + 1;
        int heightBits = r.u(4) + 1;
        int width = r.u(widthBits) + 1;
        int height = r.u(heightBits) + 1;
        if (!r.overrun) {
            info.width = width;
            info.height = height;
        }
    }

    @Override
    public void rewrite(byte[] buf, int shift, int pictureId, int tl0PicIdx) {
        // no numbering fields in the payload
    }
}
