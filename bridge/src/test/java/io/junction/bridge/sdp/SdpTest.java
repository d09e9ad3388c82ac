package io.junction.bridge.sdp;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

public class SdpTest {
    private static final List<String> MIDS = List.of("0", "1", "2", "3");

    public static String fixture(String name) {
        try (InputStream in = SdpTest.class.getResourceAsStream("/sdp/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsChromiumsAnswer() throws Exception {
        ClientAnswerReader.Answer a = ClientAnswerReader.read(fixture("chromium-answer.sdp"), MIDS);
        assertEquals("kgyS", a.iceUfrag());
        assertEquals("7bBocYH4mdFTeFj6VR/qLc+q", a.icePassword());
        assertEquals("13:12:AA:98:A2:3F:C5:F1:99:60:75:8D:C3:0C:E5:59:60:BC:BA:E4:AB:C9:F0:1C:89:DD:86:B1:57:21:F0:B5",
                a.fingerprintSha256());
        assertEquals("active", a.setup());
        ClientAnswerReader.SendInfo audio = a.section("0");
        assertTrue(audio.sends());
        assertEquals(1093775670, audio.ssrc());
        assertEquals(0, audio.rtxSsrc());
        ClientAnswerReader.SendInfo video = a.section("1");
        assertEquals(999198818, video.ssrc());
        assertEquals((int) 3897543032L, video.rtxSsrc());
        assertEquals("recvonly", a.section("2").direction());
        assertEquals("recvonly", a.section("3").direction());
    }

    @Test
    void readsChromiumsSimulcastAnswer() throws Exception {
        ClientAnswerReader.Answer a = ClientAnswerReader.read(fixture("chromium-simulcast-answer.sdp"), MIDS);
        ClientAnswerReader.SendInfo video = a.section("1");
        assertTrue(video.sends());
        assertEquals(List.of("q", "h", "f"), video.rids());
        assertEquals(0, video.ssrc(), "Chromium signals no SSRCs for simulcast: learned from the rid extension");
        assertEquals(List.of(), a.section("0").rids());
        // the offer it answered, as Chromium reports it: layers low to high
        SessionDescription offer = SessionDescription.parse(fixture("bridge-simulcast-offer.sdp"));
        SessionDescription.Media publishVideo = offer.media().get(1);
        assertEquals(List.of("q recv", "h recv", "f recv"), publishVideo.attributes("rid"));
        assertEquals("recv q;h;f", publishVideo.attribute("simulcast"));
    }

    @Test
    void simulcastAnswerErrorsAreClear() {
        String good = fixture("chromium-simulcast-answer.sdp");
        assertTrue(assertThrows(SdpException.class,
                () -> ClientAnswerReader.read(good.replace("a=rid:h send\r\n", ""), MIDS))
                .getMessage().contains("simulcast rid 'h' has no a=rid:h send"));
        assertTrue(assertThrows(SdpException.class,
                () -> ClientAnswerReader.read(good.replace("a=simulcast:send q;h;f", "a=simulcast:sideways q"), MIDS))
                .getMessage().contains("unsupported a=simulcast"));
        // paused layers and alternatives are read, not refused
        ClientAnswerReader.SendInfo v = assertDoesNotThrow(() -> ClientAnswerReader.read(
                good.replace("a=simulcast:send q;h;f", "a=simulcast:send q;~h;f,h"), MIDS)).section("1");
        assertEquals(List.of("q", "h", "f"), v.rids());
    }

    @Test
    void offerWriterAsksForSimulcastLowestFirst() throws Exception {
        BridgeOffer offer = new BridgeOffer(42, 1, "ufrag1", "pwd-0123456789abcdefghij",
                "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                List.of(), List.of(BridgeOffer.Section.receive("0", false),
                        BridgeOffer.Section.receive("1", true, List.of("q", "h", "f"))));
        SessionDescription d = SessionDescription.parse(OfferWriter.write(offer));
        assertEquals(List.of("q recv", "h recv", "f recv"), d.media().get(1).attributes("rid"));
        assertEquals("recv q;h;f", d.media().get(1).attribute("simulcast"));
        assertEquals(List.of(), d.media().get(0).attributes("rid"));
    }

    @Test
    void answerTellsThePayloadTypesTheClientKept() throws Exception {
        ClientAnswerReader.Answer a = ClientAnswerReader.read(fixture("chromium-vp9-answer.sdp"), List.of("0", "1", "2", "3", "4"));
        assertEquals(List.of(98, 99, 96, 97, 102, 103), a.section("1").payloadTypes(), "VP9 first, as the SDK asked");
        assertEquals(List.of(96, 97, 98, 99, 102, 103), a.section("4").payloadTypes());
        assertEquals(List.of(111), a.section("0").payloadTypes());
    }

    @Test
    void offerWriterOffersTheSectionsCodecsInTheirOrder() throws Exception {
        BridgeOffer offer = new BridgeOffer(42, 1, "ufrag1", "pwd-0123456789abcdefghij",
                "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                List.of(), List.of(BridgeOffer.Section.receive("0", false),
                        BridgeOffer.Section.receive("1", true).withVideoCodecs(List.of("VP9", "VP8")),
                        BridgeOffer.Section.receive("2", true)));
        SessionDescription d = SessionDescription.parse(OfferWriter.write(offer));
        assertEquals(List.of("98", "99", "96", "97"), d.media().get(1).formats());
        assertEquals(List.of("98 VP9/90000", "99 rtx/90000", "96 VP8/90000", "97 rtx/90000"), d.media().get(1).attributes("rtpmap"));
        assertTrue(d.media().get(1).attributes("fmtp").contains("99 apt=98"));
        assertEquals(List.of("96", "97", "98", "99", "102", "103", "45", "46"), d.media().get(2).formats(), "every codec by default");
    }

