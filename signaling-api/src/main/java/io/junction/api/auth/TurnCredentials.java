package io.junction.api.auth;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.api.config.JunctionConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-limited TURN credentials in coturn's shared-secret scheme ({@code use-auth-secret}, the "TURN
 * REST API" of draft-uberti-behave-turn-rest): the username is {@code <expiry unix time>:<endpoint id>},
 * the password base64(HMAC-SHA1(secret, username)). coturn checks them with the same secret and
 * refuses them after the expiry; the secret itself never leaves the bridge.
 */
public final class TurnCredentials {
    private final JunctionConfig.Turn config;
    private final Clock clock;

    public TurnCredentials(JunctionConfig.Turn config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** Username for {@code endpointId}, valid until now + ttl. */
    String username(String endpointId) {
        long expiry = clock.instant().plus(config.ttl()).getEpochSecond();
        return expiry + ":" + endpointId;
    }

    static String password(String secret, String username) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The same servers as WHIP {@code Link} header values (RFC 9725 §4.6):
     * {@code <turn:…>; rel="ice-server"; username="…"; credential="…"; credential-type="password"}.
     */
    public java.util.List<String> linkHeaders(String endpointId) {
        String username = username(endpointId);
        String credential = password(config.secret(), username);
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String url : config.servers()) {
            out.add("<" + url + ">; rel=\"ice-server\"; username=\"" + username + "\"; credential=\"" + credential
                    + "\"; credential-type=\"password\"");
        }
        return out;
    }

    /** Adds {@code iceServers: [{urls, username, credential}]} for {@code endpointId} to {@code into}. */
    public void addIceServers(ObjectNode into, String endpointId) {
        String username = username(endpointId);
        ObjectNode server = into.putArray("iceServers").addObject();
        ArrayNode urls = server.putArray("urls");
        config.servers().forEach(urls::add);
        server.put("username", username);
        server.put("credential", password(config.secret(), username));
    }
}
