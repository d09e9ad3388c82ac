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
 * Renumbering packets to a WHEP viewer on the way out, on a VP8 packet Chromium sent
 * (chromium-captures.txt, the bridge's numbering: payload type 96, abs-send-time 2, transport-cc 3,
 * mid 4) for a viewer that offered VP8 as 98 and transport-cc as 7.
 */
class EgressMapTest {
    @Test
    void payloadTypeAndTransportCcTakeTheViewersNumbersTheRestIsErased() {
        byte[] p = Fixtures.get("vp8").clone();
        byte[] payloadBefore = Arrays.copyOfRange(p, 28, p.length);
        int tccValue = ((p[21] & 0xff) << 8) | (p[22] & 0xff);
        EgressMap map = new EgressMap().payloadType(CodecCatalog.PT_VP8, 98).extension(CodecCatalog.EXT_TRANSPORT_CC, 7);
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(p, 0, p.length));
        assertTrue(map.apply(rtp));
        assertEquals(98, p[1] & 0x7f, "the viewer's payload type");
        assertEquals(p[1] & 0x80, Fixtures.get("vp8")[1] & 0x80, "the marker bit is kept");
        assertEquals(0x71, p[20] & 0xff, "transport-cc under the viewer's id 7, same length");
        assertTrue(rtp.wrap(p, 0, p.length));
        int at = rtp.findExtension(7);
        assertEquals(tccValue, ((p[at] & 0xff) << 8) | (p[at + 1] & 0xff));
        assertEquals(-1, rtp.findExtension(CodecCatalog.EXT_ABS_SEND_TIME), "not negotiated with the viewer: erased");
        assertEquals(-1, rtp.findExtension(CodecCatalog.EXT_MID));
        assertEquals(0, p[16]);
        assertEquals(0, p[23]);
        assertArrayEquals(payloadBefore, Arrays.copyOfRange(p, 28, p.length), "the payload is untouched");
    }

    @Test
    void aCodecTheViewerDidNotOfferIsNotSentAndWideIdsAreErased() {
        byte[] p = Fixtures.get("vp8").clone();
        EgressMap h264Only = new EgressMap().payloadType(CodecCatalog.PT_H264, 108).extension(CodecCatalog.EXT_TRANSPORT_CC, 3);
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(p, 0, p.length));
        assertFalse(h264Only.takes(CodecCatalog.PT_VP8));
        assertFalse(h264Only.apply(rtp), "VP8 to a viewer that only decodes H.264");
        // an id beyond the one-byte form cannot be written into the one-byte element: erased
        EgressMap wide = new EgressMap().payloadType(CodecCatalog.PT_VP8, 96).extension(CodecCatalog.EXT_TRANSPORT_CC, 20);
        assertTrue(rtp.wrap(p, 0, p.length));
        assertTrue(wide.apply(rtp));
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals(-1, rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC));
        assertEquals(0, p[20]);
    }

    @Test
    void egressUndoesIngest() {
        // a client that publishes (WHIP) and one that views (WHEP) with the same numbering see the same bytes
        byte[] original = Fixtures.get("vp8").clone();
        byte[] p = original.clone();
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(p, 0, p.length));
        new EgressMap().payloadType(CodecCatalog.PT_VP8, 98).extension(CodecCatalog.EXT_ABS_SEND_TIME, 5)
                .extension(CodecCatalog.EXT_TRANSPORT_CC, 7).extension(CodecCatalog.EXT_MID, 9).apply(rtp);
        assertTrue(rtp.wrap(p, 0, p.length));
        new IngestMap().payloadType(98, CodecCatalog.PT_VP8).extension(5, CodecCatalog.EXT_ABS_SEND_TIME)
                .extension(7, CodecCatalog.EXT_TRANSPORT_CC).extension(9, CodecCatalog.EXT_MID).apply(rtp);
        assertArrayEquals(original, p);
    }
}
