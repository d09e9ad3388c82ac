package io.junction.api.config;

import io.junction.bridge.BridgeConfig;
import java.time.Duration;

/** The whole validated configuration, immutable. */
public record JunctionConfig(
        Http http,
        Admin admin,
        BridgeConfig bridge,
        Signaling signaling,
        boolean openRooms,
        Duration shutdownGracePeriod) {

    /** Public HTTP server. {@code publicBaseUrl} is empty or an http(s) URL without trailing slash. */
    public record Http(String host, int port, String publicBaseUrl) {}

    /** Admin HTTP server; an empty {@code apiKey} disables authentication (loopback only). */
    public record Admin(String host, int port, String apiKey) {}

    /** Join tokens; an empty secret means a random per-process secret. */
    public record Signaling(Duration tokenTtl, String tokenSecret) {}
}
