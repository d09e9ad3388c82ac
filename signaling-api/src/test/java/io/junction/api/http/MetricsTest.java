package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.junction.api.TestServer;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?");

    /**
     * Parses Prometheus text exposition format (0.0.4) strictly enough to catch a broken scrape:
     * every line is a comment (HELP/TYPE with a valid metric name) or a well-formed sample.
     * Returns the unlabelled samples by name.
     */
    static Map<String, Double> parse(String text) {
        Map<String, Double> unlabelled = new HashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                assertTrue(line.matches("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*"), "line " + lineNo + ": " + line);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                fail("line " + lineNo + " is not a Prometheus sample: " + line);
            }
            if (m.group(2) == null) {
                unlabelled.put(m.group(1), Double.parseDouble(m.group(3).replace("+Inf", "Infinity")));
            }
        }
        return unlabelled;
    }

    static double gauge(String scrape, String name) {
        Double v = parse(scrape).get(name);
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
