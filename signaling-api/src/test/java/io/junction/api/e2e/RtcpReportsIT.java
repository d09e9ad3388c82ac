package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bridge terminates RTCP: subscribers get sender reports for every forwarded stream (so Chromium
 * shows remote-outbound-rtp and can synchronise audio with video), publishers get receiver reports
 * (remote-inbound-rtp with a round-trip time), and the bridge measures RTT from subscribers' reports.
 */
class RtcpReportsIT {
    /** Documented bound: audio and video of one participant play out within 150 ms of each other. */
    static final double MAX_AV_SKEW_MS = 150;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rtcpView(Participant p) {
        return (Map<String, Object>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => {
                  const out = {remoteOutbound: {}, playout: {}, remoteInboundRtt: null};
                  s.forEach((r) => {
                    if (r.type === 'remote-outbound-rtp') out.remoteOutbound[r.kind] = (r.packetsSent || 0);
                    if (r.type === 'inbound-rtp' && r.estimatedPlayoutTimestamp) out.playout[r.kind] = r.estimatedPlayoutTimestamp;
                    if (r.type === 'remote-inbound-rtp' && r.kind === 'video' && r.roundTripTime !== undefined) out.remoteInboundRtt = r.roundTripTime;
                  });
                  done(out); });
                """);
    }

    @Test
    void reportsFlowBothWaysAndAudioVideoStayInSync() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start(); Participant a = new Participant("RepA"); Participant b = new Participant("RepB")) {
            a.join(t.publicUrl(""), "reports");
            b.join(t.publicUrl(""), "reports");
            CallIT.await("both joined", 15000, () -> a.joined() && b.joined());
            CallIT.await("remote-outbound-rtp (our sender reports) for audio and video", 20000, () -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> ro = (Map<String, Object>) rtcpView(b).get("remoteOutbound");
                return ro.containsKey("audio") && ro.containsKey("video");
            });
            CallIT.await("remote-inbound-rtp with a round-trip time (our receiver reports)", 20000,
                    () -> rtcpView(a).get("remoteInboundRtt") != null);
            CallIT.await("the bridge measured RTT from the subscriber's reports", 20000, () -> {
                try {
                    String cid = t.server.bridge().conferences().iterator().next().id();
                    JsonNode es = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/endpoints/" + b.endpointId()
                            + "/stats", null));
                    return !es.get("rttMs").isNull() && es.get("rttMs").asDouble() < 1000;
                } catch (Exception e) {
                    return false;
                }
            });
            Thread.sleep(3000);
            java.util.List<Double> skews = new java.util.ArrayList<>();
            for (int i = 0; i < 24; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> playout = (Map<String, Object>) rtcpView(b).get("playout");
                if (playout.containsKey("audio") && playout.containsKey("video")) {
                    skews.add(Math.abs(((Number) playout.get("audio")).doubleValue()
                            - ((Number) playout.get("video")).doubleValue()));
                }
                Thread.sleep(500);
            }
            System.out.println("A/V skew samples (ms): " + skews);
            assertTrue(skews.size() >= 5, "playout estimates for both kinds in " + skews.size() + " of 24 samples");
            double worstRecent = skews.subList(skews.size() - 5, skews.size()).stream().mapToDouble(Double::doubleValue).max()
                    .orElseThrow();
            System.out.printf("A/V sync: worst |audio - video| estimatedPlayoutTimestamp over the last 5 samples = %.0f ms%n",
                    worstRecent);
            assertTrue(worstRecent < MAX_AV_SKEW_MS, "audio/video skew " + worstRecent + " ms");
            assertTrue(t.server.bridge().media().counters().senderReportsSent.sum() > 0);
            assertTrue(t.server.bridge().media().counters().receiverReportsSent.sum() > 0);
        }
    }
}
