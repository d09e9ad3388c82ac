package io.junction.api.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.bridge.conference.AnswerException;
import io.junction.bridge.conference.RelayLink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signaling side of a {@link RelayLink}: this bridge connects to the other bridge's relay endpoint
 * the way a browser's SDK does ({@code docs/signaling.md}: the same WebSocket, {@code offer} →
 * {@code answer}, {@code participantJoined}/{@code participantLeft}, {@code constraints}), so the
 * other bridge needs nothing new to serve it. The WebSocket closing (the other bridge stopped or
 * died) closes the link: its participants leave this conference.
 */
final class RelayClient implements WebSocket.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(RelayClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A relay takes every video the other bridge forwards, not the bridge's default last-N. */
    static final int RELAY_LAST_N = 10000;

    private final RelayLink link;
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;
    /** The constraints sent last (maxHeight, lastN packed), or none yet. */
    private volatile long sent = Long.MIN_VALUE;
    private volatile boolean closed;

    RelayClient(RelayLink link) {
        this.link = link;
    }

    RelayLink link() {
        return link;
    }

    /** Connects to {@code signalingUrl} (the other bridge's relay endpoint's). */
    void connect(HttpClient http, String signalingUrl) {
        http.newWebSocketBuilder().buildAsync(URI.create(signalingUrl), this).whenComplete((w, e) -> {
            if (e != null) {
                LOG.info("relay signaling to {} failed: {}", link.peer(), e.toString());
                link.close();
            }
        });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        ws = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                handle(JSON.readTree(text));
            } catch (Exception e) {
                LOG.warn("relay from {}: message not handled: {}", link.peer(), e.toString());
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(JsonNode msg) throws Exception {
        switch (msg.path("type").asText()) {
            case "welcome" -> {
                for (JsonNode p : msg.path("participants")) {
                    link.participant(p.path("endpointId").asText(), p.path("displayName").asText());
                }
                sendConstraints(-1, RELAY_LAST_N);
            }
            case "participantJoined", "participantUpdated" ->
                    link.participant(msg.path("endpointId").asText(), msg.path("displayName").asText());
            case "participantLeft" -> link.participantLeft(msg.path("endpointId").asText());
            case "offer" -> {
                List<RelayLink.OfferedTrack> tracks = new ArrayList<>();
                for (JsonNode t : msg.path("tracks")) {
                    tracks.add(new RelayLink.OfferedTrack(t.path("mid").asText(), t.path("endpointId").asText(),
                            t.path("kind").asText(), t.path("trackId").asText(), t.path("source").asText()));
                }
                String answer;
                try {
                    answer = link.answer(msg.path("sdp").asText(), tracks);
                } catch (AnswerException e) {
                    LOG.warn("relay from {}: offer not answered: {}", link.peer(), e.getMessage());
                    return;
                }
                ObjectNode a = JSON.createObjectNode();
                a.put("type", "answer");
                a.put("revision", msg.path("revision").asInt());
                a.put("sdp", answer);
                send(a);
            }
            case "bye" -> close();
            case "error" -> LOG.info("relay from {}: error {}: {}", link.peer(), msg.path("code").asText(),
                    msg.path("message").asText());
            default -> { }
        }
    }

    /**
     * Asks the other bridge for video up to {@code maxHeight} (-1: any) and at most {@code lastN}
     * videos: what the receivers here want together, so layers and videos nobody here shows do not
     * cross. Sent only when it changed.
     */
    void sendConstraints(int maxHeight, int lastN) {
        long key = ((long) maxHeight << 32) | (lastN & 0xFFFFFFFFL);
        if (key == sent || ws == null) {
            return;
        }
        sent = key;
        ObjectNode c = JSON.createObjectNode();
        c.put("type", "constraints");
        if (maxHeight >= 0) {
            c.put("maxHeight", maxHeight);
        } else {
            c.putNull("maxHeight");
        }
        c.put("lastN", lastN);
        send(c);
    }

    private synchronized void send(ObjectNode m) {
        WebSocket w = ws;
        if (w != null && !closed) {
            w.sendText(m.toString(), true).join();
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        LOG.info("relay signaling from {} closed: {} {}", link.peer(), statusCode, reason);
        closed = true;
        link.close();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        LOG.info("relay signaling from {} failed: {}", link.peer(), error.toString());
        closed = true;
        link.close();
    }

    /** Closes the link and says goodbye to the other bridge. */
    void close() {
        WebSocket w = ws;
        if (!closed && w != null) {
            closed = true;
            w.sendClose(WebSocket.NORMAL_CLOSURE, "relay closed");
        }
        closed = true;
        link.close();
    }

    boolean isClosed() {
        return closed || link.isClosed();
    }
}
