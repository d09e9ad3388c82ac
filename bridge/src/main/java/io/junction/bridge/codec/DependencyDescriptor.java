package io.junction.bridge.codec;

/**
 * A reader of the dependency descriptor RTP header extension (AV1 RTP specification, appendix A):
 * per packet the frame's start and end, its frame number and template, and through the template
 * structure (sent in keyframes, kept here for the packets after them) its spatial and temporal
 * layer, the decode targets it serves, the frames it depends on and the chains. One instance per
 * stream; reading allocates nothing.
 *
 * <p>Read per simulcast encoding (each has its own structure and frame numbers) on the publisher's
 * worker; {@link #describe} turns a packet's descriptor into the codec-neutral {@link FrameInfo} the
 * projection decides on, for every codec the publisher sends it with (AV1, and VP8/VP9/H.264 when
 * negotiated). The frame number and the active decode targets are rewritten per receiver in place
 * ({@link #writeFrameNumber}, {@link #writeActiveDecodeTargets}); see docs/architecture.md, "Codecs".
 */
public final class DependencyDescriptor {
    /** Limits of the structure this reader keeps (the syntax allows 64 templates and 32 decode targets). */
    public static final int MAX_TEMPLATES = 64;
    public static final int MAX_DECODE_TARGETS = 32;
    public static final int MAX_FDIFFS = 16;
    public static final int MAX_SPATIAL = 4;

    // ---- the template structure (from the last packet that had one) ----
    private boolean hasStructure;
    private int templateIdOffset;
    private int dtCount;
    private int templateCount;
    private int chainCount;
    private int maxSpatialId;
    private int maxTemporalId;
    private final int[] templateSpatial = new int[MAX_TEMPLATES];
    private final int[] templateTemporal = new int[MAX_TEMPLATES];
    private final int[][] templateDtis = new int[MAX_TEMPLATES][MAX_DECODE_TARGETS];
    private final int[][] templateFdiffs = new int[MAX_TEMPLATES][MAX_FDIFFS];
    private final int[] templateFdiffCount = new int[MAX_TEMPLATES];
    private final int[][] templateChainFdiffs = new int[MAX_TEMPLATES][MAX_DECODE_TARGETS];
    private final int[] protectedBy = new int[MAX_DECODE_TARGETS];
    private final int[] decodeTargetSpatial = new int[MAX_DECODE_TARGETS];
    private final int[] decodeTargetTemporal = new int[MAX_DECODE_TARGETS];
    private boolean resolutions;
    private final int[] width = new int[MAX_SPATIAL];
    private final int[] height = new int[MAX_SPATIAL];

    // ---- the last packet ----
    private boolean startOfFrame;
    private boolean endOfFrame;
    private int frameNumber;
    private int templateId;
    private int templateIndex;
    private boolean structurePresent;
    private long activeDecodeTargets;
    /** Where the active decode targets bitmask of the last packet starts (absolute bit), -1 when it had none. */
    private int activeMaskBit = -1;
    /** Seen a base-layer delta frame that the top spatial layer's decode targets do not need: k-SVC. */
    private boolean layersIndependent;
    private final int[] frameDtis = new int[MAX_DECODE_TARGETS];
    private final int[] frameFdiffs = new int[MAX_FDIFFS];
    private int frameFdiffCount;
    private final int[] frameChainFdiffs = new int[MAX_DECODE_TARGETS];

    private final BitReader r = new BitReader();

