package io.junction.api.http;

import io.junction.api.auth.JoinTokens;
import io.junction.api.auth.TurnCredentials;
import io.junction.api.config.JunctionConfig;
import io.junction.bridge.conference.AnswerException;
import io.junction.bridge.conference.Bridge;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.LimitExceededException;
import io.junction.bridge.conference.RemovalReason;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;

/**
 * WHIP ingest (RFC 9725) on the public port: a broadcaster (OBS, GStreamer, ffmpeg, a browser with
 * nothing but {@code fetch} and {@code RTCPeerConnection}) publishes into a room with one HTTP
 * request and no WebSocket.
 * <ul>
 *   <li>{@code POST /v1/whip/{room}} with the client's SDP offer ({@code application/sdp}):
 *       {@code 201 Created}, the answer, {@code Location} of the session resource, {@code ETag}, and a
 *       {@code Link: rel="ice-server"} per TURN URL when TURN is configured. Authorization:
 *       {@code Bearer} a join token from the admin API (the room is then its conference's id or open-room
 *       name), or none for an open room when {@code demo.open-rooms} allows the client (as the demo page).</li>
 *   <li>{@code DELETE} on the resource: the publisher leaves. {@code PATCH} (trickle ICE, ICE restart):
 *       {@code 405}, as RFC 9725 §4.3 asks of a server without them; the answer carries every
 *       candidate and {@code a=end-of-candidates}.</li>
 * </ul>
 * The publisher is an ordinary endpoint of the conference: everyone sees it join and receives its
 * audio and video (one video encoding: a client that offered simulcast sends its first). Errors are
 * {@code text/plain}: 400 (bad SDP, no usable media), 401 (token), 403 (open rooms not for this
 * client), 404 (room or resource gone), 409 (room full), 415 (not SDP), 429 (the anonymous join rate,
 * or {@link #MAX_ANONYMOUS_SESSIONS_PER_ADDRESS} sessions without a token from one address), 503 (draining).
 */
