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

    @Test
    void keyframeSizeFromTheSpsOfEachSimulcastLayer() {
        int[][] expected = {{320, 180}, {640, 360}, {1280, 720}};
        String[] layers = {"q", "h", "f"};
        H264Codec codec = new H264Codec();
        FrameInfo info = new FrameInfo();
        io.junction.bridge.rtp.RtpPacket rtp = new io.junction.bridge.rtp.RtpPacket();
        for (int i = 0; i < 3; i++) {
            byte[] b = io.junction.bridge.rtp.Fixtures.get("h264-sim-key-" + layers[i]);
            assertTrue(rtp.wrap(b, 0, b.length));
            assertTrue(codec.inspect(b, rtp.payloadOffset(), rtp.payloadLength(), info));
            assertTrue(info.keyframeStart, "a STAP-A with the SPS");
            assertEquals(expected[i][0], info.width, layers[i]);
            assertEquals(expected[i][1], info.height, layers[i]);
            // cut anywhere inside the SPS: no size, no exception
            for (int cut = 2; cut < 24; cut++) {
                codec.inspect(b, rtp.payloadOffset(), cut, info);
                assertTrue(info.height == 0 || info.height == expected[i][1], "cut at " + cut);
            }
        }
    }
}
