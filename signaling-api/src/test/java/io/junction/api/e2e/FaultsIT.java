package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fault suite with real processes: Chromium frozen (SIGSTOP) and resumed, Chromium killed
 * (SIGKILL), the bridge killed (SIGKILL) and started again while the clients wait. What each fault
 * keeps and loses is in {@code docs/reliability.md}.
 */
class FaultsIT {
    private static final String WATCH = """
            window.faultLog = [];
            const r = window.junctionRoom;
            for (const ev of ['participantLeft', 'participantJoined', 'reconnecting', 'reconnected', 'left']) {
              r.on(ev, (e) => window.faultLog.push({ ev, at: Date.now(), id: e && e.endpointId, reason: e && e.reason,
                                                  resumed: !!(e && e.resumed) }));
            }
            """;

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> log(Participant p) {
        return (List<Map<String, Object>>) p.browser.js("return window.faultLog");
    }

    private static boolean logged(Participant p, String ev, String id) {
        return log(p).stream().anyMatch(e -> ev.equals(e.get("ev")) && (id == null || id.equals(e.get("id"))));
    }

    private static long loggedAt(Participant p, String ev, String id) {
        return log(p).stream().filter(e -> ev.equals(e.get("ev")) && (id == null || id.equals(e.get("id"))))
                .mapToLong(e -> ((Number) e.get("at")).longValue()).min().orElseThrow();
    }

    private static boolean decodes(Participant p, String fromId, long moreThan) {
        Participant.Remote r = p.remotes().get(fromId);
        return r != null && r.framesDecoded() > moreThan;
    }

