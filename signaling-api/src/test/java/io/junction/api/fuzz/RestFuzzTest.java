package io.junction.api.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.junction.api.TestServer;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.RemovalReason;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the REST API over real HTTP: a fuzzed method, a path built from the
 * API's resources with fuzzed segments, a content type and a fuzzed body (any bytes), to the admin
 * port or the public port (open rooms on) of a running bridge.
 *
 * <p>Invariants on every input: never a 5xx; every answer but 204 is JSON (WHIP's: SDP or a
 * text/plain reason); a 4xx carries the
 * documented {@code {"error":{"code","message"}}}; a 201 names a conference or endpoint that then
 * exists, with the name that was sent; nothing outlives the input (conferences are removed after it).
 */
class RestFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] METHODS = {"GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"};
    private static final String[] TYPES = {"application/json", "application/json; charset=utf-8", "text/plain",
            "application/x-www-form-urlencoded", "application/sdp", ""};
    private static final Set<Integer> STATUSES = Set.of(200, 201, 204, 400, 401, 403, 404, 405, 408, 409, 413, 415,
            429, 503);

    private static TestServer server;

    private static synchronized void startOnce() throws Exception {
        if (server == null) {
            // every input is a connection from 127.0.0.1, over a thousand a second: lift the per-address cap
            // (a fuzzing run beside other CPU load once had 256 of them still open, and the next was closed unanswered)
            server = TestServer.start("junction.demo { open-rooms = true, join-burst = 1000000, join-rate = 1000000 }\n"
                    + "junction.http.max-connections-per-address = 1000000");
        }
    }

    @FuzzTest
    void requests(FuzzedDataProvider in) throws Exception {
        // the requests go to our own server on loopback, not to a forged address (Jazzer's SSRF
        // detector; its policy is reset between the regression and the fuzzing phase, so set it each time)
        BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.equals("127.0.0.1"));
        startOnce();
        Conference existing = server.server.bridge().createConference("existing");
        String existingEndpoint = existing.addEndpoint("someone").id();
        try {
            boolean admin = in.consumeBoolean();
            String method = in.pickValue(METHODS);
            String path = path(in, existing.id(), existingEndpoint, admin);
            String type = in.pickValue(TYPES);
            byte[] body = in.consumeRemainingAsBytes();
            Response r = send(admin ? server.server.adminPort() : server.server.publicPort(), method, path, type, body);
            String what = method + " " + path + " " + type + " [" + java.util.HexFormat.of().formatHex(body) + "] → "
                    + r.statusCode() + " " + r.body();
            assertTrue(STATUSES.contains(r.statusCode()), what);
            if (r.statusCode() == 204 || method.equals("HEAD")) {
                return;
            }
            if (r.statusCode() == 200 && method.equals("GET") && !path.startsWith("/v1/")) {
                return; // the demo page, the SDK, the dashboard, /metrics: not JSON
            }
            if (!admin && (path.startsWith("/v1/whip/") || path.startsWith("/v1/whep/"))
                    && !r.contentType().startsWith("application/json")) {
                // (a request Jetty refuses before any handler, e.g. a NUL in the path, gets the server's JSON error)
                // WHIP (RFC 9725) speaks SDP and text/plain: an answer for a 201, a reason for an error
                if (r.statusCode() == 201) {
                    assertTrue(r.contentType().startsWith("application/sdp") && r.body().startsWith("v=0"), what);
                } else if (r.statusCode() >= 400) {
                    assertTrue(r.contentType().startsWith("text/plain") && !r.body().isBlank(), what);
                }
                return;
            }
            assertTrue(r.contentType().startsWith("application/json"), what);
            JsonNode json = JSON.readTree(r.body());
            if (r.statusCode() >= 400) {
                assertFalse(json.path("error").path("code").asText().isEmpty(), what);
                assertFalse(json.path("error").path("message").asText().isEmpty(), what);
            }
            if (r.statusCode() == 201 && admin) {
                checkCreated(json, body, path, what);
            }
        } finally {
            for (Conference c : List.copyOf(server.server.bridge().conferences())) {
                server.server.bridge().removeConference(c.id(), RemovalReason.REMOVED);
            }
        }
        assertEquals(0, server.server.bridge().conferences().size());
    }

    record Response(int statusCode, String contentType, String body) {}

    /**
     * One HTTP/1.1 request on its own connection from this thread (Jazzer's SSRF detector, told to
     * allow loopback, watches the fuzzing thread), read until the server closes.
     */
    private static Response send(int port, String method, String path, String type, byte[] body) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\nConnection: close\r\n");
            if (!type.isEmpty()) {
                head.append("Content-Type: ").append(type).append("\r\n");
            }
            if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = response.indexOf("\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 ") && end > 0, "not an HTTP response to " + head.toString().replace("\r\n", " | ")
                    + " body [" + java.util.HexFormat.of().formatHex(body) + "]: " + response);
            String contentType = "";
            for (String line : response.substring(0, end).split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) {
                    contentType = line.substring(13).trim();
                }
            }
            return new Response(Integer.parseInt(response.substring(9, 12)), contentType, response.substring(end + 4));
        }
    }

    /** A 201 names something that exists now, with the name that was sent. */
    private static void checkCreated(JsonNode json, byte[] body, String path, String what) throws Exception {
        JsonNode sent;
        try {
            sent = JSON.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new AssertionError("created from a body that is not JSON: " + what, e);
        }
        if (path.contains("/endpoints")) { // "/endpoints/" (an empty last segment) creates one too
            Conference c = server.server.bridge().conference(json.path("conferenceId").asText())
                    .orElseThrow(() -> new AssertionError("no such conference: " + what));
            assertTrue(c.endpoint(json.path("id").asText()).isPresent(), what);
            if (sent != null && sent.hasNonNull("displayName")) {
                assertEquals(sent.get("displayName").asText(), json.path("displayName").asText(), what);
            }
            assertTrue(json.path("signalingUrl").asText().startsWith("ws"), what);
        } else if (path.contains("/viewers")) { // a viewer token for an existing conference
            Conference c = server.server.bridge().conference(json.path("conferenceId").asText())
                    .orElseThrow(() -> new AssertionError("a viewer token for no conference: " + what));
            assertTrue(json.path("whepUrl").asText().endsWith("/v1/whep/" + c.id()), what);
            assertFalse(json.path("token").asText().isEmpty(), what);
        } else {
            Conference c = server.server.bridge().conference(json.path("id").asText())
                    .orElseThrow(() -> new AssertionError("no such conference: " + what));
            if (sent != null && sent.hasNonNull("name")) {
                assertEquals(sent.get("name").asText(), c.name(), what);
            }
        }
    }

    private static String path(FuzzedDataProvider in, String conference, String endpoint, boolean admin) {
        String any = URLEncoder.encode(in.consumeString(30), StandardCharsets.UTF_8).replace("+", "%20");
        String c = in.consumeBoolean() ? conference : any;
        String e = in.consumeBoolean() ? endpoint : any;
        if (!admin) {
            return switch (in.consumeInt(0, 8)) {
                case 0 -> "/v1/rooms/" + any + "/join";
                case 1 -> "/health";
                case 2 -> "/v1/rooms/" + any;
                case 3 -> "/v1/signaling";
                case 4 -> "/v1/whip/" + any;
                case 5 -> "/v1/whip/" + any + "/" + e;
                case 6 -> "/v1/whep/" + any + (in.consumeBoolean() ? "?endpoint=" + e : "");
                case 7 -> "/v1/whep/" + any + "/" + e;
                default -> "/" + any;
            };
        }
        return switch (in.consumeInt(0, 9)) {
            case 0 -> "/v1/conferences";
            case 1 -> "/v1/conferences/" + c;
            case 2 -> "/v1/conferences/" + c + "/endpoints";
            case 3 -> "/v1/conferences/" + c + "/endpoints/" + e;
            case 4 -> "/v1/conferences/" + c + "/endpoints/" + e + "/stats";
            case 5 -> "/v1/conferences/" + c + "/stats";
            case 6 -> "/v1/stats";
            case 7 -> "/v1/conferences/" + c + "/stage";
            case 8 -> "/v1/conferences/" + c + "/viewers";
            default -> "/" + any;
        };
    }
}
