package io.junction.bridge.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import org.junit.jupiter.api.Test;

/** The VP8 codec seam on packets captured from Chromium: what it reads, and its rewrite of a copy. */
class Vp8CodecTest {
    private final RtpPacket rtp = new RtpPacket();
    private final Vp8Codec codec = new Vp8Codec();
    private final FrameInfo info = new FrameInfo();

    private byte[] inspect(String fixture) {
        byte[] b = Fixtures.get(fixture);
        assertTrue(rtp.wrap(b, 0, b.length));
        codec.inspect(b, rtp.payloadOffset(), rtp.payloadLength(), info);
        return b;
    }

    @Test
    void simulcastKeyframeOfTheLowestLayer() {
        inspect("vp8-sim-key-q");
        assertTrue(info.valid);
        assertTrue(info.keyframeStart);
        assertTrue(info.startOfFrame);
        assertEquals(0, info.temporalId);
        assertEquals(320, info.width);
        assertEquals(180, info.height);
        assertTrue(info.pictureId >= 0 && info.pictureId < 0x8000);
        assertTrue(info.tl0PicIdx >= 0 && info.tl0PicIdx < 0x100);
    }

    @Test
    void upperTemporalLayerDeltaFrame() {
        inspect("vp8-sim-tid2");
        assertTrue(info.valid);
        assertFalse(info.keyframeStart);
        assertEquals(2, info.temporalId);
        assertEquals(0, info.height, "the size is only read from keyframes");
    }

    @Test
    void rewritesPictureIdAndTl0InACopyPlacedElsewhere() {
        byte[] original = inspect("vp8-sim-key-f");
        int shift = 40;
        byte[] copy = Fixtures.withRoom(original, shift, 0);
        codec.rewrite(copy, shift, 0x1234, 0xAB);
        RtpPacket out = new RtpPacket();
        assertTrue(out.wrap(copy, shift, original.length));
        Vp8Descriptor d = new Vp8Descriptor();
        assertTrue(d.wrap(copy, out.payloadOffset(), out.payloadLength()));
        assertEquals(0x1234, d.pictureId());
        assertEquals(0xAB, d.tl0PicIdx());
        assertTrue(d.isKeyframeStart(), "the rest of the descriptor is untouched");
        assertEquals(1280, d.width());
    }

    @Test
    void truncatedPayloadIsNotASwitchPoint() {
        byte[] b = Fixtures.get("vp8-sim-key-q");
        rtp.wrap(b, 0, b.length);
        info.set(0, true, true, true, 1, 1);
        assertFalse(codec.inspect(b, rtp.payloadOffset(), 1, info));
        assertFalse(info.keyframeStart);
        assertEquals(FrameInfo.NONE, info.pictureId);
        byte[] before = b.clone();
        codec.rewrite(b, 0, 77, 7);
        assertEquals(java.util.HexFormat.of().formatHex(before), java.util.HexFormat.of().formatHex(b), "nothing to rewrite");
    }
}
