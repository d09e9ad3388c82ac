package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/junction}, the launcher the README, the container and the systemd unit use: on a
 * Java 25 it starts the bridge with the AOT cache {@code mvn package} trained (the bridge's classes
 * then come from the cache, not the jar), and it refuses a cache trained for another jar (the JVM
 * would silently run the old jar's classes from it) or for another object layout (the JVM refuses
 * those with errors). The bridge runs as its own process on loopback.
 * Skipped on a machine without a Java 25.
 */
class AotLauncherIT {
    private static final Path REPO = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path LAUNCHER = REPO.resolve("deploy/junction");
    private static final Path JAR = REPO.resolve("signaling-api/target/junction.jar");
    private static final String MAIN = "io.junction.api.Main";

    @TempDir
    Path dir;

    @Test
    void startsTheBridgeWithTheTrainedCacheOnJava25() throws Exception {
        assumeJava25();
        Path cache = REPO.resolve("signaling-api/target/junction.aot");
        assertTrue(Files.size(cache) > 1_000_000, "mvn package trained no cache: see " + cache + ".log");

        Run run = start(JAR);
        assertTrue(run.launcherSaid.contains("AOT cache " + cache.toRealPath()), run.launcherSaid);
        assertEquals("shared objects file", run.mainSource, "the bridge's main class should come from the cache");
    }

    @Test
    void refusesACacheTrainedForAnotherJarAndStartsWithoutIt() throws Exception {
        assumeJava25();
        // A rebuilt jar beside the old cache: one entry more, so its contents (not only its date) differ.
        Path jar = dir.resolve("junction.jar");
        try (ZipFile in = new ZipFile(JAR.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream s = in.getInputStream(e)) {
                    s.transferTo(out);
                }
                out.closeEntry();
            }
            out.putNextEntry(new ZipEntry("rebuilt.txt"));
            out.write("another build".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        Path cache = REPO.resolve("signaling-api/target/junction.aot");
        Files.copy(cache, dir.resolve("junction.aot"));
        Files.copy(Path.of(cache + ".stamp"), dir.resolve("junction.aot.stamp"));

        Run run = start(jar);
        assertTrue(run.launcherSaid.contains("not using " + dir.toRealPath().resolve("junction.aot")), run.launcherSaid);
        assertFalse(run.mainSource.contains("shared objects file"), "a stale cache must not be used: " + run.mainSource);
    }

    @Test
    void refusesTheCacheWhenTheOptionsChangeTheObjectLayout() throws Exception {
        assumeJava25();
        // ZGC has no compressed oops: the JVM cannot map a cache trained with G1's layout and says so
        // with errors; the launcher must not pass it (and must not claim to).
        Run run = start(JAR, "-XX:+UseZGC");
        Path cache = REPO.resolve("signaling-api/target/junction.aot").toRealPath();
        assertTrue(run.launcherSaid.contains("not using " + cache), run.launcherSaid);
        assertFalse(run.launcherSaid.contains("Unable to use AOT cache"), run.launcherSaid);
        assertFalse(run.mainSource.contains("shared objects file"), run.mainSource);
    }

    /** Skips where the launcher's Java cannot use a cache (its {@code --aot-stamp} exits 3); any other failure fails. */
    private static void assumeJava25() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "--aot-stamp").redirectErrorStream(true);
        pb.environment().put("JUNCTION_JAR", JAR.toString());
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assumeTrue(p.exitValue() != 3, said);
        assertEquals(0, p.exitValue(), said);
    }

    private record Run(String launcherSaid, String mainSource) {}

    /** Starts the launcher with {@code jar} on free loopback ports, waits for /health, stops it; what it said and where Main came from. */
    private Run start(Path jar) throws Exception {
        return start(jar, "");
    }

    /** The same with {@code opts} in JUNCTION_JAVA_OPTS before the class-load log. */
    private Run start(Path jar, String opts) throws Exception {
        int http = freeTcpPort();
        int admin = freeTcpPort();
        int media;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            media = s.getLocalPort();
        }
        Path classLog = dir.resolve("class-load-" + http + ".log");
        Path out = dir.resolve("launcher-" + http + ".log");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "--config", REPO.resolve("config/loadtest.conf").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("JUNCTION_JAR", jar.toString());
        pb.environment().put("JUNCTION_HTTP_PORT", Integer.toString(http));
        pb.environment().put("JUNCTION_ADMIN_PORT", Integer.toString(admin));
        pb.environment().put("JUNCTION_MEDIA_PORT", Integer.toString(media));
        pb.environment().put("JUNCTION_JAVA_OPTS", (opts + " -Xlog:class+load=info:file=" + classLog).trim());
        Process bridge = pb.start();
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/health"))
                    .timeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int status = 0;
            while (status != 200 && bridge.isAlive() && System.nanoTime() < deadline) {
                try {
                    status = client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException notYet) {
                    Thread.sleep(200);
                }
            }
            String said = Files.readString(out);
            assertEquals(200, status, "the bridge did not answer /health; it said:\n" + said);
            List<String> lines = Files.readAllLines(classLog);
            String main = lines.stream().filter(l -> l.contains(" " + MAIN + " source: ")).findFirst()
                    .orElseThrow(() -> new AssertionError(MAIN + " not in the class-load log"));
            return new Run(said, main.substring(main.indexOf(" source: ") + 9));
        } finally {
            bridge.destroy();
            if (!bridge.waitFor(30, TimeUnit.SECONDS)) {
                bridge.destroyForcibly().waitFor();
            }
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
