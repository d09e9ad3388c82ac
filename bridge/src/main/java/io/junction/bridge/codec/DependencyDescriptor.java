package io.junction.bridge.codec;

/**
 * A reader of the dependency descriptor RTP header extension (AV1 RTP specification, appendix A):
 * per packet the frame's start and end, its frame number and template, and through the template
 * structure (sent in keyframes, kept here for the packets after them) its spatial and temporal
 * layer, the decode targets it serves, the frames it depends on and the chains. One instance per
 * stream; reading allocates nothing.
 *
 * <p>Not wired into forwarding yet: AV1 is forwarded from its aggregation header ({@link Av1Codec}),
 * without layer selection. This reader is the first part of selecting AV1 (and VP8/VP9 sent with
 * the descriptor) by decode target; see docs/architecture.md, "Codecs".
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
                activeDecodeTargets = r.u(dtCount);
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