    @Test
    void offerWriterOffersTheDependencyDescriptorOnVideoWhenAsked() throws Exception {
        List<BridgeOffer.Section> sections = List.of(BridgeOffer.Section.receive("0", false), BridgeOffer.Section.receive("1", true));
        String fp = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";
        SessionDescription with = SessionDescription.parse(OfferWriter.write(
                new BridgeOffer(42, 1, "ufrag1", "pwd-0123456789abcdefghij", fp, List.of(), sections, true)));
        String dd = "12 " + io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR;
        assertTrue(with.media().get(1).attributes("extmap").contains(dd));
        assertFalse(with.media().get(0).attributes("extmap").contains(dd), "video only");
        assertTrue(with.sessionAttributes().stream().anyMatch(x -> x.name().equals("extmap-allow-mixed")),
                "two-byte elements allowed (the structure needs them)");
        SessionDescription without = SessionDescription.parse(OfferWriter.write(
                new BridgeOffer(42, 1, "ufrag1", "pwd-0123456789abcdefghij", fp, List.of(), sections)));
        assertFalse(without.media().get(1).attributes("extmap").contains(dd));
        assertFalse(without.sessionAttributes().stream().anyMatch(x -> x.name().equals("extmap-allow-mixed")));
    }

    /** Chromium's answer to an offer with the dependency descriptor (captured): it keeps it on every video m-line. */
    @Test
    void answerTellsTheHeaderExtensionsTheClientKept() throws Exception {
        SessionDescription offer = SessionDescription.parse(fixture("bridge-dd-offer.sdp"));
        assertTrue(offer.media().get(4).attributes("extmap").contains(
                "12 " + io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR), "the bridge offered it");
        ClientAnswerReader.Answer a = ClientAnswerReader.read(fixture("chromium-av1-dd-answer.sdp"), List.of("0", "1", "2", "3", "4"));
        assertTrue(a.section("4").extensions().contains(io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR));
        assertTrue(a.section("1").extensions().contains(io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR));
        assertFalse(a.section("3").extensions().contains(io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR), "not on audio");
        assertEquals(List.of(45, 46, 96, 97, 98, 99, 102, 103), a.section("1").payloadTypes(), "AV1 first, as the SDK asked");
        ClientAnswerReader.Answer old = ClientAnswerReader.read(fixture("chromium-vp9-answer.sdp"), List.of("0", "1", "2", "3", "4"));
        assertFalse(old.section("4").extensions().contains(io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR),
                "an answer to an offer without it");
    }

