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
}
