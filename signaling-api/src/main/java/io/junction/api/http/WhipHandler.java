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
 * WHIP ingest (RFC 9725) and WHEP playback on the public port: a broadcaster (OBS, GStreamer, ffmpeg,
 * a browser with nothing but {@code fetch} and {@code RTCPeerConnection}) publishes into a room, and a
 * viewer plays the room's stage, each with one HTTP request and no WebSocket.
 * <ul>
 *   <li>{@code POST /v1/whip/{room}} with the client's SDP offer ({@code application/sdp}):
 *       {@code 201 Created}, the answer, {@code Location} of the session resource, {@code ETag}, and a
 *       {@code Link: rel="ice-server"} per TURN URL when TURN is configured. Authorization:
 *       {@code Bearer} a join token from the admin API (the room is then its conference's id or open-room
 *       name), or none for an open room when {@code demo.open-rooms} allows the client (as the demo page).
 *       The publisher is an ordinary endpoint of the conference: everyone sees it join and receives its
 *       audio and video (one video encoding: a client that offered simulcast sends its first).</li>
 *   <li>{@code POST /v1/whep/{room}[?endpoint=ID]} with a receive-only offer: the same, for a viewer
 *       of the room's stage (or of participant {@code ID}). Authorization: any join token of that
 *       conference (an endpoint's, or a viewer token from {@code POST /v1/conferences/{id}/viewers}),
 *       or none for an existing open room. A viewer is not a participant: nobody sees it join.</li>
 *   <li>{@code DELETE} on the resource: the session ends. {@code PATCH} (trickle ICE, ICE restart):
 *       {@code 405}, as RFC 9725 §4.3 asks of a server without them; the answer carries every
 *       candidate and {@code a=end-of-candidates}.</li>
 * </ul>
 * Errors are {@code text/plain}: 400 (bad SDP, no usable media), 401 (token), 403 (open rooms not for
 * this client), 404 (room, participant or resource gone), 409 (room full), 415 (not SDP), 429 (the
 * anonymous join rate, or too many sessions without a token from one address), 503 (draining).
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
    private record Session(String conferenceId, String endpointId, String anonymousFrom, boolean viewer) {
        Endpoint endpoint(Bridge bridge) {
            return bridge.conference(conferenceId).flatMap(c -> viewer ? c.viewer(endpointId) : c.endpoint(endpointId))
                    .orElse(null);
        }
    }

    /** The endpoint id a viewer token names: no endpoint has it, so it cannot join or publish. */
    static final String VIEWER_TOKEN_ENDPOINT = "viewer";

    private final Bridge bridge;
    private final JoinTokens tokens;
    private final TurnCredentials turn;
    private final JunctionConfig config;
    private final PublicHandler.AnonymousJoins anonymous;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /** This bridge's cluster membership (null: alone): an open room of another bridge is redirected there. */
    private final io.junction.api.cluster.Cluster cluster;

    WhipHandler(Bridge bridge, JoinTokens tokens, TurnCredentials turn, JunctionConfig config,
                PublicHandler.AnonymousJoins anonymous, io.junction.api.cluster.Cluster cluster) {
        this.cluster = cluster;
        this.bridge = bridge;
        this.tokens = tokens;
        this.turn = turn;
        this.config = config;
        this.anonymous = anonymous;
    }

    static boolean isPath(String[] s) {
        return (s.length == 3 || s.length == 4) && s[0].equals("v1") && (s[1].equals("whip") || s[1].equals("whep"));
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
            } else if (s.length == 3 && s[1].equals("whep")) {
                view(ex, s[2]);
            } else if (s.length == 3) {
                publish(ex, s[2]);
            } else {
                resource(ex, s[1], s[3]);
            }
        } catch (ApiException e) {
            if (!ex.isDone()) {
                ex.text(e.status(), "text/plain; charset=utf-8", e.getMessage() + "\n");
            }
        }
    }

    private void publish(Exchange ex, String room) throws ApiException {
        String authorization = postedAuthorization(ex);
        Conference conference;
        Endpoint endpoint;
        String offer;
        if (authorization != null) {
            JoinTokens.Claims claims = claims(authorization);
            conference = tokenConference(claims, room);
            if (claims.endpointId().equals(VIEWER_TOKEN_ENDPOINT)) {
                throw new ApiException(401, "unauthorized", "a viewer token cannot publish (it plays the room over WHEP)");
            }
            endpoint = conference.endpoint(claims.endpointId())
                    .orElseThrow(() -> ApiException.notFound("the token's endpoint has left"));
            offer = ex.readText("application/sdp");
        } else {
            if (redirectedToRoomHolder(ex, room)) {
                return;
            }
            offer = anonymousOffer(ex, room, false, MAX_ANONYMOUS_SESSIONS_PER_ADDRESS);
            String name = displayName(ex);
            try {
                conference = bridge.openRoom(room, config.demo().maxOpenRooms());
            } catch (LimitExceededException e) {
                throw AdminHandler.limitError(e);
            }
            if (cluster != null && conference.endpointCount() == 0) {
                var there = PublicHandler.claimNewRoom(cluster, bridge, room, conference);
                if (there.isPresent()) { // another bridge made the room first
                    bridge.removeConference(conference.id(), RemovalReason.REMOVED);
                    redirect(ex, there.get().bridge());
                    return;
                }
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
        created(ex, "whip", room, conference, endpoint, authorization == null, answer);
    }

    /**
     * WHEP: a viewer of {@code room}'s stage ({@code ?endpoint=ID}: of that participant) answered at
     * once. The room must exist: a token's conference, or an open room someone is in.
     */
    private void view(Exchange ex, String room) throws ApiException {
        String authorization = postedAuthorization(ex);
        Conference conference;
        String offer;
        if (authorization != null) {
            conference = tokenConference(claims(authorization), room);
            offer = ex.readText("application/sdp");
        } else {
            if (redirectedToRoomHolder(ex, room)) {
                return;
            }
            offer = anonymousOffer(ex, room, true, config.whep().maxAnonymousPerAddress());
            conference = bridge.existingOpenRoom(room)
                    .orElseThrow(() -> ApiException.notFound("no open room '" + room + "' (nobody is in it)"));
        }
        String pinned = ex.queryParameter("endpoint");
        if (pinned != null && conference.endpoint(pinned).isEmpty()) {
            throw ApiException.notFound("no participant '" + pinned.replaceAll("[^\\x21-\\x7e]", "?") + "' in this room");
        }
        String name = displayName(ex);
        Endpoint viewer;
        try {
            viewer = conference.addViewer(name == null ? "WHEP" : name, config.whep().maxViewersPerRoom());
        } catch (LimitExceededException e) {
            throw AdminHandler.limitError(e);
        }
        String answer;
        try {
            answer = viewer.acceptWhepOffer(offer, pinned);
        } catch (AnswerException e) {
            conference.removeEndpoint(viewer.id(), RemovalReason.REMOVED);
            throw new ApiException(400, e.code(), e.getMessage());
        }
        created(ex, "whep", room, conference, viewer, authorization == null, answer);
    }

    /**
     * In a cluster, an open room another bridge holds: answers 307 to the same URL on that bridge (WHIP
     * and WHEP clients follow it; the session's resource then lives there). True when it did.
     */
    private boolean redirectedToRoomHolder(Exchange ex, String room) throws ApiException {
        if (cluster == null || bridge.existingOpenRoom(room).isPresent()) {
            return false;
        }
        try {
            var there = cluster.roomHolder(room);
            if (there.isEmpty()) {
                return false;
            }
            redirect(ex, there.get().bridge());
            return true;
        } catch (io.junction.api.cluster.ClusterUnavailableException e) {
            throw new ApiException(503, "cluster-unavailable", "the cluster's Redis does not answer: rooms of other bridges cannot be reached now");
        }
    }

    private static void redirect(Exchange ex, io.junction.api.cluster.Member to) {
        String query = ex.request().getHttpURI().getQuery();
        ex.setHeader("Location", to.publicUrl() + ex.path() + (query == null ? "" : "?" + query));
        ex.setHeader("X-Junction-Bridge", to.id());
        ex.text(307, "text/plain; charset=utf-8", "this room is on bridge " + to.id() + "\n");
    }

    /** Only POST creates a session (405 else); forgets ended sessions first; returns the Authorization header. */
    private String postedAuthorization(Exchange ex) throws ApiException {
        if (!ex.method().equals("POST")) {
            ex.setHeader("Allow", "POST, OPTIONS");
            throw new ApiException(405, "method-not-allowed", "POST an SDP offer here");
        }
        pruneEnded();
        return ex.header(HttpHeader.AUTHORIZATION);
    }

    /** 201 with the answer, a new session resource ({@code Location}, {@code ETag}) and the TURN servers. */
    private void created(Exchange ex, String kind, String room, Conference conference, Endpoint endpoint,
                         boolean anonymousSession, String answer) {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        String resourceId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        sessions.put(resourceId, new Session(conference.id(), endpoint.id(),
                anonymousSession ? String.valueOf(ex.remoteAddress()) : null, endpoint.isViewer()));
        ex.setHeader("Location", "/v1/" + kind + "/" + room + "/" + resourceId);
        ex.setHeader("ETag", "\"" + resourceId + "\"");
        if (turn != null && turn.enabled()) {
            for (String link : turn.linkHeaders(endpoint.id())) {
                ex.addHeader("Link", link);
            }
        }
        ex.text(201, "application/sdp", answer);
    }

    private JoinTokens.Claims claims(String authorization) throws ApiException {
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "unauthorized", "Authorization must be 'Bearer <join token>'");
        }
        try {
            return tokens.verify(authorization.substring(7).trim());
        } catch (JoinTokens.InvalidTokenException e) {
            throw new ApiException(401, "unauthorized", "join token " + (e.expired() ? "expired" : "invalid"));
        }
    }

    /** The conference of a verified token's {@code claims}, which must be for {@code room} (its id or name). */
    private Conference tokenConference(JoinTokens.Claims claims, String room) throws ApiException {
        Conference conference = bridge.conference(claims.conferenceId())
                .orElseThrow(() -> ApiException.notFound("the token's conference has ended"));
        if (!room.equals(conference.id()) && !room.equals(conference.name())) {
            throw new ApiException(401, "unauthorized", "the join token is for another room");
        }
        return conference;
    }

    /**
     * Without a token: open rooms must allow this client, within the anonymous join rate and
     * {@code perAddress} sessions of this kind from its address; then the offer (415 before anything
     * is created).
     */
    private String anonymousOffer(Exchange ex, String room, boolean viewer, int perAddress) throws ApiException {
        anonymous.check(ex, true);
        String from = String.valueOf(ex.remoteAddress());
        if (sessions.values().stream().filter(x -> x.viewer() == viewer && from.equals(x.anonymousFrom())).count()
                >= perAddress) {
            ex.setHeader("Retry-After", "10");
            throw new ApiException(429, "too-many-sessions", "at most " + perAddress + (viewer ? " WHEP" : " WHIP")
                    + " sessions without a join token from one address; DELETE one first");
        }
        if (!ROOM_NAME.matcher(room).matches()) {
            throw ApiException.badRequest("room name must be 1-64 characters of letters, digits, '.', '_' or '-'");
        }
        String offer = ex.readText("application/sdp");
        if (offer.isBlank()) {
            throw ApiException.badRequest("the body must be an SDP offer");
        }
        return offer;
    }

    private static String displayName(Exchange ex) throws ApiException {
        String name = ex.queryParameter("name");
        if (name != null && (name.length() > 256 || Exchange.firstUnprintable(name) >= 0)) {
            throw ApiException.badRequest("name must be at most 256 printable characters");
        }
        return name;
    }

    /** Forgets sessions whose endpoint is gone (left, expired, removed through the admin API). */
    private void pruneEnded() {
        sessions.values().removeIf(x -> x.endpoint(bridge) == null);
    }

    private void resource(Exchange ex, String kind, String resourceId) throws ApiException {
        Session session = RESOURCE_ID.matcher(resourceId).matches() ? sessions.get(resourceId) : null;
        if (session != null && session.viewer() != kind.equals("whep")) {
            session = null; // a WHIP session is not a WHEP resource, nor the other way round
        }
        Endpoint endpoint = session == null ? null : session.endpoint(bridge);
        if (endpoint == null) {
            if (session != null) {
                sessions.remove(resourceId);
            }
            throw ApiException.notFound("no such " + kind.toUpperCase(java.util.Locale.ROOT)
                    + " session (it ended, or never was)");
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
                throw new ApiException(405, "method-not-allowed", "a " + kind.toUpperCase(java.util.Locale.ROOT)
                        + " session takes DELETE");
            }
        }
    }
}
