package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Selective forwarding with real Chromium: the publisher sends three simulcast layers, and each
 * receiver gets what its constraints ask for (maxHeight, lastN) and hears everyone; the bridge names
 * the dominant speaker.
 */
class SelectiveForwardingIT extends BrowserTest {
    /** The rids of the video layers Chromium sends, with their frame heights. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> layersSent(Participant p) {
        return (Map<String, Object>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => { const out = {};
                  s.forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video' && r.rid) out[r.rid] = r.frameHeight || 0; });
                  done(out); });
                """);
    }

    /** Per rid whether Chromium encodes that layer (RTCOutboundRtpStreamStats.active). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> layersActive(Participant p) {
        return (Map<String, Object>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => { const out = {};
                  s.forEach((r) => { if (r.type === 'outbound-rtp' && r.kind === 'video' && r.rid) out[r.rid] = r.active; });
                  done(out); });
                """);
    }

    private static long heightFrom(Participant viewer, String id) {
        Participant.Remote r = viewer.remotes().get(id);
        return r == null ? -1 : r.frameHeight();
    }

    @Test
    void maxHeightPicksTheLayerAndCanBeRaised() throws Exception {
        Participant pub = join("Pub", "maxheight");
        await("publisher joined", 20000, pub::joined);
        Participant viewer = new Participant("Viewer");
        participants.add(viewer);
        viewer.join(t.publicUrl(""), "maxheight", "&publish=0&maxHeight=180");
        await("viewer joined", 20000, viewer::joined);
        String id = pub.endpointId();
        await("the publisher sends three simulcast layers", 20000, () -> layersSent(pub).keySet().containsAll(Set.of("q", "h", "f")));
        await("the viewer decodes the publisher", 20000, () -> {
            Participant.Remote r = viewer.remotes().get(id);
            return r != null && r.framesDecoded() > 10 && r.frameHeight() > 0;
        });
        long t0 = System.currentTimeMillis();
        await("maxHeight=180: frames at most 180 high (now " + heightFrom(viewer, id) + ")", 5000,
                () -> heightFrom(viewer, id) > 0 && heightFrom(viewer, id) <= 180);
        // and it stays there (not just a first frame before the allocation); nobody watches the upper
        // layers, so after 5 s the bridge tells the publisher to stop encoding them
        long t180 = System.currentTimeMillis();
        await("the publisher pauses the layers nobody watches (" + layersActive(pub) + ")", 12000,
                () -> layersActive(pub).equals(Map.of("q", true, "h", false, "f", false)));
        long paused = System.currentTimeMillis() - t180;
        long low = heightFrom(viewer, id);
        assertTrue(low > 0 && low <= 180, "still <= 180: " + low + "; sent " + layersSent(pub));
        // a new offer (here asked for by the publisher) must not resume them: Chromium applies an
        // offer's a=simulcast as "every layer active", the SDK pauses them again
        long revision = ((Number) pub.browser.js("return window.junctionRoom.revision")).longValue();
        pub.browser.js("window.junctionRoom._send({ type: 'renegotiate' })");
        await("the publisher answered a new offer", 10000,
                () -> ((Number) pub.browser.js("return window.junctionRoom.revision")).longValue() > revision);
        Thread.sleep(1500);
        assertEquals(Map.of("q", true, "h", false, "f", false), layersActive(pub), "still paused after a new offer");
        viewer.browser.js("window.junctionRoom.setConstraints({ maxHeight: 720 })");
        long t1 = System.currentTimeMillis();
        await("maxHeight=720: the paused layers resume and frames are at least 540 high (now " + heightFrom(viewer, id)
                + "; publisher sends " + layersSent(pub) + ", active " + layersActive(pub) + ")", 10000,
                () -> heightFrom(viewer, id) >= 540);
        long up = System.currentTimeMillis() - t1;
        viewer.browser.js("window.junctionRoom.setConstraints({ maxHeight: 360 })");
        long t2 = System.currentTimeMillis();
        await("maxHeight=360: frames at most 360 high", 10000, () -> heightFrom(viewer, id) > 0 && heightFrom(viewer, id) <= 360);
        long down = System.currentTimeMillis() - t2;
        Participant.Remote r = viewer.remotes().get(id);
        System.out.printf("maxHeight: 180 at once; upper layers paused after %d ms; 180 -> 720 (resuming them) in %d ms;"
                + " 720 -> 360 in %d ms; freezes %d (%.2f s)%n", paused, up, down, r.freezeCount(), r.freezeSeconds());
        var counters = t.server.bridge().media().counters();
        assertTrue(counters.layerSwitches.sum() >= 2, "the bridge switched layers: " + counters.layerSwitches.sum());
    }

    @Test
    void lastNOneForwardsOnlyTheDominantSpeakersVideoButEveryonesAudio() throws Exception {
        // three publishers (small cameras: three encoders on two cores); only Cy's microphone (the last to
        // join, so neither the first nor, by join order, the default) is on
        Participant[] pubs = new Participant[3];
        String[] names = {"Ada", "Bob", "Cy"};
        for (int i = 0; i < 3; i++) {
            pubs[i] = new Participant(names[i]);
            participants.add(pubs[i]);
            pubs[i].join(t.publicUrl(""), "lastn", "&camera=640x360");
        }
        for (Participant p : pubs) {
            await(p.name + " joined", 20000, p::joined);
        }
        // mute Ada and Bob: their browsers send silence (audio level 127)
        pubs[0].browser.js("window.junctionRoom.setAudioEnabled(false)");
        pubs[1].browser.js("window.junctionRoom.setAudioEnabled(false)");
        Participant viewer = new Participant("Viewer");
        participants.add(viewer);
        viewer.join(t.publicUrl(""), "lastn", "&publish=0&lastN=1");
        await("viewer joined", 20000, viewer::joined);
        String cy = pubs[2].endpointId();
        Set<String> all = Set.of(pubs[0].endpointId(), pubs[1].endpointId(), cy);
        long t0 = System.currentTimeMillis();
        await("everyone learns that Cy speaks", 15000, () -> {
            for (Participant p : List.of(pubs[0], pubs[1], viewer)) {
                if (!cy.equals(p.browser.js("return window.junctionState.dominantSpeaker"))) {
                    return false;
                }
            }
            return true;
        });
        System.out.printf("dominant speaker event after %d ms%n", System.currentTimeMillis() - t0);
        await("the viewer hears all three", 15000, () -> {
            Map<String, Participant.Remote> r = viewer.remotes();
            return all.stream().allMatch(id -> r.containsKey(id) && r.get(id).audioPackets() > 50);
        });
        await("the viewer decodes Cy's video", 15000, () -> {
            Participant.Remote r = viewer.remotes().get(cy);
            return r != null && r.framesDecoded() > 10;
        });
        Map<String, Participant.Remote> before = viewer.remotes();
        Thread.sleep(3000);
        Map<String, Participant.Remote> after = viewer.remotes();
        Set<String> decoding = all.stream()
                .filter(id -> after.get(id) != null && after.get(id).framesDecoded() > (before.get(id) == null ? 0 : before.get(id).framesDecoded()))
                .collect(Collectors.toSet());
        Set<String> hearing = all.stream()
                .filter(id -> after.get(id) != null && after.get(id).audioPackets() > before.get(id).audioPackets())
                .collect(Collectors.toSet());
        assertEquals(Set.of(cy), decoding, "with lastN=1 only the dominant speaker's video is decoded: " + after);
        assertEquals(all, hearing, "audio of everyone still flows: " + after);
        // a participant without constraints still sees everyone
        Map<String, Participant.Remote> bob0 = pubs[1].remotes();
        Thread.sleep(2000);
        Map<String, Participant.Remote> bob1 = pubs[1].remotes();
        for (String id : Set.of(pubs[0].endpointId(), cy)) {
            assertTrue(bob1.get(id).framesDecoded() > bob0.get(id).framesDecoded(), "Bob decodes " + id + ": " + bob1);
        }
    }
}
