package io.junction.bridge.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import org.junit.jupiter.api.Test;

/** AV1 keyframes and frame sizes from packets Chromium sent as three simulcast layers. */
class Av1CodecTest {
    private final RtpPacket rtp = new RtpPacket();
    private final Av1Codec codec = new Av1Codec();
    private final FrameInfo info = new FrameInfo();

    private void inspect(String fixture) {
        byte[] b = Fixtures.get(fixture);
        assertTrue(rtp.wrap(b, 0, b.length));
        codec.inspect(b, rtp.payloadOffset(), rtp.payloadLength(), info);
    }

    @Test
    void eachLayersKeyframeCarriesItsSize() {
        inspect("av1-sim-key-q");
        assertTrue(info.valid);
        assertTrue(info.keyframeStart);
        assertEquals(320, info.width);
        assertEquals(180, info.height);
        inspect("av1-sim-key-h");
        assertTrue(info.keyframeStart);
        assertEquals(640, info.width);
        assertEquals(360, info.height);
        inspect("av1-sim-key-f");
        assertTrue(info.keyframeStart);
        assertEquals(1280, info.width);
        assertEquals(720, info.height);
        assertEquals(FrameInfo.NONE, info.temporalId, "layers are not read without the dependency descriptor");
        assertEquals(FrameInfo.NONE, info.spatialId);
    }

    @Test
    void deltaPacketIsNoSwitchPoint() {
        inspect("av1-sim-delta");
        assertTrue(info.valid);
        assertFalse(info.keyframeStart);
        assertEquals(0, info.height);
    }

    @Test
    void cutSequenceHeadersGiveNoSize() {
        byte[] b = Fixtures.get("av1-sim-key-h");
        assertTrue(rtp.wrap(b, 0, b.length));
        int payload = rtp.payloadOffset();
        for (int len = 2; len < 20; len++) {
            codec.inspect(b, payload, len, info);
            assertTrue(info.height == 0 || info.height == 360, "cut at " + len + ": " + info.height);
        }
        assertFalse(codec.inspect(b, payload, 1, info), "the aggregation header alone is no packet");
        // an element length running past the payload
        byte[] bad = {0x08, (byte) 0xFF, 0x7F, 0x08, 0x00};
        assertTrue(codec.inspect(bad, 0, bad.length, info));
        assertTrue(info.keyframeStart);
        assertEquals(0, info.height);
    }
}
