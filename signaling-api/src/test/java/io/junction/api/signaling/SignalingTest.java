package io.junction.api.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import io.junction.api.auth.JoinTokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The signaling WebSocket against a real server: auth, offers, events, errors, leave and removal. */
class SignalingTest {
    private static final String SECRET = "signaling-test-secret-0123456789abcdef";
    private TestServer t;
    private String conferenceId;

    @BeforeEach
    void start() throws Exception {
        t = TestServer.start("junction.signaling.token-secret = \"" + SECRET + "\"");
        conferenceId = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private JsonNode endpoint(String name) throws Exception {
        return TestServer.json(t.admin("POST", "/v1/conferences/" + conferenceId + "/endpoints",
                "{\"displayName\":\"" + name + "\"}"));
    }

    @Test
    void invalidOrExpiredTokenClosesWith4401() throws Exception {
        String base = "ws://127.0.0.1:" + t.server.publicPort() + "/v1/signaling?token=";
        try (WsClient c = new WsClient(base + "garbage")) {
            assertEquals(4401, c.awaitClose());
            assertEquals("invalid token", c.closeReason);
        }
        JsonNode e = endpoint("a");
        String token = e.get("token").asText();
        String tampered = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
        try (WsClient c = new WsClient(base + tampered)) {
            assertEquals(4401, c.awaitClose());
        }
        // Correctly signed with the server's secret, but expired.
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        String expired = new JoinTokens(SECRET, Duration.ofMinutes(10), past).issue(conferenceId, e.get("id").asText());
        try (WsClient c = new WsClient(base + expired)) {
            assertEquals(4401, c.awaitClose());
            assertEquals("token expired", c.closeReason);
        }
        // Signed with another secret.
        String foreign = new JoinTokens("", Duration.ofMinutes(10), Clock.systemUTC()).issue(conferenceId, e.get("id").asText());
        try (WsClient c = new WsClient(base + foreign)) {
            assertEquals(4401, c.awaitClose());
        }
        // Valid signature, but the endpoint was deleted.
        t.admin("DELETE", "/v1/conferences/" + conferenceId + "/endpoints/" + e.get("id").asText(), null);
        try (WsClient c = new WsClient(e.get("signalingUrl").asText())) {
            assertEquals(4401, c.awaitClose());
            assertEquals("unknown endpoint", c.closeReason);
        }
        // Valid signature, but the conference is gone (as after a restart with the same token secret).
        String other = endpoint("b").get("signalingUrl").asText();
        t.admin("DELETE", "/v1/conferences/" + conferenceId, null);
        try (WsClient c = new WsClient(other)) {
            assertEquals(4401, c.awaitClose());
            assertEquals("unknown conference", c.closeReason, "told apart from a forgery");
        }
    }

    @Test
    void aMessageFloodIsCutToTheRateAndTheSocketStays() throws Exception {
        JsonNode e = endpoint("flood");
        try (WsClient c = new WsClient(e.get("signalingUrl").asText())) {
            c.next("welcome");
            for (int i = 0; i < 400; i++) {
                c.send("{\"type\":\"ping\",\"ts\":" + i + "}");
            }
            assertEquals("rate-limited", c.next("error").get("code").asText());
            Thread.sleep(300);
            int pongs = 0;
            int errors = 0;
            for (JsonNode m; (m = c.messages.poll()) != null; ) {
                pongs += m.path("type").asText().equals("pong") ? 1 : 0;
                errors += m.path("type").asText().equals("error") ? 1 : 0;
            }
            assertTrue(pongs < 200, "most of the flood was dropped: " + pongs + " pongs");
            assertTrue(errors <= 2, "errors are rate-limited too: " + errors);
            Thread.sleep(1500);
            c.send("{\"type\":\"ping\",\"ts\":9999}");
            assertEquals(9999, c.next("pong").get("ts").asInt(), "after a pause the client is answered again");
        }
    }

    @Test
    void welcomeOfferEventsAndErrors() throws Exception {
        JsonNode a = endpoint("Ada");
        try (WsClient ca = new WsClient(a.get("signalingUrl").asText())) {
            JsonNode welcome = ca.next("welcome");
            assertEquals(a.get("id").asText(), welcome.get("endpointId").asText());
            assertEquals(0, welcome.get("participants").size());
            JsonNode offer = ca.next("offer");
            assertEquals(1, offer.get("revision").asInt());
            String sdp = offer.get("sdp").asText();
            assertTrue(sdp.startsWith("v=0\r\n"), sdp);
            assertTrue(sdp.contains("a=group:BUNDLE 0 1"), sdp);
            assertTrue(sdp.contains("a=setup:actpass"), sdp);
            assertTrue(sdp.contains("a=fingerprint:sha-256 "), sdp);
            assertTrue(sdp.contains(" 127.0.0.1 " + t.server.bridge().mediaPort() + " typ host"), sdp);
            assertEquals("0", offer.get("publish").get("audio").asText());
            assertEquals("1", offer.get("publish").get("video").asText());

            ca.send("{\"type\":\"ping\",\"ts\":42}");
            assertEquals(42, ca.next("pong").get("ts").asInt());
            ca.send("{not json");
            assertEquals("bad-json", ca.next("error").get("code").asText());
            ca.send("{\"type\":\"dance\"}");
            assertEquals("bad-message", ca.next("error").get("code").asText());
            ca.send("{\"type\":\"ping\",\"type\":\"leave\"}"); // duplicate keys: an error, never "last one wins"
            assertEquals("bad-json", ca.next("error").get("code").asText());
            ca.send("{\"type\":\"ping\"} {\"type\":\"leave\"}"); // content after the value
            assertEquals("bad-json", ca.next("error").get("code").asText());
            ca.send("[".repeat(100) + "]".repeat(100)); // nesting beyond the bound
            assertEquals("bad-json", ca.next("error").get("code").asText());
            ca.ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("bad-message", ca.next("error").get("code").asText(), "a binary frame gets an error");
            assertTrue(t.server.bridge().conference(conferenceId).orElseThrow().endpointCount() >= 1, "and the socket stays");
            ca.send("[1,2,3]");
            assertEquals("bad-message", ca.next("error").get("code").asText());
            ca.send("{\"type\":\"answer\",\"revision\":\"x\"}");
            assertEquals("bad-message", ca.next("error").get("code").asText());
            ca.send("{\"type\":\"answer\",\"revision\":7,\"sdp\":\"v=0\"}");
            assertEquals("stale-revision", ca.next("error").get("code").asText());
            ca.send("{\"type\":\"answer\",\"revision\":1,\"sdp\":\"this is not sdp\"}");
            assertEquals("bad-sdp", ca.next("error").get("code").asText());
            assertTrue(sdp.contains("a=simulcast:recv q;h;f"), "the camera m-line asks for simulcast: " + sdp);

            // receiver constraints: bad values are refused with a clear error, good ones are applied
            for (String bad : new String[] {"{\"type\":\"constraints\",\"maxHeight\":-5}",
                    "{\"type\":\"constraints\",\"maxHeight\":\"720\"}", "{\"type\":\"constraints\",\"lastN\":-2}",
                    "{\"type\":\"constraints\",\"lastN\":1.5}", "{\"type\":\"constraints\",\"onStage\":\"e1\"}",
                    "{\"type\":\"constraints\",\"onStage\":[1]}"}) {
                ca.send(bad);
                JsonNode err = ca.next("error");
                assertEquals("bad-message", err.get("code").asText(), bad);
                assertEquals("constraints", err.get("inReplyTo").asText(), bad);
            }
            var mine = t.server.bridge().conference(conferenceId).orElseThrow().endpoint(a.get("id").asText()).orElseThrow();
            ca.send("{\"type\":\"constraints\",\"maxHeight\":360,\"lastN\":2,\"onStage\":[\"x\"]}");
            ca.send("{\"type\":\"ping\",\"ts\":43}");
            assertEquals(43, ca.next("pong").get("ts").asInt());
            assertEquals("Constraints[maxHeight=360, lastN=2, onStage=[x]]", mine.constraints().toString());
            ca.send("{\"type\":\"constraints\",\"maxHeight\":null}");
            ca.send("{\"type\":\"ping\",\"ts\":44}");
            assertEquals(44, ca.next("pong").get("ts").asInt());
            assertEquals("Constraints[maxHeight=-1, lastN=-1, onStage=[]]", mine.constraints().toString(),
                    "each message replaces the constraints; missing means no limit");

            JsonNode b = endpoint("Bob");
            JsonNode joined = ca.next("participantJoined");
            assertEquals(b.get("id").asText(), joined.get("endpointId").asText());
            assertEquals("Bob", joined.get("displayName").asText());
            try (WsClient cb = new WsClient(b.get("signalingUrl").asText())) {
                JsonNode wb = cb.next("welcome");
                assertEquals(1, wb.get("participants").size());
                assertEquals("Ada", wb.get("participants").get(0).get("displayName").asText());
                cb.send("{\"type\":\"leave\"}");
                assertEquals("left", cb.next("bye").get("reason").asText());
                assertEquals(1000, cb.awaitClose());
            }
            JsonNode left = ca.next("participantLeft");
            assertEquals(b.get("id").asText(), left.get("endpointId").asText());
            assertEquals("left", left.get("reason").asText());
            assertTrue(ca.ws.isOutputClosed() == false, "the connection survived all the bad messages");

            t.admin("DELETE", "/v1/conferences/" + conferenceId + "/endpoints/" + a.get("id").asText(), null);
            assertEquals("removed", ca.next("bye").get("reason").asText());
            assertEquals(1000, ca.awaitClose());
        }
        assertEquals(0, t.server.bridge().endpointCount());
    }

    @Test
    void closingTheSocketRemovesTheEndpoint() throws Exception {
        JsonNode a = endpoint("a");
        WsClient c = new WsClient(a.get("signalingUrl").asText());
        c.next("welcome");
        c.ws.sendClose(1000, "bye").join();
        long deadline = System.currentTimeMillis() + 5000;
        while (t.server.bridge().endpointCount() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, t.server.bridge().endpointCount());
        c.close();
    }

    @Test
    void secondConnectionReplacesTheFirst() throws Exception {
        JsonNode a = endpoint("a");
        try (WsClient first = new WsClient(a.get("signalingUrl").asText())) {
            first.next("offer");
            try (WsClient second = new WsClient(a.get("signalingUrl").asText())) {
                second.next("welcome");
                assertEquals(4409, first.awaitClose());
                JsonNode offer = second.next("offer");
                assertTrue(offer.get("revision").asInt() >= 2, "the new connection gets a fresh offer");
                assertEquals(1, t.server.bridge().endpointCount(), "replacing does not remove the endpoint");
            }
        }
    }

    @Test
    void deletingTheConferenceTellsEveryone() throws Exception {
        JsonNode a = endpoint("a");
        JsonNode b = endpoint("b");
        try (WsClient ca = new WsClient(a.get("signalingUrl").asText());
             WsClient cb = new WsClient(b.get("signalingUrl").asText())) {
            ca.next("welcome");
            cb.next("welcome");
            t.admin("DELETE", "/v1/conferences/" + conferenceId, null);
            assertEquals("conference-ended", ca.next("bye").get("reason").asText());
            assertEquals("conference-ended", cb.next("bye").get("reason").asText());
            assertFalse(t.server.bridge().conference(conferenceId).isPresent());
        }
    }

    /**
     * A client that answers but whose connectivity checks never reach the bridge (a firewall; a browser
     * that will not use loopback candidates) fails as an ICE failure after ice-connect-timeout, told
     * why, and not 30 s later as a DTLS failure.
     */
    @Test
    void iceThatNeverSeesACheckFailsEarlyAsIceFailure() throws Exception {
        t.close();
        t = TestServer.start("junction.signaling.token-secret = \"" + SECRET + "\"\njunction.media.ice-connect-timeout = 2s");
        conferenceId = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
        JsonNode a = endpoint("unreachable");
        try (WsClient c = new WsClient(a.get("signalingUrl").asText())) {
            JsonNode offer = c.next("offer");
            String answer = inactiveAnswer(offer.get("sdp").asText());
            c.send(TestServer.JSON.createObjectNode().put("type", "answer").put("revision", offer.get("revision").asInt())
                    .put("sdp", answer).toString());
            long answeredNs = System.nanoTime();
            JsonNode error = c.next("error");
            long afterMs = (System.nanoTime() - answeredNs) / 1_000_000;
            assertEquals("ice-failed", error.get("code").asText(), error.toString());
            assertTrue(error.get("message").asText().contains("no connectivity check arrived"), error.toString());
            assertTrue(error.get("message").asText().contains("127.0.0.1:" + t.server.bridge().mediaPort()), error.toString());
            assertTrue(afterMs >= 1_900 && afterMs < 5_000, "failed " + afterMs + " ms after the answer");
            assertEquals("ice-failed", c.next("bye").get("reason").asText());
        }
        assertEquals(0, t.server.bridge().endpointCount());
        var metrics = io.junction.api.http.PrometheusText.parse(t.admin("GET", "/metrics", null).body());
        assertEquals(1.0, metrics.get("junction_ice_total{result=\"failed\"}"), "counted as an ICE failure: " + metrics);
        assertEquals(0.0, metrics.get("junction_dtls_total{result=\"failed\"}"), "not as a DTLS failure");
    }

    /** An answer to {@code offer} that accepts every m-line but sends nothing: what a receive-only client gives. */
    static String inactiveAnswer(String offer) {
        StringBuilder sb = new StringBuilder("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
        java.util.List<String[]> sections = new java.util.ArrayList<>();
        String kind = null;
        for (String line : offer.split("\r\n")) {
            if (line.startsWith("m=")) {
                kind = line.substring(2, line.indexOf(' '));
            } else if (line.startsWith("a=mid:")) {
                sections.add(new String[] {kind, line.substring(6)});
            }
        }
        sb.append("a=group:BUNDLE");
        sections.forEach(m -> sb.append(' ').append(m[1]));
        sb.append("\r\n");
        String fingerprint = String.join(":", java.util.Collections.nCopies(32, "AB"));
        for (String[] m : sections) {
            sb.append("m=").append(m[0]).append(" 9 UDP/TLS/RTP/SAVPF ").append(m[0].equals("audio") ? "111" : "96").append("\r\n")
                    .append("c=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n")
                    .append("a=fingerprint:sha-256 ").append(fingerprint).append("\r\na=setup:active\r\n")
                    .append("a=mid:").append(m[1]).append("\r\na=inactive\r\na=rtcp-mux\r\n")
                    .append(m[0].equals("audio") ? "a=rtpmap:111 opus/48000/2\r\n" : "a=rtpmap:96 VP8/90000\r\n");
        }
        return sb.toString();
    }

    /** A participant's announced mute state reaches the others, once per change, and newcomers in their welcome. */
    @Test
    void muteStateIsSignalledToTheOthers() throws Exception {
        JsonNode a = endpoint("Ada");
        JsonNode b = endpoint("Bob");
        try (WsClient ca = new WsClient(a.get("signalingUrl").asText());
             WsClient cb = new WsClient(b.get("signalingUrl").asText())) {
            JsonNode welcome = ca.next("welcome");
            assertEquals(false, welcome.get("participants").get(0).get("audioMuted").asBoolean(true));
            cb.next("welcome");
            ca.send("{\"type\":\"mute\",\"audioMuted\":true}");
            JsonNode u = cb.next("participantUpdated");
            assertEquals(a.get("id").asText(), u.get("endpointId").asText());
            assertEquals("Ada", u.get("displayName").asText());
            assertTrue(u.get("audioMuted").asBoolean());
            assertFalse(u.get("videoMuted").asBoolean());
            ca.send("{\"type\":\"mute\",\"audioMuted\":true}"); // no change: nobody is told
            ca.send("{\"type\":\"mute\",\"videoMuted\":true}");
            u = cb.next("participantUpdated");
            assertTrue(u.get("audioMuted").asBoolean() && u.get("videoMuted").asBoolean(), "the next update is the camera's: " + u);
            for (String bad : new String[] {"{\"type\":\"mute\"}", "{\"type\":\"mute\",\"audioMuted\":\"yes\"}",
                    "{\"type\":\"mute\",\"videoMuted\":1}"}) {
                ca.send(bad);
                JsonNode err = ca.next("error");
                assertEquals("bad-message", err.get("code").asText(), bad);
                assertEquals("mute", err.get("inReplyTo").asText(), bad);
            }
            JsonNode c = endpoint("Cy");
            try (WsClient cc = new WsClient(c.get("signalingUrl").asText())) {
                JsonNode w = cc.next("welcome");
                JsonNode ada = null;
                for (JsonNode p : w.get("participants")) {
                    if (p.get("endpointId").asText().equals(a.get("id").asText())) {
                        ada = p;
                    }
                }
                assertTrue(ada != null && ada.get("audioMuted").asBoolean() && ada.get("videoMuted").asBoolean(),
                        "a newcomer sees the mute state: " + w);
            }
            JsonNode joined = ca.next("participantJoined");
            assertFalse(joined.get("audioMuted").asBoolean(true), "participantJoined carries the state too: " + joined);
        }
    }

    /**
     * A socket that drops without a goodbye keeps its endpoint for the reconnect grace: the others see
     * nothing, the client reconnects with the same token (even once it expired) and carries on; without
     * a reconnect the endpoint goes when the grace ends. A close frame is a goodbye at once.
     */
    @Test
    void aDroppedSocketMayReconnectWithinTheGrace() throws Exception {
        t.close();
        t = TestServer.start("junction.signaling { token-secret = \"" + SECRET + "\", token-ttl = 2s, reconnect-grace = 3s }");
        conferenceId = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
        JsonNode a = endpoint("Ada");
        JsonNode b = endpoint("Bob");
        try (WsClient cb = new WsClient(b.get("signalingUrl").asText())) {
            assertEquals(a.get("id").asText(), cb.next("welcome").get("participants").get(0).get("endpointId").asText());
            WsClient ca = new WsClient(a.get("signalingUrl").asText());
            ca.next("offer");
            Thread.sleep(2200); // Ada's token has expired meanwhile
            ca.close(); // the connection drops: no close frame
            Thread.sleep(1000);
            assertEquals(2, t.server.bridge().endpointCount(), "Ada is kept for the grace");
            try (WsClient again = new WsClient(a.get("signalingUrl").asText())) {
                JsonNode w = again.next("welcome");
                assertEquals(a.get("id").asText(), w.get("endpointId").asText(), "the same endpoint, resumed with an expired token");
                assertTrue(again.next("offer").get("revision").asInt() >= 2, "a fresh offer on the same session");
                // while Ada's socket is attached, her expired token opens nothing else
                try (WsClient thief = new WsClient(a.get("signalingUrl").asText())) {
                    assertEquals(4401, thief.awaitClose());
                }
                again.close();
            }
            long droppedAt = System.currentTimeMillis();
            JsonNode left = cb.next("participantLeft");
            long after = System.currentTimeMillis() - droppedAt;
            assertEquals(a.get("id").asText(), left.get("endpointId").asText());
            assertEquals("disconnected", left.get("reason").asText());
            assertTrue(after >= 2500 && after < 6000, "removed when the 3 s grace ended, after " + after + " ms");
            // Bob was never told Ada left and came back while she was in her grace
            assertEquals(1, t.server.bridge().endpointCount());
            // an endpoint that never connected cannot be opened with an expired token
            JsonNode c = endpoint("Cy");
            Thread.sleep(2200);
            try (WsClient late = new WsClient(c.get("signalingUrl").asText())) {
                assertEquals(4401, late.awaitClose());
            }
            // a close frame is a goodbye: no grace
            JsonNode d = endpoint("Dee");
            WsClient cd = new WsClient(d.get("signalingUrl").asText());
            cd.next("welcome");
            cd.ws.sendClose(1000, "bye").join();
            assertEquals(d.get("id").asText(), cb.next("participantLeft").get("endpointId").asText());
        }
    }
}
