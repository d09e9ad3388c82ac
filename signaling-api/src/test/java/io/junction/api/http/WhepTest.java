package io.junction.api.http;

import static io.junction.api.http.WhipTest.assertPlainError;
import static io.junction.api.http.WhipTest.call;
import static io.junction.api.http.WhipTest.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import io.junction.bridge.conference.Conference;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The WHEP HTTP contract on a real bridge, with the receive-only offer Chromium made in WhepIT: 201 with
 * a sendonly answer, Location, ETag; viewers are not participants; every error status as text/plain;
 * viewer tokens and the stage through the admin API. Media itself is WhepIT's.
 */
class WhepTest {
    static final String OFFER;

    static {
        try {
            OFFER = Files.readString(Path.of(System.getProperty("user.dir")).getParent()
                    .resolve("bridge/src/test/resources/sdp/chromium-whep-offer.sdp"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An open room with one participant (a WHIP publisher) in it; returns its endpoint id. */
    private static String openRoomWithPublisher(TestServer t, String room) throws Exception {
        assertEquals(201, post(t, "/v1/whip/" + room, "application/sdp", WhipTest.OFFER, null).statusCode());
        return t.server.bridge().existingOpenRoom(room).orElseThrow().endpoints().iterator().next().id();
    }

    /**
     * A viewer decodes only what its offer took, and counts like a participant for the conference's
     * codecs: one taking only H.264 makes publishers fall back to H.264 (a WHIP publisher that
     * offers several codecs sends it), and when it leaves the conference offers every codec again.
     */
    @Test
    void aViewerNarrowsThePublishersCodecsUntilItLeaves() throws Exception {
        try (TestServer t = TestServer.start()) {
            openRoomWithPublisher(t, "narrow");
            Conference room = t.server.bridge().existingOpenRoom("narrow").orElseThrow();
            java.util.List<String> all = room.publishVideoCodecs();
            assertTrue(all.size() > 1 && all.contains("VP8") && all.contains("H264"), all.toString());
            String h264Only = OFFER.replaceFirst("m=video 9 UDP/TLS/RTP/SAVPF [0-9 ]+", "m=video 9 UDP/TLS/RTP/SAVPF 108 109");
            HttpResponse<String> r = post(t, "/v1/whep/narrow", "application/sdp", h264Only, null);
            assertEquals(201, r.statusCode(), r.body());
            assertEquals(java.util.List.of("H264"), room.publishVideoCodecs());
            // a second WHIP publisher, whose own first codec is VP8, sends H.264 now
            HttpResponse<String> second = post(t, "/v1/whip/narrow", "application/sdp", WhipTest.OFFER, null);
            assertEquals(201, second.statusCode(), second.body());
            String videoAnswer = second.body().substring(second.body().indexOf("m=video"));
            assertTrue(videoAnswer.contains(" H264/90000") && !videoAnswer.contains("VP8/90000"), videoAnswer);
            assertEquals(200, call(t, "DELETE", t.publicUrl(r.headers().firstValue("Location").orElseThrow())).statusCode());
            assertEquals(all, room.publishVideoCodecs(), "back to every codec when the viewer left");
        }
    }

    @Test
    void playAnswersSendonlyAndTheResourceEndsTheViewer() throws Exception {
        try (TestServer t = TestServer.start()) {
            String publisher = openRoomWithPublisher(t, "show");
            Conference room = t.server.bridge().existingOpenRoom("show").orElseThrow();
            HttpResponse<String> r = post(t, "/v1/whep/show", "application/sdp", OFFER, null);
            assertEquals(201, r.statusCode(), r.body());
            assertEquals("application/sdp", r.headers().firstValue("Content-Type").orElse(""));
            String location = r.headers().firstValue("Location").orElseThrow();
            assertTrue(location.matches("/v1/whep/show/[A-Za-z0-9_-]{22}"), location);
            assertTrue(r.headers().firstValue("ETag").orElseThrow().matches("\"[A-Za-z0-9_-]{22}\""));
            String answer = r.body();
            assertTrue(answer.contains("a=sendonly") && !answer.contains("a=recvonly") && answer.contains("a=setup:passive"), answer);
            assertTrue(answer.contains("a=rtpmap:96 VP8/90000") && answer.contains("a=rtpmap:108 H264/90000")
                    && answer.contains("a=ssrc-group:FID "), answer);
            assertTrue(answer.contains("a=end-of-candidates"), answer);
            assertEquals(1, room.viewerCount());
            assertEquals(1, room.endpointCount(), "a viewer is not a participant");
            assertEquals(1, t.server.bridge().endpointCount());
            assertEquals(1, t.server.bridge().viewerCount());

            // a pinned viewer; the admin API lists both and reports the stage
            assertEquals(201, post(t, "/v1/whep/show?endpoint=" + publisher, "application/sdp", OFFER, null).statusCode());
            var viewers = TestServer.json(t.admin("GET", "/v1/conferences/" + room.id() + "/viewers", null)).get("viewers");
            assertEquals(2, viewers.size());
            assertEquals(2, TestServer.json(t.admin("GET", "/v1/conferences/" + room.id(), null)).get("viewers").asInt());
            assertEquals(2, TestServer.json(t.admin("GET", "/v1/conferences/" + room.id() + "/stats", null)).get("viewers").size());

            String resource = t.publicUrl(location);
            HttpResponse<String> patch = call(t, "PATCH", resource);
            assertPlainError(405, patch, "trickle ICE");
            assertEquals(204, call(t, "OPTIONS", resource).statusCode());
            assertPlainError(404, call(t, "DELETE", resource.replace("/whep/", "/whip/")), "no such WHIP session");
            assertEquals(200, call(t, "DELETE", resource).statusCode());
            assertEquals(1, room.viewerCount(), "the viewer left");
            assertEquals(1, room.endpointCount(), "the publisher stays");
            assertPlainError(404, call(t, "DELETE", resource), "no such WHEP session");
        }
    }

    @Test
    void everyRefusalHasItsStatusAndAReason() throws Exception {
        try (TestServer t = TestServer.start("junction.whep { max-viewers-per-room = 1 }")) {
            assertPlainError(404, post(t, "/v1/whep/nobody", "application/sdp", OFFER, null), "no open room");
            String publisher = openRoomWithPublisher(t, "show");
            assertPlainError(415, post(t, "/v1/whep/show", "application/json", "{}", null), "application/sdp");
            assertPlainError(400, post(t, "/v1/whep/show", "application/sdp", "hello", null), "");
            assertPlainError(400, post(t, "/v1/whep/show", "application/sdp", WhipTest.OFFER, null), "does not receive");
            assertPlainError(400, post(t, "/v1/whep/bad%20room", "application/sdp", OFFER, null), "room name");
            assertPlainError(404, post(t, "/v1/whep/show?endpoint=nope", "application/sdp", OFFER, null), "no participant");
            assertEquals(0, t.server.bridge().viewerCount(), "refused offers leave no viewer");
            assertPlainError(401, post(t, "/v1/whep/show", "application/sdp", OFFER, "Bearer nonsense"), "invalid");
            assertEquals(201, post(t, "/v1/whep/show?endpoint=" + publisher, "application/sdp", OFFER, null).statusCode());
            assertPlainError(409, post(t, "/v1/whep/show", "application/sdp", OFFER, null), "viewer limit");
            t.server.bridge().drain();
            assertPlainError(503, post(t, "/v1/whep/show", "application/sdp", OFFER, null), "");
        }
        try (TestServer t = TestServer.start("junction.whep { max-anonymous-per-address = 2 }, junction.demo { join-burst = 100, join-rate = 100 }")) {
            openRoomWithPublisher(t, "show");
            for (int i = 0; i < 2; i++) {
                assertEquals(201, post(t, "/v1/whep/show", "application/sdp", OFFER, null).statusCode());
            }
            HttpResponse<String> over = post(t, "/v1/whep/show", "application/sdp", OFFER, null);
            assertPlainError(429, over, "WHEP sessions without a join token");
            assertTrue(over.headers().firstValue("Retry-After").isPresent());
        }
    }

    @Test
    void viewerTokensPlayAConferenceAndCannotPublishOrJoin() throws Exception {
        try (TestServer t = TestServer.start("junction.demo.open-rooms = false")) {
            assertPlainError(401, post(t, "/v1/whep/show", "application/sdp", OFFER, null), "join token is required");
            String confId = TestServer.json(t.admin("POST", "/v1/conferences", "{\"name\":\"show\"}")).get("id").asText();
            var created = TestServer.json(t.admin("POST", "/v1/conferences/" + confId + "/viewers", ""));
            String token = created.get("token").asText();
            assertTrue(created.get("whepUrl").asText().endsWith("/v1/whep/" + confId), created.toString());
            assertPlainError(401, post(t, "/v1/whep/elsewhere", "application/sdp", OFFER, "Bearer " + token), "another room");
            for (String room : new String[] {confId, "show"}) { // by id or by name; one token, many players
                HttpResponse<String> r = post(t, "/v1/whep/" + room, "application/sdp", OFFER, "Bearer " + token);
                assertEquals(201, r.statusCode(), r.body());
            }
            assertEquals(2, t.server.bridge().conference(confId).orElseThrow().viewerCount());
            assertEquals(0, t.server.bridge().endpointCount());
            assertPlainError(401, post(t, "/v1/whip/" + confId, "application/sdp", WhipTest.OFFER, "Bearer " + token),
                    "viewer token cannot publish");
            // an endpoint's token may watch its own conference too
            String epToken = TestServer.json(t.admin("POST", "/v1/conferences/" + confId + "/endpoints", "{}")).get("token").asText();
            assertEquals(201, post(t, "/v1/whep/" + confId, "application/sdp", OFFER, "Bearer " + epToken).statusCode());
        }
    }

    @Test
    void theStageIsSetThroughTheAdminApi() throws Exception {
        try (TestServer t = TestServer.start()) {
            String publisher = openRoomWithPublisher(t, "show");
            Conference room = t.server.bridge().existingOpenRoom("show").orElseThrow();
            String path = "/v1/conferences/" + room.id() + "/stage";
            var stage = TestServer.json(t.admin("GET", path, null));
            assertTrue(stage.get("endpointId").isNull());
            var put = t.admin("PUT", path, "{\"endpointId\":\"" + publisher + "\"}");
            assertEquals(200, put.statusCode(), put.body());
            assertEquals(publisher, room.stage());
            assertEquals(404, t.admin("PUT", path, "{\"endpointId\":\"nope\"}").statusCode());
            assertEquals(400, t.admin("PUT", path, "{\"endpointId\":5}").statusCode());
            assertEquals(400, t.admin("PUT", path, "{}").statusCode());
            assertEquals(publisher, room.stage(), "refused changes change nothing");
            room.removeEndpoint(publisher, io.junction.bridge.conference.RemovalReason.LEFT);
            assertEquals(null, room.stage(), "the stage is freed when its participant leaves");
        }
    }
}
