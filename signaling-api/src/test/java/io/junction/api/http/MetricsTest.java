package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class MetricsTest {
    static double gauge(String scrape, String name) {
        Double v = PrometheusText.parse(scrape).get(name);
        assertTrue(v != null, name + " missing from scrape");
        return v;
    }

    @Test
    void gaugesFollowRestCalls() throws Exception {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> scrape = t.admin("GET", "/metrics", null);
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
            assertEquals(0.0, gauge(scrape.body(), "junction_conferences"));
            assertEquals(0.0, gauge(scrape.body(), "junction_endpoints"));
            assertTrue(scrape.body().contains("jvm_memory_used_bytes"), "JVM binders are registered");
            assertTrue(gauge(scrape.body(), "junction_packet_pool_allocated_total") >= 1024,
                    "the pool's start-up preallocation counts as allocated");
            assertEquals(0.0, gauge(scrape.body(), "junction_packet_pool_outstanding"));

            String c1 = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
            String c2 = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
            t.admin("POST", "/v1/conferences/" + c1 + "/endpoints", "{}");
            t.admin("POST", "/v1/conferences/" + c1 + "/endpoints", "{}");
            String e3 = TestServer.json(t.admin("POST", "/v1/conferences/" + c2 + "/endpoints", "{}")).get("id").asText();
            String body = t.admin("GET", "/metrics", null).body();
            assertEquals(2.0, gauge(body, "junction_conferences"));
            assertEquals(3.0, gauge(body, "junction_endpoints"));

            t.admin("DELETE", "/v1/conferences/" + c2 + "/endpoints/" + e3, null);
            assertEquals(2.0, gauge(t.admin("GET", "/metrics", null).body(), "junction_endpoints"));
            t.admin("DELETE", "/v1/conferences/" + c1, null);
            body = t.admin("GET", "/metrics", null).body();
            assertEquals(1.0, gauge(body, "junction_conferences"));
            assertEquals(0.0, gauge(body, "junction_endpoints"), "deleting a conference removes its endpoints");
        }
    }

    /**
     * docs/api.md lists every junction_ metric the bridge exports, and nothing it does not: the table's
     * names (with "…_x" short for the cell's first name with its tail replaced) against a scrape taken
     * with a conference and an endpoint alive (per-conference series exist only then), on a bridge in
     * a cluster (its gauges exist only then).
     */
    @Test
    void apiDocsListEveryMetric() throws Exception {
        java.util.Set<String> documented = documentedMetrics(java.nio.file.Files.readString(
                java.nio.file.Path.of(System.getProperty("user.dir")).getParent().resolve("docs/api.md")));
        java.util.Set<String> exported = new java.util.TreeSet<>();
        // in a cluster (a real redis-server), so that the cluster's gauges are there too
        try (io.junction.api.cluster.RedisServer redis = new io.junction.api.cluster.RedisServer();
             TestServer t = TestServer.start("junction.signaling.token-secret = \"metrics-test-secret-0123456789abcdef\"\n"
                     + "junction.cluster.redis = \"" + redis.url() + "\"\n")) {
            String c = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
            t.admin("POST", "/v1/conferences/" + c + "/endpoints", "{}");
            for (String family : PrometheusText.metricFamilies(t.admin("GET", "/metrics", null).body())) {
                if (family.startsWith("junction_")) {
                    exported.add(family.replaceAll("_(count|sum|max)$", ""));
                }
            }
        }
        java.util.Set<String> undocumented = new java.util.TreeSet<>(exported);
        undocumented.removeAll(documented);
        java.util.Set<String> gone = new java.util.TreeSet<>(documented);
        gone.removeAll(exported);
        assertTrue(undocumented.isEmpty(), "exported but not in docs/api.md: " + undocumented);
        assertTrue(gone.isEmpty(), "in docs/api.md but not exported: " + gone);
    }

    /** The junction_ names in docs/api.md's metrics table. */
    static java.util.Set<String> documentedMetrics(String markdown) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        String section = markdown.substring(markdown.indexOf("### Metrics"));
        section = section.substring(0, section.indexOf("\n### ", 5));
        java.util.regex.Pattern code = java.util.regex.Pattern.compile("`(…?_?[a-z_]+)(\\{[^}]*\\})?`");
        for (String line : section.split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String firstCell = line.substring(1, line.indexOf(" |", 2));
            String full = null;
            String prefix = null; // what "…" stands for: found from the cell's first abbreviation
            java.util.regex.Matcher m = code.matcher(firstCell);
            while (m.find()) {
                String name = m.group(1);
                if (name.startsWith("junction_")) {
                    full = name;
                    prefix = null;
                    names.add(name);
                } else if (name.startsWith("…_") && full != null) {
                    String tail = name.substring(1); // "_wire_received_packets_total"
                    if (prefix == null) {
                        int at = full.indexOf(tail.substring(0, tail.indexOf('_', 1) + 1));
                        assertTrue(at > 0, "cannot expand " + name + " after " + full);
                        prefix = full.substring(0, at);
                    }
                    names.add(prefix + tail);
                }
            }
        }
        return names;
    }
}
