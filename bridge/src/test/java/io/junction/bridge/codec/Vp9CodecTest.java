package io.junction.bridge.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import org.junit.jupiter.api.Test;

/**
 * The VP9 payload descriptor and codec seam on packets Chromium sent with {@code L3T3_KEY} (three
 * spatial layers 320x180, 640x360, 1280x720 in one stream; inter-layer prediction only in keyframes).
 */
class Vp9CodecTest {
    private final RtpPacket rtp = new RtpPacket();
    private final FrameInfo info = new FrameInfo();

    private byte[] inspect(Vp9Codec codec, String fixture) {
        byte[] b = Fixtures.get(fixture);
        assertTrue(rtp.wrap(b, 0, b.length));
        codec.inspect(b, rtp.payloadOffset(), rtp.payloadLength(), info);
        info.marker = rtp.marker();
        return b;
    }

    @Test
    void keyframeBaseLayerCarriesTheScalabilityStructure() {
        Vp9Codec codec = new Vp9Codec();
        inspect(codec, "vp9-svc-key-s0");
        assertTrue(info.valid);
        assertTrue(info.keyframeStart);
        assertTrue(info.startOfFrame);
        assertTrue(info.endOfLayerFrame, "the 320x180 key layer frame fits one packet");
        assertFalse(info.interPicturePredicted);
        assertEquals(0, info.spatialId);
        assertEquals(0, info.temporalId);
        assertEquals(3, info.spatialLayers);
        assertEquals(180, info.spatialHeights[0]);
        assertEquals(360, info.spatialHeights[1]);
        assertEquals(720, info.spatialHeights[2]);
        assertEquals(1280, info.width);
        assertEquals(720, info.height);
        assertEquals(FrameInfo.NONE, info.tl0PicIdx, "flexible mode has no TL0PICIDX");
        assertTrue(info.pictureId >= 0 && info.pictureId < 0x8000);
        assertTrue(info.pictureIdGaps);
        assertFalse(info.marker, "the picture goes on with the upper layers");
    }

    @Test
    void upperLayersOfTheKeyPictureDependOnTheLayerBelow() {
        Vp9Codec codec = new Vp9Codec();
        inspect(codec, "vp9-svc-key-s0");
        int keyPicture = info.pictureId;
        inspect(codec, "vp9-svc-key-s1");
        assertEquals(1, info.spatialId);
        assertTrue(info.interLayerPredicted);
        assertFalse(info.interPicturePredicted);
        assertFalse(info.keyframeStart, "only the base layer starts a keyframe");
        assertFalse(info.startOfFrame, "an upper layer frame does not start a picture");
        assertEquals(3, info.spatialLayers, "the structure is remembered for later packets");
        inspect(codec, "vp9-svc-key-s2-end");
        assertEquals(2, info.spatialId);
        assertTrue(info.endOfLayerFrame);
        assertTrue(info.marker, "the top layer's last packet ends the picture");
        assertEquals(keyPicture, info.pictureId);
    }

    @Test
    void deltaFramesOfUpperLayersAreIndependentOfTheLowerOnes() {
        Vp9Codec codec = new Vp9Codec();
        inspect(codec, "vp9-svc-delta-s0-t2");
        assertEquals(0, info.spatialId);
        assertEquals(2, info.temporalId);
        assertTrue(info.interPicturePredicted);
        assertTrue(info.startOfFrame);
        assertFalse(info.keyframeStart);
        assertFalse(info.layersIndependent, "not known before an upper delta frame was seen");
        inspect(codec, "vp9-svc-delta-s2-end");
        assertEquals(2, info.spatialId);
        assertEquals(0, info.temporalId);
        assertFalse(info.interLayerPredicted);
        assertTrue(info.layersIndependent, "k-SVC: an upper delta frame without inter-layer prediction");
        assertTrue(info.marker);
        inspect(codec, "vp9-svc-delta-s1-t1");
        assertEquals(1, info.spatialId);
        assertEquals(1, info.temporalId);
        assertTrue(info.layersIndependent);
        assertFalse(info.layerSync, "its reference (two pictures back) was never seen by this reader");
    }

    @Test
    void aFrameReferringOnlyToTheBaseLayerIsATemporalSwitchPoint() {
        Vp9Codec codec = new Vp9Codec();
        FrameInfo f = new FrameInfo();
        // flexible mode, 15-bit picture ids, layer indices: B E I L F (+P), TID/U/SID/D, P_DIFF
        byte[] t0 = {(byte) 0xBC, (byte) 0x80, 0x10, 0x00, 0x00};               // picture 16, T0, key
        byte[] t2 = {(byte) 0xFC, (byte) 0x80, 0x11, 0x50, 0x02, 0x00};         // picture 17, T2, refers to 16
        byte[] t1 = {(byte) 0xFC, (byte) 0x80, 0x12, 0x30, 0x04, 0x00};         // picture 18, T1, refers to 16
        byte[] t2b = {(byte) 0xFC, (byte) 0x80, 0x13, 0x50, 0x02, 0x00};        // picture 19, T2, refers to 18 (T1)
        assertTrue(codec.inspect(t0, 0, t0.length, f));
        assertTrue(f.keyframeStart);
        assertTrue(codec.inspect(t2, 0, t2.length, f));
        assertEquals(2, f.temporalId);
        assertTrue(f.layerSync, "refers to the T0 picture only");
        assertTrue(codec.inspect(t1, 0, t1.length, f));
        assertTrue(f.layerSync);
        assertTrue(codec.inspect(t2b, 0, t2b.length, f));
        assertFalse(f.layerSync, "refers to a T1 picture");
    }