    /**
     * Reads the descriptor {@code buf[off, off+len)} (the extension element's data). Returns false when
     * it is truncated or inconsistent, or names a template no structure has described yet; a structure
     * in a packet that fails is not kept.
     */
    public boolean read(byte[] buf, int off, int len) {
        if (len < 3) {
            return false;
        }
        r.reset(buf, off, off + len);
        startOfFrame = r.u(1) == 1;
        endOfFrame = r.u(1) == 1;
        templateId = r.u(6);
        frameNumber = r.u(16);
        structurePresent = false;
        activeMaskBit = -1;
        boolean activePresent = false;
        boolean customDtis = false;
        boolean customFdiffs = false;
        boolean customChains = false;
        if (len > 3) {
            structurePresent = r.u(1) == 1;
            activePresent = r.u(1) == 1;
            customDtis = r.u(1) == 1;
            customFdiffs = r.u(1) == 1;
            customChains = r.u(1) == 1;
            if (structurePresent) {
                if (!readStructure()) {
                    hasStructure = false;
                    return false;
                }
                activeDecodeTargets = (1L << dtCount) - 1;
            }
            if (activePresent) {
                if (!hasStructure) {
                    return false;
                }
                activeMaskBit = r.position();
                activeDecodeTargets = r.u(dtCount) & 0xFFFFFFFFL; // up to 32 targets: unsigned
            }
        }
        if (!hasStructure) {
            return false;
        }
        templateIndex = (templateId + 64 - templateIdOffset) % 64;
        if (templateIndex >= templateCount) {
            return false;
        }
        if (customDtis) {
            for (int d = 0; d < dtCount; d++) {
                frameDtis[d] = r.u(2);
            }
        } else {
            System.arraycopy(templateDtis[templateIndex], 0, frameDtis, 0, dtCount);
        }
        if (customFdiffs) {
            frameFdiffCount = 0;
            for (int size = r.u(2); size != 0 && !r.overrun; size = r.u(2)) {
                if (frameFdiffCount == MAX_FDIFFS) {
                    return false;
                }
                frameFdiffs[frameFdiffCount++] = r.u(4 * size) + 1;
            }
        } else {
            frameFdiffCount = templateFdiffCount[templateIndex];
            System.arraycopy(templateFdiffs[templateIndex], 0, frameFdiffs, 0, frameFdiffCount);
        }
        if (customChains) {
            for (int c = 0; c < chainCount; c++) {
                frameChainFdiffs[c] = r.u(8);
            }
        } else {
            System.arraycopy(templateChainFdiffs[templateIndex], 0, frameChainFdiffs, 0, chainCount);
        }
        return !r.overrun;
    }

    /**
     * The 16-bit frame number of descriptor {@code buf[off, off+len)} without reading the rest (it needs
     * no structure), or -1 when it is too short.
     */
    public static int frameNumber(byte[] buf, int off, int len) {
        return len < 3 ? -1 : ((buf[off + 1] & 0xFF) << 8) | (buf[off + 2] & 0xFF);
    }

    /** Writes {@code frameNumber} into the descriptor starting at {@code off} (a receiver's copy). */
    public static void writeFrameNumber(byte[] buf, int off, int frameNumber) {
        buf[off + 1] = (byte) (frameNumber >>> 8);
        buf[off + 2] = (byte) frameNumber;
    }

    /**
     * Writes {@code mask} (bit i: decode target i) over the active decode targets of the last packet
     * read, in a copy of it whose descriptor starts {@code shift} bytes after the original's; nothing
     * when that packet carried none. Same length: the rewrite is in place.
     */
    public void writeActiveDecodeTargets(byte[] buf, int shift, long mask) {
        if (activeMaskBit < 0) {
            return;
        }
        int bit = activeMaskBit + shift * 8;
        for (int d = 0; d < dtCount; d++, bit++) {
            int v = (int) (mask >>> (dtCount - 1 - d)) & 1; // the first bit is the highest decode target
            int b = bit >>> 3;
            int m = 0x80 >>> (bit & 7);
            buf[b] = (byte) (v != 0 ? (buf[b] | m) : (buf[b] & ~m));
        }
    }

    /** The last packet carried an active decode targets bitmask (one can be rewritten). */
    public boolean hasActiveDecodeTargets() {
        return activeMaskBit >= 0;
    }

