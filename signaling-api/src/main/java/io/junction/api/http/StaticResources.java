package io.junction.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Files under {@code /static} on the classpath, cached in memory (they are small and fixed per build). */
public final class StaticResources {
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();
    private static final byte[] MISSING = new byte[0];

    private StaticResources() {}

    /** The resource at {@code static/<path>}, or null when absent. {@code path} must be pre-validated. */
    public static byte[] read(String path) {
        byte[] b = CACHE.computeIfAbsent(path, p -> {
            try (InputStream in = StaticResources.class.getResourceAsStream("/static/" + p)) {
                return in == null ? MISSING : in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return b == MISSING ? null : b;
    }

    public static String contentType(String path) {
        if (path.endsWith(".html")) return "text/html; charset=utf-8";
        if (path.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (path.endsWith(".ts")) return "text/plain; charset=utf-8";
        if (path.endsWith(".md")) return "text/markdown; charset=utf-8";
        if (path.endsWith(".css")) return "text/css; charset=utf-8";
        if (path.endsWith(".svg")) return "image/svg+xml";
        if (path.endsWith(".png")) return "image/png";
        if (path.endsWith(".json")) return "application/json";
        if (path.endsWith(".yaml")) return "application/yaml";
        return "application/octet-stream";
    }
}
