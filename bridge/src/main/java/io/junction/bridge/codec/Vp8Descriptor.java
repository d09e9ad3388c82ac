package io.junction.bridge.codec;

/**
 * A reusable view of the VP8 payload descriptor (RFC 7741 §4.2) at the start of an RTP payload, and
 * of the VP8 payload header of a frame's first packet (RFC 7741 §4.3, RFC 6386 §9.1). The bridge
 * reads it on every forwarded video packet to find keyframes (where a layer switch may happen), the
 * temporal layer (to drop the upper ones), the frame size of keyframes, and the offsets of the picture
 * id and TL0PICIDX fields it rewrites in place. No allocation.
 *
 * <pre>
 *   |X|R|N|S|R| PID |   X: extended control bits follow; S: start of a partition; PID: partition index
 *   |I|L|T|K| RSV   |   I: picture id, L: TL0PICIDX, T: TID/Y, K: KEYIDX present
 *   |M| PictureID   |   M: 15-bit picture id (one more byte)
 *   |   TL0PICIDX   |
 *   |TID|Y| KEYIDX  |
 * </pre>
 */
public final class Vp8Descriptor {
    /** No picture id / TL0PICIDX / temporal id in this packet. */
    public static final int NONE = -1;

    private boolean start;
    private int partition;
    private int pictureId;
    private int pictureIdOffset;
    private int pictureIdBits;
    private int tl0PicIdx;
    private int tl0PicIdxOffset;
    private int temporalId;
    private boolean layerSync;
    private boolean keyframe;
    private int width;
    private int height;

    /**
     * Parses the descriptor of the payload {@code buf[off, off+len)}. Returns false (and leaves the view
     * unusable) when it is truncated.
     */
    public boolean wrap(byte[] buf, int off, int len) {
        pictureId = NONE;
        pictureIdOffset = NONE;
        pictureIdBits = 0;
        tl0PicIdx = NONE;
        tl0PicIdxOffset = NONE;
        temporalId = NONE;
        layerSync = false;
        keyframe = false;
        width = 0;
        height = 0;
        if (len < 1) {
            return false;
        }
        int end = off + len;
        int b0 = buf[off] & 0xFF;
        start = (b0 & 0x10) != 0;
        partition = b0 & 0x07;
        int at = off + 1;
        if ((b0 & 0x80) != 0) {
            if (at >= end) {
                return false;
            }
            int x = buf[at++] & 0xFF;
            if ((x & 0x80) != 0) {
                pictureIdOffset = at;
                pictureIdBits = PictureIdField.width(buf, at, end);
                if (pictureIdBits == 0) {
                    return false;
                }
                pictureId = PictureIdField.read(buf, at, pictureIdBits);
                at += PictureIdField.length(pictureIdBits);
            }
            if ((x & 0x40) != 0) {
                if (at >= end) {
                    return false;
                }
                tl0PicIdxOffset = at;
                tl0PicIdx = buf[at++] & 0xFF;
            }
            if ((x & 0x30) != 0) {
                if (at >= end) {
                    return false;
                }
                int t = buf[at++] & 0xFF;
                if ((x & 0x20) != 0) {
                    temporalId = t >>> 6;
                    layerSync = (t & 0x20) != 0;
                }
            }
        }
        if (start && partition == 0 && at < end) {
            // VP8 payload header: P (inverse key frame flag) is bit 0 of the first byte.
            keyframe = (buf[at] & 0x01) == 0;
            if (keyframe && at + 10 <= end && (buf[at + 3] & 0xFF) == 0x9D && (buf[at + 4] & 0xFF) == 0x01
                    && (buf[at + 5] & 0xFF) == 0x2A) {
                width = ((buf[at + 6] & 0xFF) | (buf[at + 7] & 0xFF) << 8) & 0x3FFF;
                height = ((buf[at + 8] & 0xFF) | (buf[at + 9] & 0xFF) << 8) & 0x3FFF;
            }
        }
        return true;
    }

    /** True for the first packet of a frame (start of partition 0). */
    public boolean isStartOfFrame() {
        return start && partition == 0;
    }

    /** True for the first packet of a keyframe. */
    public boolean isKeyframeStart() {
        return keyframe;
    }

    /** Keyframe dimensions from the first packet of a keyframe, else 0. */
    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Picture id (7 or 15 bits), or {@link #NONE}. */
    public int pictureId() {
        return pictureId;
    }

    /** 7 or 15; 0 without picture id. */
    public int pictureIdBits() {
        return pictureIdBits;
    }

    public int tl0PicIdx() {
        return tl0PicIdx;
    }

    /** Temporal layer id 0..3, or {@link #NONE} when the packet does not say (no temporal layering). */
    public int temporalId() {
        return temporalId;
    }

    /** Y bit: this frame depends only on the base temporal layer (a point to switch temporal layers up). */
    public boolean isLayerSync() {
        return layerSync;
    }

    /**
     * Rewrites the picture id (keeping its width), when the packet has one, in {@code buf}: the parsed
     * packet or a copy of it placed {@code shift} bytes further.
     */
    public void setPictureId(byte[] buf, int shift, int pictureId) {
        PictureIdField.write(buf, pictureIdOffset + shift, pictureIdBits, pictureId);
    }

    /** Rewrites TL0PICIDX, when the packet has one (in the parsed packet or a copy {@code shift} further). */
    public void setTl0PicIdx(byte[] buf, int shift, int tl0) {
        if (tl0PicIdxOffset >= 0) {
            buf[tl0PicIdxOffset + shift] = (byte) tl0;
        }
    }
}
