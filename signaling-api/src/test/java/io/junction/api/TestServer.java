package io.junction.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.junction.api.config.ConfigLoader;
import io.junction.api.config.JunctionConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** A real Junction server on ephemeral loopback ports, configured by a HOCON snippet. */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public final JunctionServer server;
    public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String apiKey;

    private TestServer(JunctionServer server, String apiKey) {
        this.server = server;
        this.apiKey = apiKey;
    }

    public static JunctionConfig config(String hocon) throws Exception {
        Path file = Files.createTempFile("junction-test", ".conf");
        Files.writeString(file, """
                junction.http { host = "127.0.0.1", port = 0 }
                junction.admin { host = "127.0.0.1", port = 0 }
                junction.media { port = 0, tcp-port = 0, bind-address = "127.0.0.1", addresses = ["127.0.0.1"] }
                """ + hocon);
        try {
            return ConfigLoader.load(file, Map.of());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    public static TestServer start(String hocon) throws Exception {
        JunctionConfig cfg = config(hocon);
        JunctionServer s = new JunctionServer(cfg);
        s.start();
        return new TestServer(s, cfg.admin().apiKey());
    }

    public static TestServer start() throws Exception {
        return start("");
    }

    public String adminUrl(String path) {
        return "http://127.0.0.1:" + server.adminPort() + path;
    }

    public String publicUrl(String path) {
        return "http://127.0.0.1:" + server.publicPort() + path;
    }

    /** A request with the configured API key (if any). */
    public HttpResponse<String> admin(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(adminUrl(path))).timeout(Duration.ofSeconds(10));
        if (!apiKey.isEmpty()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return send(b, method, body);
    }

    public HttpResponse<String> send(HttpRequest.Builder b, String method, String body) throws IOException, InterruptedException {
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> publicRequest(String method, String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(publicUrl(path))).timeout(Duration.ofSeconds(10)), method, body);
    }

    public static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    @Override
    public void close() {
        server.stop();
    }
}
