package io.junction.api.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

/**
 * Bridges in a cluster through a real Redis (Debian's redis-server, started here on loopback): they
 * register with their load, an endpoint is placed on the bridge that holds its conference whichever
 * bridge's admin API is asked, a draining bridge and a region send new conferences elsewhere, a bridge
 * that stops heart-beating drops out within the TTL, and a Redis outage stops only what needs
 * another bridge (503), until Redis is back.
 */
class ClusterTest {
    private static final String SECRET = "cluster-test-secret-0123456789abcdef";

    private static TestServer bridge(RedisServer redis, String id, String region) throws Exception {
        return bridge(redis, id, region, true);
    }

    /** {@code relay} false: joins of a room another bridge holds go to that bridge (cluster.relay). */
    private static TestServer bridge(RedisServer redis, String id, String region, boolean relay) throws Exception {
        return TestServer.start("junction.signaling.token-secret = \"" + SECRET + "\"\n"
                + "junction.cluster { redis = \"" + redis.url() + "\", bridge-id = \"" + id + "\", region = \"" + region
                + "\", heartbeat = 200ms, ttl = 1s, relay = " + relay + " }\n");
    }

    private static void await(String what, long ms, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (!ok.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Waits until the ids {@code t}'s {@code GET /v1/cluster} lists satisfy {@code ok}. */
    private static void awaitListed(String what, long ms, TestServer t, java.util.function.Predicate<List<String>> ok)
            throws InterruptedException {
        await(what, ms, () -> {
            try {
                return ok.test(bridgeIds(t));
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static List<String> bridgeIds(TestServer t) throws Exception {
        HttpResponse<String> r = t.admin("GET", "/v1/cluster", null);
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        for (JsonNode b : TestServer.json(r).get("bridges")) {
            ids.add(b.get("id").asText());
        }
        return ids;
    }

    private static String fixture(String name) throws java.io.IOException {
        return java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("user.dir")).getParent()
                .resolve("bridge/src/test/resources/sdp/" + name));
    }

    /** An anonymous WHIP/WHEP POST of {@code sdp} to {@code t}'s public {@code path}, redirects not followed. */
    private static HttpResponse<String> sdpPost(TestServer t, String path, String sdp) throws Exception {
        return t.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(t.publicUrl(path)))
                .header("Content-Type", "application/sdp").POST(java.net.http.HttpRequest.BodyPublishers.ofString(sdp)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String createConference(TestServer t, String body) throws Exception {
        HttpResponse<String> r = t.admin("POST", "/v1/conferences", body);
        assertEquals(201, r.statusCode(), r.body());
        return TestServer.json(r).get("id").asText();
    }

    /** Without relays ({@code cluster.relay = false}) a conference lives on one bridge, whichever bridge is asked. */
    @Test
    void anEndpointIsPlacedOnTheBridgeThatHoldsItsConference() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a", "eu", false);
             TestServer b = bridge(redis, "b", "us", false)) {
            awaitListed("both bridges listed by a", 5000, a, ids -> ids.equals(List.of("a", "b")));
            awaitListed("both bridges listed by b", 5000, b, ids -> ids.equals(List.of("a", "b")));
            JsonNode listed = TestServer.json(a.admin("GET", "/v1/cluster", null));
            assertEquals("a", listed.get("self").asText());
            JsonNode first = listed.get("bridges").get(0);
            assertEquals("eu", first.get("region").asText());
            assertEquals("up", first.get("state").asText());
            assertEquals(a.adminUrl(""), first.get("adminUrl").asText());
            assertEquals(a.publicUrl(""), first.get("publicUrl").asText());

            String conf = createConference(a, "{\"name\": \"standup\"}");
            HttpResponse<String> r = b.admin("POST", "/v1/conferences/" + conf + "/endpoints", "{\"displayName\": \"Bo\"}");
            assertEquals(201, r.statusCode(), r.body());
            assertEquals("a", r.headers().firstValue("X-Junction-Bridge").orElse(""), "answered by the bridge that holds it");
            String signalingUrl = TestServer.json(r).get("signalingUrl").asText();
            assertTrue(signalingUrl.startsWith("ws://127.0.0.1:" + a.server.publicPort() + "/v1/signaling?token="), signalingUrl);
            assertEquals(1, a.server.bridge().conference(conf).orElseThrow().endpointCount());
            assertEquals(0, b.server.bridge().conferenceCount(), "nothing was created on the bridge asked");
            // the token the holder made opens a session there (a WebSocket to its signalingUrl; here: it verifies)
            String token = TestServer.json(r).get("token").asText();
            assertEquals(conf, a.server.tokens().verify(token).conferenceId());
            // reads and deletes are answered by the holder too; an unknown id is still 404
            assertEquals(200, b.admin("GET", "/v1/conferences/" + conf, null).statusCode());
            assertEquals(404, b.admin("GET", "/v1/conferences/no-such-conference", null).statusCode());
            assertEquals(204, b.admin("DELETE", "/v1/conferences/" + conf, null).statusCode());
            assertTrue(a.server.bridge().conference(conf).isEmpty());
            assertEquals(404, b.admin("GET", "/v1/conferences/" + conf, null).statusCode(), "its claim went with it");
        }
    }

    /**
     * With relays (the default), a join through another bridge is served there: that bridge makes its
     * part of the room under the same conference id and the two bridges open relay endpoints for each
     * other.
     */
    @Test
    void anOpenRoomJoinedThroughAnotherBridgeIsServedThereAndRelayed() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a", "eu"); TestServer b = bridge(redis, "b", "eu")) {
            awaitListed("both listed", 5000, a, ids -> ids.size() == 2);
            HttpResponse<String> first = a.publicRequest("POST", "/v1/rooms/standup/join", "{\"displayName\": \"Ada\"}");
            String conf = TestServer.json(first).get("conferenceId").asText();
            HttpResponse<String> second = b.publicRequest("POST", "/v1/rooms/standup/join", "{\"displayName\": \"Bo\"}");
            assertEquals(200, second.statusCode(), second.body());
            JsonNode joined = TestServer.json(second);
            assertEquals(conf, joined.get("conferenceId").asText(), "the same room");
            assertTrue(joined.get("signalingUrl").asText().startsWith("ws://127.0.0.1:" + b.server.publicPort() + "/"),
                    "served by the bridge asked: " + joined);
            var onB = b.server.bridge().existingOpenRoom("standup").orElseThrow();
            assertEquals(conf, onB.id());
            assertTrue(onB.isMirror());
            assertEquals(1, b.server.bridge().endpointCount());
            await("relay endpoints both ways", 5000, () -> a.server.bridge().conference(conf).orElseThrow().relays().size() == 1
                    && onB.relays().size() == 1);
            assertEquals("b", a.server.bridge().conference(conf).orElseThrow().relays().iterator().next().relayPeer());
            assertEquals("a", onB.relays().iterator().next().relayPeer());
            assertEquals(1, a.server.bridge().conference(conf).orElseThrow().endpointCount(), "relays are not participants");
            // the admin API too: an endpoint of a's conference asked of b is placed on b, relayed
            String made = TestServer.json(a.admin("POST", "/v1/conferences", "{\"name\": \"board\"}")).get("id").asText();
            HttpResponse<String> viaB = b.admin("POST", "/v1/conferences/" + made + "/endpoints", "{\"displayName\": \"Cyd\"}");
            assertEquals(201, viaB.statusCode(), viaB.body());
            assertTrue(TestServer.json(viaB).get("signalingUrl").asText().startsWith("ws://127.0.0.1:" + b.server.publicPort() + "/"));
            var boardOnB = b.server.bridge().conference(made).orElseThrow();
            assertTrue(boardOnB.isMirror());
            assertEquals("board", boardOnB.name());
            await("the board's relays both ways", 5000, () -> boardOnB.relays().size() == 1
                    && a.server.bridge().conference(made).orElseThrow().relays().size() == 1);
            // the holder's claim stands: b's part of the room does not take it over
            Thread.sleep(600);
            try (redis.clients.jedis.JedisPooled r = new redis.clients.jedis.JedisPooled(java.net.URI.create(redis.url()))) {
                assertEquals("a", r.get("junction:conference:" + conf));
            }
        }
    }

    /** Without relays, an open room (joined by name) lives on one bridge whichever bridge's page joins it. */
    @Test
    void anOpenRoomIsOneRoomWhicheverBridgeIsJoined() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a", "eu", false);
             TestServer b = bridge(redis, "b", "eu", false)) {
            awaitListed("both listed", 5000, a, ids -> ids.size() == 2);
            HttpResponse<String> first = a.publicRequest("POST", "/v1/rooms/standup/join", "{\"displayName\": \"Ada\"}");
            assertEquals(200, first.statusCode(), first.body());
            String conf = TestServer.json(first).get("conferenceId").asText();
            HttpResponse<String> second = b.publicRequest("POST", "/v1/rooms/standup/join", "{\"displayName\": \"Bo\"}");
            assertEquals(200, second.statusCode(), second.body());
            JsonNode joined = TestServer.json(second);
            assertEquals(conf, joined.get("conferenceId").asText(), "the same room");
            assertTrue(joined.get("signalingUrl").asText().startsWith("ws://127.0.0.1:" + a.server.publicPort() + "/"),
                    joined.toString());
            assertEquals(2, a.server.bridge().conference(conf).orElseThrow().endpointCount());
            assertTrue(b.server.bridge().existingOpenRoom("standup").isEmpty(), "no second room of that name");
            assertEquals("Bo", a.server.bridge().conference(conf).orElseThrow().endpoints().stream()
                    .filter(e -> e.id().equals(joined.get("endpointId").asText())).findFirst().orElseThrow().displayName());
            // a room first joined through b lives on b
            HttpResponse<String> other = b.publicRequest("POST", "/v1/rooms/retro/join", "{}");
            assertEquals(200, other.statusCode(), other.body());
            assertTrue(b.server.bridge().existingOpenRoom("retro").isPresent());
            HttpResponse<String> again = a.publicRequest("POST", "/v1/rooms/retro/join", "{}");
            assertEquals(TestServer.json(other).get("conferenceId").asText(), TestServer.json(again).get("conferenceId").asText());
            // WHIP and WHEP into a room another bridge holds: redirected there (307), and taken there
            HttpResponse<String> whip = sdpPost(b, "/v1/whip/standup", fixture("chromium-whip-offer.sdp"));
            assertEquals(307, whip.statusCode(), whip.body());
            String location = whip.headers().firstValue("Location").orElseThrow();
            assertEquals(a.publicUrl("/v1/whip/standup"), location);
            HttpResponse<String> followed = a.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(location))
                    .header("Content-Type", "application/sdp"), "POST", fixture("chromium-whip-offer.sdp"));
            assertEquals(201, followed.statusCode(), followed.body());
            assertEquals(3, a.server.bridge().conference(conf).orElseThrow().endpointCount(), "the WHIP publisher joined on A");
            assertEquals(307, sdpPost(b, "/v1/whep/standup?endpoint=x", fixture("chromium-whep-offer.sdp")).statusCode());
            // Redis gone: a room of this bridge is joined as before; a new one cannot be placed
            redis.stop();
            assertEquals(200, a.publicRequest("POST", "/v1/rooms/standup/join", "{}").statusCode());
            HttpResponse<String> refused = b.publicRequest("POST", "/v1/rooms/planning/join", "{}");
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(b.server.bridge().existingOpenRoom("planning").isEmpty(), "nothing left behind");
        }
    }

    @Test
    void newConferencesGoToTheLeastLoadedBridgeThatTakesThem() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a", "eu"); TestServer b = bridge(redis, "b", "us");
             TestServer c = bridge(redis, "c", "us")) {
            awaitListed("three bridges listed", 5000, a, ids -> ids.size() == 3);
            // another region asked for: the least loaded bridge there (b and c both empty: by id)
            String usConf = createConference(a, "{\"region\": \"us\"}");
            assertTrue(b.server.bridge().conference(usConf).isPresent(), "placed in the region asked for");
            assertTrue(a.server.bridge().conference(usConf).isEmpty());
            b.admin("POST", "/v1/conferences/" + usConf + "/endpoints", "{}");
            await("b's load reaches the others", 3000, () -> {
                try {
                    return TestServer.json(a.admin("GET", "/v1/cluster", null)).get("bridges").get(1).get("endpoints").asInt() == 1;
                } catch (Exception e) {
                    return false;
                }
            });
            String usConf2 = createConference(a, "{\"region\": \"us\"}");
            assertTrue(c.server.bridge().conference(usConf2).isPresent(), "the less loaded of the region's bridges");
            // a draining bridge places a new conference on another bridge, at once
            a.server.drain();
            HttpResponse<String> r = a.admin("POST", "/v1/conferences", "{\"name\": \"late\"}");
            assertEquals(201, r.statusCode(), r.body());
            String late = TestServer.json(r).get("id").asText();
            assertFalse(a.server.bridge().conference(late).isPresent());
            assertTrue(b.server.bridge().conference(late).isPresent() || c.server.bridge().conference(late).isPresent());
            JsonNode aListed = TestServer.json(b.admin("GET", "/v1/cluster", null)).get("bridges").get(0);
            assertEquals("draining", aListed.get("state").asText());
            // a region without an available bridge: the bridge asked, when it takes conferences
            String euConf = createConference(b, "{\"region\": \"eu\"}");
            assertTrue(b.server.bridge().conference(euConf).isPresent());
        }
    }

    @Test
    void aBridgeThatStopsHeartbeatingDropsOutWithinTheTtl() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a", "eu");
             JedisPooled jedis = new JedisPooled("127.0.0.1", redis.port)) {
            // a bridge that registered once and then died (SIGKILL: no goodbye), with a conference
            jedis.set("junction:bridge:dead", "{\"id\":\"dead\",\"region\":\"eu\",\"publicUrl\":\"http://127.0.0.1:1\","
                    + "\"adminUrl\":\"http://127.0.0.1:1\",\"state\":\"up\",\"endpoints\":0,\"conferences\":1,"
                    + "\"bitrateOutBps\":0,\"cpu\":0.1,\"maxEndpoints\":1000,\"heartbeatMs\":0}", SetParams.setParams().px(1000));
            jedis.sadd("junction:bridges", "dead");
            jedis.set("junction:conference:gone", "dead", SetParams.setParams().px(1000));
            jedis.set("junction:room:lobby", "dead gone", SetParams.setParams().px(1000));
            awaitListed("listed while its record lives", 2000, a, ids -> ids.equals(List.of("a", "dead")));
            awaitListed("gone within the TTL", 3000, a, ids -> ids.equals(List.of("a")));
            assertFalse(jedis.sismember("junction:bridges", "dead"), "pruned from the set");
            assertEquals(404, a.admin("POST", "/v1/conferences/gone/endpoints", "{}").statusCode(),
                    "its conference ended with it");
            // its open room: a new participant joining through a gets into a room of that name on a
            HttpResponse<String> lobby = a.publicRequest("POST", "/v1/rooms/lobby/join", "{}");
            assertEquals(200, lobby.statusCode(), lobby.body());
            assertTrue(a.server.bridge().existingOpenRoom("lobby").isPresent());
            assertEquals("a " + TestServer.json(lobby).get("conferenceId").asText(), jedis.get("junction:room:lobby"),
                    "the name is a's now");
            // a clean stop leaves at once
            try (TestServer b = bridge(redis, "b", "eu")) {
                awaitListed("b listed", 3000, a, ids -> ids.contains("b"));
            }
            assertEquals(List.of("a"), bridgeIds(a), "a stopped bridge deregistered itself");
        }
    }

    @Test
    void aRedisOutageStopsOnlyWhatNeedsAnotherBridge() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a", "eu"); TestServer b = bridge(redis, "b", "eu")) {
            awaitListed("both listed", 5000, a, ids -> ids.size() == 2);
            String conf = createConference(a, "{}");
            redis.stop();
            HttpResponse<String> r = b.admin("POST", "/v1/conferences/" + conf + "/endpoints", "{}");
            assertEquals(503, r.statusCode(), r.body());
            assertEquals("cluster-unavailable", TestServer.json(r).get("error").get("code").asText(), r.body());
            assertEquals(503, a.admin("GET", "/v1/cluster", null).statusCode());
            // what this bridge holds goes on
            assertEquals(201, a.admin("POST", "/v1/conferences/" + conf + "/endpoints", "{}").statusCode());
            assertEquals(201, a.admin("POST", "/v1/conferences", "{}").statusCode());
            await("a notices", 3000, () -> !a.server.cluster().redisUp());
            assertTrue(a.admin("GET", "/metrics", null).body().contains("junction_cluster_redis_up 0.0"));
            // Redis back (empty: it kept nothing): the heartbeats register the bridges and their conferences again
            redis.start();
            await("placement works again", 5000, () -> {
                try {
                    return b.admin("POST", "/v1/conferences/" + conf + "/endpoints", "{}").statusCode() == 201;
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(a.server.cluster().redisUp());
            await("the metrics say so", 3000, () -> {
                try {
                    String m = a.admin("GET", "/metrics", null).body();
                    return m.contains("junction_cluster_redis_up 1.0") && m.contains("junction_cluster_bridges 2.0");
                } catch (Exception e) {
                    return false;
                }
            });
            assertEquals(1, a.server.bridge().conference(conf).orElseThrow().localEndpointCount(),
                    "the one made during the outage");
            assertEquals(1, b.server.bridge().conference(conf).orElseThrow().localEndpointCount(),
                    "the one placed after it: on the bridge asked, relayed");
        }
    }
}
