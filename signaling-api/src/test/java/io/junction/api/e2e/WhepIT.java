package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import io.junction.bridge.conference.Conference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * WHEP playback in real Chromium: two SDK participants whose cameras differ in shape (Ann 16:9, Bob
 * square) so a player's decoded frame size says whose video it shows. A page that watches with nothing
 * but {@code fetch} and {@code RTCPeerConnection} (the demo's {@code /watch.html}) plays the stage:
 * it follows the dominant speaker when the other one goes quiet, follows the participant the operator
 * puts on stage (admin API), and a second player pinned to Ann ({@code ?endpoint=}) keeps showing her
 * throughout, with an offer whose payload types and extension ids differ from the bridge's (so
 * everything sent to it is renumbered on the way out) and still gives the transport-cc feedback its
 * downlink estimate runs on.
 * Nobody in the room sees the viewers; {@code DELETE} ends a viewer. Saves the player's
 * offer as a fixture (target/whep-offer-chromium.sdp) and takes docs/screenshots/watch.png.
 */
class WhepIT extends BrowserTest {
    @Test
    void aViewerPlaysTheStageFollowsTheSpeakerAndTheOperatorAndAPinnedViewerStays() throws Exception {
        Participant ann = new Participant("Ann");
        Participant bob = new Participant("Bob");
        participants.add(ann);
        participants.add(bob);
        ann.join(t.publicUrl(""), "whep", "&camera=640x360");
        bob.join(t.publicUrl(""), "whep", "&camera=360x360");
        await("both joined", 20000, () -> ann.joined() && bob.joined());
        String annId = ann.endpointId();
        String bobId = bob.endpointId();
        // Bob goes quiet first: Ann is the speaker the stage starts with
        bob.browser.js("window.junctionRoom.setAudioEnabled(false)");
        Conference room = t.server.bridge().conferences().stream().filter(c -> c.name().equals("whep")).findFirst()
                .orElseThrow();
        await("Ann is the dominant speaker", 15000, () -> annId.equals(room.dominantSpeaker()));

        Participant stage = openPlayer("Stage", "", false);
        // the pinned player renumbers its offer (VP8 96→98, transport-cc 3→7): what it receives is
        // renumbered on the way out, or it decodes nothing and its estimate never grows
        Participant pinned = openPlayer("Pinned", "&endpoint=" + annId, true);
        for (Participant p : List.of(stage, pinned)) {
            await(p.name + " plays Ann (16:9) with sound", 30000, () -> {
                Map<String, Object> s = stats(p);
                return num(s, "framesDecoded") > 30 && num(s, "audioPackets") > 50 && shape(s) == 16;
            });
        }
        // the renumbered player's transport-cc feedback reaches the bridge (its extension id was mapped)
        await("both players give transport-cc feedback", 10000, () -> room.viewers().stream()
                .allMatch(v -> v.stats().transportCcFeedbackIn() > 20));
        String renumbered = (String) pinned.browser.js("return window.junctionWhepOffer || ''");
        assertTrue(renumbered.contains("a=rtpmap:98 VP8/90000") && renumbered.contains("a=extmap:7 http://www.ietf.org/id/draft-holmer"),
                "the pinned player's offer was renumbered:\n" + renumbered);
        String offer = (String) stage.browser.js("return window.junctionWhepOffer || ''");
        Files.writeString(Path.of("target", "whep-offer-chromium.sdp"), offer.replaceAll("\r?\n", "\r\n"));
        stage.browser.screenshot(CallPageIT.SCREENSHOTS.resolve("watch.png"));

        // viewers are not participants
        assertEquals(2, room.viewerCount());
        assertEquals(2, room.endpointCount());
        assertEquals(Set.of(bobId), Set.copyOf(ann.remoteVideoIds()), "Ann sees Bob and no viewer");
        assertEquals(Set.of(annId), Set.copyOf(bob.remoteVideoIds()), "Bob sees Ann and no viewer");
        assertEquals(2, TestServer.json(t.admin("GET", "/v1/stats", null)).get("viewers").asInt());

        // Ann goes quiet, Bob speaks: the stage player moves to Bob, the pinned one stays on Ann
        bob.browser.js("window.junctionRoom.setAudioEnabled(true)");
        ann.browser.js("window.junctionRoom.setAudioEnabled(false)");
        await("Bob is the dominant speaker", 15000, () -> bobId.equals(room.dominantSpeaker()));
        long changedNs = System.nanoTime();
        awaitShape(stage, 1, 10000);
        System.out.printf("[whep] dominant speaker change → the player decodes the new speaker: %d ms%n",
                (System.nanoTime() - changedNs) / 1_000_000);
        Map<String, Object> pinnedBefore = stats(pinned);
        Thread.sleep(2000);
        Map<String, Object> pinnedAfter = stats(pinned);
        assertEquals(16, shape(pinnedAfter), "the pinned player still shows Ann: " + pinnedAfter);
        assertTrue(num(pinnedAfter, "framesDecoded") > num(pinnedBefore, "framesDecoded") + 20,
                "the pinned player keeps decoding Ann: " + pinnedBefore + " → " + pinnedAfter);

        // the operator puts Ann on stage while Bob speaks, then gives the stage back
        var put = t.admin("PUT", "/v1/conferences/" + room.id() + "/stage", "{\"endpointId\":\"" + annId + "\"}");
        assertEquals(200, put.statusCode(), put.body());
        long putNs = System.nanoTime();
        awaitShape(stage, 16, 10000);
        System.out.printf("[whep] operator's stage change → the player decodes Ann: %d ms%n",
                (System.nanoTime() - putNs) / 1_000_000);
        assertEquals(200, t.admin("PUT", "/v1/conferences/" + room.id() + "/stage", "{\"endpointId\":null}").statusCode());
        awaitShape(stage, 1, 10000);
        Map<String, Object> end = stats(stage);
        System.out.println("[whep] stage player after three moves: " + end);
        assertTrue(num(end, "audioPackets") > 200, "audio kept flowing across the moves: " + end);

        // DELETE ends a viewer
        stage.browser.js("return window.whepStop()");
        await("the stage viewer is gone", 10000, () -> room.viewerCount() == 1);
        assertNull(pinned.browser.js("return window.whepState.error"));
        assertEquals(2, room.endpointCount());
    }

