package io.junction.bridge.codec;

/**
 * A reusable view of the VP9 payload descriptor (RFC 9628 §4.2) at the start of an RTP payload. The
 * bridge reads it on every forwarded VP9 packet: where a layer frame begins and ends (B, E), whether
 * it is predicted from earlier pictures (P) and from the lower spatial layer of the same picture (D),
 * its temporal and spatial layer, the temporal switching-up point (U), and from a keyframe's
 * scalability structure (V) the resolution of every spatial layer. It keeps the offsets of the
 * picture id and TL0PICIDX it may rewrite. No allocation.
 *
 * <pre>
 *   |I|P|L|F|B|E|V|Z|   I: picture id, P: inter-picture predicted, L: layer indices, F: flexible mode,
 *                       B/E: start/end of a layer frame, V: scalability structure, Z: not a reference
 *                       for the upper spatial layer
 *   |M| PICTURE ID  |   (I) 7 or, with M, 15 bits
 *   | TID |U| SID |D|   (L) temporal id, switching up point, spatial id, inter-layer dependency
 *   |   TL0PICIDX   |   (L, not F)
 *   | P_DIFF      |N|   (P and F) up to three reference differences
 *   | N_S |Y|G|-|-|-|   (V) then per spatial layer WIDTH, HEIGHT (Y), then the picture group (G)
 * </pre>
 */
public final class Vp9Descriptor {
    /** No value for the field in this packet. */
    public static final int NONE = -1;
    /** The largest number of spatial layers a scalability structure describes (N_S is three bits). */
    public static final int MAX_SPATIAL = 8;

    private boolean interPicture;
    private boolean flexible;
    private boolean beginning;
    private boolean end;
    private boolean notRefForUpper;
    private int pictureId;
    private int pictureIdOffset;
    private int pictureIdBits;
    private int temporalId;
    private boolean switchingUp;
    private int spatialId;
    private boolean interLayer;
    private int tl0PicIdx;
    private int tl0PicIdxOffset;
    private int ssLayers;
    private final int[] pDiff = new int[3];
    private int pDiffCount;
    private final int[] ssWidth = new int[MAX_SPATIAL];
    private final int[] ssHeight = new int[MAX_SPATIAL];

