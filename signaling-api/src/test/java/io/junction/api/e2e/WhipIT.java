package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * WHIP ingest (RFC 9725) in real Chromium: a page that publishes with nothing but {@code fetch} and
 * {@code RTCPeerConnection} (the demo's {@code /whip.html}) into an open room; two SDK participants
 * in that room decode its video and receive its audio; {@code DELETE} on the session resource makes it
 * leave for both; the same with an offer whose payload types and extension ids differ from the
 * bridge's. Saves the publisher's offer as a fixture (target/whip-offer-chromium.sdp) and takes
 * docs/screenshots/whip.png.
 */
class WhipIT extends BrowserTest {
    /**
     * Renumbers the offer Chromium makes before it applies it (JSEP lets the offerer choose): VP8 and
     * its RTX swap payload types with VP9's (96/97 ↔ 98/99), transport-cc and mid swap extension ids
     * with unused ones (3 ↔ 7, 4 ↔ 9). Chromium then sends with these numbers, which differ from the
     * bridge's, so media reaches the subscribers only if the bridge renumbers at ingress.
     */
    static final String RENUMBER = """
            const swap = (sdp, re, pairs) => sdp.split('\\r\\n').map((line) => !re.test(line) ? line
                : line.replace(/\\d+/g, (n) => String(pairs[n] !== undefined ? pairs[n] : n))).join('\\r\\n');
            const original = RTCPeerConnection.prototype.createOffer;
            RTCPeerConnection.prototype.createOffer = async function (...args) {
              const o = await original.apply(this, args);
              let sdp = swap(o.sdp, /^(m=video|a=rtpmap:|a=fmtp:|a=rtcp-fb:)/, { 96: 98, 98: 96, 97: 99, 99: 97 });
              sdp = swap(sdp, /^a=extmap:/, { 3: 7, 7: 3, 4: 9, 9: 4 });
              return { type: o.type, sdp };
            };""";

    @Test
    void aWhipPublisherIsSeenByEveryoneAndLeavesOnDelete() throws Exception {
        publishAndLeave(false);
    }

    @Test
    void aPublisherWithItsOwnNumberingIsRenumberedAtIngress() throws Exception {
        publishAndLeave(true);
    }

    private void publishAndLeave(boolean renumber) throws Exception {
        Participant a = join("Ann", "whip");
        Participant b = join("Bob", "whip");
        await("both joined", 20000, () -> a.joined() && b.joined());
        Participant pub = new Participant("Caster");
        participants.add(pub);
        pub.browser.open(t.publicUrl("/whip.html?room=whip&name=Caster"));
        if (renumber) {
            pub.browser.js(RENUMBER);
        }
        long submittedNs = System.nanoTime();
        pub.browser.js("document.getElementById('form').requestSubmit()");
        // publish (getUserMedia, offer, candidates, POST, ICE, DTLS) → first frame decoded at a viewer,
        // polled every ~20 ms from the moment the publisher's endpoint exists
        String[] found = new String[1];
        await("the WHIP publisher's endpoint exists", 20000, () -> (found[0] = t.server.bridge().conferences().stream()
                .flatMap(c -> c.endpoints().stream()).filter(e -> e.displayName().equals("Caster"))
                .map(e -> e.id()).findFirst().orElse(null)) != null);
        String whipId = found[0];
        long firstFrameMs = -1;
        while (firstFrameMs < 0 && System.nanoTime() - submittedNs < 30_000_000_000L) {
            Participant.Remote r = a.remotes().get(whipId);
            if (r != null && r.framesDecoded() > 0) {
                firstFrameMs = (System.nanoTime() - submittedNs) / 1_000_000;
            }
            Thread.sleep(20);
        }
        System.out.println("[whip] publish → first frame at a viewer: " + firstFrameMs + " ms (renumbered: " + renumber + ")");
        await("the WHIP publisher connected", 20000,
                () -> "connected".equals(pub.browser.js("return window.whipState.connection")));
        assertNull(pub.browser.js("return window.whipState.error"));
        String resource = (String) pub.browser.js("return window.whipState.resource");
        assertNotNull(resource);
        assertTrue(resource.matches("http://127\\.0\\.0\\.1:\\d+/v1/whip/whip/[A-Za-z0-9_-]{22}"), resource);
        String offer = (String) pub.browser.js("return window.junctionWhipOffer || ''");
        if (renumber) {
            assertTrue(offer.contains("a=rtpmap:98 VP8/90000") && offer.contains("a=extmap:7 http://www.ietf.org/id/draft-holmer"),
                    "the offer was renumbered:\n" + offer);
        } else {
            Files.writeString(Path.of("target", "whip-offer-chromium.sdp"), offer.replaceAll("\r?\n", "\r\n"));
            pub.browser.screenshot(CallPageIT.SCREENSHOTS.resolve("whip.png"));
        }
        for (Participant p : new Participant[] {a, b}) {
            await(p.name + " decodes the WHIP publisher's video", 30000, () -> {
                Participant.Remote r = p.remotes().get(whipId);
                return r != null && r.framesDecoded() > 30 && r.audioPackets() > 50;
            });
        }
        // the publisher's estimate grows on the bridge's transport-cc feedback (its extension id was
        // renumbered at ingress): Chromium raises the resolution from its start
        await("the WHIP publisher's video grows to at least 360p", 30000,
                () -> a.remotes().get(whipId).frameHeight() >= 360);

        pub.browser.js("return window.whipStop()");
        await("the WHIP publisher left the conference", 10000, () -> t.server.bridge().conferences().stream()
                .flatMap(c -> c.endpoints().stream()).noneMatch(e -> e.id().equals(whipId)));
        for (Participant p : new Participant[] {a, b}) {
            await(p.name + " no longer shows it", 10000, () -> !p.remoteVideoIds().contains(whipId));
        }
        assertEquals(2, t.server.bridge().endpointCount());
    }
}
