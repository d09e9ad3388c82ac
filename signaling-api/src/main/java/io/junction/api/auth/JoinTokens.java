package io.junction.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Join tokens: {@code base64url(conferenceId "." endpointId "." expiryEpochSeconds) "." base64url(HMAC-SHA256)}.
 * Stateless: the signaling WebSocket accepts a token whose signature verifies and whose expiry is
 * in the future; it then still checks that the endpoint exists.
 */
public final class JoinTokens {
    /** A verified token's claims. */
    public record Claims(String conferenceId, String endpointId, long expiresAtEpochSeconds) {}

    /** Why a token was refused. */
    public static final class InvalidTokenException extends Exception {
        private final boolean expired;

        InvalidTokenException(String message, boolean expired) {
            super(message, null, false, false);
            this.expired = expired;
        }

        public boolean expired() {
            return expired;
        }
    }

    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    /** @param secret the configured secret, or empty for a random per-process secret */
    public JoinTokens(String secret, Duration ttl, Clock clock) {
        byte[] k;
        if (secret == null || secret.isEmpty()) {
            k = new byte[32];
            new SecureRandom().nextBytes(k);
        } else {
            k = secret.getBytes(StandardCharsets.UTF_8);
        }
        this.key = new SecretKeySpec(k, "HmacSHA256");
        this.ttl = ttl;
        this.clock = clock;
    }

    public Duration ttl() {
        return ttl;
    }

    public String issue(String conferenceId, String endpointId) {
        long exp = clock.instant().plus(ttl).getEpochSecond();
        String payload = conferenceId + "." + endpointId + "." + exp;
        byte[] payloadBytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENC.encodeToString(payloadBytes) + "." + ENC.encodeToString(mac(payloadBytes));
    }

    public Claims verify(String token) throws InvalidTokenException {
        return verify(token, false);
    }

    /**
     * A genuine token's claims even after it expired: only for resuming the signaling of an endpoint
     * that is still alive (see SignalingSocket), never for joining.
     */
    public Claims verifyIgnoringExpiry(String token) throws InvalidTokenException {
        return verify(token, true);
    }

    private Claims verify(String token, boolean ignoreExpiry) throws InvalidTokenException {
        if (token == null || token.isEmpty() || token.length() > 512) {
            throw new InvalidTokenException("invalid token", false);
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            throw new InvalidTokenException("invalid token", false);
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = DEC.decode(token.substring(0, dot));
            signature = DEC.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("invalid token", false);
        }
        if (!MessageDigest.isEqual(mac(payload), signature)) {
            throw new InvalidTokenException("invalid token", false);
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidTokenException("invalid token", false);
        }
        long exp;
        try {
            exp = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            throw new InvalidTokenException("invalid token", false);
        }
        if (!ignoreExpiry && clock.instant().getEpochSecond() >= exp) {
            throw new InvalidTokenException("token expired", true);
        }
        return new Claims(parts[0], parts[1], exp);
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
