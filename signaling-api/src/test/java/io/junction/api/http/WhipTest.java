package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The WHIP HTTP contract (RFC 9725) on a real bridge, with the offer Chromium made in WhipIT: 201 with
 * the answer, Location, ETag and (with TURN) Link headers; every error status as text/plain; DELETE,
 * PATCH, OPTIONS on the resource. Media itself is WhipIT's.
 */
class WhipTest {
    static final String OFFER;

    static {
        try {
            OFFER = Files.readString(Path.of(System.getProperty("user.dir")).getParent()
                    .resolve("bridge/src/test/resources/sdp/chromium-whip-offer.sdp"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> post(TestServer t, String path, String contentType, String body, String auth)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.publicUrl(path))).timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return t.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> call(TestServer t, String method, String url) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        b.method(method, method.equals("PATCH")
                ? HttpRequest.BodyPublishers.ofString("a=ice-ufrag:x\r\n") : HttpRequest.BodyPublishers.noBody());
        if (method.equals("PATCH")) {
            b.header("Content-Type", "application/trickle-ice-sdpfrag");
        }
        return t.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertPlainError(int status, HttpResponse<String> r, String contains) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().map().toString());
        assertTrue(r.body().contains(contains), r.body());
    }

    @Test
    void publishAnswersAndTheResourceEndsTheSession() throws Exception {
        try (TestServer t = TestServer.start()) {
            HttpResponse<String> r = post(t, "/v1/whip/stage?name=Caster", "application/sdp", OFFER, null);
            assertEquals(201, r.statusCode(), r.body());
            assertEquals("application/sdp", r.headers().firstValue("Content-Type").orElse(""));
            String location = r.headers().firstValue("Location").orElseThrow();
            assertTrue(location.matches("/v1/whip/stage/[A-Za-z0-9_-]{22}"), location);
            assertTrue(r.headers().firstValue("ETag").orElseThrow().matches("\"[A-Za-z0-9_-]{22}\""));
            assertTrue(r.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("Location"));
            assertTrue(r.body().startsWith("v=0\r\n") && r.body().contains("a=setup:passive") && r.body().contains("a=recvonly"));
            assertTrue(r.headers().allValues("Link").isEmpty(), "no TURN configured");
            assertEquals(1, t.server.bridge().endpointCount());
            var endpoint = t.server.bridge().conferences().iterator().next().endpoints().iterator().next();
            assertEquals("Caster", endpoint.displayName());

            String resource = t.publicUrl(location);
            HttpResponse<String> patch = call(t, "PATCH", resource);
            assertPlainError(405, patch, "trickle ICE");
            assertEquals("DELETE, OPTIONS", patch.headers().firstValue("Allow").orElse(""));
            assertEquals(405, call(t, "GET", resource).statusCode());
            HttpResponse<String> options = call(t, "OPTIONS", resource);
            assertEquals(204, options.statusCode());
            assertTrue(options.headers().firstValue("Access-Control-Allow-Methods").orElse("").contains("DELETE"));

            assertEquals(200, call(t, "DELETE", resource).statusCode());
            assertEquals(0, t.server.bridge().endpointCount(), "the publisher left");
            assertPlainError(404, call(t, "DELETE", resource), "no such WHIP session");
            assertPlainError(404, call(t, "DELETE", t.publicUrl("/v1/whip/stage/AAAAAAAAAAAAAAAAAAAAAA")), "no such WHIP session");
        }
    }

    @Test
    void everyRefusalHasItsStatusAndAReason() throws Exception {
        try (TestServer t = TestServer.start("junction.conference.max-endpoints = 1")) {
            assertPlainError(415, post(t, "/v1/whip/stage", "application/json", "{}", null), "application/sdp");
            assertPlainError(400, post(t, "/v1/whip/stage", "application/sdp", "hello", null), "");
            assertPlainError(400, post(t, "/v1/whip/stage", "application/sdp",
                    OFFER.replaceAll("a=sendonly", "a=inactive"), null), "no usable media");
            assertPlainError(400, post(t, "/v1/whip/bad%20room", "application/sdp", OFFER, null), "room name");
            assertEquals(0, t.server.bridge().endpointCount(), "refused offers leave no endpoint");
            assertPlainError(401, post(t, "/v1/whip/stage", "application/sdp", OFFER, "Bearer nonsense"), "invalid");
            assertPlainError(401, post(t, "/v1/whip/stage", "application/sdp", OFFER, "Basic dXNlcjpwdw=="), "Bearer");
            assertEquals(201, post(t, "/v1/whip/stage", "application/sdp", OFFER, null).statusCode());
            assertPlainError(409, post(t, "/v1/whip/stage", "application/sdp", OFFER, null), "");
        }
    }

