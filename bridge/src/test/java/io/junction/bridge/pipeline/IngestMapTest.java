package io.junction.bridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Renumbering a WHIP publisher's packets at ingress, on a VP8 packet Chromium sent
 * (chromium-captures.txt: one-byte extensions abs-send-time 2, transport-cc 3, mid 4) rewritten to a
 * client's own numbering: payload type 98, abs-send-time 5, transport-cc 7, mid 9.
 */
class IngestMapTest {
    private static byte[] asClientNumbered() {
        byte[] p = Fixtures.get("vp8").clone();
        // header: 12 bytes, then 0xBEDE, length 3 words; elements at 16 (id 2, 3 bytes), 20 (id 3, 2 bytes), 23 (id 4, 1 byte)
        assertEquals(0x22, p[16] & 0xff);
        assertEquals(0x31, p[20] & 0xff);
        assertEquals(0x40, p[23] & 0xff);
        p[1] = (byte) ((p[1] & 0x80) | 98);
        p[16] = 0x52;
        p[20] = 0x71;
        p[23] = (byte) 0x90;
        return p;
    }

    @Test
    void payloadTypeAndExtensionIdsBecomeTheBridges() {
        byte[] original = Fixtures.get("vp8");
        byte[] p = asClientNumbered();
        IngestMap map = new IngestMap().payloadType(98, CodecCatalog.PT_VP8)
                .extension(5, CodecCatalog.EXT_ABS_SEND_TIME).extension(7, CodecCatalog.EXT_TRANSPORT_CC)
                .extension(9, CodecCatalog.EXT_MID);
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals(-1, rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC), "before: not where the bridge looks");
        assertTrue(map.apply(rtp));
        assertArrayEquals(original, p, "renumbered back to exactly what a bridge-numbered client sends");
        assertEquals(CodecCatalog.PT_VP8, rtp.payloadType());
        int at = rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC);
        assertTrue(at > 0);
        assertEquals(2, rtp.extensionLength());
        assertEquals("1", rtp.extensionString(CodecCatalog.EXT_MID));
    }

    @Test
    void unknownExtensionsAreErasedAndUnknownPayloadTypesRefused() {
        byte[] p = asClientNumbered();
        byte[] payloadBefore = Arrays.copyOfRange(p, 28, p.length);
        IngestMap map = new IngestMap().payloadType(98, CodecCatalog.PT_VP8).extension(7, CodecCatalog.EXT_TRANSPORT_CC);
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(p, 0, p.length));
        assertTrue(map.apply(rtp));
        assertEquals(-1, rtp.findExtension(CodecCatalog.EXT_ABS_SEND_TIME));
        assertEquals(-1, rtp.findExtension(9));
        assertTrue(rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC) > 0, "the mapped one stays readable after erased ones");
        assertEquals(0, p[16], "abs-send-time (unmapped) became padding");
        assertArrayEquals(payloadBefore, Arrays.copyOfRange(p, 28, p.length), "the payload is untouched");

        byte[] other = asClientNumbered();
        other[1] = (byte) ((other[1] & 0x80) | 100);
        assertTrue(rtp.wrap(other, 0, other.length));
        assertFalse(map.apply(rtp), "a payload type the client did not negotiate");
    }
}
