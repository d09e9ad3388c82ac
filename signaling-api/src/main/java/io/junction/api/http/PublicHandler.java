package io.junction.api.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.api.auth.JoinTokens;
import io.junction.api.config.JunctionConfig;
import io.junction.bridge.conference.Bridge;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.LimitExceededException;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;

/**
 * The public port: {@code /health}, {@code /version}, the demo's open rooms, the demo page and the
 * JS SDK. The signaling WebSocket is mounted in front of this handler by {@link JunctionServer}.
 */
public final class PublicHandler {
    private static final Pattern ROOM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern STATIC_PATH = Pattern.compile("([A-Za-z0-9_-]+/)*[A-Za-z0-9_.-]+\\.(html|js|css|svg|png|json|ts|md)");

    private final Bridge bridge;
    private final JoinTokens tokens;
    private final JunctionConfig config;
    private final AnonymousJoins anonymous;
    private final java.util.concurrent.ScheduledExecutorService timer;
    private final WhipHandler whip;
    /** Connection checks running ({@code POST /v1/check}); ended ones are pruned on the next request. */
    private final java.util.Set<Conference> checks = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final io.junction.api.cluster.Cluster cluster;
    private final io.junction.api.cluster.ClusterForwarder forwarder;

    /** @param timer ends connection checks after {@code check.max-duration} (the server's housekeeping scheduler) */
    public PublicHandler(Bridge bridge, JoinTokens tokens, io.junction.api.auth.TurnCredentials turn, JunctionConfig config,
                         java.util.concurrent.ScheduledExecutorService timer) {
        this(bridge, tokens, turn, config, timer, null);
    }

    /** @param cluster this bridge's cluster membership (null: alone): open rooms are then known cluster-wide */
    public PublicHandler(Bridge bridge, JoinTokens tokens, io.junction.api.auth.TurnCredentials turn, JunctionConfig config,
                         java.util.concurrent.ScheduledExecutorService timer, io.junction.api.cluster.Cluster cluster) {
        this.cluster = cluster;
        this.forwarder = cluster == null ? null
                : new io.junction.api.cluster.ClusterForwarder(cluster.id(), config.admin().apiKey());
        this.bridge = bridge;
        this.timer = timer;
        this.tokens = tokens;
        this.config = config;
        this.anonymous = new AnonymousJoins(config);
        this.whip = new WhipHandler(bridge, tokens, turn, config, anonymous, cluster);
    }

    public void handle(Exchange ex) throws ApiException {
        String[] s = ex.segments();
        if (s.length == 1 && s[0].equals("health")) {
            AdminHandler.requireMethod(ex, "GET", "HEAD");
            ObjectNode json = Exchange.JSON.createObjectNode();
            json.put("status", bridge.isDraining() ? "draining" : "ok");
            ex.json(bridge.isDraining() ? 503 : 200, json);
            return;
        }
        if (s.length == 1 && s[0].equals("version")) {
            AdminHandler.requireMethod(ex, "GET");
            ObjectNode json = Exchange.JSON.createObjectNode();
            json.put("name", "junction");
            json.put("version", Version.VERSION);
            json.put("java", System.getProperty("java.version"));
            ex.json(200, json);
            return;
        }
        if (OpenApi.isPath(s)) {
            OpenApi.serve(ex);
            return;
        }
        if (s.length == 2 && s[0].equals("v1") && s[1].equals("check")) {
            startCheck(ex);
            return;
        }
        if (s.length == 1 && s[0].equals("check")) {
            AdminHandler.requireMethod(ex, "GET");
            ex.send(200, StaticResources.contentType("check.html"), StaticResources.read("check.html"));
            return;
        }
        if (WhipHandler.isPath(s)) {
            whip.handle(ex);
            return;
        }
        if (s.length == 4 && s[0].equals("v1") && s[1].equals("rooms") && s[3].equals("join")) {
            joinRoom(ex, s[2]);
            return;
        }
        serveStatic(ex);
    }

    private void joinRoom(Exchange ex, String room) throws ApiException {
        AdminHandler.requireMethod(ex, "POST");
        anonymous.check(ex, false);
        if (!ROOM_NAME.matcher(room).matches()) {
            throw ApiException.badRequest("room name must be 1-64 characters of letters, digits, '.', '_' or '-'");
        }
        ObjectNode body = ex.readJsonObject();
        Exchange.allowOnly(body, "displayName");
        String displayName = Exchange.optionalName(body, "displayName", 256);
        Conference conference;
        if (cluster != null && bridge.existingOpenRoom(room).isEmpty()) {
            // the room may be on another bridge: join it there (this bridge checked who may join)
            try {
                var there = cluster.roomHolder(room);
                if (there.isPresent() && joinHereRelayed(ex, there.get(), room, displayName)) {
                    return;
                }
                if (there.isPresent() && joinElsewhere(ex, there.get(), displayName)) {
                    return;
                }
            } catch (io.junction.api.cluster.ClusterUnavailableException e) {
                throw new ApiException(503, "cluster-unavailable",
                        "the cluster's Redis does not answer: rooms of other bridges cannot be joined now");
            }
        }
        try {
            conference = bridge.openRoom(room, config.demo().maxOpenRooms());
        } catch (LimitExceededException e) {
            throw AdminHandler.limitError(e);
        }
        if (cluster != null && conference.endpointCount() == 0) {
            // created here just now (or still empty): claim the name, unless another bridge was first
            var there = claimNewRoom(cluster, bridge, room, conference);
            if (there.isPresent() && joinElsewhere(ex, there.get(), displayName)) {
                if (conference.endpointCount() == 0) {
                    bridge.removeConference(conference.id(), io.junction.bridge.conference.RemovalReason.REMOVED);
                }
                return;
            }
        }
        joinHere(ex, conference, displayName);
    }

