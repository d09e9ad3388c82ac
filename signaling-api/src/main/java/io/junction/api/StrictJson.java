package io.junction.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * How everything clients send is read (REST bodies, signaling messages): one JSON value and nothing
 * after it, duplicate keys an error rather than "last one wins", nesting at most 32 deep.
 */
public final class StrictJson {
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .build());

    private StrictJson() {}

    /** Content follows the JSON value. */
    public static final class TrailingContentException extends IOException {
        TrailingContentException() {
            super("content after the JSON value");
        }
    }

    /** The value, or null for empty input; malformed JSON, a duplicate key or too deep nesting is an IOException. */
    public static JsonNode read(byte[] json) throws IOException {
        try (JsonParser parser = MAPPER.createParser(json)) {
            JsonNode node = readAll(parser);
            if (node == null) {
                for (byte b : json) {
                    requireWhitespace(b);
                }
            }
            return node;
        }
    }

    public static JsonNode read(String json) throws IOException {
        try (JsonParser parser = MAPPER.createParser(json)) {
            JsonNode node = readAll(parser);
            if (node == null) {
                for (int i = 0; i < json.length(); i++) {
                    requireWhitespace(json.charAt(i));
                }
            }
            return node;
        }
    }

    /**
     * Jackson reads a NUL where a value could start as the end of the input, so "\n\0" would pass
     * as an empty body (found by RestFuzzTest): input without a value must be JSON whitespace only.
     */
    private static void requireWhitespace(int c) throws IOException {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            throw new IOException("not JSON: a character that is not whitespace and no value");
        }
    }

    /** Whether the failure was a repeated key (so the error can say so). */
    public static boolean isDuplicateKey(IOException e) {
        return e instanceof com.fasterxml.jackson.core.JsonParseException p && p.getMessage().startsWith("Duplicate field");
    }

    private static JsonNode readAll(JsonParser parser) throws IOException {
        JsonNode node = MAPPER.readTree(parser);
        if (node != null && parser.nextToken() != null) {
            throw new TrailingContentException();
        }
        return node;
    }
}
