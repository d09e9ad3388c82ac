package io.junction.bridge.codec;

/**
 * What a video packet's payload descriptor says, as its {@link VideoCodec} read it: where the packet
 * sits in the stream (frame start, keyframe), which layers it belongs to, and the numbering fields a
 * receiver's decoder checks for continuity. The forwarding decisions ({@code VideoProjection}) and
 * the allocator's measurements read only this, never a codec's bytes.
 *
 * <p>One instance per published track, reused for every packet on the publisher's worker (no
 * allocation); filled by {@link VideoCodec#inspect}.
 */
public final class FrameInfo {
    /** No value for a numbering field (the codec has none, or this packet does not carry it). */
    public static final int NONE = -1;

    /** The descriptor was read; false for padding or a truncated payload (never a switch point). */
    public boolean valid;
    /** First packet of a keyframe: a layer may start here. */
    public boolean keyframeStart;
    /** First packet of a frame: temporal layers change here. */
    public boolean startOfFrame;
    /** Temporal layer, {@link #NONE} when unknown (counts as the base layer). */
    public int temporalId;
    /** The frame depends only on the base temporal layer: a temporal up-switch point. */
    public boolean layerSync;
    /** Picture id (15 bits), {@link #NONE} without; rewritten per receiver to stay continuous. */
    public int pictureId;
    /** Index of the last base-layer picture (8 bits), {@link #NONE} without; rewritten like the picture id. */
    public int tl0PicIdx;
    /** Frame size from a keyframe's header, 0 when unknown (with spatial layers: the top layer's). */
    public int width;
    public int height;
    /** Spatial layer of this layer frame (VP9 SVC), {@link #NONE} when the codec has none (one layer). */
    public int spatialId;
    /** Last packet of its layer frame: with spatial layers, the marker bit goes here on the highest layer forwarded. */
    public boolean endOfLayerFrame;
    /** The layer frame depends on the lower spatial layer of the same picture (VP9's D bit). */
    public boolean interLayerPredicted;
    /** The layer frame is predicted from earlier pictures (false in a keyframe picture). */
    public boolean interPicturePredicted;
    /**
     * Upper spatial layers depend on lower ones only in keyframe pictures (k-SVC, {@code L3T3_KEY}):
     * a receiver of one spatial layer then gets the lower ones only in keyframe pictures.
     */
    public boolean layersIndependent;
    /** The RTP marker bit of the packet (end of the picture); set by whoever reads the RTP header. */
    public boolean marker;
    /** Spatial layers of the stream as its latest scalability structure announced, 0 when unknown. */
    public int spatialLayers;
    /** Height per spatial layer from the scalability structure (valid up to {@link #spatialLayers}). */
    public final int[] spatialHeights = new int[Vp9Descriptor.MAX_SPATIAL];
    /**
     * Picture ids name pictures in a fixed pattern the receiver relies on (VP9's picture group, or its
     * reference differences): dropped pictures leave gaps instead of being renumbered away.
     */
    public boolean pictureIdGaps;
    /**
     * The packet's layers come from a dependency descriptor ({@link DependencyDescriptor#describe}): then
     * {@link #presentInSpatial} and {@link #temporalSwitchPoints} are known and decide instead of the
     * codec's own reading.
     */
    public boolean dependencies;
    /** The dependency descriptor's frame number (16 bits), {@link #NONE} without one; rewritten per receiver. */
    public int frameNumber;
    /** Bit s: some decode target of spatial layer s needs this frame (with {@link #dependencies}). */
    public int presentInSpatial;
    /**
     * Bit t: a receiver of this frame's spatial layer may go up to temporal layer t at this frame (the
     * indication for that decode target is "switch"); 0 when none or unknown.
     */
    public int temporalSwitchPoints;

    public FrameInfo() {
        reset();
    }

    /** Back to "nothing known": not valid, a frame start (codecs without frames see every packet so), no layers. */
    public void reset() {
        valid = false;
        keyframeStart = false;
        startOfFrame = true;
        temporalId = NONE;
        layerSync = false;
        pictureId = NONE;
        tl0PicIdx = NONE;
        width = 0;
        height = 0;
        spatialId = NONE;
        endOfLayerFrame = false;
        interLayerPredicted = false;
        interPicturePredicted = false;
        layersIndependent = false;
        marker = false;
        spatialLayers = 0;
        pictureIdGaps = false;
        dependencies = false;
        frameNumber = NONE;
        presentInSpatial = 0;
        temporalSwitchPoints = 0;
    }

    /**
     * Sets the fields of a stream without spatial layers at once, the others reset (tests and
     * synthetic streams). Returns this.
     */
    public FrameInfo set(int temporalId, boolean layerSync, boolean keyframeStart, boolean startOfFrame, int pictureId,
                         int tl0PicIdx) {
        reset();
        this.valid = true;
        this.temporalId = temporalId;
        this.layerSync = layerSync;
        this.keyframeStart = keyframeStart;
        this.startOfFrame = startOfFrame;
        this.pictureId = pictureId;
        this.tl0PicIdx = tl0PicIdx;
        return this;
    }
}
