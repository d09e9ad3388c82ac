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
    /** Frame size from a keyframe's header, 0 when unknown. */
    public int width;
    public int height;

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
    }

    /** Sets every field at once (tests and synthetic streams). Returns this. */
    public FrameInfo set(int temporalId, boolean layerSync, boolean keyframeStart, boolean startOfFrame, int pictureId,
                         int tl0PicIdx) {
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
