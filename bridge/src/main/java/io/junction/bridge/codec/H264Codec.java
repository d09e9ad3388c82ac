package io.junction.bridge.codec;

/**
 * H.264 (RFC 6184, packetization mode 1): keyframe starts from the NAL unit types (an IDR slice or an
 * SPS, alone, first in a STAP-A, or at the start of a FU-A). No temporal layers, no numbering fields
 * to rewrite: every packet counts as a frame start of the base layer.
 */
public final class H264Codec implements VideoCodec {
    private static final int NAL_IDR = 5;
    private static final int NAL_SPS = 7;
    private static final int STAP_A = 24;
    private static final int FU_A = 28;

    @Override
    public String name() {
        return "H264";
    }

    @Override
    public boolean inspect(byte[] buf, int off, int len, FrameInfo info) {
        info.reset();
        info.valid = len >= 2;
        info.keyframeStart = isKeyframeStart(buf, off, len);
        return info.valid;
    }

    @Override
    public void rewrite(byte[] buf, int shift, int pictureId, int tl0PicIdx) {
        // nothing to rewrite
    }

    /** True when the payload {@code buf[off, off+len)} starts a keyframe. */
    public static boolean isKeyframeStart(byte[] buf, int off, int len) {
        if (len < 2) {
            return false;
        }
        int type = buf[off] & 0x1F;
        if (type == NAL_IDR || type == NAL_SPS) {
            return true;
        }
        if (type == STAP_A) { // 16-bit size, then the NAL unit
            int at = off + 1;
            int end = off + len;
            while (at + 3 <= end) {
                int size = ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
                int t = buf[at + 2] & 0x1F;
                if (t == NAL_IDR || t == NAL_SPS) {
                    return true;
                }
                at += 2 + size;
            }
            return false;
        }
        if (type == FU_A) { // S bit and the original type in the FU header
            int fu = buf[off + 1] & 0xFF;
            return (fu & 0x80) != 0 && ((fu & 0x1F) == NAL_IDR || (fu & 0x1F) == NAL_SPS);
        }
        return false;
    }
}