    private Participant openPlayer(String name, String query, boolean renumber) throws Exception {
        Participant p = new Participant(name);
        participants.add(p);
        p.browser.open(t.publicUrl("/watch.html?room=whep" + query));
        if (renumber) {
            p.browser.js(WhipIT.RENUMBER);
        }
        p.browser.js("document.getElementById('form').requestSubmit()");
        await(name + " connected", 20000, () -> "connected".equals(p.browser.js("return window.whepState.connection")));
        return p;
    }

    private void awaitShape(Participant p, int shape, long timeoutMs) throws InterruptedException {
        await(p.name + " decodes the " + (shape == 1 ? "square (Bob)" : "16:9 (Ann)") + " video", timeoutMs, () -> {
            Map<String, Object> s = stats(p);
            return shape(s) == shape && num(s, "framesDecoded") > 0;
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stats(Participant p) {
        return (Map<String, Object>) p.browser.jsAsync(
                "const done = arguments[arguments.length - 1]; window.whepStats().then(done, () => done({}));");
    }

    private static long num(Map<String, Object> s, String key) {
        Object v = s.get(key);
        return v instanceof Number n ? n.longValue() : 0;
    }

    /** 16 for a 16:9 frame (Ann), 1 for a square one (Bob), 0 otherwise. */
    private static int shape(Map<String, Object> s) {
        long w = num(s, "frameWidth");
        long h = num(s, "frameHeight");
        if (w == 0 || h == 0) {
            return 0;
        }
        double r = (double) w / h;
        return Math.abs(r - 16.0 / 9) < 0.1 ? 16 : Math.abs(r - 1) < 0.1 ? 1 : 0;
    }
}
