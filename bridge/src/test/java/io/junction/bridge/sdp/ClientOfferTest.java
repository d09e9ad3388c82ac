package io.junction.bridge.sdp;

import static io.junction.bridge.sdp.SdpTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.codec.CodecCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client's own offer (WHIP) and the bridge's answer, from the offer Chromium 156 made in WhipIT
 * (chromium-whip-offer.sdp: sendonly audio and video, BUNDLE, 23 video payload types, 11 extensions;
 * read back through WebDriver, which gave LF line ends: the CRLF Chromium sends was restored) and
 * variants of it.
 */
class ClientOfferTest {
    private static final String OFFER = fixture("chromium-whip-offer.sdp");
    private static final String FINGERPRINT =
            "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

    @Test
    void readsChromiumsOffer() throws Exception {
        ClientOfferReader.Offer o = ClientOfferReader.read(OFFER);
        assertEquals("KS9D", o.iceUfrag());
        assertEquals("iVmCBrCpl3/3T3rJ869jzVnt", o.icePassword());
        assertTrue(o.fingerprintSha256().startsWith("04:29:A5:36"));
        assertEquals("actpass", o.setup());
        assertEquals(2, o.accepted().size());
        ClientOfferReader.Section audio = o.sections().get(0);
        assertEquals("0", audio.mid());
        assertEquals(111, audio.codec().payloadType());
        assertEquals(CodecCatalog.PT_OPUS, audio.codec().bridgePayloadType());
        assertNull(audio.rtx());
        assertEquals(1535543099, audio.ssrc());
        assertEquals(3, audio.extensions().get("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"));
        ClientOfferReader.Section video = o.sections().get(1);
        assertEquals("1", video.mid());
        assertEquals("VP8", video.codec().name()); // Chromium's first choice
        assertEquals(96, video.codec().payloadType());
        assertEquals(97, video.rtx().payloadType());
        assertEquals(CodecCatalog.PT_VP8_RTX, video.rtx().bridgePayloadType());
        assertEquals(3041078918L, Integer.toUnsignedLong(video.ssrc()));
        assertEquals(4046070158L, Integer.toUnsignedLong(video.rtxSsrc()));
        assertEquals(10, video.extensions().get("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"));
        assertFalse(video.extensions().containsKey("urn:ietf:params:rtp-hdrext:toffset"), "only extensions the bridge knows");
    }

    @Test
    void answersWithOneCodecPerSectionUnderTheClientsNumbers() throws Exception {
        ClientOfferReader.Offer o = ClientOfferReader.read(OFFER);
        List<BridgeOffer.Candidate> candidates = List.of(
                new BridgeOffer.Candidate("1", 2130706431L, "127.0.0.1", 10000, "host", null, 0),
                new BridgeOffer.Candidate("2", 1694498815L, "127.0.0.1", 4443, "host", null, 0, true));
        String answer = AnswerWriter.write(o, 42, "ufrag", "password-of-24-characters", FINGERPRINT, candidates);
        SessionDescription d = SessionDescription.parse(answer);
        assertEquals("BUNDLE 0 1", d.sessionAttribute("group"));
        assertEquals(2, d.media().size());
        SessionDescription.Media a = d.media().get(0);
        SessionDescription.Media v = d.media().get(1);
        assertEquals(List.of("111"), a.formats());
        assertEquals(List.of("96", "97"), v.formats());
        for (SessionDescription.Media m : d.media()) {
            assertEquals("recvonly", m.direction());
            assertEquals("passive", m.attribute("setup"), "the bridge stays the DTLS server");
            assertEquals("ufrag", m.attribute("ice-ufrag"));
            assertEquals("sha-256 " + FINGERPRINT, m.attribute("fingerprint"));
            assertTrue(m.has("rtcp-mux"));
        }
        assertEquals(List.of("96 goog-remb", "96 transport-cc", "96 ccm fir", "96 nack", "96 nack pli"), v.attributes("rtcp-fb"));
        assertEquals(List.of("97 apt=96"), v.attributes("fmtp"));
        assertTrue(a.attributes("extmap").contains("3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"));
        assertFalse(answer.contains("toffset"));
        assertEquals(2, a.attributes("candidate").size());
        assertTrue(a.attributes("candidate").get(1).endsWith("tcptype passive"));
        assertTrue(a.has("end-of-candidates"));
        assertFalse(v.has("candidate"), "candidates once, on the BUNDLE tag");
        // what Chromium would do with it: the answer is an answer to this offer, section by section
        assertEquals(List.of("0", "1"), d.media().stream().map(m -> m.attribute("mid")).toList());
    }

