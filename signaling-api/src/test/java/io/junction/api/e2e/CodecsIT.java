package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Codecs other than VP8 with real Chromium: VP9 with spatial scalability (one stream, three spatial
 * layers, {@code L3T3_KEY}) sent through the bridge, each receiver getting the layers its constraints
 * ask for.
 */
class CodecsIT extends BrowserTest {
    /** The video codec of what {@code viewer} receives from {@code endpointId} (its mimeType), or null. */
    static String receivedCodec(Participant viewer, String endpointId) {
        return receivedCodec(viewer, endpointId, "video");
    }

    /** The codec ({@code kind} 'audio' or 'video') of what {@code viewer} receives from {@code endpointId}, or null. */
    static String receivedCodec(Participant viewer, String endpointId, String kind) {
        return (String) viewer.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                const room = window.junctionRoom;
                const mids = new Set(room.remoteTracks().filter((t) => t.endpointId === arguments[0] && t.kind === arguments[1]).map((t) => t.mid));
                room.pc.getStats().then((s) => { let codec = null;
                  s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === arguments[1] && mids.has(r.mid) && r.codecId) {
                    const c = s.get(r.codecId); if (c) codec = c.mimeType; } });
                  done(codec); }).catch(() => done(null));
                """, endpointId, kind);
    }

    /** What {@code p} has sent: per outbound video stream, [rid or '-', codec, scalabilityMode, frameHeight, active]. */
    @SuppressWarnings("unchecked")
    static List<Object> sent(Participant p) {
        return (List<Object>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => { const out = [];
                  s.forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video' && (r.bytesSent || 0) > 0) {
                    const c = r.codecId && s.get(r.codecId);
                    out.push([r.rid || '-', c ? c.mimeType : null, r.scalabilityMode || null, r.frameHeight || 0, r.active]); } });
                  done(out); });
                """);
    }

    private static long height(Participant viewer, String id) {
        Participant.Remote r = viewer.remotes().get(id);
        return r == null ? -1 : r.frameHeight();
    }

    private static long frames(Participant viewer, String id) {
        Participant.Remote r = viewer.remotes().get(id);
        return r == null ? -1 : r.framesDecoded();
    }

    @Test
    void vp9SvcThreePartyEachReceiverGetsItsSpatialLayer() throws Exception {
        svcThreeParty("vp9", "video/VP9");
    }

    /** AV1 SVC: the layers are selected from the dependency descriptor (AV1's payload has no layer indices). */
    @Test
    void av1SvcThreePartyEachReceiverGetsItsSpatialLayer() throws Exception {
        svcThreeParty("av1", "video/AV1");
        var counters = t.server.bridge().media().counters();
        assertTrue(counters.videoPacketsSuppressed.sum() > 100, "layers dropped per receiver: " + counters.videoPacketsSuppressed.sum());
    }

    /** Three participants sending {@code codec} as one L3T3_KEY stream; one receiver limited to 180p, then raised, another lowered. */
    private void svcThreeParty(String codec, String mime) throws Exception {
        String svc = "&codec=" + codec + "&svc=L3T3_KEY";
        Participant ada = new Participant("Ada");
        participants.add(ada);
        ada.join(t.publicUrl(""), codec, svc);
        Participant bob = new Participant("Bob");
        participants.add(bob);
        bob.join(t.publicUrl(""), codec, svc + "&camera=640x360&maxHeight=180");
        Participant cy = new Participant("Cy");
        participants.add(cy);
        cy.join(t.publicUrl(""), codec, svc + "&camera=640x360");
        for (Participant p : List.of(ada, bob, cy)) {
            await(p.name + " joined", 20000, p::joined);
        }
        String a = ada.endpointId();
        String b = bob.endpointId();
        String c = cy.endpointId();
        await("everyone decodes everyone", 30000, () -> frames(ada, b) > 10 && frames(ada, c) > 10
                && frames(bob, a) > 10 && frames(bob, c) > 10 && frames(cy, a) > 10 && frames(cy, b) > 10);
        await("Ada sends one " + codec + " stream with three spatial layers (" + sent(ada) + ")", 15000, () -> {
            List<?> s = sent(ada).stream().map(x -> (List<?>) x).filter(x -> Boolean.TRUE.equals(x.get(4))).toList();
            return s.size() == 1 && mime.equals(((List<?>) s.get(0)).get(1))
                    && "L3T3_KEY".equals(((List<?>) s.get(0)).get(2)) && ((Number) ((List<?>) s.get(0)).get(3)).longValue() >= 540;
        });
        assertEquals(mime, receivedCodec(cy, a));
        await("Cy (free) decodes Ada at 540p or more (now " + height(cy, a) + ")", 20000, () -> height(cy, a) >= 540);
        await("Bob (maxHeight=180) decodes Ada at 180p or less (now " + height(bob, a) + ")", 10000,
                () -> height(bob, a) > 0 && height(bob, a) <= 180);
        // both at once, from the same stream: the bridge drops spatial layers per receiver
        assertTrue(height(cy, a) >= 540 && height(bob, a) <= 180, "Cy " + height(cy, a) + ", Bob " + height(bob, a));
        var counters = t.server.bridge().media().counters();
        long switchesBefore = counters.layerSwitches.sum();
        Participant.Remote bob0 = bob.remotes().get(a);
        bob.browser.js("window.junctionRoom.setConstraints({ maxHeight: 720 })");
        long t1 = System.currentTimeMillis();
        await("Bob raised to 720: Ada at 540p or more (now " + height(bob, a) + ")", 10000, () -> height(bob, a) >= 540);
        long up = System.currentTimeMillis() - t1;
        cy.browser.js("window.junctionRoom.setConstraints({ maxHeight: 180 })");
        long t2 = System.currentTimeMillis();
        await("Cy lowered to 180: Ada at 180p or less (now " + height(cy, a) + ")", 10000,
                () -> height(cy, a) > 0 && height(cy, a) <= 180);
        long down = System.currentTimeMillis() - t2;
        Thread.sleep(2000);
        Participant.Remote bob1 = bob.remotes().get(a);
        Participant.Remote cy1 = cy.remotes().get(a);
        assertTrue(bob1.framesDecoded() > bob0.framesDecoded() + 20, "Bob keeps decoding Ada: " + bob0 + " then " + bob1);
        // Bob's freezes since the raise: the call's first seconds (encoders starting on a busy box) are not this switch's
        double bobFrozen = bob1.freezeSeconds() - bob0.freezeSeconds();
        System.out.printf("%s L3T3_KEY: 180 -> 720 in %d ms, 720 -> 180 in %d ms; freezes Bob %d (%.2f s) since the raise,"
                        + " %d (%.2f s) before; Cy %d (%.2f s); bridge spatial drops %d%n", codec, up, down,
                bob1.freezeCount() - bob0.freezeCount(), bobFrozen, bob0.freezeCount(), bob0.freezeSeconds(), cy1.freezeCount(),
                cy1.freezeSeconds(), counters.videoPacketsSuppressed.sum());
        assertTrue(bobFrozen < 1.0, "no long freeze when a layer is added: " + bob0 + " then " + bob1);
        Map<String, Participant.Remote> ca = cy.remotes();
        assertTrue(ca.get(b).framesDecoded() > 10, "Cy still decodes Bob: " + ca);
        assertTrue(counters.layerSwitches.sum() >= switchesBefore + 2, "spatial switches are counted: "
                + switchesBefore + " then " + counters.layerSwitches.sum());
    }

    @Test
    void h264SimulcastThreePartyEachReceiverGetsItsLayer() throws Exception {
        simulcastThreeParty("h264", "video/H264");
    }

    @Test
    void av1SimulcastThreePartyEachReceiverGetsItsLayer() throws Exception {
        simulcastThreeParty("av1", "video/AV1");
    }

    /** Three participants sending {@code codec} as three simulcast layers; one receiver limited to 180p, then raised. */
    private void simulcastThreeParty(String codec, String mime) throws Exception {
        String q = "&codec=" + codec;
        Participant ada = new Participant("Ada");
        participants.add(ada);
        ada.join(t.publicUrl(""), codec, q);
        Participant bob = new Participant("Bob");
        participants.add(bob);
        bob.join(t.publicUrl(""), codec, q + "&camera=640x360&maxHeight=180");
        Participant cy = new Participant("Cy");
        participants.add(cy);
        cy.join(t.publicUrl(""), codec, q + "&camera=640x360");
        for (Participant p : List.of(ada, bob, cy)) {
            await(p.name + " joined", 20000, p::joined);
        }
        String a = ada.endpointId();
        String b = bob.endpointId();
        String c = cy.endpointId();
        await("everyone decodes everyone", 30000, () -> frames(ada, b) > 10 && frames(ada, c) > 10
                && frames(bob, a) > 10 && frames(bob, c) > 10 && frames(cy, a) > 10 && frames(cy, b) > 10);
        assertEquals(mime, receivedCodec(cy, a));
        await("Ada sends three " + codec + " simulcast layers (" + sent(ada) + ")", 15000, () -> sent(ada).stream()
                .map(x -> (List<?>) x).filter(x -> mime.equals(x.get(1))).map(x -> x.get(0)).toList()
                .containsAll(List.of("q", "h", "f")));
        await("Cy (free) decodes Ada at 540p or more (now " + height(cy, a) + ")", 20000, () -> height(cy, a) >= 540);
        await("Bob (maxHeight=180) decodes Ada at 180p or less (now " + height(bob, a) + ")", 10000,
                () -> height(bob, a) > 0 && height(bob, a) <= 180);
        bob.browser.js("window.junctionRoom.setConstraints({ maxHeight: 720 })");
        long t1 = System.currentTimeMillis();
        await("Bob raised to 720: Ada at 540p or more (now " + height(bob, a) + ")", 10000, () -> height(bob, a) >= 540);
        long up = System.currentTimeMillis() - t1;
        Participant.Remote bob1 = bob.remotes().get(a);
        System.out.printf("%s simulcast: 180 -> 720 in %d ms; freezes Bob %d (%.2f s)%n", codec, up, bob1.freezeCount(),
                bob1.freezeSeconds());
    }

    /**
     * A page script that makes Chromium answer only VP8 on every video m-line, as a client that cannot
     * decode the other codecs would.
     */
    static final String VP8_ONLY = """
            (() => {
              const answer = RTCPeerConnection.prototype.createAnswer;
              RTCPeerConnection.prototype.createAnswer = function (...args) {
                const vp8 = RTCRtpReceiver.getCapabilities('video').codecs.filter((c) => /vp8|rtx/i.test(c.mimeType));
                for (const t of this.getTransceivers()) {
                  if (t.receiver.track && t.receiver.track.kind === 'video') t.setCodecPreferences(vp8);
                }
                return answer.apply(this, args);
              };
            })();
            """;

    /** The codec {@code p}'s camera sends now (the active outbound stream's), or null. */
    static String sendingCodec(Participant p) {
        return sent(p).stream().map(x -> (List<?>) x).filter(x -> Boolean.TRUE.equals(x.get(4)))
                .map(x -> (String) x.get(1)).findFirst().orElse(null);
    }

    @Test
    void aParticipantThatDecodesOnlyVp8MakesTheOthersFallBackUntilItLeaves() throws Exception {
        String svc = "&codec=vp9&svc=L3T3_KEY&camera=640x360";
        Participant ada = new Participant("Ada");
        participants.add(ada);
        ada.join(t.publicUrl(""), "mixed", svc);
        Participant bob = new Participant("Bob");
        participants.add(bob);
        bob.join(t.publicUrl(""), "mixed", svc);
        await("Ada and Bob joined", 20000, () -> ada.joined() && bob.joined());
        String a = ada.endpointId();
        String b = bob.endpointId();
        await("Bob decodes Ada's VP9 (" + receivedCodec(bob, a) + ")", 20000,
                () -> frames(bob, a) > 10 && "video/VP9".equals(receivedCodec(bob, a)));
        Participant cy = new Participant("Cy");
        participants.add(cy);
        cy.browser.beforeEveryPage(VP8_ONLY);
        cy.join(t.publicUrl(""), "mixed", "&camera=640x360");
        await("Cy joined", 20000, cy::joined);
        String c = cy.endpointId();
        var conference = t.server.bridge().conference(ada.browser.js("return window.junctionRoom.conferenceId").toString())
                .orElseThrow();
        await("publishers are offered VP8 only (" + conference.publishVideoCodecs() + ")", 10000,
                () -> conference.publishVideoCodecs().equals(List.of("VP8")));
        long t0 = System.currentTimeMillis();
        await("Cy decodes Ada and Bob (now " + frames(cy, a) + ", " + frames(cy, b) + "; Ada sends " + sent(ada) + ")", 20000,
                () -> frames(cy, a) > 10 && frames(cy, b) > 10);
        long fallback = System.currentTimeMillis() - t0;
        assertEquals("video/VP8", receivedCodec(cy, a));
        assertEquals("video/VP8", sendingCodec(ada));
        long bobFrames = frames(bob, a);
        await("Bob keeps decoding Ada, now VP8", 10000, () -> frames(bob, a) > bobFrames + 10
                && "video/VP8".equals(receivedCodec(bob, a)));
        assertTrue(frames(ada, c) > 10 || waitFrames(ada, c), "Ada decodes Cy");
        cy.browser.js("window.junctionRoom.leave()");
        long t1 = System.currentTimeMillis();
        await("without Cy, VP9 is offered again (" + conference.publishVideoCodecs() + ")", 10000,
                () -> conference.publishVideoCodecs().contains("VP9"));
        await("Ada sends VP9 again (" + sent(ada) + ")", 15000, () -> "video/VP9".equals(sendingCodec(ada)));
        long bobNow = frames(bob, a);
        await("Bob decodes Ada's VP9 again", 15000, () -> frames(bob, a) > bobNow + 10
                && "video/VP9".equals(receivedCodec(bob, a)));
        System.out.printf("mixed codecs: VP8-only joiner decodes everyone %d ms after joining; back to VP9 %d ms after it"
                + " left%n", fallback, System.currentTimeMillis() - t1);
    }

    private static boolean waitFrames(Participant viewer, String id) throws InterruptedException {
        await(viewer.name + " decodes " + id, 10000, () -> frames(viewer, id) > 10);
        return true;
    }

    /** Payload bytes per packet of the audio {@code viewer} receives from {@code endpointId}. */
    static double audioBytesPerPacket(Participant viewer, String endpointId) {
        Object r = viewer.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                const room = window.junctionRoom;
                const mids = new Set(room.remoteTracks().filter((t) => t.endpointId === arguments[0] && t.kind === 'audio').map((t) => t.mid));
                room.pc.getStats().then((s) => { let v = 0;
                  s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio' && mids.has(r.mid) && r.packetsReceived > 0) {
                    v = r.bytesReceived / r.packetsReceived; } });
                  done(v); }).catch(() => done(0));
                """, endpointId);
        return ((Number) r).doubleValue();
    }

    /** A page script that makes Chromium answer plain Opus only (no RED) on every audio m-line. */
    static final String OPUS_ONLY = """
            (() => {
              const answer = RTCPeerConnection.prototype.createAnswer;
              RTCPeerConnection.prototype.createAnswer = function (...args) {
                const opus = RTCRtpReceiver.getCapabilities('audio').codecs.filter((c) => /opus/i.test(c.mimeType));
                for (const t of this.getTransceivers()) {
                  if (t.receiver.track && t.receiver.track.kind === 'audio') t.setCodecPreferences(opus);
                }
                return answer.apply(this, args);
              };
            })();
            """;

    @Test
    void redundantAudioGoesAsSentToWhoNegotiatedItAndAsOpusToTheOthers() throws Exception {
        Participant ada = new Participant("Ada");
        participants.add(ada);
        ada.join(t.publicUrl(""), "red", "&camera=320x180");
        Participant bob = new Participant("Bob");
        participants.add(bob);
        bob.join(t.publicUrl(""), "red", "&publish=0");
        Participant cy = new Participant("Cy");
        participants.add(cy);
        cy.browser.beforeEveryPage(OPUS_ONLY);
        cy.join(t.publicUrl(""), "red", "&publish=0");
        await("all joined", 20000, () -> ada.joined() && bob.joined() && cy.joined());
        String a = ada.endpointId();
        var counters = t.server.bridge().media().counters();
        await("Bob and Cy receive Ada's audio", 20000, () -> bob.remotes().containsKey(a) && cy.remotes().containsKey(a)
                && bob.remotes().get(a).audioPackets() > 50 && cy.remotes().get(a).audioPackets() > 50);
        // Chromium's stats name the primary codec (Opus) for both; RED shows in the bytes: each packet
        // also carries the previous frame
        double bob0 = audioBytesPerPacket(bob, a);
        double cy0 = audioBytesPerPacket(cy, a);
        long cyBefore = cy.remotes().get(a).audioPackets();
        Thread.sleep(3000);
        long cyAfter = cy.remotes().get(a).audioPackets();
        double bobPer = audioBytesPerPacket(bob, a);
        double cyPer = audioBytesPerPacket(cy, a);
        System.out.printf("audio payload bytes per packet: with RED %.1f, unwrapped %.1f (earlier %.1f, %.1f)%n", bobPer, cyPer,
                bob0, cy0);
        assertEquals("audio/opus", receivedCodec(cy, a, "audio"), "Cy gets Opus");
        assertTrue(bobPer > cyPer * 1.3, "Bob (RED) gets the redundant frames too: " + bobPer + " vs " + cyPer + " bytes per packet");
        assertTrue(cyAfter > cyBefore + 20, "Cy's Opus keeps coming: " + cyBefore + " then " + cyAfter);
        assertEquals(0, counters.drops(io.junction.bridge.stats.DropReason.RED_MALFORMED), "Chromium's RED unwraps");
    }
}