    /**
     * The decode targets a receiver decodes when it gets spatial layers up to {@code spatial} (-1: a
     * stream without them, layer 0) and temporal layers up to {@code temporal}: those within both, and,
     * when upper layers depend on lower ones only in keyframes ({@code layersIndependent}), only those
     * of its own spatial layer (the lower layers' own frames are not forwarded to it). Bit i: target i.
     */
    public long decodableTargets(int spatial, int temporal, boolean layersIndependent) {
        int s = Math.max(spatial, 0);
        long mask = 0;
        for (int d = 0; d < dtCount; d++) {
            int ds = decodeTargetSpatial[d];
            if (decodeTargetTemporal[d] <= temporal && (ds == s || (ds < s && !layersIndependent))) {
                mask |= 1L << d;
            }
        }
        return mask;
    }

    /**
     * Describes the last packet read into {@code info} as the projection needs it, over what the codec
     * read of the payload: temporal and spatial layer, frame start and end (a frame of the descriptor
     * is one layer frame; the picture starts at its lowest spatial layer), the temporal layers a
     * receiver may go up to at this frame (its indication is "switch" for their decode targets), the
     * spatial layers whose decode targets need it, k-SVC, the layers' sizes, the frame number.
     */
    public void describe(FrameInfo info) {
        int sid = spatialId();
        int tid = temporalId();
        boolean layered = maxSpatialId > 0;
        info.frameNumber = frameNumber;
        info.dependencies = true;
        info.temporalId = tid;
        info.spatialId = layered ? sid : FrameInfo.NONE;
        info.startOfFrame = startOfFrame && (!layered || sid == 0);
        info.endOfLayerFrame = endOfFrame;
        info.interPicturePredicted = frameFdiffCount > 0;
        if (structurePresent && startOfFrame && frameFdiffCount == 0) {
            info.keyframeStart = true;
        }
        int present = 0;
        int switches = 0;
        for (int d = 0; d < dtCount; d++) {
            int dti = frameDtis[d];
            if (dti != 0) {
                present |= 1 << decodeTargetSpatial[d];
            }
            if (dti == DTI_SWITCH && decodeTargetSpatial[d] == sid) {
                switches |= 1 << decodeTargetTemporal[d];
            }
        }
        info.presentInSpatial = present;
        info.temporalSwitchPoints = switches;
        info.layerSync = tid > 0 && (switches & (1 << tid)) != 0;
        if (layered) {
            // a base-layer delta frame that the top layer's targets do not need: upper layers do not
            // lean on lower ones between keyframes (k-SVC)
            if (sid == 0 && frameFdiffCount > 0 && !structurePresent) {
                layersIndependent = (present & (1 << maxSpatialId)) == 0;
            }
            info.layersIndependent = layersIndependent;
            info.spatialLayers = maxSpatialId + 1;
            for (int s = 0; s <= maxSpatialId && s < info.spatialHeights.length; s++) {
                info.spatialHeights[s] = resolutions ? height[s] : 0;
            }
        }
        if (info.keyframeStart && resolutions && info.height == 0) {
            info.width = width[maxSpatialId];
            info.height = height[maxSpatialId];
        }
    }

    /** Decode target indication "switch": a receiver may start decoding the target at this frame. */
    public static final int DTI_SWITCH = 2;