    /**
     * {@code POST /v1/check}: a media session alone in a conference of its own, for the connection
     * check page. Anonymous, so bounded: the open rooms' per-address rate, at most
     * {@code check.max-concurrent} at once, each conference removed after {@code check.max-duration}.
     */
    private void startCheck(Exchange ex) throws ApiException {
        AdminHandler.requireMethod(ex, "POST");
        JunctionConfig.Check cfg = config.check();
        if (!cfg.enabled()) {
            throw new ApiException(403, "check-disabled", "the connection check is off on this bridge (check.enabled = false)");
        }
        anonymous.limit(ex);
        Exchange.allowOnly(ex.readJsonObject());
        Conference conference;
        synchronized (checks) {
            checks.removeIf(Conference::isEnded);
            if (checks.size() >= cfg.maxConcurrent()) {
                ex.setHeader("Retry-After", Long.toString(Math.max(1, cfg.maxDuration().toSeconds())));
                throw new ApiException(503, "too-many-checks", "at most " + cfg.maxConcurrent()
                        + " connection checks run at once; retry in a few seconds");
            }
            try {
                conference = bridge.createConference("connection check");
            } catch (LimitExceededException e) {
                throw AdminHandler.limitError(e);
            }
            checks.add(conference);
        }
        timer.schedule(() -> bridge.removeConference(conference.id(), io.junction.bridge.conference.RemovalReason.EXPIRED),
                cfg.maxDuration().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        Endpoint endpoint = AdminHandler.addEndpoint(conference, "connection check");
        String token = tokens.issue(conference.id(), endpoint.id());
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("signalingUrl", AdminHandler.signalingUrl(publicBase(ex), token));
        json.put("conferenceId", conference.id());
        json.put("endpointId", endpoint.id());
        json.put("maxSeconds", cfg.maxDuration().toSeconds());
        ex.json(200, json);
    }

    /**
     * Claims the name of open room {@code room} for {@code made}, the conference this bridge just
     * created for it: empty when the name is this bridge's now, else where the room is (the caller
     * lets {@code made} go). Redis not answering: {@code made} goes and the answer is 503.
     */
    static java.util.Optional<io.junction.api.cluster.Cluster.RoomPlace> claimNewRoom(io.junction.api.cluster.Cluster cluster,
            Bridge bridge, String room, Conference made) throws ApiException {
        try {
            return cluster.claimRoom(room, made.id());
        } catch (io.junction.api.cluster.ClusterUnavailableException e) {
            bridge.removeConference(made.id(), io.junction.bridge.conference.RemovalReason.REMOVED);
            throw new ApiException(503, "cluster-unavailable", "the cluster's Redis does not answer: a new room cannot be placed now");
        }
    }

    /**
     * Joins open room {@code there}, which another bridge holds, on this bridge: this bridge's part of
     * the room (same conference id and name) relays with every other bridge that serves it, so the
     * client's media stays on the bridge it reached. False when no relay could be opened (the caller
     * then joins the holder directly).
     */
    private boolean joinHereRelayed(Exchange ex, io.junction.api.cluster.Cluster.RoomPlace there, String room,
                                    String displayName) throws ApiException, io.junction.api.cluster.ClusterUnavailableException {
        if (!config.cluster().relay()) {
            return false;
        }
        Conference mirror;
        try {
            mirror = bridge.mirrorOpenRoom(room, there.conferenceId(), config.demo().maxOpenRooms());
        } catch (LimitExceededException e) {
            throw AdminHandler.limitError(e);
        }
        if (!cluster.relays().serve(mirror, there.bridge().id())) {
            return false;
        }
        joinHere(ex, mirror, displayName);
        return true;
    }

    /** Adds an endpoint to {@code conference} here and answers the join with its token and signaling URL. */
    private void joinHere(Exchange ex, Conference conference, String displayName) throws ApiException {
        Endpoint endpoint = AdminHandler.addEndpoint(conference, displayName);
        String token = tokens.issue(conference.id(), endpoint.id());
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("token", token);
        json.put("signalingUrl", AdminHandler.signalingUrl(publicBase(ex), token));
        json.put("conferenceId", conference.id());
        json.put("endpointId", endpoint.id());
        ex.json(200, json);
    }

    /**
     * Joins open room {@code there} on the bridge that holds it, through that bridge's admin API; answers
     * like a join here (its signaling URL). False when that conference is gone (the caller makes one).
     */
    private boolean joinElsewhere(Exchange ex, io.junction.api.cluster.Cluster.RoomPlace there, String displayName)
            throws ApiException {
        ObjectNode req = Exchange.JSON.createObjectNode();
        if (displayName != null) {
            req.put("displayName", displayName);
        }
        java.net.http.HttpResponse<String> r;
        try {
            r = forwarder.send(there.bridge(), "POST", "/v1/conferences/" + there.conferenceId() + "/endpoints", req.toString());
        } catch (java.io.IOException e) {
            throw new ApiException(502, "bridge-unreachable", "the bridge of this room did not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted", "interrupted");
        }
        if (r.statusCode() == 404) {
            return false;
        }
        if (r.statusCode() != 201) {
            ex.text(r.statusCode(), "application/json", r.body());
            return true;
        }
        com.fasterxml.jackson.databind.JsonNode created;
        try {
            created = Exchange.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new ApiException(502, "bridge-unreachable", "the bridge of this room answered nonsense");
        }
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("token", created.path("token").asText());
        json.put("signalingUrl", created.path("signalingUrl").asText());
        json.put("conferenceId", created.path("conferenceId").asText());
        json.put("endpointId", created.path("id").asText());
        ex.setHeader("X-Junction-Bridge", there.bridge().id());
        ex.json(200, json);
        return true;
    }

    /**
     * Joins without a token: open rooms (the demo page's, WHIP without a token) as
     * {@code demo.open-rooms} allows, and connection checks; all share one per-address rate.
     */
    static final class AnonymousJoins {
        private final JunctionConfig config;
        private final AddressRateLimit rate;

        AnonymousJoins(JunctionConfig config) {
            this.config = config;
            this.rate = new AddressRateLimit(config.demo().joinBurst(), config.demo().joinRate());
        }

        /**
         * Whether this client may join an open room: 403 when open rooms are off (401 when a join
         * token would do instead: {@code tokenAlternative}) or only for loopback clients; then the rate.
         */
        void check(Exchange ex, boolean tokenAlternative) throws ApiException {
            JunctionConfig.OpenRooms mode = config.demo().openRooms();
            if (mode == JunctionConfig.OpenRooms.OFF) {
                if (tokenAlternative) {
                    throw new ApiException(401, "unauthorized", "a join token is required (Authorization: Bearer <token> "
                            + "from the admin API); open rooms are disabled on this bridge (demo.open-rooms = false)");
                }
                throw new ApiException(403, "open-rooms-disabled",
                        "open rooms are disabled on this bridge (demo.open-rooms = false); "
                                + "create endpoints through the admin API instead");
            }
            java.net.InetAddress client = ex.remoteAddress();
            if (mode == JunctionConfig.OpenRooms.LOOPBACK && (client == null || !client.isLoopbackAddress())) {
                throw new ApiException(403, "open-rooms-loopback-only",
                        "open rooms on this bridge serve only clients on the same machine (demo.open-rooms = loopback); "
                                + "create endpoints through the admin API" + (tokenAlternative ? " and send their token" : "")
                                + ", or let anyone in with demo.open-rooms = true (env JUNCTION_OPEN_ROOMS=true)");
            }
            limit(ex);
        }

        /** The per-address rate of anonymous joins and checks: 429 beyond it. */
        void limit(Exchange ex) throws ApiException {
            java.net.InetAddress client = ex.remoteAddress();
            long retryAfter = rate.acquire(client == null ? "" : client.getHostAddress(), System.nanoTime());
            if (retryAfter > 0) {
                ex.setHeader("Retry-After", Long.toString(retryAfter));
                throw new ApiException(429, "too-many-joins",
                        "too many anonymous joins from this address; retry in " + retryAfter + " s");
            }
        }
    }

    private String publicBase(Exchange ex) {
        String configured = config.http().publicBaseUrl();
        if (!configured.isEmpty()) {
            return configured;
        }
        Request r = ex.request();
        String host = Request.getServerName(r);
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return r.getHttpURI().getScheme() + "://" + host + ":" + Request.getServerPort(r);
    }

    private void serveStatic(Exchange ex) throws ApiException {
        String path = ex.path();
        if (path.equals("/")) {
            path = "/index.html";
        }
        String rel = path.substring(1);
        if (!STATIC_PATH.matcher(rel).matches()) {
            throw ApiException.notFound("no such resource: " + ex.path());
        }
        byte[] body = StaticResources.read(rel);
        if (body == null) {
            throw ApiException.notFound("no such resource: " + ex.path());
        }
        AdminHandler.requireMethod(ex, "GET");
        if (rel.startsWith("sdk/")) {
            // The SDK is imported by applications on other origins (a module import is a CORS request).
            // It is public code and carries no credentials: any origin may load it.
            ex.setHeader("Access-Control-Allow-Origin", "*");
            ex.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
        }
        ex.send(200, StaticResources.contentType(rel), body);
    }
}
