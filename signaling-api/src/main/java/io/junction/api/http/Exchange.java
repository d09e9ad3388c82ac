package io.junction.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.api.StrictJson;
import java.io.IOException;
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

    static boolean isJson(String contentType) {
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
        return type.equalsIgnoreCase("application/json");
    }

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

    /** The client's address, or null when the connection has none (not a socket). */
    public java.net.InetAddress remoteAddress() {
        return request.getConnectionMetaData().getRemoteSocketAddress() instanceof java.net.InetSocketAddress a
                ? a.getAddress() : null;
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
        String contentType = header(HttpHeader.CONTENT_TYPE);
        if (contentType != null && !isJson(contentType)) {
            // also what keeps cross-site "simple" requests (text/plain, form encodings) out
            throw new ApiException(415, "unsupported-media-type", "request body must be application/json");
        }
        byte[] body = readBody();
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode node;
        try {
            node = StrictJson.read(body);
        } catch (StrictJson.TrailingContentException e) {
            throw new ApiException(400, "bad-json", "request body has content after the JSON value");
        } catch (IOException e) {
            throw new ApiException(400, "bad-json", "request body is not valid JSON"
                    + (StrictJson.isDuplicateKey(e) ? " (duplicate field)" : ""));
        }
        if (node == null || node.isMissingNode()) {
            return JSON.createObjectNode();
        }
        if (!node.isObject()) {
            throw new ApiException(400, "bad-json", "request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /**
     * Reads the body as text of media type {@code mediaType} (e.g. {@code application/sdp}): another
     * type → 415, over 64 KiB → 413. UTF-8.
     */
    public String readText(String mediaType) throws ApiException {
        String contentType = header(HttpHeader.CONTENT_TYPE);
        String type = contentType == null ? "" : contentType.split(";", 2)[0].trim();
        if (!type.equalsIgnoreCase(mediaType)) {
            throw new ApiException(415, "unsupported-media-type", "request body must be " + mediaType);
        }
        return new String(readBody(), StandardCharsets.UTF_8);
    }

    private byte[] body = new byte[0];
    private boolean bodyTooLarge;

    private byte[] readBody() throws ApiException {
        if (bodyTooLarge) {
            throw new ApiException(413, "body-too-large", "request body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        return body;
    }

    /** At most this much of a refused body is read and discarded (beyond it the connection is closed). */
    static final int MAX_DISCARDED_BYTES = 1024 * 1024;

    /** Whether the request carries a body (a length, or chunked transfer coding). */
    public boolean hasBody() {
        long length = request.getLength();
        return length > 0 || (length < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
    }

    /**
     * Reads the whole body without holding a thread while the client is slow (Jetty calls back as
     * bytes arrive), then runs {@code then}; a body still incomplete after {@code timeoutMs} is
     * answered with 408 and the connection closes. Bodies over {@link #MAX_BODY_BYTES} are read
     * and dropped up to {@link #MAX_DISCARDED_BYTES} (answering while the client still sends would
     * make it see a reset instead of the 413), then {@link #readJsonObject} answers 413.
     */
    public void readBodyThen(Runnable then, java.util.concurrent.ScheduledExecutorService timer, long timeoutMs) {
        java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (finished.compareAndSet(false, true)) {
                error(new ApiException(408, "request-timeout", "request body not received within " + timeoutMs + " ms"));
            }
        }, timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        long declared = request.getLength();
        byte[][] buf = {new byte[(int) Math.min(declared > 0 ? declared : 4096, MAX_BODY_BYTES)]};
        long[] total = {0};
        Runnable reader = new Runnable() {
            @Override
            public void run() {
                while (!finished.get()) {
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        request.demand(this);
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        if (finished.compareAndSet(false, true)) {
                            deadline.cancel(false);
                            error(new ApiException(400, "bad-request", "could not read request body"));
                        }
                        return;
                    }
                    ByteBuffer bytes = chunk.getByteBuffer();
                    int n = bytes.remaining();
                    if (!bodyTooLarge && total[0] + n <= MAX_BODY_BYTES) {
                        if (total[0] + n > buf[0].length) {
                            buf[0] = Arrays.copyOf(buf[0], (int) Math.min(MAX_BODY_BYTES, Math.max(total[0] + n, buf[0].length * 2L)));
                        }
                        bytes.get(buf[0], (int) total[0], n);
                    } else {
                        bodyTooLarge = true;
                    }
                    total[0] += n;
                    boolean last = chunk.isLast();
                    chunk.release();
                    if (last || (bodyTooLarge && total[0] > MAX_DISCARDED_BYTES)) {
                        if (finished.compareAndSet(false, true)) {
                            deadline.cancel(false);
                            body = bodyTooLarge ? new byte[0] : Arrays.copyOf(buf[0], (int) total[0]);
                            then.run();
                        }
                        return;
                    }
                }
            }
        };
        reader.run();
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

    /**
     * An optional display or conference name: as {@link #optionalString}, and it must not contain
     * control characters (newlines, NUL, escape sequences), line or paragraph separators, or
     * invisible format characters such as bidirectional overrides (zero-width joiners, which emoji
     * sequences use, are allowed). Names are shown to other participants and written to logs.
     */
    public static String optionalName(ObjectNode body, String field, int maxLength) throws ApiException {
        String s = optionalString(body, field, maxLength);
        if (s != null) {
            int bad = firstUnprintable(s);
            if (bad >= 0) {
                throw ApiException.badRequest(String.format("field '%s' contains the control or format character U+%04X",
                        field, s.codePointAt(bad)));
            }
        }
        return s;
    }

    /** Index of the first character a name must not contain, or -1. */
    static int firstUnprintable(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int type = Character.getType(cp);
            boolean bad = type == Character.CONTROL || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE
                    || (type == Character.FORMAT && cp != 0x200C && cp != 0x200D);
            if (bad) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
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
        json(e.status(), errorBody(e.code(), e.getMessage()));
    }

    /** The documented error form, {@code {"error":{"code":"…","message":"…"}}}. */
    static ObjectNode errorBody(String code, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("code", code);
        err.put("message", message);
        return root;
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

    /** Adds a header line (one more, where {@link #setHeader} replaces). */
    public void addHeader(String name, String value) {
        response.getHeaders().add(name, value);
    }
}