    @Test
    void anonymousPublishingIsBoundedPerAddressAndByDraining() throws Exception {
        try (TestServer t = TestServer.start("junction.demo { join-burst = 100, join-rate = 100 }")) {
            List<String> locations = new java.util.ArrayList<>();
            for (int i = 0; i < WhipHandler.MAX_ANONYMOUS_SESSIONS_PER_ADDRESS; i++) {
                HttpResponse<String> r = post(t, "/v1/whip/room" + i, "application/sdp", OFFER, null);
                assertEquals(201, r.statusCode(), r.body());
                locations.add(r.headers().firstValue("Location").orElseThrow());
            }
            HttpResponse<String> over = post(t, "/v1/whip/more", "application/sdp", OFFER, null);
            assertPlainError(429, over, "DELETE one first");
            assertTrue(over.headers().firstValue("Retry-After").isPresent());
            assertEquals(200, call(t, "DELETE", t.publicUrl(locations.get(0))).statusCode());
            assertEquals(201, post(t, "/v1/whip/more", "application/sdp", OFFER, null).statusCode(), "room again after a DELETE");
            assertEquals(200, call(t, "DELETE", t.publicUrl(locations.get(1))).statusCode());
            t.server.bridge().drain();
            assertPlainError(503, post(t, "/v1/whip/later", "application/sdp", OFFER, null), "");
        }
        try (TestServer t = TestServer.start("junction.demo { join-burst = 1, join-rate = 0.01 }")) {
            assertEquals(201, post(t, "/v1/whip/a", "application/sdp", OFFER, null).statusCode());
            assertPlainError(429, post(t, "/v1/whip/b", "application/sdp", OFFER, null), "too many anonymous joins");
        }
    }

    @Test
    void aJoinTokenPublishesAsItsEndpoint() throws Exception {
        try (TestServer t = TestServer.start("junction.demo.open-rooms = false")) {
            assertPlainError(401, post(t, "/v1/whip/stage", "application/sdp", OFFER, null), "join token is required");
            var conf = TestServer.json(t.admin("POST", "/v1/conferences", "{\"name\":\"stage\"}"));
            String confId = conf.get("id").asText();
            var ep = TestServer.json(t.admin("POST", "/v1/conferences/" + confId + "/endpoints", "{\"displayName\":\"OBS\"}"));
            String token = ep.get("token").asText();
            assertPlainError(401, post(t, "/v1/whip/elsewhere", "application/sdp", OFFER, "Bearer " + token), "another room");
            HttpResponse<String> r = post(t, "/v1/whip/" + confId, "application/sdp", OFFER, "Bearer " + token);
            assertEquals(201, r.statusCode(), r.body());
            assertEquals(ep.get("id").asText(), t.server.bridge().conference(confId).orElseThrow().endpoints().iterator().next().id());
            assertPlainError(400, post(t, "/v1/whip/" + confId, "application/sdp", OFFER, "Bearer " + token), "already");
            t.admin("DELETE", "/v1/conferences/" + confId, null);
            assertPlainError(404, post(t, "/v1/whip/" + confId, "application/sdp", OFFER, "Bearer " + token), "ended");
        }
    }

    @Test
    void turnServersComeAsLinkHeaders() throws Exception {
        try (TestServer t = TestServer.start("junction.turn { servers = [\"turn:turn.example.org:3478?transport=udp\", "
                + "\"turns:turn.example.org:443?transport=tcp\"], secret = \"0123456789abcdef0123\" }")) {
            HttpResponse<String> r = post(t, "/v1/whip/stage", "application/sdp", OFFER, null);
            assertEquals(201, r.statusCode(), r.body());
            List<String> links = r.headers().allValues("Link");
            assertEquals(2, links.size(), links.toString());
            assertTrue(links.get(0).matches("<turn:turn\\.example\\.org:3478\\?transport=udp>; rel=\"ice-server\"; "
                    + "username=\"\\d+:[0-9a-f]+\"; credential=\"[A-Za-z0-9+/=]+\"; credential-type=\"password\""), links.get(0));
            assertFalse(links.get(1).isEmpty());
        }
    }
}
