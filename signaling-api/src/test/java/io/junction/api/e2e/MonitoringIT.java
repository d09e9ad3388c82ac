package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    /**
     * What a browser's own stats count, summed over its streams: [0] RTP bytes sent (outbound-rtp
     * payload + header and padding bytes; Chromium folds its RTX and padding into the media stream's
     * counters), [1] RTP packets sent, [2] RTP bytes received (inbound-rtp, the same way), [3] RTP
     * packets received.
     */
    static long[] browserRtp(Participant p) {
        @SuppressWarnings("unchecked")
        java.util.List<Number> m = (java.util.List<Number>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => { const v = [0, 0, 0, 0];
                  s.forEach((r) => {
                    if (r.type === 'outbound-rtp') { v[0] += (r.bytesSent || 0) + (r.headerBytesSent || 0); v[1] += r.packetsSent || 0; }
                    if (r.type === 'inbound-rtp') { v[2] += (r.bytesReceived || 0) + (r.headerBytesReceived || 0); v[3] += r.packetsReceived || 0; }
                  });
                  done(v); });
                """);
        return m.stream().mapToLong(Number::longValue).toArray();
    }

    private static double gauge(String scrape, String name, String labels) {
        Double v = PrometheusText.parse(scrape).get(name + labels);
        assertTrue(v != null, name + labels + " missing");
        return v;
    }

    /** Bytes of SRTP's authentication tag per packet (RFC 7714 §13.2: 16 for AES-GCM; RFC 3711: 10 for HMAC-SHA1-80). */
    static int srtpTagBytes(String profile) {
        return profile.startsWith("AEAD_AES") ? 16 : profile.endsWith("_32") ? 4 : 10;
    }

    private static JsonNode endpointStats(TestServer t, String cid, String id) throws Exception {
        return TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/endpoints/" + id + "/stats", null));
    }

    private static boolean everyInboundHasBitrate(JsonNode endpointStats) {
        JsonNode inbound = endpointStats.path("inbound");
        if (inbound.isEmpty()) {
            return false;
        }
        for (JsonNode in : inbound) {
            if (!(in.path("bitrateBps").asDouble() > 0)) {
                return false;
            }
        }
        return true;
    }

    private static void assertWithin(double tolerance, double actual, double expected, String message) {
        assertTrue(expected > 0 && Math.abs(actual - expected) <= tolerance * expected,
                String.format("%s (%.1f %% off, tolerance %.0f %%)", message, 100 * (actual - expected) / expected, 100 * tolerance));
    }

    @Test
    void bitrateGaugesMatchTheBrowsersAndTheDashboardShowsTheCall() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start(); Participant a = new Participant("MonA"); Participant b = new Participant("MonB");
             Participant c = new Participant("MonC")) {
            List<Participant> all = List.of(a, b, c);
            for (Participant p : all) {
                p.join(t.publicUrl(""), "monitored");
            }
            CallIT.await("all joined", 20000, () -> all.stream().allMatch(Participant::joined));
            String ida = a.endpointId();
            String idb = b.endpointId();
            CallIT.await("media flows between all three", 30000, () -> all.stream().allMatch(p -> p.remotes().size() == 2
                    && p.remotes().values().stream().allMatch(r -> r.framesDecoded() > 0)));
            Thread.sleep(3000); // let the senders' rates settle
            String cid = t.server.bridge().conferences().iterator().next().id();
            String conf = "{conference=\"" + cid + "\",direction=";
            int tag = srtpTagBytes(t.server.bridge().conferences().iterator().next().endpoint(ida).orElseThrow().stats().srtpProfile());

            // Bridge gauges (one a second) and counters vs the browsers' own counters over the same 60 s.
            long[][] before = all.stream().map(MonitoringIT::browserRtp).toArray(long[][]::new);
            String first = t.admin("GET", "/metrics", null).body();
            long t0 = System.nanoTime();
            double[] gaugeSums = new double[4]; // wire in, wire out, media in, media out
            int samples = 0;
            String previous = first;
            for (int i = 0; i < 60; i++) {
                Thread.sleep(1000);
                String scrape = t.admin("GET", "/metrics", null).body();
                double[] bridge = {
                        gauge(scrape, "junction_bitrate_bits_per_second", "{direction=\"in\"}"),
                        gauge(scrape, "junction_bitrate_bits_per_second", "{direction=\"out\"}"),
                        gauge(scrape, "junction_media_bitrate_bits_per_second", "{direction=\"in\"}"),
                        gauge(scrape, "junction_media_bitrate_bits_per_second", "{direction=\"out\"}")};
                double[] conference = {
                        gauge(scrape, "junction_conference_bitrate_bits_per_second", conf + "\"in\"}"),
                        gauge(scrape, "junction_conference_bitrate_bits_per_second", conf + "\"out\"}"),
                        gauge(scrape, "junction_conference_media_bitrate_bits_per_second", conf + "\"in\"}"),
                        gauge(scrape, "junction_conference_media_bitrate_bits_per_second", conf + "\"out\"}")};
                // one conference: the bridge-wide figures are exactly its figures, in every scrape
                assertArrayEquals(conference, bridge, "bridge-wide = sum of the conferences in scrape " + i);
                for (int k = 0; k < 4; k++) {
                    gaugeSums[k] += bridge[k];
                }
                samples++;
                PrometheusText.assertCountersDidNotDecrease(previous, scrape);
                previous = scrape;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] sent = new long[4];
            for (int i = 0; i < all.size(); i++) {
                long[] after = browserRtp(all.get(i));
                for (int k = 0; k < 4; k++) {
                    sent[k] += after[k] - before[i][k];
                }
            }
            // The browsers count RTP; the bridge counts what crossed the socket (SRTP: + the tag per packet).
            double browsersSentBps = (sent[0] + (double) tag * sent[1]) * 8 / seconds;
            double browsersReceivedBps = (sent[2] + (double) tag * sent[3]) * 8 / seconds;
            double[] bridgeBps = new double[4];
            for (int k = 0; k < 4; k++) {
                bridgeBps[k] = gaugeSums[k] / samples;
            }
            Map<String, Double> m0 = PrometheusText.parse(first);
            Map<String, Double> m1 = PrometheusText.parse(previous);
            java.util.function.ToDoubleFunction<String> rate = name -> (m1.get(name) - m0.getOrDefault(name, 0.0)) * 8 / seconds;
            double wireInCounter = rate.applyAsDouble("junction_wire_received_bytes_total");
            double wireOutCounter = rate.applyAsDouble("junction_wire_sent_bytes_total");
            double droppedBps = 0;
            for (Map.Entry<String, Double> e : m1.entrySet()) {
                if (e.getKey().startsWith("junction_dropped_bytes_total{")) {
                    droppedBps += rate.applyAsDouble(e.getKey());
                }
            }
            double probesBps = rate.applyAsDouble("junction_probe_sent_bytes_total");
            double rtxBps = rate.applyAsDouble("junction_rtx_sent_bytes_total");
            String figures = String.format("browsers sent %.0f, received %.0f bit/s (RTP + %d B tag per packet); bridge in: "
                            + "wire gauge %.0f (counter %.0f), media gauge %.0f, dropped %.0f; out: wire gauge %.0f (counter %.0f), "
                            + "media gauge %.0f, rtx %.0f, probes %.0f bit/s; %d samples over %.1f s",
                    browsersSentBps, browsersReceivedBps, tag, bridgeBps[0], wireInCounter, bridgeBps[2], droppedBps,
                    bridgeBps[1], wireOutCounter, bridgeBps[3], rtxBps, probesBps, samples, seconds);
            System.out.println("bitrate: " + figures);
            // docs/api.md states these tolerances
            assertWithin(0.05, bridgeBps[0], browsersSentBps, "wire in vs what the browsers sent: " + figures);
            assertWithin(0.05, bridgeBps[0], wireInCounter, "wire in gauge vs counter: " + figures);
            assertWithin(0.05, bridgeBps[2] + droppedBps, bridgeBps[0], "media in + dropped = wire in: " + figures);
            assertWithin(0.05, bridgeBps[3], browsersReceivedBps, "media out vs what the browsers received: " + figures);
            assertWithin(0.05, bridgeBps[1], wireOutCounter, "wire out gauge vs counter: " + figures);
            assertWithin(0.05, bridgeBps[3] + rtxBps + probesBps, bridgeBps[1], "media + rtx + probes = wire out: " + figures);

            // Stats API.

            JsonNode cs = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/stats", null));
            assertEquals(3, cs.get("endpoints").size());
            assertTrue(cs.get("bitrateInBps").asDouble() > 0);
            // A CPU-starved encoder pauses its top simulcast layer for a moment (its bitrate is then 0 at that
            // instant): read the stats again, for up to 10 s, until every inbound stream shows a bitrate.
            JsonNode es = endpointStats(t, cid, ida);
            for (long until = System.nanoTime() + 10_000_000_000L; !everyInboundHasBitrate(es) && System.nanoTime() < until; ) {
                Thread.sleep(500);
                es = endpointStats(t, cid, ida);
            }
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
            String idc = c.endpointId();
            assertEquals(4, es.get("outbound").size(), es.toString()); // audio and video of B and C
            for (JsonNode out : es.get("outbound")) {
                assertTrue(Set.of(idb, idc).contains(out.get("sourceEndpointId").asText()), out.toString());
                assertTrue(out.get("packets").asLong() > 0, out.toString());
                if (out.get("kind").asText().equals("video")) {
                    assertTrue(out.get("forwardedLayer").asInt() >= 0, "a layer is forwarded: " + out);
                }
            }

            assertTrue(gauge(t.admin("GET", "/metrics", null).body(), "junction_conference_received_bytes_total",
                    "{conference=\"" + cid + "\"}") > 0, "per-conference counters");
            // Labels are bounded: no endpoint id anywhere; conference ids only on the "conference" label.
            String scrape = t.admin("GET", "/metrics", null).body();
            PrometheusText.assertBoundedLabels(scrape, Set.of(ida, idb, idc), cid);

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
                        if (name.startsWith("junction_relay_") || name.startsWith("junction_cluster_")) {
                            continue; // exported only by a bridge of a cluster: ClusterIT checks these
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
                        "return document.querySelectorAll('#endpoints tbody tr').length")).intValue() == 3);
                Path shot = Path.of("target", "test-artifacts", "dashboard.png");
                dash.screenshot(shot);
                assertTrue(Files.size(shot) > 10_000);
            }

            // All leave: bitrates fall to 0 within 5 s, counters still never decrease.
            all.forEach(Participant::leave);
            String beforeLeave = t.admin("GET", "/metrics", null).body();
            CallIT.await("bitrate back to 0", 5000, () -> {
                try {
                    String s = t.admin("GET", "/metrics", null).body();
                    return gauge(s, "junction_bitrate_bits_per_second", "{direction=\"in\"}") == 0
                            && gauge(s, "junction_bitrate_bits_per_second", "{direction=\"out\"}") == 0;
                } catch (Exception e) {
                    return false;
                }
            });
            PrometheusText.assertCountersDidNotDecrease(beforeLeave, t.admin("GET", "/metrics", null).body());
            assertTrue(new HashSet<>(List.of(ida, idb, idc)).size() == 3);
        }
    }
}