    @Test
    void audioOffersRedBeforeOpusWithDtxAndStereoAsConfigured() throws Exception {
        var codecs = io.junction.bridge.codec.CodecCatalog.audioCodecs(true, true, true);
        BridgeOffer offer = new BridgeOffer(42, 1, "ufrag1", "pwd-0123456789abcdefghij",
                "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                List.of(), List.of(BridgeOffer.Section.receive("0", false).withCodecs(codecs)));
        SessionDescription.Media audio = SessionDescription.parse(OfferWriter.write(offer)).media().get(0);
        assertEquals(List.of("63", "111"), audio.formats(), "RED first: Chromium then sends it");
        assertEquals(List.of("63 red/48000/2", "111 opus/48000/2"), audio.attributes("rtpmap"));
        assertEquals(List.of("63 111/111", "111 minptime=10;useinbandfec=1;usedtx=1;stereo=1;sprop-stereo=1"),
                audio.attributes("fmtp"));
        assertEquals(List.of("111"), SessionDescription.parse(OfferWriter.write(new BridgeOffer(42, 1, "ufrag1",
                "pwd-0123456789abcdefghij", "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                List.of(), List.of(BridgeOffer.Section.receive("0", false)
                        .withCodecs(io.junction.bridge.codec.CodecCatalog.audioCodecs(false, false, false))))))
                .media().get(0).formats());
    }

    @Test
    void parsesTheBridgeOfferAsChromiumReportsIt() throws Exception {
        SessionDescription d = SessionDescription.parse(fixture("bridge-offer.sdp"));
        assertEquals(4, d.media().size());
        assertEquals("BUNDLE 0 1 2 3", d.sessionAttribute("group"));
        SessionDescription.Media video = d.media().get(3);
        assertEquals("video", video.kind());
        assertEquals(List.of("96", "97", "102", "103"), video.formats());
        assertEquals("sendonly", video.direction());
        assertEquals("05146b6da4c9 05146b6da4c9-video", video.attribute("msid"));
        assertEquals("FID 3709731525 3187354507", video.attribute("ssrc-group"));
        assertEquals("recvonly", d.media().get(0).direction());
        assertTrue(d.media().get(0).attributes("candidate").get(0).endsWith("127.0.0.1 55093 typ host generation 0"));
    }

    @Test
    void offerWriterRoundTrips() throws Exception {
        BridgeOffer offer = new BridgeOffer(42, 3, "ufrag1", "pwd-0123456789abcdefghij",
                "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
                List.of(new BridgeOffer.Candidate("1", 2130706431L, "10.0.0.5", 10000, "host", null, 0),
                        new BridgeOffer.Candidate("2", 1694498815L, "203.0.113.7", 10000, "srflx", "10.0.0.5", 10000),
                        new BridgeOffer.Candidate("3", 1526726655L, "10.0.0.5", 4443, "host", null, 0, true)),
                List.of(BridgeOffer.Section.receive("0", false), BridgeOffer.Section.receive("1", true),
                        BridgeOffer.Section.send("2", true, 0x80000001, 7, "cn", "ep1", "ep1-video"),
                        BridgeOffer.Section.inactive("3", false)));
        String sdp = OfferWriter.write(offer);
        assertTrue(sdp.endsWith("\r\n"));
        SessionDescription d = SessionDescription.parse(sdp);
        assertEquals("BUNDLE 0 1 2 3", d.sessionAttribute("group"));
        assertEquals(4, d.media().size());
        SessionDescription.Media send = d.media().get(2);
        assertEquals("sendonly", send.direction());
        assertEquals("ep1 ep1-video", send.attribute("msid"));
        assertEquals("FID 2147483649 7", send.attribute("ssrc-group"));
        assertEquals(List.of("2147483649 cname:cn", "2147483649 msid:ep1 ep1-video", "7 cname:cn", "7 msid:ep1 ep1-video"),
                send.attributes("ssrc"));
        assertEquals("inactive", d.media().get(3).direction());
        assertEquals("actpass", send.attribute("setup"));
        assertEquals(List.of("1 1 udp 2130706431 10.0.0.5 10000 typ host generation 0",
                "2 1 udp 1694498815 203.0.113.7 10000 typ srflx raddr 10.0.0.5 rport 10000 generation 0",
                "3 1 tcp 1526726655 10.0.0.5 4443 typ host tcptype passive generation 0"),
                d.media().get(0).attributes("candidate"));
        assertTrue(d.media().get(1).attributes("rtcp-fb").contains("96 nack pli"));
        assertTrue(d.media().get(1).attributes("fmtp").contains("97 apt=96"));
        assertTrue(d.media().get(1).attributes("fmtp").stream().anyMatch(f -> f.startsWith("102 ") && f.contains("packetization-mode=1")));
        assertEquals("111 minptime=10;useinbandfec=1", d.media().get(0).attribute("fmtp"));
        assertNull(d.media().get(1).attribute("candidate"), "candidates only on the BUNDLE tag");
    }