    private boolean readStructure() {
        templateIdOffset = r.u(6);
        dtCount = r.u(5) + 1;
        // template layers
        int temporal = 0;
        int spatial = 0;
        templateCount = 0;
        maxTemporalId = 0;
        int next;
        do {
            if (templateCount == MAX_TEMPLATES || spatial >= MAX_SPATIAL) {
                return false;
            }
            templateSpatial[templateCount] = spatial;
            templateTemporal[templateCount] = temporal;
            templateCount++;
            next = r.u(2);
            if (next == 1) {
                temporal++;
                maxTemporalId = Math.max(maxTemporalId, temporal);
            } else if (next == 2) {
                temporal = 0;
                spatial++;
            }
        } while (next != 3 && !r.overrun);
        maxSpatialId = spatial;
        for (int t = 0; t < templateCount; t++) {
            for (int d = 0; d < dtCount; d++) {
                templateDtis[t][d] = r.u(2);
            }
        }
        for (int t = 0; t < templateCount; t++) {
            int n = 0;
            while (r.u(1) == 1 && !r.overrun) {
                if (n == MAX_FDIFFS) {
                    return false;
                }
                templateFdiffs[t][n++] = r.u(4) + 1;
            }
            templateFdiffCount[t] = n;
        }
        chainCount = r.ns(dtCount + 1);
        if (chainCount > 0) {
            for (int d = 0; d < dtCount; d++) {
                protectedBy[d] = r.ns(chainCount);
            }
            for (int t = 0; t < templateCount; t++) {
                for (int c = 0; c < chainCount; c++) {
                    templateChainFdiffs[t][c] = r.u(4);
                }
            }
        }
        for (int d = 0; d < dtCount; d++) {
            int s = 0;
            int tid = 0;
            for (int t = 0; t < templateCount; t++) {
                if (templateDtis[t][d] != 0) {
                    s = Math.max(s, templateSpatial[t]);
                    tid = Math.max(tid, templateTemporal[t]);
                }
            }
            decodeTargetSpatial[d] = s;
            decodeTargetTemporal[d] = tid;
        }
        resolutions = r.u(1) == 1;
        if (resolutions) {
            for (int s = 0; s <= maxSpatialId; s++) {
                width[s] = r.u(16) + 1;
                height[s] = r.u(16) + 1;
            }
        }
        if (r.overrun) {
            return false;
        }
        if (!hasStructure || maxSpatialId == 0) {
            layersIndependent = false;
        }
        hasStructure = true;
        return true;
    }

    public boolean startOfFrame() {
        return startOfFrame;
    }

    public boolean endOfFrame() {
        return endOfFrame;
    }

    /** The frame number (16 bits). */
    public int frameNumber() {
        return frameNumber;
    }

    /** The packet carried a template structure (a keyframe's first packet does). */
    public boolean structurePresent() {
        return structurePresent;
    }

    public int spatialId() {
        return templateSpatial[templateIndex];
    }

    public int temporalId() {
        return templateTemporal[templateIndex];
    }

    /** Decode targets of the structure. */
    public int decodeTargets() {
        return dtCount;
    }

    /** The decode targets the sender says are active, one bit each (bit i: target i). */
    public long activeDecodeTargets() {
        return activeDecodeTargets;
    }

    /** The frame's indication for decode target {@code d}: 0 not present, 1 discardable, 2 switch, 3 required. */
    public int decodeTargetIndication(int d) {
        return frameDtis[d];
    }

    /** Highest spatial and temporal layer of decode target {@code d}. */
    public int decodeTargetSpatialId(int d) {
        return decodeTargetSpatial[d];
    }

    public int decodeTargetTemporalId(int d) {
        return decodeTargetTemporal[d];
    }

    /** How many earlier frames this frame depends on, and how far back each is (in frame numbers). */
    public int frameDiffCount() {
        return frameFdiffCount;
    }

    public int frameDiff(int i) {
        return frameFdiffs[i];
    }

    /** Chains of the structure; the chain protecting decode target {@code d}; the frame's distance to the previous frame of chain {@code c}. */
    public int chains() {
        return chainCount;
    }

    public int chainProtecting(int d) {
        return protectedBy[d];
    }

    public int chainDiff(int c) {
        return frameChainFdiffs[c];
    }

    /** Spatial layers of the structure (1 + its highest spatial id), 0 before a structure. */
    public int spatialLayers() {
        return hasStructure ? maxSpatialId + 1 : 0;
    }

    public int maxTemporalId() {
        return maxTemporalId;
    }

    /** The render size of spatial layer {@code s}, 0 when the structure gave none. */
    public int width(int s) {
        return resolutions ? width[s] : 0;
    }

    public int height(int s) {
        return resolutions ? height[s] : 0;
    }
}
