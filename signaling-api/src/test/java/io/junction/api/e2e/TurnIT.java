package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * TURN through a real coturn (Debian's turnserver, started here inside the test's loopback-only
 * namespace with use-auth-secret): the bridge hands each client time-limited credentials in the
 * welcome, a Chromium that may connect only through TURN (iceTransportPolicy 'relay') joins a call
 * with a participant who connects directly, and they decode each other; coturn saw the allocation.
 */
class TurnIT extends BrowserTest {
    private static final String SECRET = "turn-it-shared-secret-0123456789";
    private Process coturn;
    private Path coturnLog;

    @AfterEach
    void stopCoturn() throws Exception {
        if (coturn != null) {
            coturn.destroy();
            coturn.waitFor(5, TimeUnit.SECONDS);
            coturn.destroyForcibly();
        }
    }

    private int startCoturn() throws Exception {
        int port;
        try (DatagramSocket free = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        coturnLog = Files.createTempFile("coturn", ".log");
        coturn = new ProcessBuilder("turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                "--listening-port=" + port, "--use-auth-secret", "--static-auth-secret=" + SECRET, "--realm=junction.test",
                "--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls", "--min-port=50000", "--max-port=50200",
                "--fingerprint", "--log-file=stdout", "--simple-log", "--verbose")
                .redirectErrorStream(true).redirectOutput(coturnLog.toFile()).start();
        await("coturn listens", 10000, () -> {
            try {
                return Files.readString(coturnLog).contains("127.0.0.1:" + port);
            } catch (Exception e) {
                return false;
            }
        });
        return port;
    }

    @Test
    void aClientThatMayOnlyRelayJoinsThroughCoturn() throws Exception {
        int port = startCoturn();
        t.close();
        t = TestServer.start("junction.turn { servers = [\"turn:127.0.0.1:" + port + "?transport=udp\"], secret = \""
                + SECRET + "\", ttl = 1h }");
        Participant direct = join("Direct", "turn");
        await("Direct joined", 20000, direct::joined);
        Participant relayed = new Participant("Relayed");
        participants.add(relayed);
        relayed.browser.open(t.publicUrl("/version")); // any page of the bridge: same origin for the SDK and the API
        relayed.browser.js("""
                window.junctionState = { joined: false };
                import('/sdk/junction-client.js').then(async ({ Junction }) => {
                  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
                  const r = await fetch('/v1/rooms/turn/join', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                                                  body: '{"displayName":"Relayed"}' });
                  const { signalingUrl } = await r.json();
                  const room = await Junction.join({ signalingUrl, localStream: stream, iceTransportPolicy: 'relay' });
                  window.junctionRoom = room;
                  window.junctionState = { joined: true, endpointId: room.endpointId };
                }).catch((e) => { window.junctionState = { joined: false, error: String(e) }; });""");
        await("Relayed joined", 20000, relayed::joined);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> servers = (List<Map<String, Object>>) relayed.browser.js("return window.junctionRoom.iceServers");
        assertEquals(List.of("turn:127.0.0.1:" + port + "?transport=udp"), servers.get(0).get("urls"));
        assertTrue(String.valueOf(servers.get(0).get("username")).endsWith(":" + relayed.endpointId()), servers.toString());
        await("Relayed connected through TURN", 20000, () -> "connected".equals(relayed.browser.js(
                "return window.junctionRoom.pc.connectionState")));
        Map<String, Object> pair = relayed.localCandidate();
        assertEquals("relay", pair.get("type"), "the selected pair goes through TURN: " + pair);
        String relayedId = relayed.endpointId();
        String directId = direct.endpointId();
        await("Direct decodes the relayed participant", 30000, () -> {
            Participant.Remote r = direct.remotes().get(relayedId);
            return r != null && r.framesDecoded() > 10;
        });
        await("the relayed participant decodes Direct", 30000, () -> {
            Object n = relayed.browser.jsAsync("""
                    const done = arguments[arguments.length - 1];
                    const t = window.junctionRoom.remoteTracks().find((x) => x.endpointId === arguments[0] && x.kind === 'video');
                    if (!t) { done(0); return; }
                    window.junctionRoom.pc.getStats(t.track).then((s) => { let f = 0;
                      s.forEach((r) => { if (r.type === 'inbound-rtp') f = r.framesDecoded || 0; }); done(f); });""", directId);
            return ((Number) n).longValue() > 10;
        });
        // the check page tests the TURN path too
        direct.browser.open(t.publicUrl("/check"));
        await("the check finishes", 45000, () -> Boolean.TRUE.equals(direct.browser.js("return window.checkResult.done")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) direct.browser.js("return window.checkResult.rows");
        Map<String, Object> turnRow = rows.stream().filter(r -> "TURN relay".equals(r.get("name"))).findFirst().orElseThrow();
        assertEquals("ok", turnRow.get("status"), rows.toString());
        assertTrue(String.valueOf(turnRow.get("detail")).startsWith("connected through TURN"), rows.toString());
        String log = Files.readString(coturnLog, StandardCharsets.UTF_8);
        assertTrue(log.contains("ALLOCATE") && log.contains("success"), "coturn allocated a relay: " + log.lines().limit(40).toList());
    }
}