    @Test
    void answerValidationErrorsAreClear() {
        String good = fixture("chromium-answer.sdp");
        assertTrue(assertThrows(SdpException.class, () -> ClientAnswerReader.read(good, List.of("0", "1", "2")))
                .getMessage().contains("4 m-lines, the offer had 3"));
        assertTrue(assertThrows(SdpException.class, () -> ClientAnswerReader.read(good, List.of("0", "1", "3", "2")))
                .getMessage().contains("has mid 2, the offer had 3"));
        assertTrue(assertThrows(SdpException.class,
                () -> ClientAnswerReader.read(good.replaceAll("a=fingerprint:[^\r\n]*\r\n", ""), MIDS))
                .getMessage().contains("lacks a=fingerprint"));
        assertTrue(assertThrows(SdpException.class,
                () -> ClientAnswerReader.read(good.replaceAll("a=ice-ufrag:[^\r\n]*\r\n", ""), MIDS))
                .getMessage().contains("ICE credentials"));
        assertTrue(assertThrows(SdpException.class,
                () -> ClientAnswerReader.read(good.replace("a=setup:active", "a=setup:passive"), MIDS))
                .getMessage().contains("setup:passive"));
        assertTrue(assertThrows(SdpException.class,
                () -> ClientAnswerReader.read(good.replace("a=group:BUNDLE 0 1 2 3\r\n", ""), MIDS))
                .getMessage().contains("BUNDLE"));
        assertTrue(assertThrows(SdpException.class,
                () -> ClientAnswerReader.read(good.replace("sha-256 13:12", "sha-1 13:12"), MIDS))
                .getMessage().contains("sha-256"));
    }

    @Test
    void structuralErrorsNameTheLine() {
        assertTrue(assertThrows(SdpException.class, () -> SessionDescription.parse("x=0\r\n")).getMessage().startsWith("line 1"));
        assertTrue(assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\nm=audio x RTP/AVP 0\r\n"))
                .getMessage().startsWith("line 2: m= port"));
        assertTrue(assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\ngarbage\r\n"))
                .getMessage().startsWith("line 2"));
        assertTrue(assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\nm=audio 70000 RTP/AVP 0\r\n"))
                .getMessage().contains("out of range"));
        assertThrows(SdpException.class, () -> SessionDescription.parse(""));
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\n" + "a=x\r\n".repeat(20000)));
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\n" + "m=audio 9 RTP/AVP 0\r\n".repeat(65)));
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\na=" + "x".repeat(5000) + "\r\n"));
    }

    @Test
    void mutatedAnswersOnlyEverRaiseSdpException() {
        String good = fixture("chromium-answer.sdp");
        Random r = new Random(5);
        for (int i = 0; i < 20_000; i++) {
            char[] c = good.toCharArray();
            int edits = 1 + r.nextInt(6);
            for (int k = 0; k < edits; k++) {
                c[r.nextInt(c.length)] = (char) (r.nextBoolean() ? r.nextInt(128) : " :=\r\n0123456789".charAt(r.nextInt(15)));
            }
            String mutated = r.nextInt(10) == 0 ? new String(c, 0, r.nextInt(c.length)) : new String(c);
            try {
                ClientAnswerReader.read(mutated, MIDS);
            } catch (SdpException expected) {
                // the only acceptable failure
            }
        }
    }
}
