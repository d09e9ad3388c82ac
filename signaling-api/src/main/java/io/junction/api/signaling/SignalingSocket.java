package io.junction.api.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.api.StrictJson;
import io.junction.api.auth.JoinTokens;
import io.junction.bridge.limit.TokenBucket;
import io.junction.bridge.conference.AnswerException;
import io.junction.bridge.conference.Bridge;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.ConferenceListener;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.EndpointSignaling;
import io.junction.bridge.conference.Offer;
import io.junction.bridge.conference.RemovalReason;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's signaling WebSocket ({@code docs/signaling.md}). Authenticates with the join token,
 * relays offers and answers between the client and the bridge, and tells the client about other
 * participants. Malformed messages get an {@code error} message; the connection survives.
 */
public final class SignalingSocket implements Session.Listener.AutoDemanding, ConferenceListener, EndpointSignaling {
    private static final Logger LOG = LoggerFactory.getLogger(SignalingSocket.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_MESSAGE_CHARS = 256 * 1024;
    public static final int CLOSE_UNAUTHORIZED = 4401;
    public static final int CLOSE_REPLACED = 4409;

    private final Bridge bridge;
    private final JoinTokens tokens;
    private final String token;
    private volatile Session session;
    private volatile Endpoint endpoint;
    private volatile Conference conference;
    private volatile boolean replaced;
    private volatile boolean closing;

    private final io.junction.api.auth.TurnCredentials turn;

    private final java.time.Duration reconnectGrace;
    private final java.util.concurrent.ScheduledExecutorService timer;

    public SignalingSocket(Bridge bridge, JoinTokens tokens, String token) {
        this(bridge, tokens, null, java.time.Duration.ZERO, null, token);
    }

    /**
     * @param turn           TURN credentials for the welcome's {@code iceServers}, or null when TURN is off
     * @param reconnectGrace how long an endpoint outlives a socket that dropped without a goodbye
     * @param timer          runs the end of that grace (the server's housekeeping scheduler, which stops
     *                       with it); may be null when the grace is zero
     */
    public SignalingSocket(Bridge bridge, JoinTokens tokens, io.junction.api.auth.TurnCredentials turn,
                           java.time.Duration reconnectGrace, java.util.concurrent.ScheduledExecutorService timer,
                           String token) {
        this.bridge = bridge;
        this.tokens = tokens;
        this.turn = turn;
        this.reconnectGrace = reconnectGrace;
        this.timer = timer;
        this.token = token;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        JoinTokens.Claims claims;
        boolean expired = false;
        try {
            claims = tokens.verify(token);
        } catch (JoinTokens.InvalidTokenException ex) {
            if (!ex.expired()) {
                session.close(CLOSE_UNAUTHORIZED, ex.getMessage(), Callback.NOOP);
                return;
            }
            try {
                claims = tokens.verifyIgnoringExpiry(token); // genuine but expired: only to resume, below
                expired = true;
            } catch (JoinTokens.InvalidTokenException never) {
                session.close(CLOSE_UNAUTHORIZED, ex.getMessage(), Callback.NOOP);
                return;
            }
        }
        Conference c = bridge.conference(claims.conferenceId()).orElse(null);
        String claimed = claims.endpointId();
        Endpoint e = c == null ? null : c.endpoint(claimed).or(() -> c.relay(claimed)).orElse(null);
        if (expired && (e == null || e.isRemoved() || !e.hasConnected() || e.hasSignaling())) {
            // An expired token may only resume an endpoint whose socket dropped (in its reconnect grace).
            session.close(CLOSE_UNAUTHORIZED, "token expired", Callback.NOOP);
            return;
        }
        if (e == null) {
            // a genuine token whose conference or endpoint is gone (ended, left, expired, or the bridge
            // restarted with the same token secret): not the same as a forgery ("invalid token")
            session.close(CLOSE_UNAUTHORIZED, c == null ? "unknown conference" : "unknown endpoint", Callback.NOOP);
            return;
        }
        this.conference = c;
        this.endpoint = e;
        c.addListener(this);
        ObjectNode welcome = message("welcome");
        welcome.put("endpointId", e.id());
        welcome.put("conferenceId", c.id());
        welcome.put("displayName", e.displayName());
        ArrayNode participants = welcome.putArray("participants");
        for (Endpoint other : c.endpoints()) {
            if (other != e) {
                participant(participants.addObject(), other);
            }
        }
        if (c.dominantSpeaker() != null) {
            welcome.put("dominantSpeaker", c.dominantSpeaker());
        }
        if (turn != null && turn.enabled()) {
            turn.addIceServers(welcome, e.id());
        }
        send(welcome);
        LOG.info("signaling connected conference={} endpoint={}", c.id(), e.id());
        EndpointSignaling previous = e.attachSignaling(this);
        if (previous instanceof SignalingSocket old && old != this) {
            old.replaced = true;
            old.closeWith(CLOSE_REPLACED, "replaced by a new connection");
        }
        if (e.isRemoved()) {
            // Removed while we were attaching: tell the client now, with the real reason.
            RemovalReason why = e.removalReason();
            endpointRemoved(e, why != null ? why : RemovalReason.REMOVED);
        }
    }

    /** Messages a client may send: a burst of this many, refilled at {@link #MESSAGES_PER_SECOND}. */
    static final int MESSAGE_BURST = 100;
    static final double MESSAGES_PER_SECOND = 20;
    private final TokenBucket messages = new TokenBucket(MESSAGE_BURST, MESSAGES_PER_SECOND, System.nanoTime());
    private long lastRateErrorNs;

    /**
     * True when this message is within the socket's rate. Beyond it the message is dropped, and the
     * client gets at most one {@code rate-limited} error a second (answering each would let a flood
     * make the bridge send as much back). Jetty delivers one socket's messages one at a time.
     */
    private boolean withinRate() {
        long now = System.nanoTime();
        if (messages.tryTake(now)) {
            return true;
        }
        if (now - lastRateErrorNs > 1_000_000_000L) {
            lastRateErrorNs = now;
            sendError("rate-limited", "more than " + (int) MESSAGES_PER_SECOND + " messages a second; messages are dropped", null);
        }
        return false;
    }

    @Override
    public void onWebSocketText(String text) {
        Endpoint e = endpoint;
        if (e == null || !withinRate()) {
            return;
        }
        if (text.length() > MAX_MESSAGE_CHARS) {
            sendError("bad-message", "message longer than " + MAX_MESSAGE_CHARS + " characters", null);
            return;
        }
        JsonNode msg;
        try {
            msg = StrictJson.read(text);
        } catch (StrictJson.TrailingContentException ex) {
            sendError("bad-json", "message has content after the JSON value", null);
            return;
        } catch (java.io.IOException ex) {
            sendError("bad-json", "message is not valid JSON", null);
            return;
        }
        if (msg == null || !msg.isObject() || !msg.path("type").isTextual()) {
            sendError("bad-message", "message must be a JSON object with a string 'type'", null);
            return;
        }
        String type = msg.get("type").asText();
        switch (type) {
            case "answer" -> onAnswer(e, msg);
            case "ping" -> {
                ObjectNode pong = message("pong");
                if (msg.has("ts")) {
                    pong.set("ts", msg.get("ts"));
                }
                send(pong);
            }
            case "constraints" -> onConstraints(e, msg);
            case "mute" -> onMute(e, msg);
            case "renegotiate" -> e.requestOffer();
            case "iceRestart" -> e.restartIce();
            case "leave" -> {
                LOG.info("endpoint leaving conference={} endpoint={}", e.conference().id(), e.id());
                e.conference().removeEndpoint(e.id(), RemovalReason.LEFT);
            }
            default -> sendError("bad-message", "unknown message type '" + type + "'", type);
        }
    }

    /** The protocol is JSON text; a binary message gets an error and the connection stays. */
    @Override
    public void onWebSocketBinary(java.nio.ByteBuffer payload, Callback callback) {
        callback.succeed();
        if (endpoint != null && withinRate()) {
            sendError("bad-message", "binary messages are not part of the signaling protocol (send JSON text)", null);
        }
    }

    /** Most endpoint ids a receiver may put on stage at once. */
    static final int MAX_ON_STAGE = 64;

    /**
     * {@code {"type":"constraints","maxHeight":N,"lastN":K,"onStage":[ids]}}: replaces the receiver's
     * constraints; a missing or null field means "no limit" (maxHeight, lastN) or "nobody" (onStage).
     */
    private void onConstraints(Endpoint e, JsonNode msg) {
        JsonNode mh = msg.get("maxHeight");
        JsonNode ln = msg.get("lastN");
        JsonNode os = msg.get("onStage");
        if (mh != null && !mh.isNull() && (!mh.isIntegralNumber() || mh.asLong() < 0 || mh.asLong() > 4320)) {
            sendError("bad-message", "constraints: 'maxHeight' must be an integer from 0 to 4320, or null", "constraints");
            return;
        }
        if (ln != null && !ln.isNull() && (!ln.isIntegralNumber() || ln.asLong() < -1 || ln.asLong() > 10_000)) {
            sendError("bad-message", "constraints: 'lastN' must be an integer from -1 to 10000, or null", "constraints");
            return;
        }
        java.util.List<String> onStage = new java.util.ArrayList<>();
        if (os != null && !os.isNull()) {
            if (!os.isArray() || os.size() > MAX_ON_STAGE) {
                sendError("bad-message", "constraints: 'onStage' must be an array of at most " + MAX_ON_STAGE
                        + " endpoint ids", "constraints");
                return;
            }
            for (JsonNode id : os) {
                if (!id.isTextual() || id.asText().isEmpty() || id.asText().length() > 128) {
                    sendError("bad-message", "constraints: 'onStage' entries must be endpoint ids", "constraints");
                    return;
                }
                onStage.add(id.asText());
            }
        }
        int maxHeight = mh == null || mh.isNull() ? -1 : mh.asInt();
        int lastN = ln == null || ln.isNull() ? -1 : ln.asInt();
        LOG.debug("constraints conference={} endpoint={} maxHeight={} lastN={} onStage={}", e.conference().id(), e.id(),
                maxHeight, lastN, onStage);
        e.setConstraints(maxHeight, lastN, onStage);
    }

    /**
     * {@code {"type":"mute","audioMuted":bool,"videoMuted":bool}} (either may be left out): what this
     * participant's microphone and camera are doing, for the others' interfaces.
     */
    private void onMute(Endpoint e, JsonNode msg) {
        JsonNode audio = msg.get("audioMuted");
        JsonNode video = msg.get("videoMuted");
        if ((audio != null && !audio.isBoolean()) || (video != null && !video.isBoolean()) || (audio == null && video == null)) {
            sendError("bad-message", "mute: 'audioMuted' and 'videoMuted' must be booleans (at least one)", "mute");
            return;
        }
        e.setMuted(audio == null ? null : audio.booleanValue(), video == null ? null : video.booleanValue());
    }

    private void onAnswer(Endpoint e, JsonNode msg) {
        JsonNode rev = msg.get("revision");
        JsonNode sdp = msg.get("sdp");
        if (rev == null || !rev.canConvertToInt() || !rev.isIntegralNumber() || sdp == null || !sdp.isTextual()) {
            sendError("bad-message", "answer needs an integer 'revision' and a string 'sdp'", "answer");
            return;
        }
        try {
            e.onAnswer(rev.asInt(), sdp.asText());
        } catch (AnswerException ex) {
            sendError(ex.code(), ex.getMessage(), "answer");
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        Conference c = conference;
        Endpoint e = endpoint;
        if (c != null) {
            c.removeListener(this);
        }
        if (e != null && !replaced) {
            e.detachSignaling(this);
            if (!e.isRemoved()) {
                // A close frame from the client (1000, 1001: the page went away) is a goodbye; anything
                // else (1006: the connection dropped; 4000: the SDK gave up on a silent socket) may be a
                // network hiccup: the endpoint waits for the client to reconnect.
                boolean goodbye = statusCode == 1000 || statusCode == 1001 || reconnectGrace.isZero() || timer == null;
                if (goodbye) {
                    LOG.info("signaling closed conference={} endpoint={} code={}", c.id(), e.id(), statusCode);
                    c.removeEndpoint(e.id(), RemovalReason.DISCONNECTED);
                } else {
                    LOG.info("signaling lost conference={} endpoint={} code={}: kept {} s for a reconnect", c.id(), e.id(),
                            statusCode, reconnectGrace.toSeconds());
                    int attachedSoFar = e.attachments();
                    timer.schedule(() -> {
                        // only if nobody reconnected since this drop (a later drop has its own timer)
                        if (!e.isRemoved() && !e.hasSignaling() && e.attachments() == attachedSoFar) {
                            LOG.info("no reconnect conference={} endpoint={}", c.id(), e.id());
                            c.removeEndpoint(e.id(), RemovalReason.DISCONNECTED);
                        }
                    }, reconnectGrace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.debug("signaling socket error", cause);
    }

    // ---- bridge → client ----

    @Override
    public void sendOffer(Offer offer) {
        ObjectNode m = message("offer");
        m.put("revision", offer.revision());
        m.put("sdp", offer.sdp());
        ObjectNode publish = m.putObject("publish");
        publish.put("audio", offer.publishAudioMid());
        publish.put("video", offer.publishVideoMid());
        publish.put("screen", offer.publishScreenMid());
        ArrayNode tracks = m.putArray("tracks");
        for (Offer.Track t : offer.tracks()) {
            tracks.addObject().put("mid", t.mid()).put("endpointId", t.endpointId()).put("kind", t.kind())
                    .put("trackId", t.trackId()).put("source", t.source());
        }
        send(m);
    }

    @Override
    public void sendError(String code, String message) {
        sendError(code, message, null);
    }

    private void sendError(String code, String message, String inReplyTo) {
        ObjectNode m = message("error");
        m.put("code", code);
        m.put("message", message);
        if (inReplyTo != null) {
            m.put("inReplyTo", inReplyTo);
        }
        send(m);
    }

    @Override
    public void endpointAdded(Endpoint added) {
        if (added != endpoint) {
            send(participant(message("participantJoined"), added));
        }
    }

    @Override
    public void endpointMuteChanged(Endpoint changed) {
        if (changed != endpoint) {
            send(participant(message("participantUpdated"), changed));
        }
    }

    /** A participant as the protocol describes one: id, name and announced mute state. */
    private static ObjectNode participant(ObjectNode into, Endpoint e) {
        return into.put("endpointId", e.id()).put("displayName", e.displayName())
                .put("audioMuted", e.audioMuted()).put("videoMuted", e.videoMuted());
    }

    @Override
    public void sendLayers(java.util.Map<String, Boolean> activeByRid) {
        ObjectNode m = message("layers");
        ObjectNode rids = m.putObject("active");
        activeByRid.forEach(rids::put);
        send(m);
    }

    @Override
    public void dominantSpeakerChanged(Conference c, String endpointId) {
        send(message("dominantSpeaker").put("endpointId", endpointId));
    }

    @Override
    public void endpointRemoved(Endpoint removed, RemovalReason reason) {
        if (removed == endpoint) {
            send(message("bye").put("reason", reason.wireName()));
            closeWith(reason == RemovalReason.SHUTDOWN ? 1001 : 1000, reason.wireName());
        } else {
            send(message("participantLeft").put("endpointId", removed.id()).put("reason", reason.wireName()));
        }
    }

    private static ObjectNode message(String type) {
        ObjectNode m = JSON.createObjectNode();
        m.put("type", type);
        return m;
    }

    private void send(ObjectNode m) {
        Session s = session;
        if (s == null || !s.isOpen() || closing) {
            return;
        }
        String text = m.toString();
        synchronized (this) {
            s.sendText(text, Callback.NOOP);
        }
    }

    private void closeWith(int code, String reason) {
        Session s = session;
        if (s != null && !closing) {
            closing = true;
            s.close(code, reason, Callback.NOOP);
        }
    }
}