    /**
     * The offer GStreamer 1.22's webrtcbin (with libnice) made in GstWhipIT: a max-bundle offer whose
     * audio section has port 0 and a=bundle-only (RFC 8843 §6), VP8 on 100 and Opus on 109, no header
     * extensions, mids video0/audio1.
     */
    /** A WHIP publisher sends its first codec that every participant decodes (the conference's list), else its first. */
    @Test
    void aPublisherTakesItsFirstCodecTheConferenceDecodes() throws Exception {
        java.util.function.Function<List<String>, String> videoCodec = preferred -> {
            try {
                return ClientOfferReader.read(OFFER, preferred).sections().stream().filter(x -> x.kind().equals("video"))
                        .findFirst().orElseThrow().codec().name();
            } catch (SdpException e) {
                throw new AssertionError(e);
            }
        };
        assertEquals("VP8", videoCodec.apply(List.of()), "the client's first");
        assertEquals("AV1", videoCodec.apply(List.of("AV1")));
        assertEquals("H264", videoCodec.apply(List.of("VP9", "H264")), "of several, the client's order decides (H.264 before VP9)");
        assertEquals("VP8", videoCodec.apply(List.of("VP8", "VP9")));
    }

    @Test
    void readsGstreamersMaxBundleOffer() throws Exception {
        ClientOfferReader.Offer o = ClientOfferReader.read(fixture("gstreamer-whip-offer.sdp"));
        assertEquals(2, o.accepted().size(), "the bundle-only audio section is live, not rejected");
        ClientOfferReader.Section video = o.sections().get(0);
        ClientOfferReader.Section audio = o.sections().get(1);
        assertEquals("video0", video.mid());
        assertEquals(100, video.codec().payloadType());
        assertEquals(CodecCatalog.PT_VP8, video.codec().bridgePayloadType());
        assertEquals("audio1", audio.mid());
        assertEquals(109, audio.codec().payloadType());
        assertEquals("OPUS", audio.codec().name());
        assertTrue(video.extensions().isEmpty());
        String answer = AnswerWriter.write(o, 7, "u", "p", FINGERPRINT, List.of());
        SessionDescription d = SessionDescription.parse(answer);
        assertEquals("BUNDLE video0 audio1", d.sessionAttribute("group"));
        assertEquals("sha-256 " + FINGERPRINT, d.sessionAttribute("fingerprint"), "webrtcbin wants it for every section");
        assertEquals(List.of("100"), d.media().get(0).formats());
        assertEquals(List.of("109"), d.media().get(1).formats());
        assertEquals(9, d.media().get(1).port());
        assertFalse(answer.contains("transport-cc"), "no transport-cc feedback without its extension");
        // the same section without a=bundle-only is one the client rejected
        ClientOfferReader.Offer noBundleOnly = ClientOfferReader.read(fixture("gstreamer-whip-offer.sdp").replace("a=bundle-only\r\n", ""));
        assertEquals(1, noBundleOnly.accepted().size());
    }

    /**
     * The receive-only offer Chromium 156 made in WhepIT's player (chromium-whep-offer.sdp: recvonly
     * audio and video, BUNDLE, 34 video payload types of which 10 are H.264 in several profiles).
     */
    @Test
    void readsChromiumsViewerOfferWithEveryCodecTheBridgeMayForward() throws Exception {
        ClientOfferReader.Offer o = ClientOfferReader.readViewer(fixture("chromium-whep-offer.sdp"));
        assertEquals("I7fK", o.iceUfrag());
        assertEquals(2, o.accepted().size());
        ClientOfferReader.Section audio = o.sections().get(0);
        assertEquals(1, audio.choices().size());
        assertEquals(111, audio.codec().payloadType());
        ClientOfferReader.Section video = o.sections().get(1);
        assertEquals(List.of("VP8", "VP9", "H264", "AV1"), video.choices().stream().map(c -> c.codec().name()).toList());
        assertEquals(96, video.choices().get(0).codec().payloadType());
        assertEquals(97, video.choices().get(0).rtx().payloadType());
        // VP9 and AV1 of profile 0 (what the bridge offers), not the other profiles the viewer lists
        assertEquals(98, video.choices().get(1).codec().payloadType());
        assertEquals(CodecCatalog.PT_VP9, video.choices().get(1).codec().bridgePayloadType());
        assertEquals(CodecCatalog.PT_VP9_RTX, video.choices().get(1).rtx().bridgePayloadType());
        assertEquals(45, video.choices().get(3).codec().payloadType());
        assertEquals(CodecCatalog.PT_AV1, video.choices().get(3).codec().bridgePayloadType());
        // of its H.264 types, the constrained baseline one publishers send (not 102, its first: baseline 42001f)
        ClientOfferReader.Choice h264 = video.choices().get(2);
        assertEquals(108, h264.codec().payloadType());
        assertEquals(CodecCatalog.PT_H264, h264.codec().bridgePayloadType());
        assertEquals(109, h264.rtx().payloadType());
        assertEquals(CodecCatalog.PT_H264_RTX, h264.rtx().bridgePayloadType());
        assertEquals(3, video.extensions().get("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"));
        // a viewer's offer is not a publisher's, nor the other way round
        SdpException e = assertThrows(SdpException.class, () -> ClientOfferReader.read(fixture("chromium-whep-offer.sdp")));
        assertTrue(e.getMessage().contains("does not send on it (recvonly)"), e.getMessage());
        e = assertThrows(SdpException.class, () -> ClientOfferReader.readViewer(OFFER));
        assertTrue(e.getMessage().contains("does not receive on it (sendonly)"), e.getMessage());
    }

