package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class PublicApiTest {
    @Test
    void healthAndVersion() throws Exception {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> h = t.publicRequest("GET", "/health", null);
            assertEquals(200, h.statusCode());
            assertEquals("ok", TestServer.json(h).get("status").asText());
            JsonNode v = TestServer.json(t.publicRequest("GET", "/version", null));
            assertEquals("junction", v.get("name").asText());
            assertTrue(v.get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), v.toString());
            // The admin API is not reachable through the public port.
            assertEquals(404, t.publicRequest("GET", "/v1/conferences", null).statusCode());
            assertEquals(404, t.publicRequest("GET", "/metrics", null).statusCode());
            int traversal = t.publicRequest("GET", "/../etc/passwd", null).statusCode();
            assertTrue(traversal == 400 || traversal == 404, "path traversal refused: " + traversal);
        }
    }

    @Test
    void openRoomsCreateConferenceByName() throws Exception {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = t.publicRequest("POST", "/v1/rooms/daily/join", "{\"displayName\":\"Ada\"}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode a = TestServer.json(r);
            JsonNode b = TestServer.json(t.publicRequest("POST", "/v1/rooms/daily/join", "{\"displayName\":\"Bob\"}"));
            assertEquals(a.get("conferenceId").asText(), b.get("conferenceId").asText(), "same room, same conference");
            assertNotEquals(a.get("endpointId").asText(), b.get("endpointId").asText());
            assertTrue(a.get("signalingUrl").asText().startsWith("ws://127.0.0.1:" + t.server.publicPort() + "/v1/signaling?token="));
            var claims = t.server.tokens().verify(a.get("token").asText());
            assertEquals(a.get("endpointId").asText(), claims.endpointId());
            JsonNode other = TestServer.json(t.publicRequest("POST", "/v1/rooms/other/join", "{}"));
            assertNotEquals(a.get("conferenceId").asText(), other.get("conferenceId").asText());
            assertEquals(2, t.server.bridge().conferenceCount());
            assertEquals(3, t.server.bridge().endpointCount());

            assertEquals(400, t.publicRequest("POST", "/v1/rooms/bad%20name/join", "{}").statusCode());
            assertEquals(400, t.publicRequest("POST", "/v1/rooms/x/join", "{\"displayName\":1}").statusCode());
            assertEquals(405, t.publicRequest("GET", "/v1/rooms/x/join", null).statusCode());
        }
    }

    /** The connection check's sessions: bounded in number, removed after their time, and off when configured so. */
    @Test
    void connectionChecksAreBoundedAndExpire() throws Exception {
        try (TestServer t = TestServer.start("junction.check { max-concurrent = 2, max-duration = 2s }\njunction.demo.open-rooms = false")) {
            JsonNode a = TestServer.json(t.publicRequest("POST", "/v1/check", "{}"));
            assertTrue(a.get("signalingUrl").asText().contains("/v1/signaling?token="), a.toString());
            assertEquals(2, a.get("maxSeconds").asInt());
            assertEquals("connection check", t.server.bridge().conference(a.get("conferenceId").asText()).orElseThrow().name());
            assertEquals(200, t.publicRequest("POST", "/v1/check", "").statusCode(), "works with open rooms off");
            HttpResponse<String> third = t.publicRequest("POST", "/v1/check", "{}");
            assertEquals(503, third.statusCode());
            assertEquals("too-many-checks", TestServer.json(third).get("error").get("code").asText());
            assertTrue(third.headers().firstValue("retry-after").isPresent());
            assertEquals(400, t.publicRequest("POST", "/v1/check", "{\"x\":1}").statusCode());
            assertEquals(405, t.publicRequest("GET", "/v1/check", null).statusCode());
            long deadline = System.currentTimeMillis() + 6000;
            while (t.server.bridge().conferenceCount() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(0, t.server.bridge().conferenceCount(), "each check is removed after check.max-duration");
            assertEquals(200, t.publicRequest("POST", "/v1/check", "{}").statusCode(), "room for new checks");
            HttpResponse<String> page = t.publicRequest("GET", "/check", null);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("Connection check"));
        }
        try (TestServer t = TestServer.start("junction.check.enabled = false")) {
            HttpResponse<String> r = t.publicRequest("POST", "/v1/check", "{}");
            assertEquals(403, r.statusCode());
            assertEquals("check-disabled", TestServer.json(r).get("error").get("code").asText());
        }
    }

    @Test
    void openRoomsCanBeDisabled() throws Exception {
        try (TestServer t = TestServer.start("junction.demo.open-rooms = false")) {
            HttpResponse<String> r = t.publicRequest("POST", "/v1/rooms/daily/join", "{}");
            assertEquals(403, r.statusCode());
            assertEquals("open-rooms-disabled", TestServer.json(r).get("error").get("code").asText());
            assertEquals(0, t.server.bridge().conferenceCount());
        }
    }

    @Test
    void emptyConferenceExpires() throws Exception {
        try (TestServer t = TestServer.start("junction.conference.empty-timeout = 1s")) {
            String cid = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
            String keep = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
            t.admin("POST", "/v1/conferences/" + keep + "/endpoints", "{}");
            long deadline = System.currentTimeMillis() + 5000;
            while (System.currentTimeMillis() < deadline && t.server.bridge().conference(cid).isPresent()) {
                Thread.sleep(100);
            }
            assertEquals(404, t.admin("GET", "/v1/conferences/" + cid, null).statusCode());
            assertEquals(200, t.admin("GET", "/v1/conferences/" + keep, null).statusCode(),
                    "a conference with an endpoint does not expire");
        }
    }

    @Test
    void drainingRefusesNewWorkAndHealthTurns503() throws Exception {
        try (TestServer t = TestServer.start()) {
            String cid = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
            t.server.drain();
            HttpResponse<String> h = t.publicRequest("GET", "/health", null);
            assertEquals(503, h.statusCode());
            assertEquals("draining", TestServer.json(h).get("status").asText());
            assertEquals(503, t.admin("POST", "/v1/conferences", "{}").statusCode());
            assertEquals(503, t.admin("POST", "/v1/conferences/" + cid + "/endpoints", "{}").statusCode());
            assertEquals(503, t.publicRequest("POST", "/v1/rooms/r/join", "{}").statusCode());
            assertEquals(200, t.admin("GET", "/v1/conferences/" + cid, null).statusCode(), "existing ones stay");
        }
    }
}