    @Test
    void fullSvcDeltaFramesDependOnTheLayerBelow() {
        Vp9Codec codec = new Vp9Codec();
        inspect(codec, "vp9-fullsvc-delta-s1");
        assertEquals(1, info.spatialId);
        assertTrue(info.interPicturePredicted);
        assertTrue(info.interLayerPredicted);
        assertFalse(info.layersIndependent, "full SVC: a receiver of S1 needs S0 in every picture");
    }

    @Test
    void simulcastLayerIsOneSpatialLayer() {
        Vp9Codec codec = new Vp9Codec();
        inspect(codec, "vp9-sim-key-h");
        assertTrue(info.keyframeStart);
        assertEquals(0, info.spatialId);
        assertEquals(1, info.spatialLayers);
        assertEquals(640, info.width);
        assertEquals(360, info.height);
    }

    @Test
    void rewritesThePictureIdInACopyPlacedElsewhere() {
        Vp9Codec codec = new Vp9Codec();
        byte[] original = inspect(codec, "vp9-svc-key-s0");
        int shift = 40;
        byte[] copy = Fixtures.withRoom(original, shift, 0);
        codec.rewrite(copy, shift, 0x1234, FrameInfo.NONE);
        RtpPacket out = new RtpPacket();
        assertTrue(out.wrap(copy, shift, original.length));
        Vp9Descriptor d = new Vp9Descriptor();
        assertTrue(d.wrap(copy, out.payloadOffset(), out.payloadLength()));
        assertEquals(0x1234, d.pictureId());
        assertEquals(15, d.pictureIdBits());
        assertTrue(d.isKeyframeStart(), "the rest of the descriptor is untouched");
        assertEquals(3, d.scalabilityLayers());
        assertEquals(640, d.layerWidth(1));
    }

    @Test
    void nonFlexibleModeHasTl0PicIdxWhichIsRewritten() {
        // I=1 L=1 B=1 E=1, 15-bit picture id 0x0102, TID 0 U 1 SID 0 D 0, TL0PICIDX 7, then payload
        byte[] b = {(byte) 0xAC, (byte) 0x81, 0x02, 0x10, 0x07, 0x00, 0x00};
        Vp9Descriptor d = new Vp9Descriptor();
        assertTrue(d.wrap(b, 0, b.length));
        assertEquals(0x0102, d.pictureId());
        assertEquals(7, d.tl0PicIdx());
        assertTrue(d.isKeyframeStart());
        d.setTl0PicIdx(b, 0, 200);
        assertEquals((byte) 200, b[4]);
    }

    @Test
    void truncatedOrInconsistentDescriptorsAreRefused() {
        Vp9Descriptor d = new Vp9Descriptor();
        assertFalse(d.wrap(new byte[0], 0, 0));
        assertFalse(d.wrap(new byte[] {(byte) 0x80}, 0, 1), "picture id announced, missing");
        assertFalse(d.wrap(new byte[] {(byte) 0x80, (byte) 0x81}, 0, 2), "15-bit picture id cut");
        assertFalse(d.wrap(new byte[] {(byte) 0x20}, 0, 1), "layer indices announced, missing");
        assertFalse(d.wrap(new byte[] {(byte) 0x20, 0x00}, 0, 2), "non-flexible mode needs TL0PICIDX");
        // flexible, predicted: four P_DIFFs (N set on each) is more than the three allowed
        assertFalse(d.wrap(new byte[] {(byte) 0x50, 0x03, 0x03, 0x03, 0x03}, 0, 5));
        // scalability structure with sizes for three layers but only one given
        assertFalse(d.wrap(new byte[] {0x0A, 0x50, 0x01, 0x40, 0x00, (byte) 0xB4}, 0, 6));
        // a picture group whose reference count runs past the end
        assertFalse(d.wrap(new byte[] {0x0A, 0x08, 0x01, 0x0C}, 0, 4));
        Vp9Codec codec = new Vp9Codec();
        FrameInfo f = new FrameInfo();
        assertFalse(codec.inspect(new byte[] {(byte) 0x80}, 0, 1, f));
        assertFalse(f.valid);
        assertFalse(f.keyframeStart);
    }
}
