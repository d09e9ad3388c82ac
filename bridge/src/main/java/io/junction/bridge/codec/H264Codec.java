package io.junction.bridge.codec;

/**
 * H.264 (RFC 6184, packetization mode 1): keyframe starts from the NAL unit types (an IDR slice or an
 * SPS, alone, first in a STAP-A, or at the start of a FU-A), and the frame size from a keyframe's SPS.
 * No temporal layers, no numbering fields to rewrite: every packet counts as a frame start of the
 * base layer.
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

    /** The SPS of the last keyframe without its emulation-prevention bytes (reused; SPSs are short). */
    private final byte[] sps = new byte[256];
    private final BitReader bits = new BitReader();

    @Override
    public boolean inspect(byte[] buf, int off, int len, FrameInfo info) {
        info.reset();
        info.valid = len >= 2;
        info.keyframeStart = isKeyframeStart(buf, off, len);
        if (info.keyframeStart) {
            readSize(buf, off, len, info);
        }
        return info.valid;
    }

    /** The frame size from a keyframe packet's SPS (alone, or in a STAP-A), into {@code info}; nothing without one. */
    private void readSize(byte[] buf, int off, int len, FrameInfo info) {
        int type = buf[off] & 0x1F;
        if (type == NAL_SPS) {
            spsSize(buf, off, off + len, info);
        } else if (type == STAP_A) {
            int at = off + 1;
            int end = off + len;
            while (at + 3 <= end) {
                int size = ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
                if (at + 2 + size > end) {
                    return;
                }
                if ((buf[at + 2] & 0x1F) == NAL_SPS) {
                    spsSize(buf, at + 2, at + 2 + size, info);
                    return;
                }
                at += 2 + size;
            }
        }
    }

    /** Reads the frame size of the SPS NAL unit {@code buf[from, end)} (H.264 7.3.2.1.1) into {@code info}. */
    private void spsSize(byte[] buf, int from, int end, FrameInfo info) {
        int n = 0;
        int zeros = 0;
        for (int i = from + 1; i < end && n < sps.length; i++) { // after the NAL header, without 00 00 03's 03
            int b = buf[i] & 0xFF;
            if (zeros >= 2 && b == 3) {
                zeros = 0;
                continue;
            }
            zeros = b == 0 ? zeros + 1 : 0;
            sps[n++] = (byte) b;
        }
        BitReader r = bits.reset(sps, 0, n);
        int profile = r.u(8);
        r.u(16); // constraint flags, level
        r.ue(); // seq_parameter_set_id
        int chroma = 1;
        if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83
                || profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139
                || profile == 134 || profile == 135) {
            chroma = r.ue();
            if (chroma == 3) {
                r.u(1);
            }
            r.ue();
            r.ue();
            r.u(1);
            if (r.u(1) == 1) { // seq_scaling_matrix_present_flag
                for (int i = 0; i < (chroma != 3 ? 8 : 12) && !r.overrun; i++) {
                    if (r.u(1) == 1) {
                        int last = 8;
                        int next = 8;
                        for (int j = 0; j < (i < 6 ? 16 : 64) && next != 0 && !r.overrun; j++) {
                            next = (last + r.se() + 256) % 256;
                            last = next == 0 ? last : next;
                        }
                    }
                }
            }
        }
        r.ue(); // log2_max_frame_num_minus4
        int pocType = r.ue();
        if (pocType == 0) {
            r.ue();
        } else if (pocType == 1) {
            r.u(1);
            r.se();
            r.se();
            int cycle = r.ue();
            for (int i = 0; i < cycle && i < 256 && !r.overrun; i++) {
                r.se();
            }
        }
        r.ue(); // max_num_ref_frames
        r.u(1);
        int widthMbs = r.ue() + 1;
        int heightUnits = r.ue() + 1;
        int frameMbsOnly = r.u(1);
        if (frameMbsOnly == 0) {
            r.u(1);
        }
        r.u(1); // direct_8x8_inference_flag
        int cropLeft = 0;
        int cropRight = 0;
        int cropTop = 0;
        int cropBottom = 0;
        if (r.u(1) == 1) {
            cropLeft = r.ue();
            cropRight = r.ue();
            cropTop = r.ue();
            cropBottom = r.ue();
        }
        if (r.overrun) {
            return;
        }
        int cropX = chroma == 3 || chroma == 0 ? 1 : 2;
        int cropY = (chroma == 1 ? 2 : 1) * (2 - frameMbsOnly);
        int width = widthMbs * 16 - cropX * (cropLeft + cropRight);
        int height = (2 - frameMbsOnly) * heightUnits * 16 - cropY * (cropTop + cropBottom);
        if (width > 0 && height > 0 && width <= 16384 && height <= 16384) {
            info.width = width;
            info.height = height;
        }
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
