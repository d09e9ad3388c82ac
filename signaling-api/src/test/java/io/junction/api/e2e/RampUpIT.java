package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bridge's transport-cc feedback drives Chromium's send-side estimator: without impairment a
 * publisher's available outgoing bitrate passes 1.5 Mbit/s within 15 s and it sends 720p.
 */
class RampUpIT {
    @SuppressWarnings("unchecked")
    private static Map<String, Object> sendStats(Participant p) {
        return (Map<String, Object>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => { let bwe = 0, height = 0, sent = 0, limit = '', fps = 0, target = 0;
                  s.forEach((r) => {
                    if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) bwe = r.availableOutgoingBitrate;
                    if (r.type === 'outbound-rtp' && r.kind === 'video') { height = Math.max(height, r.frameHeight || 0); sent = r.bytesSent;
                      limit = r.qualityLimitationReason; fps = r.framesPerSecond; target = r.targetBitrate; }
                  });
                  done({bwe, height, sent, limit, fps, target}); });
                """);
    }

    @Test
    void publisherRampsUpTo720p() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start(); Participant pub = new Participant("Pub"); Participant sub = new Participant("Sub")) {
            pub.join(t.publicUrl(""), "ramp");
            sub.join(t.publicUrl(""), "ramp");
            CallIT.await("both joined", 15000, () -> pub.joined() && sub.joined());
            CallIT.await("media connected", 15000, () -> "connected".equals(pub.browser.js("return window.junctionRoom.pc.connectionState")));
            long t0 = System.currentTimeMillis();
            double[] firstOver = {-1};
            StringBuilder trace = new StringBuilder();
            try {
                CallIT.await("available outgoing bitrate > 1.5 Mbit/s", 15000, () -> {
                Map<String, Object> st = sendStats(pub);
                trace.append(String.format("%n  t=%.1fs %s", (System.currentTimeMillis() - t0) / 1000.0, st));
                double bwe = ((Number) st.get("bwe")).doubleValue();
                if (bwe > 1_500_000 && firstOver[0] < 0) {
                    firstOver[0] = (System.currentTimeMillis() - t0) / 1000.0;
                }
                return bwe > 1_500_000;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; send-side stats:" + trace
                        + "; bridge drops " + t.server.bridge().media().counters().drops(
                                io.junction.bridge.stats.DropReason.NOT_CONNECTED) + " not connected", e);
            }
            CallIT.await("the publisher sends 720p", 15000, () -> {
                Map<String, Object> st = sendStats(pub);
                return ((Number) st.get("height")).intValue() >= 720;
            });
            Map<String, Object> s = sendStats(pub);
            System.out.printf("ramp-up: > 1.5 Mbit/s after %.1f s; now bwe %.0f bps, sending %sp%n", firstOver[0],
                    ((Number) s.get("bwe")).doubleValue(), s.get("height"));
            assertTrue(t.server.bridge().media().counters().transportCcFeedbackSent.sum() >= 10, "feedback was sent");
            // The offer's start bitrate is 1 Mbit/s: only probe results the bridge reported can lift it past 1.5.
            assertTrue(((Number) s.get("bwe")).doubleValue() > 1_500_000);
        }
    }
}
