package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An endpoint whose media stops (its WebSocket still open) is expired and the others are told; its
 * page rejoins by itself (the SDK's rejoin after {@code bye expired}).
 */
class ConsentExpiryIT {
    @Test
    void silentEndpointIsExpired() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start("junction.media.consent-timeout = 3s");
             Participant a = new Participant("Stays");
             Participant b = new Participant("Vanishes")) {
            a.join(t.publicUrl(""), "consent");
            b.join(t.publicUrl(""), "consent");
            CallIT.await("both joined", 15000, () -> a.joined() && b.joined());
            String idb = b.endpointId();
            CallIT.await("Stays decodes Vanishes", 20000, () -> {
                Participant.Remote r = a.remotes().get(idb);
                return r != null && r.framesDecoded() > 0;
            });
            a.browser.js("window.leftEvents = []; window.junctionRoom.on('participantLeft', (e) => window.leftEvents.push(e));");
            long t0 = System.currentTimeMillis();
            b.browser.js("window.junctionRoom.pc.close();"); // media stops; signaling stays open
            CallIT.await("Stays is told that Vanishes expired", 15000,
                    () -> ((List<?>) a.browser.js("return window.leftEvents")).size() == 1);
            long tookMs = System.currentTimeMillis() - t0;
            assertEquals("expired", a.browser.js("return window.leftEvents[0].reason"));
            assertEquals(idb, a.browser.js("return window.leftEvents[0].endpointId"));
            assertTrue(tookMs >= 2500, "not before the consent timeout: " + tookMs + " ms");
            CallIT.await("the tile is gone", 5000, () -> !a.remoteVideoIds().contains(idb));
            assertTrue(t.server.bridge().conferences().stream().noneMatch(c -> c.endpoint(idb).isPresent()),
                    "the expired endpoint is gone from the bridge");
            // the page's SDK rejoins after 'bye expired' (its signaling was alive): back as a new endpoint
            CallIT.await("Vanishes rejoins", 20000, () -> b.joined() && !idb.equals(b.endpointId()));
            String idb2 = b.endpointId();
            CallIT.await("Stays decodes the rejoined Vanishes", 20000, () -> {
                Participant.Remote r = a.remotes().get(idb2);
                return r != null && r.framesDecoded() > 0;
            });
            assertEquals(2, t.server.bridge().endpointCount());
        }
    }
}
