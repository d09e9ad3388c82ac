package io.junction.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.junction.api.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document against the real server, driven by the document: every operation it lists is
 * called (with its example body and live ids) and must answer a documented success status with a
 * body its schema accepts; unknown ids and bad bodies must answer documented errors; any method it
 * does not list on a path must be refused (405), so the server serves nothing the document hides.
 */
class OpenApiTest {
    private static final List<String> METHODS = List.of("get", "post", "put", "delete", "patch");

    private TestServer t;
    private JsonNode spec;

    @Test
    void theDocumentDescribesTheServer() throws Exception {
        try (TestServer server = TestServer.start()) {
            t = server;
            HttpResponse<String> fromAdmin = t.admin("GET", "/v1/openapi.json", null);
            HttpResponse<String> fromPublic = t.publicRequest("GET", "/v1/openapi.json", null);
            assertEquals(200, fromAdmin.statusCode());
            assertEquals(fromAdmin.body(), fromPublic.body(), "both ports serve the same document");
            assertTrue(fromAdmin.headers().firstValue("content-type").orElse("").startsWith("application/json"));
            spec = TestServer.json(fromAdmin);
            assertEquals("3.1.0", spec.get("openapi").asText());
            assertEquals(Version.VERSION, spec.get("info").get("version").asText());
            checkRefsResolve(spec, spec);

            String conference = TestServer.json(t.admin("POST", "/v1/conferences", "{\"name\":\"spec\"}")).get("id").asText();
            String endpoint = TestServer.json(t.admin("POST", "/v1/conferences/" + conference + "/endpoints", "{}"))
                    .get("id").asText();
            Map<String, String> ids = Map.of("conferenceId", conference, "endpointId", endpoint, "room", "spec-room");

            List<String[]> operations = new ArrayList<>(); // path, method
            Set<String> operationIds = new HashSet<>();
            for (Iterator<String> paths = spec.get("paths").fieldNames(); paths.hasNext(); ) {
                String path = paths.next();
                for (String method : METHODS) {
                    JsonNode op = spec.get("paths").get(path).get(method);
                    if (op != null) {
                        assertTrue(operationIds.add(op.get("operationId").asText()), "unique operationId " + op);
                        if (isWhip(op)) {
                            continue; // SDP bodies and text/plain errors: WhipTest exercises every status
                        }
                        operations.add(new String[] {path, method});
                    }
                }
            }
            assertTrue(operations.size() >= 15, "operations: " + operations.size());
            // deletions last, the endpoint's before its conference's
            operations.sort(java.util.Comparator.comparingInt((String[] o) -> o[1].equals("delete") ? 1 : 0)
                    .thenComparingInt(o -> o[1].equals("delete") ? -o[0].length() : 0));

            for (String[] op : operations) {
                JsonNode operation = spec.get("paths").get(op[0]).get(op[1]);
                String url = base(op[0], operation) + fill(op[0], ids);
                JsonNode example = operation.path("requestBody").path("content").path("application/json").path("example");
                HttpResponse<String> r = send(op[1], url, example.isMissingNode() ? null : example.toString(), "application/json");
                checkDocumented(op, operation, r);
                assertTrue(r.statusCode() < 300, op[1] + " " + url + " answered " + r.statusCode() + ": " + r.body());

                if (op[0].contains("{conferenceId}") && !op[1].equals("delete")) {
                    Map<String, String> unknown = Map.of("conferenceId", "nope", "endpointId", "nope");
                    checkDocumented(op, operation, send(op[1], base(op[0], operation) + fill(op[0], unknown),
                            op[1].equals("post") ? "{}" : null, "application/json"), 404);
                }
                if (operation.has("requestBody")) {
                    checkDocumented(op, operation, send(op[1], url, "{\"displayName\":", "application/json"), 400);
                    checkDocumented(op, operation, send(op[1], url, "{\"unknownField\":1}", "application/json"), 400);
                    checkDocumented(op, operation, send(op[1], url, "x", "text/plain"), 415);
                }
            }
            // methods the document does not list are refused
            for (Iterator<String> paths = spec.get("paths").fieldNames(); paths.hasNext(); ) {
                String path = paths.next();
                JsonNode item = spec.get("paths").get(path);
                if (path.startsWith("/v1/whip/") || path.startsWith("/v1/whep/")) {
                    continue; // WhipTest: its 405s are text/plain, with Allow
                }
                for (String method : METHODS) {
                    if (item.has(method)) {
                        continue;
                    }
                    JsonNode any = item.get(METHODS.stream().filter(item::has).findFirst().orElseThrow());
                    String c = TestServer.json(t.admin("POST", "/v1/conferences", "{}")).get("id").asText();
                    String e = TestServer.json(t.admin("POST", "/v1/conferences/" + c + "/endpoints", "{}")).get("id").asText();
                    HttpResponse<String> r = send(method, base(path, any) + fill(path, Map.of("conferenceId", c,
                            "endpointId", e, "room", "spec-room")), method.equals("get") || method.equals("delete") ? null : "{}",
                            "application/json");
                    assertEquals(405, r.statusCode(), method + " " + path + " is not in the document: " + r.body());
                    validate(r.statusCode() + " of " + method + " " + path, TestServer.JSON.readTree(r.body()),
                            spec.get("components").get("schemas").get("Error"));
                }
            }
        }
    }

