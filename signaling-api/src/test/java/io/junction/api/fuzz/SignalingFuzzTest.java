package io.junction.api.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.api.TestServer;
import io.junction.api.signaling.SignalingSocket;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.RemovalReason;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * Coverage-guided fuzzing of the signaling protocol ({@code docs/signaling.md}): up to eight
 * client messages, raw text or JSON built from the protocol's message types with fuzzed fields,
 * into the real {@link SignalingSocket} of an endpoint in a conference of a running bridge.
 *
 * <p>Invariants on every input: no exception escapes the socket; everything the bridge sends back is
 * a JSON object of a documented type, errors with a code and a message; the socket is closed (with
 * {@code bye left}) only when the client sent {@code leave}, else the endpoint is still in the
 * conference; the other participant of the conference, connected all along, gets no error and no
 * bye because of someone else's messages.
 */
class SignalingFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SERVER_TYPES = Set.of("welcome", "offer", "error", "pong", "participantJoined",
            "participantLeft", "participantUpdated", "bye", "layers", "dominantSpeaker");
    private static final String[] CLIENT_TYPES = {"answer", "ping", "constraints", "mute", "renegotiate", "leave", "offer", "", "Answer"};
    private static final String[] FIELDS = {"type", "revision", "sdp", "ts", "maxHeight", "lastN", "onStage", "audioMuted", "videoMuted"};

    private static TestServer server;
    private static Conference conference;
    private static Recorder bystander;

    /** A Jetty session that records what the socket sends and whether it closed. */
    static final class Recorder {
        final List<String> sent = new CopyOnWriteArrayList<>();
        volatile int closeCode = -1;
        volatile String closeReason;
        final Session session;

        Recorder() {
            session = (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "sendText" -> {
                            sent.add((String) args[0]);
                            ((Callback) args[1]).succeed();
                            yield null;
                        }
                        case "close" -> {
                            if (args != null && args.length == 3) {
                                closeCode = (Integer) args[0];
                                closeReason = (String) args[1];
                                ((Callback) args[2]).succeed();
                            }
                            yield null;
                        }
                        case "isOpen" -> closeCode < 0;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "Recorder";
                        default -> method.getReturnType() == boolean.class ? false
                                : method.getReturnType().isPrimitive() ? 0 : null;
                    });
        }
    }

    private static synchronized void startOnce() throws Exception {
        if (server != null) {
            return;
        }
        server = TestServer.start("");
        conference = server.server.bridge().createConference("fuzz");
        Endpoint other = conference.addEndpoint("bystander");
        bystander = new Recorder();
        new SignalingSocket(server.server.bridge(), server.server.tokens(),
                server.server.tokens().issue(conference.id(), other.id())).onWebSocketOpen(bystander.session);
    }

    @FuzzTest
    void messages(FuzzedDataProvider in) throws Exception {
        startOnce();
        Endpoint e = conference.addEndpoint("fuzzed");
        Recorder client = new Recorder();
        SignalingSocket socket = new SignalingSocket(server.server.bridge(), server.server.tokens(),
                server.server.tokens().issue(conference.id(), e.id()));
        int bystanderBefore = bystander.sent.size();
        boolean left = false;
        try {
            socket.onWebSocketOpen(client.session);
            assertEquals("welcome", JSON.readTree(client.sent.get(0)).path("type").asText());
            for (int i = in.consumeInt(1, 8); i > 0 && in.remainingBytes() > 0; i--) {
                String text;
                if (in.consumeBoolean()) {
                    text = in.consumeString(400);
                } else {
                    text = message(in, e).toString();
                }
                if (in.consumeInt(0, 15) == 0) {
                    socket.onWebSocketBinary(ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                            org.eclipse.jetty.websocket.api.Callback.NOOP);
                } else {
                    left |= isLeave(text);
                    socket.onWebSocketText(text);
                }
            }
            for (String s : client.sent) {
                JsonNode m = JSON.readTree(s);
                assertTrue(m.isObject() && SERVER_TYPES.contains(m.path("type").asText()), s);
                if (m.path("type").asText().equals("error")) {
                    assertFalse(m.path("code").asText().isEmpty(), s);
                    assertFalse(m.path("message").asText().isEmpty(), s);
                }
                if (m.path("type").asText().equals("bye")) {
                    assertTrue(left, "bye without a leave: " + s);
                    assertEquals("left", m.path("reason").asText(), s);
                }
            }
            if (left) {
                assertTrue(e.isRemoved(), "leave did not remove the endpoint");
                assertEquals(1000, client.closeCode);
            } else {
                assertEquals(-1, client.closeCode, "closed without a leave: " + client.closeReason);
                assertTrue(conference.endpoint(e.id()).isPresent(), "the endpoint went away without a leave");
            }
            for (String s : bystander.sent.subList(bystanderBefore, bystander.sent.size())) {
                String type = JSON.readTree(s).path("type").asText();
                assertTrue(Set.of("participantJoined", "participantLeft", "participantUpdated", "offer", "dominantSpeaker", "layers")
                        .contains(type), "the other participant got " + s);
            }
        } finally {
            socket.onWebSocketClose(1000, "done");
            conference.removeEndpoint(e.id(), RemovalReason.LEFT);
        }
        assertEquals(1, conference.endpoints().size(), "an endpoint outlived its input");
    }

    private static boolean isLeave(String text) {
        try {
            JsonNode m = io.junction.api.StrictJson.read(text);
            return m != null && m.isObject() && m.path("type").isTextual() && m.path("type").asText().equals("leave");
        } catch (Exception ex) {
            return false;
        }
    }

    /** A message of a protocol type (or a near miss) whose fields have fuzzed names, types and values. */
    private static ObjectNode message(FuzzedDataProvider in, Endpoint e) {
        ObjectNode m = JSON.createObjectNode();
        m.put("type", in.consumeBoolean() ? in.pickValue(CLIENT_TYPES) : in.consumeString(12));
        for (int n = in.consumeInt(0, 4); n > 0; n--) {
            String field = in.consumeBoolean() ? in.pickValue(FIELDS) : in.consumeString(8);
            switch (in.consumeInt(0, 7)) {
                case 0 -> m.put(field, in.consumeLong());
                case 1 -> m.put(field, in.consumeInt(-2, 5000));
                case 2 -> m.put(field, in.consumeString(200));
                case 3 -> m.putNull(field);
                case 4 -> m.put(field, in.consumeDouble());
                case 5 -> m.put(field, in.consumeBoolean());
                case 6 -> {
                    ArrayNode a = m.putArray(field);
                    for (int k = in.consumeInt(0, 70); k > 0; k--) {
                        if (in.consumeBoolean()) {
                            a.add(in.consumeBoolean() ? e.id() : in.consumeString(20));
                        } else {
                            a.add(in.consumeInt());
                        }
                    }
                }
                default -> m.putObject(field).put(in.consumeString(8), in.consumeString(20));
            }
        }
        return m;
    }
}
