package io.junction.bridge.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import org.junit.jupiter.api.Test;

/** The VP8 payload descriptor on packets captured from Chromium (see chromium-captures.txt). */
class Vp8DescriptorTest {
    private final RtpPacket rtp = new RtpPacket();
    private final Vp8Descriptor vp8 = new Vp8Descriptor();

    private void wrap(String fixture) {
        byte[] b = Fixtures.get(fixture);
        assertTrue(rtp.wrap(b, 0, b.length));
        assertTrue(vp8.wrap(b, rtp.payloadOffset(), rtp.payloadLength()));
    }

    @Test
    void keyframeWithoutTemporalLayers() {
        wrap("vp8");
        assertTrue(vp8.isKeyframeStart());
        assertTrue(vp8.isStartOfFrame());
        assertEquals(640, vp8.width());
        assertEquals(360, vp8.height());
        assertEquals(15, vp8.pictureIdBits());
        assertEquals(0x07B6, vp8.pictureId());
        assertEquals(Vp8Descriptor.NONE, vp8.temporalId());
        assertEquals(Vp8Descriptor.NONE, vp8.tl0PicIdx());
    }

    @Test
    void simulcastKeyframesCarryTheirLayersSize() {
        wrap("vp8-sim-key-q");
        assertEquals("q", rtp.extensionString(10));
        assertTrue(vp8.isKeyframeStart());
        assertEquals(320, vp8.width());
        assertEquals(180, vp8.height());
        assertEquals(0, vp8.temporalId());
        assertTrue(vp8.tl0PicIdx() >= 0);
        wrap("vp8-sim-key-f");
        assertEquals("f", rtp.extensionString(10));
        assertEquals(1280, vp8.width());
        assertEquals(720, vp8.height());
    }

    @Test
    void temporalLayerTwoPacket() {
        wrap("vp8-sim-tid2");
        assertFalse(vp8.isKeyframeStart());
        assertEquals(2, vp8.temporalId());
        assertEquals(0, vp8.width());
    }

    @Test
    void rewritesPictureIdAndTl0InPlaceAndInACopy() {
        byte[] b = Fixtures.get("vp8-sim-tid2");
        rtp.wrap(b, 0, b.length);
        vp8.wrap(b, rtp.payloadOffset(), rtp.payloadLength());
        int tl0 = vp8.tl0PicIdx();
        byte[] copy = new byte[b.length + 7];
        System.arraycopy(b, 0, copy, 7, b.length);
        vp8.setPictureId(copy, 7, 0x1234);
        vp8.setTl0PicIdx(copy, 7, (tl0 + 5) & 0xFF);
        assertTrue(rtp.wrap(copy, 7, b.length));
        Vp8Descriptor again = new Vp8Descriptor();
        assertTrue(again.wrap(copy, rtp.payloadOffset(), rtp.payloadLength()));
        assertEquals(0x1234, again.pictureId());
        assertEquals((tl0 + 5) & 0xFF, again.tl0PicIdx());
        assertEquals(2, again.temporalId(), "the rest of the descriptor is untouched");
    }

    @Test
    void truncatedDescriptorsAreRefused() {
        byte[] b = Fixtures.get("vp8-sim-key-f");
        rtp.wrap(b, 0, b.length);
        int at = rtp.payloadOffset();
        for (int len = 0; len < 5; len++) {
            assertFalse(vp8.wrap(b, at, len), "length " + len);
        }
        assertTrue(vp8.wrap(b, at, 6), "descriptor complete, payload header cut: parsed, no size");
        assertEquals(0, vp8.height());
    }
}
