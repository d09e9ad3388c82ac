package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A screen share as a second video source, in real Chromium: Ada shares (a canvas track stands in
 * for getDisplayMedia, which headless Chromium cannot pick), the others decode it beside her camera
 * as a track with source "screen", shown large; it comes first in their allocation; it ends for
 * everyone when she stops. Takes docs/screenshots/screen-share.png.
 */
class ScreenShareIT extends BrowserTest {
    private static long screenFrames(Participant p, String sharer) {
        Object n = p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                const t = window.junctionRoom.remoteTracks().find((x) => x.endpointId === arguments[0] && x.source === 'screen');
                if (!t) { done(-1); return; }
                window.junctionRoom.pc.getStats(t.track).then((s) => {
                  let f = 0; s.forEach((r) => { if (r.type === 'inbound-rtp') f = r.framesDecoded || 0; }); done(f);
                }).catch(() => done(-1));
                """, sharer);
        return ((Number) n).longValue();
    }

    @Test
    void aScreenShareReachesEveryoneFirstAndEnds() throws Exception {
        Participant ada = join("Ada", "review");
        Participant bob = join("Bob", "review");
        Participant cy = join("Cy", "review");
        for (Participant p : participants) {
            await(p.name + " joined", 20000, p::joined);
        }
        await("Bob decodes Ada's camera", 30000, () -> bob.remotes().containsKey(ada.endpointId())
                && bob.remotes().get(ada.endpointId()).framesDecoded() > 10);
        ada.browser.js("""
                const c = document.createElement('canvas'); c.width = 1280; c.height = 720;
                const g = c.getContext('2d'); let n = 0;
                setInterval(() => {
                  g.fillStyle = '#f4f6fb'; g.fillRect(0, 0, 1280, 720);
                  g.fillStyle = '#1d2433'; g.font = 'bold 64px sans-serif'; g.fillText('Quarterly review', 80, 140);
                  g.font = '36px sans-serif';
                  ['Revenue up 12 %', 'Two new regions', 'Latency p99 under 40 ms'].forEach((l, i) => g.fillText('• ' + l, 100, 260 + i * 70));
                  g.fillStyle = '#5b8cff'; g.fillRect(80, 560, (n++ % 100) * 11, 30);
                }, 50);
                window.fakeScreen = c.captureStream(20).getVideoTracks()[0];
                return window.junctionRoom.startScreenShare(window.fakeScreen).then(() => true);""");
        for (Participant p : new Participant[] {bob, cy}) {
            await(p.name + " decodes Ada's screen", 30000, () -> screenFrames(p, ada.endpointId()) > 20);
        }
        assertTrue(bob.remotes().get(ada.endpointId()).framesDecoded() > 10, "and her camera still");
        var adaStats = t.server.bridge().conference(bob.browser.js("return window.junctionRoom.conferenceId").toString())
                .orElseThrow().endpoint(ada.endpointId()).orElseThrow().stats();
        assertTrue(adaStats.inbound().stream().anyMatch(i -> i.kind().equals("video") && i.rid() == null)
                && adaStats.inbound().stream().anyMatch(i -> i.kind().equals("video") && i.rid() != null),
                "the bridge receives her simulcast camera and her one-layer screen: " + adaStats.inbound());
        // shown large on Bob's page
        await("Ada's screen is Bob's large tile", 10000, () -> Boolean.TRUE.equals(bob.browser.js("""
                const s = document.querySelector('.tile.screen');
                const others = [...document.querySelectorAll('.tile.remote, .tile.local')];
                return !!s && s.classList.contains('spotlight')
                  && others.every((o) => o.getBoundingClientRect().width * 2 < s.getBoundingClientRect().width);""")));
        // the screen share comes first in Bob's allocation, and at full size
        @SuppressWarnings("unchecked")
        Map<String, Object> layer = (Map<String, Object>) bob.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                const t = window.junctionRoom.remoteTracks().find((x) => x.endpointId === arguments[0] && x.source === 'screen');
                window.junctionRoom.pc.getStats(t.track).then((s) => {
                  let h = 0; s.forEach((r) => { if (r.type === 'inbound-rtp') h = r.frameHeight || 0; }); done({ height: h });
                });""", ada.endpointId());
        assertTrue(((Number) layer.get("height")).intValue() >= 360, "the screen is not a thumbnail: " + layer);
        assertEquals(Boolean.TRUE, bob.browser.js("""
                const v = document.querySelector('.tile.screen video');
                return getComputedStyle(v).visibility === 'visible' && v.videoWidth >= 640 && !v.paused;"""),
                "the screen tile shows the video");
        Thread.sleep(1500);
        bob.browser.screenshot(CallPageIT.SCREENSHOTS.resolve("screen-share.png"));

        ada.browser.js("window.junctionRoom.stopScreenShare()");
        for (Participant p : new Participant[] {bob, cy}) {
            await(p.name + " lost Ada's screen", 15000, () -> screenFrames(p, ada.endpointId()) == -1
                    && Boolean.FALSE.equals(p.browser.js("return !!document.querySelector('.tile.screen')")));
        }
        assertTrue(bob.remotes().get(ada.endpointId()).framesDecoded() > 10, "her camera goes on");
    }
}
