package io.junction.bridge.conference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.sdp.ClientOfferReader;
import io.junction.bridge.sdp.SdpTest;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A viewer's negotiation from the receive-only offer Chromium made in WhepIT (chromium-whep-offer.sdp):
 * the SSRCs it is sent under, what its answer says, and how packets to it are renumbered.
 */
class StageViewerTest {
    private static final String OFFER = SdpTest.fixture("chromium-whep-offer.sdp");

    private static StageViewer viewer(String sdp) throws Exception {
        AtomicInteger ssrc = new AtomicInteger(1000);
        return StageViewer.of(ClientOfferReader.readViewer(sdp), null, ssrc::incrementAndGet, "stage");
    }

    @Test
    void oneAudioAndOneVideoLineWithFixedSsrcsAndPublishesNothing() throws Exception {
        StageViewer v = viewer(OFFER);
        assertEquals("0", v.audioMid);
        assertEquals("1", v.videoMid);
        assertEquals(1001, v.audioSsrc);
        assertEquals(1002, v.videoSsrc);
        assertEquals(1003, v.videoRtxSsrc);
        assertEquals(1002, v.sending().get("1").ssrc());
        assertEquals(1003, v.sending().get("1").rtxSsrc());
        assertEquals(0, v.sending().get("0").rtxSsrc());
        assertNull(v.publishMid(io.junction.bridge.forward.MediaKind.VIDEO), "a viewer publishes nothing");
        assertNull(v.reserve(io.junction.bridge.forward.MediaKind.VIDEO), "nor subscribes by itself");
        assertTrue(v.subscriptions().isEmpty());
        assertTrue(v.egressMap().takes(CodecCatalog.PT_OPUS));
        assertTrue(v.egressMap().takes(CodecCatalog.PT_H264));
    }

    /** A player that offers H.264 only still gets the bridge's probes: on its own RTX type. */
    @Test
    void probePaddingGoesOnTheRtxTypeAViewerWithoutVp8Has() throws Exception {
        String h264Only = OFFER.replaceFirst("m=video 9 UDP/TLS/RTP/SAVPF [0-9 ]+", "m=video 9 UDP/TLS/RTP/SAVPF 108 109");
        StageViewer v = viewer(h264Only);
        assertFalse(v.egressMap().takes(CodecCatalog.PT_VP8));
        assertTrue(v.egressMap().takes(CodecCatalog.PT_VP8_RTX));
        byte[] padding = new byte[1500];
        int n = io.junction.bridge.rtp.Rtx.writePadding(padding, 0, 1003, 1, CodecCatalog.PT_VP8_RTX, 0,
                CodecCatalog.EXT_TRANSPORT_CC, 7);
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(padding, 0, n));
        assertTrue(v.egressMap().apply(rtp));
        assertEquals(109, rtp.payloadType(), "the viewer's H.264 RTX type");
        // with VP8 offered, VP8's own RTX type
        RtpPacket rtp2 = new RtpPacket();
        int m = io.junction.bridge.rtp.Rtx.writePadding(padding, 0, 1003, 1, CodecCatalog.PT_VP8_RTX, 0,
                CodecCatalog.EXT_TRANSPORT_CC, 7);
        assertTrue(rtp2.wrap(padding, 0, m));
        assertTrue(viewer(OFFER).egressMap().apply(rtp2));
        assertEquals(97, rtp2.payloadType());
    }
}