    /**
     * Parses the descriptor of the payload {@code buf[off, off+len)}. Returns false (and leaves the view
     * unusable) when it is truncated or inconsistent.
     */
    public boolean wrap(byte[] buf, int off, int len) {
        pictureId = NONE;
        pictureIdOffset = NONE;
        pictureIdBits = 0;
        temporalId = NONE;
        switchingUp = false;
        spatialId = NONE;
        interLayer = false;
        tl0PicIdx = NONE;
        tl0PicIdxOffset = NONE;
        ssLayers = 0;
        pDiffCount = 0;
        if (len < 1) {
            return false;
        }
        int end = off + len;
        int b0 = buf[off] & 0xFF;
        boolean hasPictureId = (b0 & 0x80) != 0;
        interPicture = (b0 & 0x40) != 0;
        boolean hasLayers = (b0 & 0x20) != 0;
        flexible = (b0 & 0x10) != 0;
        beginning = (b0 & 0x08) != 0;
        this.end = (b0 & 0x04) != 0;
        boolean hasSs = (b0 & 0x02) != 0;
        notRefForUpper = (b0 & 0x01) != 0;
        int at = off + 1;
        if (hasPictureId) {
            pictureIdOffset = at;
            pictureIdBits = PictureIdField.width(buf, at, end);
            if (pictureIdBits == 0) {
                return false;
            }
            pictureId = PictureIdField.read(buf, at, pictureIdBits);
            at += PictureIdField.length(pictureIdBits);
        }
        if (hasLayers) {
            if (at >= end) {
                return false;
            }
            int l = buf[at++] & 0xFF;
            temporalId = l >>> 5;
            switchingUp = (l & 0x10) != 0;
            spatialId = (l >>> 1) & 0x07;
            interLayer = (l & 0x01) != 0;
            if (!flexible) {
                if (at >= end) {
                    return false;
                }
                tl0PicIdxOffset = at;
                tl0PicIdx = buf[at++] & 0xFF;
            }
        }
        if (flexible && interPicture) {
            for (int k = 0; ; k++) { // P_DIFF, N: another follows; at most three
                if (at >= end || k == 3) {
                    return false;
                }
                int d = buf[at++] & 0xFF;
                pDiff[k] = d >>> 1;
                pDiffCount = k + 1;
                if ((d & 0x01) == 0) {
                    break;
                }
            }
        }
        if (hasSs) {
            if (at >= end) {
                return false;
            }
            int v = buf[at++] & 0xFF;
            int layers = (v >>> 5) + 1;
            boolean sizes = (v & 0x10) != 0;
            boolean group = (v & 0x08) != 0;
            if (sizes) {
                if (at + 4 * layers > end) {
                    return false;
                }
                for (int s = 0; s < layers; s++) {
                    ssWidth[s] = ((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF);
                    ssHeight[s] = ((buf[at + 2] & 0xFF) << 8) | (buf[at + 3] & 0xFF);
                    at += 4;
                }
            } else {
                java.util.Arrays.fill(ssWidth, 0, layers, 0);
                java.util.Arrays.fill(ssHeight, 0, layers, 0);
            }
            if (group) {
                if (at >= end) {
                    return false;
                }
                int frames = buf[at++] & 0xFF;
                for (int g = 0; g < frames; g++) {
                    if (at >= end) {
                        return false;
                    }
                    int refs = (buf[at++] >>> 2) & 0x03;
                    at += refs;
                    if (at > end) {
                        return false;
                    }
                }
            }
            ssLayers = layers;
        }
        return at <= end;
    }

    /** B: the first packet of a layer frame. */
    public boolean isBeginningOfLayerFrame() {
        return beginning;
    }

    /** E: the last packet of a layer frame. */
    public boolean isEndOfLayerFrame() {
        return end;
    }

    /** P: the layer frame is predicted from an earlier picture (false on a keyframe). */
    public boolean isInterPicturePredicted() {
        return interPicture;
    }

    /** F: flexible mode (references in the descriptor) rather than a picture group. */
    public boolean isFlexible() {
        return flexible;
    }

    /** Z: no upper spatial layer frame of this picture depends on this one. */
    public boolean isNotReferenceForUpperLayer() {
        return notRefForUpper;
    }

    /** The first packet of a keyframe: the base (or only) spatial layer, not predicted from earlier pictures. */
    public boolean isKeyframeStart() {
        return beginning && !interPicture && spatialId <= 0;
    }

    /** Picture id (7 or 15 bits), or {@link #NONE}. */
    public int pictureId() {
        return pictureId;
    }

    /** 7 or 15; 0 without picture id. */
    public int pictureIdBits() {
        return pictureIdBits;
    }

    /** Temporal layer id 0..7, or {@link #NONE} without layer indices. */
    public int temporalId() {
        return temporalId;
    }

    /** U: a temporal switching-up point (later frames of this layer refer to nothing older above the base). */
    public boolean isSwitchingUpPoint() {
        return switchingUp;
    }

    /** Spatial layer id 0..7, or {@link #NONE} without layer indices. */
    public int spatialId() {
        return spatialId;
    }

    /** D: the layer frame depends on the lower spatial layer frame of the same picture. */
    public boolean isInterLayerPredicted() {
        return interLayer;
    }

    /** TL0PICIDX (non-flexible mode with layer indices), or {@link #NONE}. */
    public int tl0PicIdx() {
        return tl0PicIdx;
    }

    /** Number of reference differences (flexible mode, predicted frames), 0..3. */
    public int referenceCount() {
        return pDiffCount;
    }

    /** The {@code i}-th reference: how many pictures before this one it is. */
    public int referenceDiff(int i) {
        return pDiff[i];
    }

    /** Spatial layers the packet's scalability structure describes; 0 without one. */
    public int scalabilityLayers() {
        return ssLayers;
    }

    /** Width of spatial layer {@code s} from the scalability structure (0 when not given). */
    public int layerWidth(int s) {
        return ssWidth[s];
    }

    /** Height of spatial layer {@code s} from the scalability structure (0 when not given). */
    public int layerHeight(int s) {
        return ssHeight[s];
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
