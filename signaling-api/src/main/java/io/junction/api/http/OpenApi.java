package io.junction.api.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAPI 3.1 description of both ports ({@code api/openapi.json} on the classpath, its
 * {@code info.version} set to the build's), served at {@code GET /v1/openapi.json} on each.
 */
public final class OpenApi {
    private static final byte[] DOCUMENT = load();

    private OpenApi() {}

    private static byte[] load() {
        try (InputStream in = OpenApi.class.getResourceAsStream("/api/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("api/openapi.json missing from the classpath");
            }
            ObjectNode doc = (ObjectNode) Exchange.JSON.readTree(in);
            ((ObjectNode) doc.get("info")).put("version", Version.VERSION);
            return Exchange.JSON.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code segments} name the document ({@code /v1/openapi.json}). */
    static boolean isPath(String[] segments) {
        return segments.length == 2 && segments[0].equals("v1") && segments[1].equals("openapi.json");
    }

    static void serve(Exchange ex) throws ApiException {
        AdminHandler.requireMethod(ex, "GET");
        ex.send(200, "application/json", DOCUMENT);
    }
}
