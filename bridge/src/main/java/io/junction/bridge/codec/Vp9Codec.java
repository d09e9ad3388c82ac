package io.junction.bridge.codec;

/**
 * VP9 (RFC 9628), with temporal and spatial scalability (SVC, e.g. {@code L3T3_KEY}) or as simulcast
 * layers: keyframes, picture starts, temporal and spatial layers, inter-layer dependency and the
 * layers' sizes from the payload descriptor ({@link Vp9Descriptor}); picture id and TL0PICIDX are
 * rewritten in place. The picture ids of VP9 index a fixed picture group (or carry reference
 * differences), so a dropped picture leaves a gap rather than being renumbered away.
 *
 * <p>A temporal up-switch point ({@link FrameInfo#layerSync}) is a frame that refers only to base-layer
 * pictures: in flexible mode (what Chromium sends) read from its reference differences and the
 * temporal layers of the recent pictures this reader remembers. VP9's own U bit means something else
 * (nothing later depends on earlier upper-layer pictures) and Chromium sets it on every frame. In
 * non-flexible mode, without the picture group's references, only keyframes are switch points.
 */
public final class Vp9Codec implements VideoCodec {
    private final Vp9Descriptor vp9 = new Vp9Descriptor();
    private boolean lastValid;
    /** Spatial layers and their heights from the latest scalability structure (keyframes carry one). */
    private int layers;
    private final int[] heights = new int[Vp9Descriptor.MAX_SPATIAL];
    /** Temporal layer of recent pictures by picture id (low 8 bits): {@code pictureId << 3 | tid}, -1 when unknown. */
    private final int[] recentTemporal = new int[256];
    /** Seen an upper spatial layer frame predicted from an earlier picture but not from the layer below: k-SVC. */
    private boolean layersIndependent;

    public Vp9Codec() {
        java.util.Arrays.fill(recentTemporal, -1);
    }

    @Override
    public String name() {
        return "VP9";
    }

    @Override
    public boolean inspect(byte[] buf, int off, int len, FrameInfo info) {
        info.reset();
        lastValid = vp9.wrap(buf, off, len);
        if (!lastValid) {
            return false;
        }
        info.valid = true;
        info.pictureIdGaps = true;
        info.temporalId = vp9.temporalId();
        info.spatialId = vp9.spatialId();
        info.layerSync = refersOnlyToBaseLayer();
        info.keyframeStart = vp9.isKeyframeStart();
        info.startOfFrame = vp9.isBeginningOfLayerFrame() && vp9.spatialId() <= 0;
        info.endOfLayerFrame = vp9.isEndOfLayerFrame();
        info.interLayerPredicted = vp9.isInterLayerPredicted();
        info.pictureId = vp9.pictureIdBits() == 15 ? vp9.pictureId() : FrameInfo.NONE;
        info.tl0PicIdx = vp9.tl0PicIdx();
        info.interPicturePredicted = vp9.isInterPicturePredicted();
        int ss = vp9.scalabilityLayers();
        if (ss > 0) {
            layers = ss;
            for (int s = 0; s < ss; s++) {
                heights[s] = vp9.layerHeight(s);
            }
            if (info.keyframeStart) {
                info.width = vp9.layerWidth(ss - 1);
                info.height = vp9.layerHeight(ss - 1);
            }
        }
        if (info.spatialId > 0 && info.interPicturePredicted) {
            layersIndependent = !info.interLayerPredicted;
        }
        info.layersIndependent = layersIndependent;
        info.spatialLayers = layers;
        for (int s = 0; s < layers; s++) {
            info.spatialHeights[s] = heights[s];
        }
        return true;
    }

    /** Notes this picture's temporal layer; true when the layer frame refers only to base-layer pictures. */
    private boolean refersOnlyToBaseLayer() {
        int pid = vp9.pictureIdBits() == 15 ? vp9.pictureId() : -1;
        int tid = vp9.temporalId();
        if (pid >= 0 && tid >= 0) {
            recentTemporal[pid & 0xFF] = pid << 3 | tid;
        }
        if (!vp9.isInterPicturePredicted()) {
            return true;
        }
        if (!vp9.isFlexible() || pid < 0 || vp9.referenceCount() == 0) {
            return false;
        }
        for (int i = 0; i < vp9.referenceCount(); i++) {
            int ref = (pid - vp9.referenceDiff(i)) & 0x7FFF;
            int known = recentTemporal[ref & 0xFF];
            if (known < 0 || known >>> 3 != ref || (known & 0x07) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void rewrite(byte[] buf, int shift, int pictureId, int tl0PicIdx) {
        if (!lastValid) {
            return;
        }
        if (pictureId >= 0) {
            vp9.setPictureId(buf, shift, pictureId);
        }
        if (tl0PicIdx >= 0) {
            vp9.setTl0PicIdx(buf, shift, tl0PicIdx);
        }
    }
}
