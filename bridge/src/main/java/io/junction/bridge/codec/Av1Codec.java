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
    private static void readSize(byte[] buf, int at, int end, int count, FrameInfo info) {
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
    static void readSequenceHeader(byte[] buf, int from, int end, FrameInfo info) {
        Bits r = new Bits(buf, from, end);
        r.read(3); // seq_profile
        r.read(1); // still_picture
        boolean reduced = r.read(1) == 1;
        if (reduced) {
            r.read(5); // seq_level_idx[0]
        } else {
            boolean decoderModel = false;
            int bufferDelayLength = 0;
            if (r.read(1) == 1) { // timing_info_present_flag
                r.read(32);
                r.read(32);
                if (r.read(1) == 1) { // equal_picture_interval
                    r.uvlc();
                }
                decoderModel = r.read(1) == 1;
                if (decoderModel) {
                    bufferDelayLength = r.read(5) + 1;
                    r.read(32);
                    r.read(5);
                    r.read(5);
                }
            }
            boolean initialDisplayDelay = r.read(1) == 1;
            int points = r.read(5) + 1;
            for (int i = 0; i < points && !r.overrun; i++) {
                r.read(12); // operating_point_idc
                if (r.read(5) > 7) { // seq_level_idx
                    r.read(1); // seq_tier
                }
                if (decoderModel && r.read(1) == 1) {
                    r.read(bufferDelayLength);
                    r.read(bufferDelayLength);
                    r.read(1);
                }
                if (initialDisplayDelay && r.read(1) == 1) {
                    r.read(4);
                }
            }
        }
        int widthBits = r.read(4) + 1;
        int heightBits = r.read(4) + 1;
        int width = r.read(widthBits) + 1;
        int height = r.read(heightBits) + 1;
        if (!r.overrun) {
            info.width = width;
            info.height = height;
        }
    }

    @Override
    public void rewrite(byte[] buf, int shift, int pictureId, int tl0PicIdx) {
        // no numbering fields in the payload
    }

    /** A big-endian bit reader that reports reading past the end instead of failing. */
    private static final class Bits {
        private final byte[] buf;
        private int bit;
        private final int endBit;
        boolean overrun;

        Bits(byte[] buf, int from, int end) {
            this.buf = buf;
            this.bit = from * 8;
            this.endBit = end * 8;
        }

        /** The next {@code n} bits (at most 32) as an unsigned value (0 past the end). */
        int read(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                if (bit >= endBit) {
                    overrun = true;
                    return 0;
                }
                v = (v << 1) | ((buf[bit >>> 3] >>> (7 - (bit & 7))) & 1);
                bit++;
            }
            return (int) v;
        }

        /** uvlc() of the AV1 spec: leading zeros, then as many bits. */
        void uvlc() {
            int zeros = 0;
            while (read(1) == 0 && !overrun) {
                if (++zeros >= 32) {
                    overrun = true;
                    return;
                }
            }
            read(zeros);
        }
    }
}