    /**
     * A client frozen for less than the consent timeout comes back as it was; one frozen for longer
     * is expired (the others are told) and rejoins by itself when it resumes; a killed client is
     * gone for the others at once (its signaling socket closes with the process).
     */
    @Test
    void frozenResumedAndKilledClients() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start("junction.media.consent-timeout = 5s");
             Participant a = new Participant("Stays");
             Participant b = new Participant("Naps");
             Participant c = new Participant("Sleeps")) {
            for (Participant p : List.of(a, b, c)) {
                p.join(t.publicUrl(""), "faults");
            }
            BrowserTest.await("all joined", 20000, () -> a.joined() && b.joined() && c.joined());
            String idb = b.endpointId();
            String idc = c.endpointId();
            BrowserTest.await("Stays decodes both", 20000, () -> decodes(a, idb, 0) && decodes(a, idc, 0));
            a.browser.js(WATCH);
            c.browser.js(WATCH);

            // a 2 s freeze (shorter than the consent timeout): nothing is lost but the frames of the nap
            assertTrue(b.browser.signal("STOP") > 1, "Chromium and its children");
            Thread.sleep(2000);
            b.browser.signal("CONT");
            long before = a.remotes().get(idb).framesDecoded();
            BrowserTest.await("Stays decodes Naps again", 10000, () -> decodes(a, idb, before + 10));
            assertEquals(idb, b.endpointId(), "the same endpoint");
            assertTrue(!logged(a, "participantLeft", idb), "nobody was told Naps left: " + log(a));

            // a 12 s freeze: expired after the consent timeout, and back (as a new endpoint) on resume
            long stoppedAt = System.currentTimeMillis();
            c.browser.signal("STOP");
            BrowserTest.await("Stays is told Sleeps expired", 15000, () -> logged(a, "participantLeft", idc));
            long toldAfter = loggedAt(a, "participantLeft", idc) - stoppedAt;
            assertTrue(toldAfter >= 4000 && toldAfter < 12000, "told after " + toldAfter + " ms (consent timeout 5 s)");
            Thread.sleep(Math.max(0, 12000 - (System.currentTimeMillis() - stoppedAt)));
            c.browser.signal("CONT");
            long resumedAt = System.currentTimeMillis();
            BrowserTest.await("Sleeps rejoins by itself", 20000, () -> logged(c, "reconnected", null));
            String idc2 = c.endpointId();
            assertNotEquals(idc, idc2, "a new endpoint");
            BrowserTest.await("Stays decodes Sleeps again", 20000, () -> decodes(a, idc2, 0));
            System.out.printf("frozen 12 s: the others told after %d ms; rejoined and decoded %d ms after resuming%n",
                    toldAfter, System.currentTimeMillis() - resumedAt);

            // killed: its socket drops without a close frame, so the bridge keeps the endpoint for a
            // reconnect (signaling.reconnect-grace, 10 s) until its media stops long enough (consent, 5 s here)
            long killedAt = System.currentTimeMillis();
            b.browser.signal("KILL");
            BrowserTest.await("Stays is told Naps is gone", 15000, () -> logged(a, "participantLeft", idb));
            long killTold = loggedAt(a, "participantLeft", idb) - killedAt;
            System.out.printf("killed client: the others told after %d ms%n", killTold);
            assertTrue(killTold >= 3000 && killTold < 9000, "told after " + killTold + " ms (consent timeout 5 s)");
            assertEquals(2, t.server.bridge().endpointCount());
        }
    }

    /**
     * The signaling socket drops mid-call without a goodbye (a proxy or network hiccup): the SDK
     * reopens it for the same endpoint, media never stops, and the others are told nothing.
     */
    @Test
    void aDroppedSignalingSocketResumesTheSameEndpoint() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start();
             Participant a = new Participant("Watches");
             Participant b = new Participant("Drops")) {
            a.join(t.publicUrl(""), "resume");
            b.join(t.publicUrl(""), "resume");
            BrowserTest.await("both joined", 20000, () -> a.joined() && b.joined());
            String ida = a.endpointId();
            String idb = b.endpointId();
            BrowserTest.await("they decode each other", 20000, () -> decodes(a, idb, 0) && decodes(b, ida, 0));
            a.browser.js(WATCH);
            b.browser.js(WATCH);
            long framesBefore = a.remotes().get(idb).framesDecoded();
            long droppedAt = System.currentTimeMillis(); // (WATCH replays the joins that happened before)
            b.browser.js("window.junctionRoom.ws.close(4001, 'network hiccup')");
            BrowserTest.await("Drops resumed its socket", 10000, () -> log(b).stream().anyMatch(
                    e -> "reconnected".equals(e.get("ev")) && Boolean.TRUE.equals(e.get("resumed"))));
            assertEquals(idb, b.endpointId(), "the same endpoint");
            assertEquals(idb, b.browser.js("return window.junctionRoom.endpointId"));
            BrowserTest.await("media went on", 10000, () -> decodes(a, idb, framesBefore + 30));
            long bDecoded = b.remotes().get(ida).framesDecoded();
            BrowserTest.await("both ways", 10000, () -> decodes(b, ida, bDecoded + 30));
            Thread.sleep(1000);
            assertTrue(log(a).stream().noneMatch(e -> idb.equals(e.get("id")) && ((Number) e.get("at")).longValue() >= droppedAt
                    && ("participantLeft".equals(e.get("ev")) || "participantJoined".equals(e.get("ev")))),
                    "the others saw no leave and no join: " + log(a));
            assertTrue(!logged(b, "participantLeft", ida), "and the one who dropped lost nobody: " + log(b));
            assertEquals(2, t.server.bridge().endpointCount());
            assertEquals("connected", b.browser.js("return window.junctionRoom.pc.connectionState"));
        }
    }

    /**
     * The bridge is killed (SIGKILL) mid-call: the clients notice within a second (their sockets
     * close), keep trying with back-off, and rejoin by themselves once a bridge answers again on the
     * same address; they decode each other again. Lost: the call for the time the bridge was away.
     */
    @Test
    void bridgeKilledAndStartedAgainClientsRejoin() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        Path dir = Files.createTempDirectory("junction-faults");
        int httpPort = freeTcpPort();
        Path conf = dir.resolve("bridge.conf");
        Files.writeString(conf, """
                junction.http { host = "127.0.0.1", port = %d }
                junction.admin { host = "127.0.0.1", port = %d }
                junction.media { port = %d, tcp-port = 0, bind-address = "127.0.0.1", addresses = ["127.0.0.1"] }
                junction.demo.open-rooms = loopback
                """.formatted(httpPort, freeTcpPort(), freeUdpPort()));
        Process bridge = startBridge(conf, dir.resolve("first.log"));
        try (Participant a = new Participant("Ann");
             Participant b = new Participant("Ben")) {
            awaitHealthy(httpPort);
            String base = "http://127.0.0.1:" + httpPort;
            a.join(base, "restart");
            b.join(base, "restart");
            BrowserTest.await("both joined", 20000, () -> a.joined() && b.joined());
            String ida = a.endpointId();
            String idb = b.endpointId();
            BrowserTest.await("they decode each other", 20000, () -> decodes(a, idb, 0) && decodes(b, ida, 0));
            a.browser.js(WATCH);
            b.browser.js(WATCH);

            long killedAt = System.currentTimeMillis();
            bridge.destroyForcibly(); // SIGKILL
            assertTrue(bridge.waitFor(10, TimeUnit.SECONDS));
            BrowserTest.await("both notice", 5000, () -> logged(a, "reconnecting", null) && logged(b, "reconnecting", null));
            long noticed = Math.max(loggedAt(a, "reconnecting", null), loggedAt(b, "reconnecting", null)) - killedAt;
            assertTrue(noticed < 2000, "noticed after " + noticed + " ms");
            Thread.sleep(3000); // the bridge is away for a while; the clients keep trying

            bridge = startBridge(conf, dir.resolve("second.log"));
            awaitHealthy(httpPort);
            long upAt = System.currentTimeMillis();
            BrowserTest.await("both rejoin", 20000, () -> logged(a, "reconnected", null) && logged(b, "reconnected", null));
            String ida2 = a.endpointId();
            String idb2 = b.endpointId();
            assertNotEquals(ida, ida2);
            BrowserTest.await("they decode each other again", 20000, () -> decodes(a, idb2, 0) && decodes(b, ida2, 0));
            long back = System.currentTimeMillis() - upAt;
            System.out.printf("bridge SIGKILL: clients noticed after %d ms; decoding each other %d ms after the new bridge answered%n",
                    noticed, back);
            assertTrue(!logged(a, "left", null) && !logged(b, "left", null), "nobody gave up: " + log(a) + log(b));
        } finally {
            bridge.destroyForcibly();
            bridge.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process startBridge(Path conf, Path logFile) throws IOException {
        return io.junction.api.ChildJvm.junction("--config", conf.toString()).redirectOutput(logFile.toFile()).start();
    }

    private static void awaitHealthy(int port) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        BrowserTest.await("the bridge answers /health", 30000, () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
