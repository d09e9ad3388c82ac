package io.junction.api.config;

import io.junction.bridge.BridgeConfig;
import java.time.Duration;

/** The whole validated configuration, immutable. */
public record JunctionConfig(
        Http http,
        Admin admin,
        BridgeConfig bridge,
        Signaling signaling,
        Demo demo,
        Check check,
        Whep whep,
        Turn turn,
        Cluster cluster,
        Duration shutdownGracePeriod) {

    /**
     * Cluster membership and placement through Redis ({@code redis} empty: this bridge runs alone).
     * {@code adminUrl}/{@code publicUrl}: how the other bridges and clients reach this one (empty:
     * derived from the configured hosts and the bound ports).
     */
    public record Cluster(String redis, String bridgeId, String region, String adminUrl, String publicUrl,
                          Duration heartbeat, Duration ttl, int maxEndpoints, boolean relay) {
        public boolean enabled() {
            return !redis.isEmpty();
        }
    }

    /**
     * Public HTTP server. {@code publicBaseUrl} is empty or an http(s) URL without trailing slash;
     * {@code requestTimeout} and {@code maxConnectionsPerAddress} hold for both ports.
     */
    public record Http(String host, int port, String publicBaseUrl, Duration requestTimeout,
                       int maxConnectionsPerAddress) {}

    /**
     * Admin HTTP server; an empty {@code apiKey} disables authentication (loopback only), and then
     * only IP-literal, "localhost" and {@code allowedHosts} Host headers are answered.
     */
    public record Admin(String host, int port, String apiKey, java.util.List<String> allowedHosts) {}

    /** Who may use open rooms (anonymous joins by room name). */
    public enum OpenRooms { OFF, LOOPBACK, ON }

    /** The demo's open rooms and their limits. */
    public record Demo(OpenRooms openRooms, int maxOpenRooms, int joinBurst, double joinRate) {}

    /**
     * The connection check ({@code POST /v1/check}, the {@code /check} page): anyone may open a media
     * session alone in a conference of its own, at most {@code maxConcurrent} at once, each removed
     * after {@code maxDuration}; joins count against the open rooms' per-address rate.
     */
    public record Check(boolean enabled, int maxConcurrent, Duration maxDuration) {}

    /**
     * WHEP playback ({@code POST /v1/whep/{room}}): at most {@code maxViewersPerRoom} viewers in one
     * conference (409 beyond), and at most {@code maxAnonymousPerAddress} viewers without a token from
     * one client address (429 beyond).
     */
    public record Whep(int maxViewersPerRoom, int maxAnonymousPerAddress) {}

    /**
     * TURN servers handed to clients ({@code turn:}/{@code turns:} URLs), with credentials made from
     * coturn's {@code static-auth-secret} and valid for {@code ttl}; no servers: no TURN.
     */
    public record Turn(java.util.List<String> servers, String secret, Duration ttl) {
        public boolean enabled() {
            return !servers.isEmpty();
        }
    }

    /** Join tokens; an empty secret means a random per-process secret. */
    public record Signaling(Duration tokenTtl, String tokenSecret, Duration reconnectGrace) {}
}
