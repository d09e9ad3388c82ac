package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ICE restart in real Chromium: the path of one participant dies for good (its UDP port is cut off
 * with nft in the test's own namespace, as when a laptop changes network or a NAT rebinds), the SDK
 * asks for an ICE restart, the bridge re-offers with new ICE credentials on the same endpoint, and
 * media resumes over a new pair: no rejoin, the others see no leave.
 */
class IceRestartIT extends BrowserTest {
    private static long localPort(Participant p) {
        return ((Number) p.localCandidate().get("port")).longValue();
    }

    @Test
    void aDeadPathIsReplacedByAnIceRestartOnTheSameEndpoint() throws Exception {
        Participant a = join("Stays", "restart");
        Participant b = join("Moves", "restart");
        await("both joined", 20000, () -> a.joined() && b.joined());
        String ida = a.endpointId();
        String idb = b.endpointId();
        await("they decode each other", 20000, () -> a.remotes().containsKey(idb) && a.remotes().get(idb).framesDecoded() > 10
                && b.remotes().containsKey(ida) && b.remotes().get(ida).framesDecoded() > 10);
        for (Participant p : List.of(a, b)) {
            p.browser.js("""
                    window.restartLog = [];
                    for (const ev of ['reconnecting', 'reconnected', 'participantLeft', 'left']) {
                      window.junctionRoom.on(ev, (e) => window.restartLog.push({ ev, reason: e && e.reason, id: e && e.endpointId, at: Date.now() }));
                    }""");
        }
        await("Moves has a selected pair", 10000, () -> localPort(b) > 0);
        long oldPort = localPort(b);
        long cutAt = System.currentTimeMillis();
        LossIT.run("nft", "add", "table", "inet", "junction_restart");
        try {
            LossIT.run("nft", "add", "chain", "inet", "junction_restart", "in", "{ type filter hook input priority 0 ; }");
            LossIT.run("nft", "add", "rule", "inet", "junction_restart", "in", "udp", "sport", Long.toString(oldPort), "drop");
            LossIT.run("nft", "add", "rule", "inet", "junction_restart", "in", "udp", "dport", Long.toString(oldPort), "drop");
            await("Moves asks for an ICE restart", 20000, () -> Boolean.TRUE.equals(b.browser.js(
                    "return window.restartLog.some((e) => e.ev === 'reconnecting' && e.reason === 'ice')")));
            await("the bridge restarted ICE", 10000, () -> t.server.bridge().media().counters().iceRestarts.sum() >= 1);
            await("Moves connected again over a new pair", 20000, () -> "connected".equals(b.browser.js(
                    "return window.junctionRoom.pc.iceConnectionState")) && localPort(b) > 0 && localPort(b) != oldPort);
            long before = a.remotes().get(idb).framesDecoded();
            await("Stays decodes Moves again", 20000, () -> a.remotes().get(idb).framesDecoded() > before + 30);
            long bBefore = b.remotes().get(ida).framesDecoded();
            await("and Moves decodes Stays", 20000, () -> b.remotes().get(ida).framesDecoded() > bBefore + 30);
            System.out.printf("ICE restart: media back %d ms after the path was cut%n", System.currentTimeMillis() - cutAt);
        } finally {
            LossIT.run("nft", "delete", "table", "inet", "junction_restart");
        }
        assertEquals(idb, b.endpointId(), "the same endpoint");
        assertEquals(idb, b.browser.js("return window.junctionRoom.endpointId"));
        assertNotEquals(oldPort, localPort(b));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> seen = (List<Map<String, Object>>) a.browser.js("return window.restartLog");
        assertTrue(seen.stream().noneMatch(e -> "participantLeft".equals(e.get("ev"))), "nobody left: " + seen);
        assertEquals(2, t.server.bridge().endpointCount());
    }
}
