package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import io.junction.api.http.PrometheusText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Bandwidth monitoring during a real two-party call: gauges, counters, labels, stats API, dashboard, Grafana. */
class MonitoringIT {
    /** Bytes the browsers' own stats say were sent (outbound-rtp) and received (inbound-rtp), headers included. */
    private static long[] browserBytes(Participant p) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => { let sent = 0, recv = 0;
                  s.forEach((r) => {
                    if (r.type === 'outbound-rtp') sent += (r.bytesSent || 0) + (r.headerBytesSent || 0);
                    if (r.type === 'inbound-rtp') recv += (r.bytesReceived || 0) + (r.headerBytesReceived || 0);
                  });
                  done({sent, recv}); });
                """);
        return new long[] {((Number) m.get("sent")).longValue(), ((Number) m.get("recv")).longValue()};
    }

    private static double gauge(String scrape, String name, String labels) {
        Double v = PrometheusText.parse(scrape).get(name + labels);
        assertTrue(v != null, name + labels + " missing");
        return v;
    }

    @Test
    void bitrateGaugesMatchTheBrowsersAndTheDashboardShowsTheCall() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start(); Participant a = new Participant("MonA"); Participant b = new Participant("MonB")) {
            a.join(t.publicUrl(""), "monitored");
            b.join(t.publicUrl(""), "monitored");
            CallIT.await("both joined", 15000, () -> a.joined() && b.joined());
            String ida = a.endpointId();
            String idb = b.endpointId();
            CallIT.await("media flows both ways", 20000, () -> {
                var ra = a.remotes().get(idb);
                var rb = b.remotes().get(ida);
                return ra != null && rb != null && ra.framesDecoded() > 0 && rb.framesDecoded() > 0;
            });
            Thread.sleep(3000); // let the senders' rates settle

            // Bridge gauges vs the browsers' own byte counters over the same ~8 s window.
            long[] a0 = browserBytes(a);
            long[] b0 = browserBytes(b);
            long t0 = System.nanoTime();
            double inSum = 0;
            double outSum = 0;
            int samples = 0;
            String previous = t.admin("GET", "/metrics", null).body();
            for (int i = 0; i < 8; i++) {
                Thread.sleep(1000);
                String scrape = t.admin("GET", "/metrics", null).body();
                inSum += gauge(scrape, "junction_bitrate_bits_per_second", "{direction=\"in\"}");
                outSum += gauge(scrape, "junction_bitrate_bits_per_second", "{direction=\"out\"}");
                samples++;
                PrometheusText.assertCountersDidNotDecrease(previous, scrape);
                previous = scrape;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] a1 = browserBytes(a);
            long[] b1 = browserBytes(b);
            double browserSentBps = ((a1[0] - a0[0]) + (b1[0] - b0[0])) * 8 / seconds;
            double browserReceivedBps = ((a1[1] - a0[1]) + (b1[1] - b0[1])) * 8 / seconds;
            double bridgeIn = inSum / samples;
            double bridgeOut = outSum / samples;
            System.out.printf("bitrate: bridge in %.0f bps vs browsers sent %.0f bps; bridge out %.0f bps vs browsers received %.0f bps%n",
                    bridgeIn, browserSentBps, bridgeOut, browserReceivedBps);
            assertTrue(bridgeIn > 0 && bridgeOut > 0);
            assertTrue(Math.abs(bridgeIn - browserSentBps) <= 0.2 * browserSentBps, "in within 20%");
            assertTrue(Math.abs(bridgeOut - browserReceivedBps) <= 0.2 * browserReceivedBps, "out within 20%");

            // Stats API.
            String cid = t.server.bridge().conferences().iterator().next().id();
            JsonNode cs = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/stats", null));
            assertEquals(2, cs.get("endpoints").size());
            assertTrue(cs.get("bitrateInBps").asDouble() > 0);
            JsonNode es = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/endpoints/" + ida + "/stats", null));
            assertTrue(es.get("mediaConnected").asBoolean());
            assertTrue(es.get("srtpProfile").asText().startsWith("AEAD_AES_128_GCM"), es.toString());
            assertTrue(es.get("iceSelectedPair").asText().contains("127.0.0.1"), es.toString());
            // audio, then the camera's three simulcast layers, lowest first
            assertEquals(4, es.get("inbound").size(), es.toString());
            java.util.List<String> streams = new java.util.ArrayList<>();
            for (JsonNode in : es.get("inbound")) {
                streams.add(in.get("kind").asText() + (in.get("rid").isNull() ? "" : "/" + in.get("rid").asText()));
                assertTrue(in.get("packets").asLong() > 0 && in.get("bitrateBps").asDouble() > 0, in.toString());
            }
            assertEquals(java.util.List.of("audio", "video/q", "video/h", "video/f"), streams);
            assertEquals(2, es.get("outbound").size());
            for (JsonNode out : es.get("outbound")) {
                assertEquals(idb, out.get("sourceEndpointId").asText());
                assertTrue(out.get("packets").asLong() > 0, out.toString());
                if (out.get("kind").asText().equals("video")) {
                    assertTrue(out.get("forwardedLayer").asInt() >= 0, "a layer is forwarded: " + out);
                }
            }

            assertTrue(gauge(t.admin("GET", "/metrics", null).body(), "junction_conference_received_bytes_total",
                    "{conference=\"" + cid + "\"}") > 0, "per-conference counters");
            // Labels are bounded: no endpoint id anywhere; conference ids only on the "conference" label.
            String scrape = t.admin("GET", "/metrics", null).body();
            PrometheusText.assertBoundedLabels(scrape, Set.of(ida, idb), cid);

            // Every Grafana panel query references a metric this bridge exports.
            JsonNode grafana = TestServer.JSON.readTree(Path.of("..", "deploy", "grafana", "dashboards", "junction.json").toFile());
            Set<String> exported = PrometheusText.metricFamilies(scrape);
            Pattern metric = Pattern.compile("\\b([a-z_][a-z0-9_]*)(?=\\{|\\[|\\)|$|\\s)");
            int checked = 0;
            for (JsonNode panel : grafana.get("panels")) {
                assertFalse(panel.get("targets").isEmpty(), panel.get("title").asText());
                for (JsonNode target : panel.get("targets")) {
                    Matcher m = metric.matcher(target.get("expr").asText());
                    while (m.find()) {
                        String name = m.group(1);
                        if (Set.of("sum", "by", "rate", "increase", "kind", "type", "reason", "result", "worker", "gc",
                                "cause", "conference", "direction", "quantile").contains(name)) {
                            continue;
                        }
                        assertTrue(exported.contains(name), "Grafana panel '" + panel.get("title").asText()
                                + "' queries " + name + ", which the bridge does not export");
                        checked++;
                    }
                }
            }
            assertTrue(checked >= 13, "checked " + checked + " metric references");

            // The live dashboard in a browser: chart with points > 0 and the conference row.
            try (Browser dash = new Browser("dashboard")) {
                dash.open(t.adminUrl("/dashboard"));
                CallIT.await("dashboard chart has data", 15000, () -> {
                    Object max = dash.js("return window.dashboardState && window.dashboardState.maxIn");
                    Object points = dash.js("return window.dashboardState && window.dashboardState.points");
                    return max instanceof Number n && n.doubleValue() > 0 && points instanceof Number p && p.intValue() >= 3;
                });
                assertEquals(1L, dash.js("return document.querySelectorAll('tr[data-conference-id=\"" + cid + "\"]').length"));
                dash.js("document.querySelector('tr[data-conference-id=\"" + cid + "\"]').click()");
                CallIT.await("endpoint rows", 5000, () -> ((Number) dash.js(
                        "return document.querySelectorAll('#endpoints tbody tr').length")).intValue() == 2);
                Path shot = Path.of("target", "test-artifacts", "dashboard.png");
                dash.screenshot(shot);
                assertTrue(Files.size(shot) > 10_000);
            }

            // Both leave: bitrates fall to 0 within 5 s, counters still never decrease.
            a.leave();
            b.leave();
            String before = t.admin("GET", "/metrics", null).body();
            CallIT.await("bitrate back to 0", 5000, () -> {
                try {
                    String s = t.admin("GET", "/metrics", null).body();
                    return gauge(s, "junction_bitrate_bits_per_second", "{direction=\"in\"}") == 0
                            && gauge(s, "junction_bitrate_bits_per_second", "{direction=\"out\"}") == 0;
                } catch (Exception e) {
                    return false;
                }
            });
            PrometheusText.assertCountersDidNotDecrease(before, t.admin("GET", "/metrics", null).body());
            assertTrue(new HashSet<>(List.of(ida, idb)).size() == 2);
        }
    }
}
