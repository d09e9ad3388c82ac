package io.junction.api.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.api.auth.JoinTokens;
import io.junction.api.config.JunctionConfig;
import io.junction.bridge.conference.Bridge;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.LimitExceededException;
import io.junction.bridge.conference.RemovalReason;
import io.junction.bridge.stats.BridgeMetrics;
import io.junction.bridge.stats.ConferenceRates;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port: REST management API ({@code /v1/conferences…}), {@code /v1/stats}, {@code /metrics},
 * {@code /v1/openapi.yaml}. Every request needs the bearer API key when one is configured.
 */
public final class AdminHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);
    private static final int MAX_NAME_LENGTH = 256;

    private final Bridge bridge;
    private final JoinTokens tokens;
    private final PrometheusMeterRegistry registry;
    private final JunctionConfig config;
    private final IntSupplier publicPort;
    private final byte[] apiKey;
    private final Instant startedAt = Instant.now();
    private final Dashboard dashboard;
    /** This bridge's cluster membership, null when it runs alone. */
    private final io.junction.api.cluster.Cluster cluster;
    /** Requests forwarded to another bridge of the cluster (its admin API). */
    private final io.junction.api.cluster.ClusterForwarder forwarder;

    public AdminHandler(Bridge bridge, JoinTokens tokens, PrometheusMeterRegistry registry, JunctionConfig config,
                        IntSupplier publicPort) {
        this(bridge, tokens, registry, config, publicPort, null);
    }

    public AdminHandler(Bridge bridge, JoinTokens tokens, PrometheusMeterRegistry registry, JunctionConfig config,
                        IntSupplier publicPort, io.junction.api.cluster.Cluster cluster) {
        this.cluster = cluster;
        this.forwarder = cluster == null ? null
                : new io.junction.api.cluster.ClusterForwarder(cluster.id(), config.admin().apiKey());
        this.bridge = bridge;
        this.tokens = tokens;
        this.registry = registry;
        this.config = config;
        this.publicPort = publicPort;
        this.apiKey = config.admin().apiKey().isEmpty() ? null : config.admin().apiKey().getBytes(StandardCharsets.UTF_8);
        this.dashboard = new Dashboard(bridge);
    }

    public Dashboard dashboard() {
        return dashboard;
    }

    public void handle(Exchange ex) throws ApiException {
        String[] s = ex.segments();
        refuseBrowserAttacks(ex, s.length == 1 && s[0].equals("metrics") && ex.method().equals("GET"));
        authorize(ex);
        if (s.length == 1 && s[0].equals("metrics")) {
            requireMethod(ex, "GET");
            // one sample throughout: the bridge-wide gauges are the sum of the conferences' in every scrape
            ex.text(200, "text/plain; version=0.0.4; charset=utf-8", bridge.metrics().consistently(registry::scrape));
            return;
        }
        if (s.length >= 1 && s[0].equals("dashboard")) {
            dashboard.serve(ex, s);
            return;
        }
        if (s.length == 0 || !s[0].equals("v1")) {
            throw ApiException.notFound("no such resource: " + ex.path());
        }
        if (s.length == 3 && s[1].equals("dashboard") && s[2].equals("events")) {
            requireMethod(ex, "GET");
            dashboard.events(ex);
            return;
        }
        if (s.length == 2 && s[1].equals("stats")) {
            requireMethod(ex, "GET");
            ex.json(200, bridgeStats());
            return;
        }
        if (OpenApi.isPath(s)) {
            OpenApi.serve(ex);
            return;
        }
        if (s.length >= 2 && s[1].equals("conferences")) {
            conferences(ex, s);
            return;
        }
        if (s.length == 2 && s[1].equals("cluster")) {
            requireMethod(ex, "GET");
            ex.json(200, clusterJson());
            return;
        }
        throw ApiException.notFound("no such resource: " + ex.path());
    }

    /**
     * The admin API is for the operator's backend, not for web pages. A page the operator opens could
     * otherwise send it requests (a "simple" cross-site POST needs no preflight), and a page that
     * rebinds its own DNS name to 127.0.0.1 could even read the answers. So: a request with an
     * {@code Origin} other than the admin port's own is refused, and without an API key only Host
     * headers that are IP addresses, {@code localhost} or {@code admin.allowed-hosts} are answered
     * ({@code GET /metrics} answers any Host: scrapers address the bridge by a service name, and it
     * carries no secret).
     */
    private void refuseBrowserAttacks(Exchange ex, boolean anyHost) throws ApiException {
        String host = ex.header(HttpHeader.HOST);
        if (apiKey == null && !anyHost && host != null && !isAllowedHost(host)) {
            throw new ApiException(403, "host-not-allowed", "the admin API does not answer Host '"
                    + host.replaceAll("[^\\x21-\\x7e]", "?") + "' (add it to admin.allowed-hosts, or set admin.api-key)");
        }
        String origin = ex.header(HttpHeader.ORIGIN);
        int sep = origin == null ? -1 : origin.indexOf("://");
        String originAuthority = sep < 0 ? null : origin.substring(sep + 3); // "null" (sandboxed pages) has none
        if (origin != null && (host == null || originAuthority == null || !originAuthority.equalsIgnoreCase(host))) {
            throw new ApiException(403, "cross-origin", "the admin API does not answer requests from web pages of other origins");
        }
    }

    private boolean isAllowedHost(String hostHeader) {
        String name = hostHeader;
        if (name.startsWith("[")) {
            return name.indexOf(']') > 0; // an IPv6 literal
        }
        int colon = name.lastIndexOf(':');
        if (colon >= 0) {
            name = name.substring(0, colon);
        }
        if (name.equalsIgnoreCase("localhost") || IPV4.matcher(name).matches()) {
            return true;
        }
        for (String allowed : config.admin().allowedHosts()) {
            if (allowed.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private void authorize(Exchange ex) throws ApiException {
        if (apiKey == null) {
            return;
        }
        String header = ex.header(HttpHeader.AUTHORIZATION);
        String queryKey = ex.method().equals("GET") ? ex.queryParameter("key") : null;
        byte[] presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                // Browsers cannot set headers on EventSource or page loads: the dashboard passes ?key=.
                : queryKey != null ? queryKey.getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(apiKey, presented)) {
            ex.setHeader("WWW-Authenticate", "Bearer realm=\"junction-admin\"");
            throw new ApiException(401, "unauthorized", "missing or wrong API key (Authorization: Bearer <key>)");
        }
    }

    static void requireMethod(Exchange ex, String... allowed) throws ApiException {
        for (String m : allowed) {
            if (m.equals(ex.method())) {
                return;
            }
        }
        ex.setHeader("Allow", String.join(", ", allowed));
        throw new ApiException(405, "method-not-allowed",
                ex.method() + " is not allowed on " + ex.path() + " (allowed: " + String.join(", ", allowed) + ")");
    }

    private void conferences(Exchange ex, String[] s) throws ApiException {
        if (s.length == 2) {
            requireMethod(ex, "GET", "POST");
            if (ex.method().equals("GET")) {
                ArrayNode list = Exchange.JSON.createArrayNode();
                bridge.conferences().forEach(c -> list.add(conferenceJson(c)));
                ObjectNode root = Exchange.JSON.createObjectNode();
                root.set("conferences", list);
                ex.json(200, root);
            } else {
                ObjectNode body = ex.readJsonObject();
                Exchange.allowOnly(body, "name", "videoCodecs", "region");
                String name = Exchange.optionalName(body, "name", MAX_NAME_LENGTH);
                String region = Exchange.optionalName(body, "region", 64);
                List<String> codecs = videoCodecs(body);
                if (cluster != null && !forwarded(ex)) {
                    // draining, full, or another region asked for: the least loaded bridge that takes it
                    var to = placement(region);
                    if (to.isPresent()) {
                        forward(ex, to.get(), "/v1/conferences", body);
                        return;
                    }
                }
                Conference c = createConference(name, codecs);
                if (cluster != null) {
                    cluster.claim(c.id());
                }
                ex.json(201, conferenceJson(c));
            }
            return;
        }
        Optional<Conference> local = bridge.conference(s[2]);
        if (local.isEmpty() && cluster != null && !forwarded(ex)) {
            // held by another bridge of the cluster: that one answers
            Optional<io.junction.api.cluster.Member> holder;
            try {
                holder = cluster.holderOf(s[2]);
            } catch (io.junction.api.cluster.ClusterUnavailableException e) {
                throw clusterUnavailable(e);
            }
            if (holder.isPresent() && servesHere(ex, s)) {
                local = relayedHere(s[2], holder.get());
            }
            if (local.isEmpty() && holder.isPresent()) {
                forward(ex, holder.get(), ex.path(), ex.hasBody() ? ex.readJsonObject() : null);
                return;
            }
        }
        Conference conference = local.orElseThrow(() -> ApiException.notFound("no conference with id '" + s[2] + "'"));
        if (s.length == 3) {
            requireMethod(ex, "GET", "DELETE");
            if (ex.method().equals("GET")) {
                ex.json(200, conferenceJson(conference));
            } else {
                bridge.removeConference(conference.id(), RemovalReason.REMOVED);
                if (cluster != null) {
                    cluster.release(conference.id());
                }
                ex.noContent();
            }
            return;
        }
        if (s.length == 4 && s[3].equals("stage")) {
            stage(ex, conference);
            return;
        }
        if (s.length == 4 && s[3].equals("viewers")) {
            viewers(ex, conference);
            return;
        }
        if (s.length == 4 && s[3].equals("relays") && cluster != null) {
            relay(ex, conference);
            return;
        }
        if (!s[3].equals("endpoints") && !s[3].equals("stats")) {
            throw ApiException.notFound("no such resource: " + ex.path());
        }
        if (s.length == 4 && s[3].equals("stats")) {
            requireMethod(ex, "GET");
            ex.json(200, conferenceStats(conference));
            return;
        }
        if (s.length == 4) {
            requireMethod(ex, "GET", "POST");
            if (ex.method().equals("GET")) {
                ArrayNode list = Exchange.JSON.createArrayNode();
                conference.endpoints().forEach(e -> list.add(endpointJson(e)));
                ObjectNode root = Exchange.JSON.createObjectNode();
                root.set("endpoints", list);
                ex.json(200, root);
            } else {
                ObjectNode body = ex.readJsonObject();
                Exchange.allowOnly(body, "displayName");
                String displayName = Exchange.optionalName(body, "displayName", MAX_NAME_LENGTH);
                Endpoint e = addEndpoint(conference, displayName);
                ObjectNode json = Exchange.JSON.createObjectNode();
                json.put("id", e.id());
                json.put("conferenceId", conference.id());
                json.put("displayName", e.displayName());
                String token = tokens.issue(conference.id(), e.id());
                json.put("token", token);
                json.put("signalingUrl", signalingUrl(publicBase(ex), token));
                json.put("expiresInSeconds", tokens.ttl().toSeconds());
                ex.json(201, json);
            }
            return;
        }
        if (s.length == 6 && s[3].equals("endpoints") && s[5].equals("stats")) {
            Endpoint e = conference.endpoint(s[4])
                    .orElseThrow(() -> ApiException.notFound("no endpoint with id '" + s[4] + "' in conference '"
                            + conference.id() + "'"));
            requireMethod(ex, "GET");
            ex.json(200, e.stats());
            return;
        }
        if (s.length == 5 && s[3].equals("endpoints")) {
            Endpoint e = conference.endpoint(s[4])
                    .orElseThrow(() -> ApiException.notFound("no endpoint with id '" + s[4] + "' in conference '"
                            + conference.id() + "'"));
            requireMethod(ex, "GET", "DELETE");
            if (ex.method().equals("GET")) {
                ex.json(200, endpointJson(e));
            } else {
                conference.removeEndpoint(e.id(), RemovalReason.REMOVED);
                ex.noContent();
            }
            return;
        }
        throw ApiException.notFound("no such resource: " + ex.path());
    }

    /**
     * {@code GET /v1/conferences/{id}/stage}: who viewers (WHEP) see; {@code PUT} with
     * {@code {"endpointId": "…"}} puts a participant on stage, {@code {"endpointId": null}} gives it back
     * to the dominant speaker.
     */
    private void stage(Exchange ex, Conference conference) throws ApiException {
        requireMethod(ex, "GET", "PUT");
        if (ex.method().equals("PUT")) {
            ObjectNode body = ex.readJsonObject();
            Exchange.allowOnly(body, "endpointId");
            if (!body.has("endpointId")) {
                throw ApiException.badRequest("'endpointId' is required (null: the dominant speaker)");
            }
            var node = body.get("endpointId");
            if (!node.isNull() && !node.isTextual()) {
                throw ApiException.badRequest("'endpointId' must be a string or null");
            }
            String id = node.isNull() ? null : node.asText();
            if (id != null && conference.endpoint(id).isEmpty()) {
                throw ApiException.notFound("no endpoint with id '" + id.replaceAll("[^\\x21-\\x7e]", "?")
                        + "' in conference '" + conference.id() + "'");
            }
            conference.setStage(id);
        }
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("endpointId", conference.stage());
        json.put("dominantSpeaker", conference.dominantSpeaker());
        json.put("viewers", conference.viewerCount());
        ex.json(200, json);
    }

    /**
     * {@code POST /v1/conferences/{id}/viewers}: a viewer token and the WHEP URL to play the conference
     * with ({@code Authorization: Bearer <token>}); {@code GET}: the viewers now.
     */
    private void viewers(Exchange ex, Conference conference) throws ApiException {
        requireMethod(ex, "GET", "POST");
        if (ex.method().equals("GET")) {
            ArrayNode list = Exchange.JSON.createArrayNode();
            conference.viewers().forEach(v -> list.add(endpointJson(v)));
            ObjectNode root = Exchange.JSON.createObjectNode();
            root.set("viewers", list);
            ex.json(200, root);
            return;
        }
        ObjectNode body = ex.readJsonObject();
        Exchange.allowOnly(body);
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("conferenceId", conference.id());
        json.put("token", tokens.issue(conference.id(), WhipHandler.VIEWER_TOKEN_ENDPOINT));
        json.put("whepUrl", publicBase(ex) + "/v1/whep/" + conference.id());
        json.put("expiresInSeconds", tokens.ttl().toSeconds());
        ex.json(201, json);
    }

    /** Creates a conference, mapping limit errors to HTTP statuses. Shared with the open-rooms API. */
    Conference createConference(String name) throws ApiException {
        return createConference(name, null);
    }

    private Conference createConference(String name, java.util.List<String> videoCodecs) throws ApiException {
        try {
            return bridge.createConference(name, videoCodecs);
        } catch (LimitExceededException e) {
            throw limitError(e);
        } catch (IllegalArgumentException e) { // an unknown or repeated codec name
            throw ApiException.badRequest("field 'videoCodecs': " + e.getMessage());
        }
    }

    /** The optional {@code videoCodecs} field: codec names in order of preference (the bridge checks them), or null. */
    private static java.util.List<String> videoCodecs(ObjectNode body) throws ApiException {
        com.fasterxml.jackson.databind.JsonNode v = body.get("videoCodecs");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray() || v.isEmpty() || v.size() > 8) {
            throw ApiException.badRequest("field 'videoCodecs' must be a non-empty array of codec names ("
                    + io.junction.bridge.codec.CodecCatalog.VIDEO_CODEC_NAMES + ")");
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode n : v) {
            if (!n.isTextual()) {
                throw ApiException.badRequest("field 'videoCodecs' must hold codec names");
            }
            names.add(n.asText());
        }
        return names;
    }

    /**
     * {@code POST /v1/conferences/{id}/relays} {@code {"bridge": id, "reply": bool}} (cluster only):
     * another bridge that serves this conference too asks for a relay endpoint, through which it will
     * receive what this bridge's participants publish; answered like an endpoint's creation (its
     * signaling URL). Unless {@code reply}, this bridge connects back to that one's relay endpoint.
     */
    private void relay(Exchange ex, Conference conference) throws ApiException {
        requireMethod(ex, "POST");
        ObjectNode body = ex.readJsonObject();
        Exchange.allowOnly(body, "bridge", "reply");
        String peer = Exchange.optionalName(body, "bridge", 64);
        if (peer == null || peer.isEmpty() || peer.equals(cluster.id())) {
            throw ApiException.badRequest("'bridge' must name another bridge of the cluster");
        }
        boolean reply = body.path("reply").asBoolean(false);
        Endpoint relay;
        try {
            relay = conference.addRelay(peer);
        } catch (LimitExceededException e) {
            throw limitError(e);
        }
        String token = tokens.issue(conference.id(), relay.id());
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("id", relay.id());
        json.put("conferenceId", conference.id());
        json.put("token", token);
        json.put("signalingUrl", signalingUrl(publicBase(ex), token));
        ex.json(201, json);
        if (!reply) {
            cluster.relays().connectBack(conference, peer);
        }
    }

    /**
     * Whether a new endpoint of a conference another bridge holds is placed here: with relays on
     * ({@code cluster.relay}), for {@code POST .../endpoints}, when this bridge takes endpoints (not
     * draining, not full).
     */
    private boolean servesHere(Exchange ex, String[] s) {
        return config.cluster().relay() && s.length == 4 && s[3].equals("endpoints") && ex.method().equals("POST")
                && cluster.self().available();
    }

    /**
     * This bridge's part of conference {@code id} that {@code holder} holds, relayed with every bridge
     * that serves it; empty when no relay could be opened (the request then goes to the holder).
     */
    private Optional<Conference> relayedHere(String id, io.junction.api.cluster.Member holder) throws ApiException {
        String name = "";
        try {
            var r = forwarder.send(holder, "GET", "/v1/conferences/" + id, null);
            if (r.statusCode() == 200) {
                name = Exchange.JSON.readTree(r.body()).path("name").asText("");
            }
        } catch (java.io.IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        Conference mirror;
        try {
            mirror = bridge.mirrorConference(id, name);
        } catch (LimitExceededException e) {
            return Optional.empty();
        }
        try {
            return cluster.relays().serve(mirror, holder.id()) ? Optional.of(mirror) : Optional.empty();
        } catch (io.junction.api.cluster.ClusterUnavailableException e) {
            return Optional.empty();
        }
    }

    static Endpoint addEndpoint(Conference conference, String displayName) throws ApiException {
        try {
            return conference.addEndpoint(displayName);
        } catch (LimitExceededException e) {
            throw limitError(e);
        }
    }

    static ApiException limitError(LimitExceededException e) {
        return switch (e.kind()) {
            case DRAINING -> new ApiException(503, "draining", e.getMessage());
            case MAX_CONFERENCES, MAX_ENDPOINTS -> new ApiException(409, "limit-reached", e.getMessage());
        };
    }

    /** The public base URL: configured, else this request's host with the public port. */
    private String publicBase(Exchange ex) {
        if (cluster != null) {
            return cluster.self().publicUrl(); // the request may come from another bridge: its Host says nothing
        }
        String configured = config.http().publicBaseUrl();
        if (!configured.isEmpty()) {
            return configured;
        }
        String host = org.eclipse.jetty.server.Request.getServerName(ex.request());
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + publicPort.getAsInt();
    }

    /** {@code ws(s)://…/v1/signaling?token=…} from an http(s) base URL. */
    /** Whether another bridge of the cluster forwarded this request. */
    private static boolean forwarded(Exchange ex) {
        return ex.request().getHeaders().get(io.junction.api.cluster.ClusterForwarder.FORWARDED_HEADER) != null;
    }

    private Optional<io.junction.api.cluster.Member> placement(String region) throws ApiException {
        try {
            return cluster.placement(region);
        } catch (io.junction.api.cluster.ClusterUnavailableException e) {
            throw clusterUnavailable(e);
        }
    }

    private static ApiException clusterUnavailable(io.junction.api.cluster.ClusterUnavailableException e) {
        return new ApiException(503, "cluster-unavailable",
                "the cluster's Redis does not answer: only conferences on this bridge can be reached now");
    }

    /**
     * Sends this request ({@code body}: its JSON, null without) to the admin API of bridge {@code to}
     * and answers with what it answered. The API key goes along (the cluster shares one).
     */
    private void forward(Exchange ex, io.junction.api.cluster.Member to, String path, ObjectNode body) throws ApiException {
        java.net.http.HttpResponse<String> r;
        try {
            r = forwarder.send(to, ex.method(), path, body == null ? null : body.toString());
        } catch (java.io.IOException e) {
            throw new ApiException(502, "bridge-unreachable", "bridge " + to.id() + " of the cluster did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted", "interrupted");
        }
        ex.setHeader("X-Junction-Bridge", to.id());
        if (r.statusCode() == 204) {
            ex.noContent();
        } else {
            ex.text(r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/json"), r.body());
        }
    }

    /** {@code GET /v1/cluster}: the bridges of the cluster and their load (this one alone without a cluster). */
    private ObjectNode clusterJson() throws ApiException {
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("enabled", cluster != null);
        ArrayNode list = json.putArray("bridges");
        if (cluster == null) {
            ObjectNode self = list.addObject();
            self.put("state", bridge.isDraining() ? "draining" : "up");
            self.put("endpoints", bridge.endpointCount());
            self.put("conferences", bridge.conferenceCount());
            return json;
        }
        json.put("self", cluster.id());
        List<io.junction.api.cluster.Member> members;
        try {
            members = cluster.members();
        } catch (io.junction.api.cluster.ClusterUnavailableException e) {
            throw clusterUnavailable(e);
        }
        json.put("redis", "up");
        for (var m : members) {
            list.add(Exchange.JSON.valueToTree(m));
        }
        ArrayNode relays = json.putArray("relays");
        for (var r : cluster.relays().byPeer()) {
            relays.add(Exchange.JSON.valueToTree(r));
        }
        return json;
    }

    static String signalingUrl(String httpBase, String token) {
        String wsBase = httpBase.startsWith("https://") ? "wss://" + httpBase.substring(8)
                : "ws://" + httpBase.substring(httpBase.indexOf("://") + 3);
        return wsBase + "/v1/signaling?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    static ObjectNode conferenceJson(Conference c) {
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("id", c.id());
        json.put("name", c.name());
        json.put("createdAt", c.createdAt().toString());
        ArrayNode eps = json.putArray("endpoints");
        c.endpoints().forEach(e -> eps.add(endpointJson(e)));
        json.put("viewers", c.viewerCount());
        ArrayNode codecs = json.putArray("videoCodecs");
        c.videoCodecs().forEach(n -> codecs.add(n.toLowerCase(java.util.Locale.ROOT)));
        ArrayNode publish = json.putArray("publishVideoCodecs");
        c.publishVideoCodecs().forEach(n -> publish.add(n.toLowerCase(java.util.Locale.ROOT)));
        return json;
    }

    static ObjectNode endpointJson(Endpoint e) {
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("id", e.id());
        json.put("conferenceId", e.conference().id());
        json.put("displayName", e.displayName());
        json.put("createdAt", e.createdAt().toString());
        return json;
    }

    static ObjectNode conferenceStats(Conference c) {
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("conferenceId", c.id());
        json.put("name", c.name());
        json.put("bitrateInBps", c.bitrateInBps());
        json.put("bitrateOutBps", c.bitrateOutBps());
        json.put("mediaBitrateInBps", c.rates().bps(ConferenceRates.MEDIA_IN));
        json.put("mediaBitrateOutBps", c.rates().bps(ConferenceRates.MEDIA_OUT));
        ArrayNode eps = json.putArray("endpoints");
        for (Endpoint e : c.endpoints()) {
            eps.add(Exchange.JSON.valueToTree(e.stats()));
        }
        ArrayNode viewers = json.putArray("viewers");
        for (Endpoint v : c.viewers()) {
            viewers.add(Exchange.JSON.valueToTree(v.stats()));
        }
        return json;
    }

    private ObjectNode bridgeStats() {
        ObjectNode json = Exchange.JSON.createObjectNode();
        json.put("version", Version.VERSION);
        json.put("startedAt", startedAt.toString());
        json.put("uptimeSeconds", java.time.Duration.between(startedAt, Instant.now()).toSeconds());
        json.put("draining", bridge.isDraining());
        json.put("conferences", bridge.conferenceCount());
        json.put("endpoints", bridge.endpointCount());
        json.put("viewers", bridge.viewerCount());
        json.put("mediaPort", bridge.mediaPort());
        var advertised = json.putArray("advertisedCandidates");
        for (var c : bridge.media().port().candidates()) {
            advertised.addObject().put("address", c.address()).put("port", c.port()).put("type", c.type());
        }
        json.put("publicAddressSource", bridge.media().port().publicAddressSource());
        BridgeMetrics m = bridge.metrics();
        m.consistently(() -> {
            json.put("bitrateInBps", m.bitrateInBps());
            json.put("bitrateOutBps", m.bitrateOutBps());
            json.put("mediaBitrateInBps", m.bps(ConferenceRates.MEDIA_IN));
            json.put("mediaBitrateOutBps", m.bps(ConferenceRates.MEDIA_OUT));
            return null;
        });
        return json;
    }
}