    @Test
    void answersAViewerSendonlyWithItsCodecsSsrcsAndOnlyTransportCc() throws Exception {
        ClientOfferReader.Offer o = ClientOfferReader.readViewer(fixture("chromium-whep-offer.sdp"));
        String tcc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
        var sending = java.util.Map.of(
                "0", new AnswerWriter.Sending(0xCAFE0001, 0, "junction-stage", "stage", "a", java.util.Map.of(tcc, 3)),
                "1", new AnswerWriter.Sending(0xCAFE0002, 0xCAFE0003, "junction-stage", "stage", "v", java.util.Map.of(tcc, 3)));
        String answer = AnswerWriter.write(o, 42, "ufrag", "password-of-24-characters", FINGERPRINT, List.of(), sending);
        SessionDescription d = SessionDescription.parse(answer);
        assertEquals("BUNDLE 0 1", d.sessionAttribute("group"));
        SessionDescription.Media a = d.media().get(0);
        SessionDescription.Media v = d.media().get(1);
        assertEquals("sendonly", a.direction());
        assertEquals("sendonly", v.direction());
        assertEquals(List.of("111"), a.formats());
        assertEquals(List.of("96", "97", "98", "99", "108", "109", "45", "46"), v.formats());
        assertEquals(List.of("3 " + tcc), v.attributes("extmap"), "only transport-cc: the viewer's feedback on it");
        assertEquals(List.of("96 transport-cc", "96 ccm fir", "96 nack", "96 nack pli",
                "98 transport-cc", "98 ccm fir", "98 nack", "98 nack pli",
                "108 transport-cc", "108 ccm fir", "108 nack", "108 nack pli",
                "45 transport-cc", "45 ccm fir", "45 nack", "45 nack pli"), v.attributes("rtcp-fb"), "no REMB from a viewer");
        assertEquals("stage v", v.attribute("msid"));
        assertEquals("FID " + Integer.toUnsignedString(0xCAFE0002) + " " + Integer.toUnsignedString(0xCAFE0003),
                v.attribute("ssrc-group"));
        assertTrue(v.attributes("ssrc").contains(Integer.toUnsignedString(0xCAFE0003) + " cname:junction-stage"));
        assertEquals(List.of(Integer.toUnsignedString(0xCAFE0001) + " cname:junction-stage",
                Integer.toUnsignedString(0xCAFE0001) + " msid:stage a"), a.attributes("ssrc"));
        assertEquals("passive", v.attribute("setup"));
        // a second video m-line gets nothing (one per kind): rejected, outside the BUNDLE group
        String offer = fixture("chromium-whep-offer.sdp");
        String videoSection = offer.substring(offer.indexOf("m=video"));
        String twoVideos = offer.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2") + videoSection.replace("a=mid:1", "a=mid:2");
        String answer2 = AnswerWriter.write(ClientOfferReader.readViewer(twoVideos), 42, "u", "p", FINGERPRINT, List.of(), sending);
        SessionDescription d2 = SessionDescription.parse(answer2);
        assertEquals("BUNDLE 0 1", d2.sessionAttribute("group"));
        assertEquals(3, d2.media().size());
        assertEquals(0, d2.media().get(2).port());
    }

