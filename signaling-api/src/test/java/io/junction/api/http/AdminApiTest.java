package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminApiTest {
    private TestServer t;

    @BeforeEach
    void start() throws Exception {
        t = TestServer.start("junction.conference { max-conferences = 120, max-endpoints = 3 }");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private JsonNode createConference(String body) throws Exception {
        HttpResponse<String> r = t.admin("POST", "/v1/conferences", body);
        assertEquals(201, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        return TestServer.json(r);
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode err = TestServer.json(r).get("error");
        assertEquals(code, err.get("code").asText(), r.body());
        assertFalse(err.get("message").asText().isEmpty());
        assertFalse(r.body().contains("Exception"), "no stack traces or exception names: " + r.body());
    }

    @Test
    void conferenceLifecycle() throws Exception {
        JsonNode c = createConference("{\"name\":\"standup\"}");
        String id = c.get("id").asText();
        assertEquals("standup", c.get("name").asText());
        assertTrue(c.get("createdAt").asText().endsWith("Z"));
        assertEquals(0, c.get("endpoints").size());

        JsonNode unnamed = createConference(null);
        assertEquals("", unnamed.get("name").asText());
        assertEquals("[\"vp8\",\"vp9\",\"h264\",\"av1\"]", unnamed.get("videoCodecs").toString(), "the configured codecs");


        JsonNode list = TestServer.json(t.admin("GET", "/v1/conferences", null));
        assertEquals(2, list.get("conferences").size());

        JsonNode got = TestServer.json(t.admin("GET", "/v1/conferences/" + id, null));
        assertEquals("standup", got.get("name").asText());

        assertEquals(204, t.admin("DELETE", "/v1/conferences/" + id, null).statusCode());
        assertError(t.admin("GET", "/v1/conferences/" + id, null), 404, "not-found");
        assertError(t.admin("DELETE", "/v1/conferences/" + id, null), 404, "not-found");
        assertEquals(1, TestServer.json(t.admin("GET", "/v1/conferences", null)).get("conferences").size());
    }

    @Test
    void endpointLifecycleAndToken() throws Exception {
        String cid = createConference("{}").get("id").asText();
        HttpResponse<String> r = t.admin("POST", "/v1/conferences/" + cid + "/endpoints", "{\"displayName\":\"Ada\"}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode e = TestServer.json(r);
        String eid = e.get("id").asText();
        assertEquals(cid, e.get("conferenceId").asText());
        assertEquals("Ada", e.get("displayName").asText());
        String token = e.get("token").asText();
        assertEquals("ws://127.0.0.1:" + t.server.publicPort() + "/v1/signaling?token=" + token,
                e.get("signalingUrl").asText());
        var claims = t.server.tokens().verify(token);
        assertEquals(cid, claims.conferenceId());
        assertEquals(eid, claims.endpointId());

        JsonNode got = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/endpoints/" + eid, null));
        assertEquals("Ada", got.get("displayName").asText());
        JsonNode conf = TestServer.json(t.admin("GET", "/v1/conferences/" + cid, null));
        assertEquals(eid, conf.get("endpoints").get(0).get("id").asText());
        JsonNode eps = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/endpoints", null));
        assertEquals(1, eps.get("endpoints").size());

        assertEquals(204, t.admin("DELETE", "/v1/conferences/" + cid + "/endpoints/" + eid, null).statusCode());
        assertError(t.admin("GET", "/v1/conferences/" + cid + "/endpoints/" + eid, null), 404, "not-found");
        assertError(t.admin("POST", "/v1/conferences/nope/endpoints", "{}"), 404, "not-found");
    }

    @Test
    void statsEndpoints() throws Exception {
        String cid = createConference("{\"name\":\"s\"}").get("id").asText();
        String eid = TestServer.json(t.admin("POST", "/v1/conferences/" + cid + "/endpoints", "{\"displayName\":\"Ada\"}"))
                .get("id").asText();
        JsonNode cs = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/stats", null));
        assertEquals(cid, cs.get("conferenceId").asText());
        assertEquals(1, cs.get("endpoints").size());
        JsonNode es = TestServer.json(t.admin("GET", "/v1/conferences/" + cid + "/endpoints/" + eid + "/stats", null));
        assertEquals("Ada", es.get("displayName").asText());
        assertFalse(es.get("mediaConnected").asBoolean(), "no media before signaling connects");
        assertTrue(es.get("rttMs").isNull());
        assertError(t.admin("GET", "/v1/conferences/nope/stats", null), 404, "not-found");
        assertError(t.admin("GET", "/v1/conferences/" + cid + "/endpoints/nope/stats", null), 404, "not-found");
        assertError(t.admin("POST", "/v1/conferences/" + cid + "/stats", "{}"), 405, "method-not-allowed");
        JsonNode bridgeStats = TestServer.json(t.admin("GET", "/v1/stats", null));
        assertEquals(0.0, bridgeStats.get("bitrateInBps").asDouble());
        assertTrue(bridgeStats.get("mediaPort").asInt() > 0);
    }

    @Test
    void conferenceWithItsOwnVideoCodecs() throws Exception {
        JsonNode vp9 = createConference("{\"videoCodecs\":[\"VP9\",\"vp8\"]}");
        assertEquals("[\"vp9\",\"vp8\"]", vp9.get("videoCodecs").toString());
        assertEquals("[\"vp9\",\"vp8\"]", vp9.get("publishVideoCodecs").toString(), "no participant limits them yet");
        assertEquals(List.of("VP9", "VP8"), t.server.bridge().conference(vp9.get("id").asText()).orElseThrow().videoCodecs());
    }

    @Test
    void badRequests() throws Exception {
        assertError(t.admin("POST", "/v1/conferences", "{not json"), 400, "bad-json");
        assertError(t.admin("POST", "/v1/conferences", "[1,2]"), 400, "bad-json");
        assertError(t.admin("POST", "/v1/conferences", "{\"name\":42}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"name\":{\"a\":1}}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"nmae\":\"typo\"}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"name\":\"" + "x".repeat(300) + "\"}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"videoCodecs\":[\"theora\"]}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"videoCodecs\":[]}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"videoCodecs\":\"vp9\"}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"videoCodecs\":[\"vp9\",\"vp9\"]}"), 400, "bad-request");
        assertError(t.admin("POST", "/v1/conferences", "{\"videoCodecs\":[9]}"), 400, "bad-request");
        assertEquals(0, t.server.bridge().conferenceCount(), "refused bodies create no conference");
        String cid = createConference("{}").get("id").asText();
        assertError(t.admin("POST", "/v1/conferences/" + cid + "/endpoints", "{\"displayName\":true}"), 400,
                "bad-request");
        assertEquals(0, t.server.bridge().endpointCount(), "failed requests create nothing");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "{\"name\":\"" + "x".repeat(70 * 1024) + "\"}";
        assertError(t.admin("POST", "/v1/conferences", big), 413, "body-too-large");
        // Chunked (no Content-Length) bodies are capped while reading.
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.adminUrl("/v1/conferences")))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes())));
        HttpResponse<String> r = t.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertError(r, 413, "body-too-large");
        assertEquals(0, t.server.bridge().conferenceCount());
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        assertError(t.admin("GET", "/v1/nothing", null), 404, "not-found");
        assertError(t.admin("GET", "/", null), 404, "not-found");
        HttpResponse<String> r = t.admin("PUT", "/v1/conferences", "{}");
        assertError(r, 405, "method-not-allowed");
        assertEquals("GET, POST", r.headers().firstValue("Allow").orElse(""));
        String cid = createConference("{}").get("id").asText();
        assertError(t.admin("PATCH", "/v1/conferences/" + cid, "{}"), 405, "method-not-allowed");
        assertError(t.admin("POST", "/metrics", "{}"), 405, "method-not-allowed");
    }

    @Test
    void limitsAnswer409() throws Exception {
        String cid = createConference("{}").get("id").asText();
        for (int i = 0; i < 3; i++) {
            assertEquals(201, t.admin("POST", "/v1/conferences/" + cid + "/endpoints", "{}").statusCode());
        }
        assertError(t.admin("POST", "/v1/conferences/" + cid + "/endpoints", "{}"), 409, "limit-reached");
        for (int i = 1; i < 120; i++) {
            createConference("{}");
        }
        assertError(t.admin("POST", "/v1/conferences", "{}"), 409, "limit-reached");
    }

    @Test
    void concurrentCreationKeepsCountConsistent() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    HttpResponse<String> r = t.admin("POST", "/v1/conferences", "{\"name\":\"c" + n + "\"}");
                    assertEquals(201, r.statusCode());
                    return TestServer.json(r).get("id").asText();
                }));
            }
            Set<String> ids = new HashSet<>();
            for (Future<String> f : futures) {
                ids.add(f.get());
            }
            assertEquals(100, ids.size());
        } finally {
            pool.shutdown();
        }
        assertEquals(100, TestServer.json(t.admin("GET", "/v1/conferences", null)).get("conferences").size());
        assertEquals(100, t.server.bridge().conferenceCount());
        assertEquals(100.0, MetricsTest.gauge(t.admin("GET", "/metrics", null).body(), "junction_conferences"));
        assertEquals(100, TestServer.json(t.admin("GET", "/v1/stats", null)).get("conferences").asInt());
    }
}