final class WhipHandler {
    private static final Pattern ROOM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern RESOURCE_ID = Pattern.compile("[A-Za-z0-9_-]{22}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Anonymous (open-room) WHIP sessions one client address may hold at once; 429 beyond. */
    static final int MAX_ANONYMOUS_SESSIONS_PER_ADDRESS = 8;

    /**
     * A WHIP session: the resource id is the capability to end it (128 random bits). {@code anonymousFrom}:
     * the client address of a session without a token, else null.
     */
    private record Session(String conferenceId, String endpointId, String anonymousFrom) {}

    private final Bridge bridge;
    private final JoinTokens tokens;
    private final TurnCredentials turn;
    private final JunctionConfig config;
    private final PublicHandler.AnonymousJoins anonymous;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    WhipHandler(Bridge bridge, JoinTokens tokens, TurnCredentials turn, JunctionConfig config,
                PublicHandler.AnonymousJoins anonymous) {
        this.bridge = bridge;
        this.tokens = tokens;
        this.turn = turn;
        this.config = config;
        this.anonymous = anonymous;
    }

    static boolean isPath(String[] s) {
        return (s.length == 3 || s.length == 4) && s[0].equals("v1") && s[1].equals("whip");
    }

    void handle(Exchange ex) {
        String[] s = ex.segments();
        ex.setHeader("Access-Control-Allow-Origin", "*");
        ex.setHeader("Access-Control-Expose-Headers", "Location, ETag, Link");
        try {
            if (ex.method().equals("OPTIONS")) {
                ex.setHeader("Access-Control-Allow-Methods", s.length == 3 ? "POST, OPTIONS" : "DELETE, PATCH, OPTIONS");
                ex.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match");
                ex.setHeader("Allow", s.length == 3 ? "POST, OPTIONS" : "DELETE, PATCH, OPTIONS");
                ex.noContent();
            } else if (s.length == 3) {
                publish(ex, s[2]);
            } else {
                resource(ex, s[3]);
            }
        } catch (ApiException e) {
            if (!ex.isDone()) {
                ex.text(e.status(), "text/plain; charset=utf-8", e.getMessage() + "\n");
            }
        }
    }

    private void publish(Exchange ex, String room) throws ApiException {
        if (!ex.method().equals("POST")) {
            ex.setHeader("Allow", "POST, OPTIONS");
            throw new ApiException(405, "method-not-allowed", "POST an SDP offer here");
        }
        pruneEnded();
        String authorization = ex.header(HttpHeader.AUTHORIZATION);
        Conference conference;
        Endpoint endpoint;
        String offer;
        if (authorization != null) {
            if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new ApiException(401, "unauthorized", "Authorization must be 'Bearer <join token>'");
            }
            JoinTokens.Claims claims;
            try {
                claims = tokens.verify(authorization.substring(7).trim());
            } catch (JoinTokens.InvalidTokenException e) {
                throw new ApiException(401, "unauthorized", "join token " + (e.expired() ? "expired" : "invalid"));
            }
            conference = bridge.conference(claims.conferenceId())
                    .orElseThrow(() -> ApiException.notFound("the token's conference has ended"));
            if (!room.equals(conference.id()) && !room.equals(conference.name())) {
                throw new ApiException(401, "unauthorized", "the join token is for another room");
            }
            endpoint = conference.endpoint(claims.endpointId())
                    .orElseThrow(() -> ApiException.notFound("the token's endpoint has left"));
            offer = ex.readText("application/sdp");
        } else {
            anonymous.check(ex, true);
            String from = String.valueOf(ex.remoteAddress());
            if (sessions.values().stream().filter(x -> from.equals(x.anonymousFrom())).count()
                    >= MAX_ANONYMOUS_SESSIONS_PER_ADDRESS) {
                ex.setHeader("Retry-After", "10");
                throw new ApiException(429, "too-many-sessions", "at most " + MAX_ANONYMOUS_SESSIONS_PER_ADDRESS
                        + " WHIP sessions without a join token from one address; DELETE one first");
            }
            if (!ROOM_NAME.matcher(room).matches()) {
                throw ApiException.badRequest("room name must be 1-64 characters of letters, digits, '.', '_' or '-'");
            }
            offer = ex.readText("application/sdp"); // 415 before anything is created
            if (offer.isBlank()) {
                throw ApiException.badRequest("the body must be an SDP offer");
            }
            String name = ex.queryParameter("name");
            if (name != null && (name.length() > 256 || Exchange.firstUnprintable(name) >= 0)) {
                throw ApiException.badRequest("name must be at most 256 printable characters");
            }
            try {
                conference = bridge.openRoom(room, config.demo().maxOpenRooms());
            } catch (LimitExceededException e) {
                throw AdminHandler.limitError(e);
            }
            endpoint = AdminHandler.addEndpoint(conference, name == null ? "WHIP" : name);
        }
        String answer;
        try {
            answer = endpoint.acceptWhipOffer(offer);
        } catch (AnswerException e) {
            conference.removeEndpoint(endpoint.id(), RemovalReason.REMOVED);
            throw new ApiException(400, e.code(), e.getMessage());
        }
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        String resourceId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        sessions.put(resourceId, new Session(conference.id(), endpoint.id(),
                authorization == null ? String.valueOf(ex.remoteAddress()) : null));
        ex.setHeader("Location", "/v1/whip/" + room + "/" + resourceId);
        ex.setHeader("ETag", "\"" + resourceId + "\"");
        if (turn != null && turn.enabled()) {
            for (String link : turn.linkHeaders(endpoint.id())) {
                ex.addHeader("Link", link);
            }
        }
        ex.text(201, "application/sdp", answer);
    }

    /** Forgets sessions whose endpoint is gone (left, expired, removed through the admin API). */
    private void pruneEnded() {
        sessions.values().removeIf(x -> bridge.conference(x.conferenceId()).flatMap(c -> c.endpoint(x.endpointId())).isEmpty());
    }

    private void resource(Exchange ex, String resourceId) throws ApiException {
        Session session = RESOURCE_ID.matcher(resourceId).matches() ? sessions.get(resourceId) : null;
        Endpoint endpoint = session == null ? null : bridge.conference(session.conferenceId())
                .flatMap(c -> c.endpoint(session.endpointId())).orElse(null);
        if (endpoint == null) {
            if (session != null) {
                sessions.remove(resourceId);
            }
            throw ApiException.notFound("no such WHIP session (it ended, or never was)");
        }
        switch (ex.method()) {
            case "DELETE" -> {
                sessions.remove(resourceId);
                endpoint.conference().removeEndpoint(endpoint.id(), RemovalReason.LEFT);
                ex.text(200, "text/plain; charset=utf-8", "");
            }
            case "PATCH" -> {
                ex.setHeader("Allow", "DELETE, OPTIONS");
                throw new ApiException(405, "method-not-allowed",
                        "trickle ICE and ICE restarts are not supported: the answer has every candidate; "
                                + "to reconnect, DELETE this session and POST a new offer");
            }
            default -> {
                ex.setHeader("Allow", "DELETE, PATCH, OPTIONS");
                throw new ApiException(405, "method-not-allowed", "a WHIP session takes DELETE");
            }
        }
    }
}