    private static boolean isWhip(JsonNode operation) {
        for (JsonNode tag : operation.path("tags")) {
            if (tag.asText().equals("whip")) {
                return true;
            }
        }
        return false;
    }

    private void checkDocumented(String[] op, JsonNode operation, HttpResponse<String> r, int expected) throws Exception {
        assertEquals(expected, r.statusCode(), op[1] + " " + op[0] + ": " + r.body());
        checkDocumented(op, operation, r);
    }

    /** The status is among the operation's responses, and the body fits that response's schema. */
    private void checkDocumented(String[] op, JsonNode operation, HttpResponse<String> r) throws Exception {
        String where = op[1] + " " + op[0] + " → " + r.statusCode();
        JsonNode response = operation.get("responses").get(Integer.toString(r.statusCode()));
        if (response == null) {
            fail(where + " is not a documented response: " + r.body());
        }
        JsonNode content = response.path("content");
        if (content.isMissingNode()) {
            assertTrue(r.body().isEmpty(), where + " has no documented body but sent " + r.body());
            return;
        }
        String type = r.headers().firstValue("content-type").orElse("");
        String documented = content.fieldNames().next();
        assertTrue(type.startsWith(documented), where + ": content type " + type + ", documented " + documented);
        if (documented.equals("application/json")) {
            validate(where, TestServer.JSON.readTree(r.body()), content.get(documented).get("schema"));
        }
    }

    private String base(String path, JsonNode operation) {
        JsonNode servers = operation.has("servers") ? operation.get("servers")
                : spec.get("paths").get(path).has("servers") ? spec.get("paths").get(path).get("servers") : spec.get("servers");
        String url = servers.get(0).get("url").asText();
        return url.endsWith(":8081") ? "http://127.0.0.1:" + t.server.adminPort() : "http://127.0.0.1:" + t.server.publicPort();
    }

    private static String fill(String path, Map<String, String> ids) {
        String out = path;
        for (Map.Entry<String, String> e : ids.entrySet()) {
            out = out.replace("{" + e.getKey() + "}", e.getValue());
        }
        assertTrue(!out.contains("{"), "no value for a parameter of " + path);
        return out;
    }

    private HttpResponse<String> send(String method, String url, String body, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method.toUpperCase(), body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        return t.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every {@code $ref} points at a schema that exists. */
    private static void checkRefsResolve(JsonNode root, JsonNode node) {
        if (node.isObject()) {
            if (node.has("$ref")) {
                resolve(root, node.get("$ref").asText());
            }
            node.elements().forEachRemaining(n -> checkRefsResolve(root, n));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(n -> checkRefsResolve(root, n));
        }
    }

    private static JsonNode resolve(JsonNode root, String ref) {
        assertTrue(ref.startsWith("#/"), ref);
        JsonNode n = root.at(ref.substring(1));
        assertTrue(!n.isMissingNode(), "unresolved " + ref);
        return n;
    }

    /** The JSON Schema subset the document uses: $ref, type (or a list), const, enum, properties, required, additionalProperties false, items. */
    private void validate(String where, JsonNode value, JsonNode schema) {
        if (schema.has("$ref")) {
            validate(where, value, resolve(spec, schema.get("$ref").asText()));
            return;
        }
        if (schema.has("const")) {
            assertEquals(schema.get("const"), value, where);
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            assertTrue(found, where + ": " + value + " not in " + schema.get("enum"));
        }
        if (schema.has("type")) {
            List<String> types = new ArrayList<>();
            if (schema.get("type").isArray()) {
                schema.get("type").forEach(x -> types.add(x.asText()));
            } else {
                types.add(schema.get("type").asText());
            }
            String actual = value.isNull() ? "null" : value.isTextual() ? "string" : value.isBoolean() ? "boolean"
                    : value.isIntegralNumber() ? "integer" : value.isNumber() ? "number" : value.isArray() ? "array" : "object";
            boolean ok = types.contains(actual) || actual.equals("integer") && types.contains("number");
            assertTrue(ok, where + ": " + value + " is " + actual + ", the document says " + types);
        }
        if (value.isObject()) {
            JsonNode props = schema.path("properties");
            for (JsonNode r : schema.path("required")) {
                assertTrue(value.has(r.asText()), where + ": missing " + r.asText() + " in " + value);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (props.has(f.getKey())) {
                    validate(where + "." + f.getKey(), f.getValue(), props.get(f.getKey()));
                } else {
                    assertTrue(!schema.path("additionalProperties").isBoolean() || schema.get("additionalProperties").asBoolean(),
                            where + ": undocumented field " + f.getKey());
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            int i = 0;
            for (JsonNode item : value) {
                validate(where + "[" + i++ + "]", item, schema.get("items"));
            }
        }
    }
}
