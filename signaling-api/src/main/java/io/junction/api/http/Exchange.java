package io.junction.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** One HTTP request/response pair on Jetty's core API, with JSON helpers. */
public final class Exchange {
    public static final int MAX_BODY_BYTES = 64 * 1024;
    public static final ObjectMapper JSON = new ObjectMapper();

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String[] segments;
    private boolean done;

    public Exchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        String path = Request.getPathInContext(request);
        this.segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    public Request request() {
        return request;
    }

    public String method() {
        return request.getMethod();
    }

    public String path() {
        return Request.getPathInContext(request);
    }

    /** Path segments without empty ones: "/v1/conferences/x" → ["v1","conferences","x"]. */
    public String[] segments() {
        return segments;
    }

    public String header(HttpHeader name) {
        return request.getHeaders().get(name);
    }

    public boolean isDone() {
        return done;
    }

    /**
     * Reads the body as a JSON object; empty body → empty object. Bodies over 64 KiB → 413, not
     * JSON or not an object → 400.
     */
    public ObjectNode readJsonObject() throws ApiException {
        byte[] body = readBody();
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw new ApiException(400, "bad-json", "request body is not valid JSON");
        }
        if (node == null || node.isMissingNode()) {
            return JSON.createObjectNode();
        }
        if (!node.isObject()) {
            throw new ApiException(400, "bad-json", "request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private boolean bodyRead;

    private byte[] readBody() throws ApiException {
        bodyRead = true;
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (request.getLength() > MAX_BODY_BYTES) {
                throw tooLarge(in);
            }
            byte[] buf = in.readNBytes(MAX_BODY_BYTES + 1);
            if (buf.length > MAX_BODY_BYTES) {
                throw tooLarge(in);
            }
            return buf;
        } catch (IOException e) {
            throw new ApiException(400, "bad-request", "could not read request body");
        }
    }

    /** At most this much of a refused body is read and discarded (beyond it the connection is closed). */
    static final int MAX_DISCARDED_BYTES = 1024 * 1024;

    /**
     * The 413 for a body over the limit. The rest of a moderately oversized body is read and
     * discarded first: answering while the client is still sending makes the server close with
     * unread data, and the client can get a connection reset instead of the 413.
     */
    private static ApiException tooLarge(InputStream in) throws IOException {
        discard(in);
        return new ApiException(413, "body-too-large", "request body exceeds " + MAX_BODY_BYTES + " bytes");
    }

    /**
     * A request refused before its body was read (unknown path, wrong method, bad id) may still be
     * sending it; answering first makes Jetty close the connection with unread data, and a client
     * that reuses the connection sees it closed instead of the answer. Reads and drops up to
     * {@link #MAX_DISCARDED_BYTES}, as for a 413.
     */
    private void discardUnreadBody() {
        if (bodyRead || request.getLength() == 0) {
            return;
        }
        bodyRead = true;
        try (InputStream in = Content.Source.asInputStream(request)) {
            discard(in);
        } catch (IOException ignored) {
            // the client went away: nothing to answer anyway
        }
    }

    private static void discard(InputStream in) throws IOException {
        long skipped = 0;
        byte[] sink = new byte[8192];
        int n;
        while (skipped < MAX_DISCARDED_BYTES && (n = in.read(sink, 0, (int) Math.min(sink.length, MAX_DISCARDED_BYTES - skipped))) > 0) {
            skipped += n;
        }
    }

    /** An optional string field: absent or null → null; anything but a string → 400. */
    public static String optionalString(ObjectNode body, String field, int maxLength) throws ApiException {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("field '" + field + "' must be a string");
        }
        String s = v.asText();
        if (s.length() > maxLength) {
            throw ApiException.badRequest("field '" + field + "' is longer than " + maxLength + " characters");
        }
        return s;
    }

    /** Rejects fields other than the allowed ones, so typos are not silently ignored. */
    public static void allowOnly(ObjectNode body, String... allowed) throws ApiException {
        var names = body.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (Arrays.stream(allowed).noneMatch(n::equals)) {
                throw ApiException.badRequest("unknown field '" + n + "'");
            }
        }
    }

    public void json(int status, Object body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        send(status, "application/json", bytes);
    }

    public void error(ApiException e) {
        discardUnreadBody();
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("code", e.code());
        err.put("message", e.getMessage());
        json(e.status(), root);
    }

    public void noContent() {
        done = true;
        response.setStatus(204);
        callback.succeeded();
    }

    public void text(int status, String contentType, String body) {
        send(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    public void send(int status, String contentType, byte[] body) {
        done = true;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * Streams server-sent events from this (blocking) handler thread: one event every {@code intervalMs}
     * until the client goes away or {@code running} turns false.
     */
    public void serverSentEvents(java.util.function.Supplier<String> nextEvent, java.util.function.BooleanSupplier running,
                                 long intervalMs) {
        done = true;
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        try {
            while (running.getAsBoolean()) {
                byte[] event = ("data: " + nextEvent.get() + "\n\n").getBytes(StandardCharsets.UTF_8);
                Callback.Completable written = new Callback.Completable();
                response.write(false, ByteBuffer.wrap(event), written);
                written.get(10, java.util.concurrent.TimeUnit.SECONDS);
                Thread.sleep(intervalMs);
            }
            response.write(true, ByteBuffer.allocate(0), callback);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (Exception e) {
            callback.failed(e); // the client went away
        }
    }

    /** A query parameter, or null. */
    public String queryParameter(String name) {
        return Request.extractQueryParameters(request).getValue(name);
    }

    public void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }
}