    @Test
    void takesH264WhenTheClientPrefersIt() throws Exception {
        String h264First = OFFER.replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103", "m=video 9 UDP/TLS/RTP/SAVPF 102 103 96 97");
        ClientOfferReader.Section v = ClientOfferReader.read(h264First).sections().get(1);
        assertEquals("H264", v.codec().name());
        assertEquals(CodecCatalog.PT_H264, v.codec().bridgePayloadType());
        assertEquals(103, v.rtx().payloadType());
        // H.264 needs packetization-mode 1: without it the next acceptable codec is taken
        String mode0 = h264First.replace("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
                "a=fmtp:102 level-asymmetry-allowed=1;profile-level-id=42001f");
        assertEquals("VP8", ClientOfferReader.read(mode0).sections().get(1).codec().name());
    }

    @Test
    void takesVp9OrAv1WhenThePublisherPrefersIt() throws Exception {
        String whip = fixture("chromium-whip-offer.sdp");
        String vp9First = whip.replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102", "m=video 9 UDP/TLS/RTP/SAVPF 98 99 96 97 102");
        ClientOfferReader.Section v = ClientOfferReader.read(vp9First).sections().get(1);
        assertEquals("VP9", v.codec().name());
        assertEquals(CodecCatalog.PT_VP9, v.codec().bridgePayloadType());
        assertEquals(99, v.rtx().payloadType());
        String av1First = whip.replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102", "m=video 9 UDP/TLS/RTP/SAVPF 45 46 96 97 102");
        assertEquals(CodecCatalog.PT_AV1, ClientOfferReader.read(av1First).sections().get(1).codec().bridgePayloadType());
        // VP9 profile 2 (10-bit) is not what the bridge forwards: the next codec is taken
        String vp9Profile2 = whip.replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97 102", "m=video 9 UDP/TLS/RTP/SAVPF 100 101 96 97 102");
        assertEquals("VP8", ClientOfferReader.read(vp9Profile2).sections().get(1).codec().name());
    }

    @Test
    void rejectsWhatItCannotTakeWithAReason() throws Exception {
        String noOpus = OFFER.replace("m=audio 48622 UDP/TLS/RTP/SAVPF 111 63", "m=audio 48622 UDP/TLS/RTP/SAVPF 63");
        ClientOfferReader.Offer o = ClientOfferReader.read(noOpus);
        assertFalse(o.sections().get(0).accepted());
        assertEquals("no Opus", o.sections().get(0).rejectReason());
        String answer = AnswerWriter.write(o, 1, "u", "p", FINGERPRINT, List.of());
        SessionDescription d = SessionDescription.parse(answer);
        assertEquals(0, d.media().get(0).port(), "a rejected section has port 0");
        assertEquals("BUNDLE 1", d.sessionAttribute("group"));

        SdpException none = assertThrows(SdpException.class, () -> ClientOfferReader.read(
                noOpus.replaceAll("m=video 9 UDP/TLS/RTP/SAVPF [0-9 ]+", "m=video 9 UDP/TLS/RTP/SAVPF 100 101 118")));
        assertTrue(none.getMessage().startsWith("no usable media"), none.getMessage());
        assertTrue(none.getMessage().contains("no VP8, VP9 (profile 0), H.264 (packetization-mode=1) or AV1"),
                none.getMessage());

        String recvonly = OFFER.replaceAll("a=sendonly", "a=recvonly");
        assertThrows(SdpException.class, () -> ClientOfferReader.read(recvonly), "a WHIP client must send");
    }

    @Test
    void refusesOffersThatCannotWork() {
        assertThrows(SdpException.class, () -> ClientOfferReader.read(OFFER.replace("a=group:BUNDLE 0 1\r\n", "")),
                "two m-lines need BUNDLE");
        assertThrows(SdpException.class, () -> ClientOfferReader.read(OFFER.replace("a=setup:actpass", "a=setup:passive")),
                "the bridge cannot be the DTLS client");
        assertThrows(SdpException.class, () -> ClientOfferReader.read(OFFER.replaceAll("a=fingerprint:sha-256", "a=fingerprint:sha-1")));
        assertThrows(SdpException.class, () -> ClientOfferReader.read(OFFER.replaceAll("a=ice-pwd:[^\\r]*\\r\\n", "")));
        assertThrows(SdpException.class, () -> ClientOfferReader.read(OFFER.replace("a=mid:1", "a=mid:0")), "mids are unique");
        assertThrows(SdpException.class, () -> ClientOfferReader.read(OFFER.replace("a=extmap:3 ", "a=extmap:15 ")),
                "extension id 15 is reserved");
        assertThrows(SdpException.class, () -> ClientOfferReader.read(OFFER.replace("a=rtpmap:111 opus/48000/2", "a=rtpmap:111 opus/x/2")));
        assertThrows(SdpException.class, () -> ClientOfferReader.read("v=0\r\n"), "no m-line");
    }
}
