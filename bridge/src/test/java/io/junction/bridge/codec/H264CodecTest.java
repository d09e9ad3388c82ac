package io.junction.bridge.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class H264CodecTest {
    @Test
    void keyframeStarts() {
        assertTrue(H264Codec.isKeyframeStart(new byte[] {0x65, 0}, 0, 2), "IDR slice");
        assertTrue(H264Codec.isKeyframeStart(new byte[] {0x78, 0, 2, 0x67, 0}, 0, 5), "STAP-A with SPS");
        assertTrue(H264Codec.isKeyframeStart(new byte[] {0x7C, (byte) 0x85}, 0, 2), "FU-A start of IDR");
        assertFalse(H264Codec.isKeyframeStart(new byte[] {0x7C, 0x05}, 0, 2), "FU-A middle");
        assertFalse(H264Codec.isKeyframeStart(new byte[] {0x41, 0}, 0, 2), "non-IDR slice");
        assertFalse(H264Codec.isKeyframeStart(new byte[] {0x78, 0, 50}, 0, 3), "STAP-A cut before its first NAL header");
    }

    @Test
    void inspectFillsTheFrameInfoAsABaseLayerFrameStart() {
        H264Codec codec = new H264Codec();
        FrameInfo info = new FrameInfo();
        info.set(2, true, false, false, 5, 6);
        assertTrue(codec.inspect(new byte[] {0x7C, (byte) 0x85}, 0, 2, info));
        assertTrue(info.keyframeStart);
        assertTrue(info.startOfFrame);
        assertEquals(FrameInfo.NONE, info.temporalId, "no temporal layers: what the last packet said is gone");
        assertEquals(FrameInfo.NONE, info.pictureId);
        assertFalse(codec.inspect(new byte[] {0x65}, 0, 1, info), "one byte is no NAL unit header plus payload");
        assertFalse(info.keyframeStart);
    }
}
