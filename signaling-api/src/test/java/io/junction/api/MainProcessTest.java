package io.junction.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs Junction as a real child JVM: exit codes, stderr messages, SIGTERM. */
class MainProcessTest {
    @TempDir
    Path dir;

    /** The test classpath, unwrapping surefire's manifest-only jar when present. */
    static String classpath() throws IOException {
        String cp = System.getProperty("java.class.path");
        String[] parts = cp.split(File.pathSeparator);
        if (parts.length == 1 && parts[0].contains("surefirebooter")) {
            try (JarFile jar = new JarFile(parts[0])) {
                String manifestCp = jar.getManifest().getMainAttributes().getValue("Class-Path");
                List<String> files = new ArrayList<>();
                for (String url : manifestCp.split(" ")) {
                    files.add(new File(URI.create(url)).getPath());
                }
                return String.join(File.pathSeparator, files);
            }
        }
        return cp;
    }

    private Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath(), "io.junction.api.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("JUNCTION_API_KEY");
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
    void sigtermDrainsAndExitsZero() throws Exception {
        Path conf = dir.resolve("ok.conf");
        Files.writeString(conf, """
                junction.http { host = "127.0.0.1", port = 0 }
                junction.admin { host = "127.0.0.1", port = 0 }
                junction.media.port = 0
                junction.shutdown.grace-period = 5s
                """);
        Process p = start("--config", conf.toString());
        StringBuffer out = new StringBuffer();
        Thread pump = new Thread(() -> {
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
        Pattern admin = Pattern.compile("admin API +http://127\\.0\\.0\\.1:(\\d+)/");
        int adminPort = -1;
        long deadline = System.currentTimeMillis() + 30_000;
        while (adminPort < 0 && System.currentTimeMillis() < deadline) {
            Matcher m = admin.matcher(out);
            if (m.find()) {
                adminPort = Integer.parseInt(m.group(1));
            } else {
                Thread.sleep(50);
            }
        }
        assertTrue(adminPort > 0, out.toString());
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + adminPort;
        HttpResponse<String> c = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/conferences"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        String cid = TestServer.JSON.readTree(c.body()).get("id").asText();
        HttpResponse<String> e = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/conferences/" + cid + "/endpoints"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        String eid = TestServer.JSON.readTree(e.body()).get("id").asText();

        long t0 = System.nanoTime();
        p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of stdout
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "exits within the grace period");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        pump.join(5000);
        assertEquals(0, p.exitValue(), out.toString());
        assertTrue(tookMs < 5000, "took " + tookMs + " ms");
        assertTrue(out.toString().contains("endpoint removed conference=" + cid + " endpoint=" + eid + " reason=shutdown"),
                out.toString());
        assertTrue(out.toString().contains("junction stopped"), out.toString());
    }
}
