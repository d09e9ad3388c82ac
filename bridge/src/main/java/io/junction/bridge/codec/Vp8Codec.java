package io.junction.bridge.codec;

/**
 * VP8 (RFC 7741): keyframes, frame starts, temporal layers and the frame size from the payload
 * descriptor and header ({@link Vp8Descriptor}); picture id and TL0PICIDX are rewritten in place.
 */
public final class Vp8Codec implements VideoCodec {
    private final Vp8Descriptor vp8 = new Vp8Descriptor();
    private boolean lastValid;

    @Override
    public String name() {
        return "VP8";
    }

    @Override
    public boolean inspect(byte[] buf, int off, int len, FrameInfo info) {
        info.reset();
        lastValid = vp8.wrap(buf, off, len);
        if (!lastValid) {
            return false; // no descriptor (padding, or a truncated packet): never a switch point
        }
        info.valid = true;
        info.temporalId = vp8.temporalId();
        info.layerSync = vp8.isLayerSync();
        info.keyframeStart = vp8.isKeyframeStart();
        info.startOfFrame = vp8.isStartOfFrame();
        info.pictureId = vp8.pictureIdBits() == 15 ? vp8.pictureId() : FrameInfo.NONE;
        info.tl0PicIdx = vp8.tl0PicIdx();
        if (info.keyframeStart) {
            info.width = vp8.width();
            info.height = vp8.height();
        }
        return true;
    }

    @Override
    public void rewrite(byte[] buf, int shift, int pictureId, int tl0PicIdx) {
        if (!lastValid) {
            return;
        }
        if (pictureId >= 0) {
            vp8.setPictureId(buf, shift, pictureId);
        }
        if (tl0PicIdx >= 0) {
            vp8.setTl0PicIdx(buf, shift, tl0PicIdx);
        }
    }
}
