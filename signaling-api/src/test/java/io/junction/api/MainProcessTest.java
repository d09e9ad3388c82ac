package io.junction.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs Junction as a real child JVM: exit codes, stderr messages, SIGTERM. */
class MainProcessTest {
    @TempDir
    Path dir;

    private Process start(String... args) throws IOException {
        ProcessBuilder pb = ChildJvm.junction(args);
        pb.environment().put("JUNCTION_TEST_LOG_LEVEL", "INFO");
        return pb.start();
    }

    @Test
    void badConfigExitsWithCode2AndNamesTheKey() throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "junction.media.port = 99999\n");
        Process p = start("--config", conf.toString());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("junction.media.port: expected an integer from 0 to 65535, got 99999"), out);

        Process q = start("--bogus");
        assertTrue(q.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, q.exitValue());
    }

    @Test
    void helpAndVersionExitZero() throws Exception {
        Process p = start("--help");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), help);
        for (String env : io.junction.api.config.ConfigLoader.ENV_OVERRIDES.keySet()) {
            assertTrue(help.contains(env + " "), "--help names " + env + ": " + help);
        }
        for (String part : new String[] {"--config FILE", "--version", "tcp 8080", "tcp 8081", "udp 10000", "exit codes"}) {
            assertTrue(help.contains(part), "--help says " + part + ": " + help);
        }
        Process v = start("--version");
        assertTrue(v.waitFor(30, TimeUnit.SECONDS));
        String version = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, v.exitValue(), version);
        assertTrue(version.startsWith("junction " + io.junction.api.http.Version.VERSION + " "), version);
        assertTrue(!io.junction.api.http.Version.VERSION.equals("unknown"), "the version comes from the build");
    }

    /** A second bridge on a media or HTTP port the first holds stops with exit 2 and says which port. */
    @Test
    void aPortInUseStopsStartUpWithExit2() throws Exception {
        int mediaPort;
        try (java.net.DatagramSocket free = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            mediaPort = free.getLocalPort();
        }
        int tcpPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            tcpPort = free.getLocalPort();
        }
        String media = "junction.media { port = " + mediaPort + ", tcp-port = " + tcpPort
                + ", bind-address = \"127.0.0.1\", addresses = [\"127.0.0.1\"] }\n";
        Running first = new Running(media);
        try {
            first.port(Pattern.compile("dashboard +http://127\\.0\\.0\\.1:(" + first.adminPort + ")/dashboard\n"));
            Path conf = dir.resolve("second.conf");
            Files.writeString(conf, "junction.http { host = \"127.0.0.1\", port = 0 }\n"
                    + "junction.admin { host = \"127.0.0.1\", port = 0 }\n" + media);
            Process second = start("--config", conf.toString());
            assertTrue(second.waitFor(30, TimeUnit.SECONDS), "the second bridge must not start");
            String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, second.exitValue(), out);
            assertTrue(out.contains("media port udp/" + mediaPort + " on 127.0.0.1 is in use"), out);

            Files.writeString(conf, "junction.http { host = \"127.0.0.1\", port = " + first.publicPort + " }\n"
                    + "junction.admin { host = \"127.0.0.1\", port = 0 }\njunction.media { port = 0, tcp-port = 0 }\n");
            Process third = start("--config", conf.toString());
            assertTrue(third.waitFor(30, TimeUnit.SECONDS));
            out = new String(third.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, third.exitValue(), out);
            assertTrue(out.contains(String.valueOf(first.publicPort)) && out.contains("in use"), out);

            Files.writeString(conf, "junction.http { host = \"127.0.0.1\", port = 0 }\n"
                    + "junction.admin { host = \"127.0.0.1\", port = 0 }\njunction.media { port = 0, tcp-port = " + tcpPort
                    + ", bind-address = \"127.0.0.1\", addresses = [\"127.0.0.1\"] }\n");
            Process fourth = start("--config", conf.toString());
            assertTrue(fourth.waitFor(30, TimeUnit.SECONDS), "the fourth bridge must not start");
            out = new String(fourth.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, fourth.exitValue(), out);
            assertTrue(out.contains("media port tcp/" + tcpPort + " on 127.0.0.1 is in use"), out);
            assertTrue(first.p.isAlive(), "the first bridge runs on");
        } finally {
            first.p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A started bridge process, its output, and its ports from the banner. */
    private final class Running {
        final Process p;
        final StringBuffer out = new StringBuffer();
        final Thread pump;
        final int adminPort;
        final int publicPort;
        final HttpClient http = HttpClient.newHttpClient();

        Running(String graceHocon) throws Exception {
            Path conf = dir.resolve("ok.conf");
            Files.writeString(conf, """
                    junction.http { host = "127.0.0.1", port = 0 }
                    junction.admin { host = "127.0.0.1", port = 0 }
                    junction.media { port = 0, tcp-port = 0 }
                    """ + graceHocon);
            p = start("--config", conf.toString());
            pump = new Thread(() -> {
                try (var reader = p.inputReader(StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        out.append(line).append('\n');
                    }
                } catch (IOException ignored) {
                    // process ended
                }
            });
            pump.start();
            adminPort = port(Pattern.compile("admin API +http://127\\.0\\.0\\.1:(\\d+)/"));
            publicPort = port(Pattern.compile("health +http://127\\.0\\.0\\.1:(\\d+)/health"));
        }

        private int port(Pattern pattern) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                Matcher m = pattern.matcher(out);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no port in the banner: " + out);
        }

        HttpResponse<String> send(String method, int port, String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
                            : HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        }

        String[] conferenceWithEndpoint() throws Exception {
            String cid = TestServer.JSON.readTree(send("POST", adminPort, "/v1/conferences").body()).get("id").asText();
            String eid = TestServer.JSON.readTree(send("POST", adminPort, "/v1/conferences/" + cid + "/endpoints").body())
                    .get("id").asText();
            return new String[] {cid, eid};
        }
    }

    @Test
    void sigtermLetsRunningCallsEndThenExitsZero() throws Exception {
        Running r = new Running("junction.shutdown.grace-period = 60s\n");
        String[] call = r.conferenceWithEndpoint();
        long t0 = System.nanoTime();
        r.p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of stdout
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline && r.send("GET", r.publicPort, "/health").statusCode() != 503) {
            Thread.sleep(50);
        }
        assertEquals(503, r.send("GET", r.publicPort, "/health").statusCode(), "draining");
        assertEquals(503, r.send("POST", r.adminPort, "/v1/conferences").statusCode(), "no new conference");
        assertEquals(503, r.send("POST", r.adminPort, "/v1/conferences/" + call[0] + "/endpoints").statusCode(),
                "no new endpoint");
        Thread.sleep(1500);
        assertTrue(r.p.isAlive(), "the running call goes on");
        assertEquals(200, r.send("GET", r.adminPort, "/v1/conferences/" + call[0] + "/endpoints/" + call[1]).statusCode());
        assertEquals(204, r.send("DELETE", r.adminPort, "/v1/conferences/" + call[0] + "/endpoints/" + call[1]).statusCode());
        assertTrue(r.p.waitFor(10, TimeUnit.SECONDS), "exits once the last endpoint left");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        r.pump.join(5000);
        assertEquals(0, r.p.exitValue(), r.out.toString());
        assertTrue(tookMs < 30_000, "took " + tookMs + " ms");
        assertTrue(r.out.toString().contains("drain over: no endpoints left"), r.out.toString());
        assertTrue(r.out.toString().contains("junction stopped"), r.out.toString());
    }

    @Test
    void sigtermEndsCallsWhenTheGracePeriodIsOver() throws Exception {
        Running r = new Running("junction.shutdown.grace-period = 2s\n");
        String[] call = r.conferenceWithEndpoint();
        long t0 = System.nanoTime();
        r.p.toHandle().destroy();
        assertTrue(r.p.waitFor(15, TimeUnit.SECONDS), "exits after the grace period");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        r.pump.join(5000);
        assertEquals(0, r.p.exitValue(), r.out.toString());
        assertTrue(tookMs >= 1900 && tookMs < 9000, "took " + tookMs + " ms");
        assertTrue(r.out.toString().contains("endpoint removed conference=" + call[0] + " endpoint=" + call[1]
                + " reason=shutdown"), r.out.toString());
        assertTrue(r.out.toString().contains("junction stopped"), r.out.toString());
    }
}
