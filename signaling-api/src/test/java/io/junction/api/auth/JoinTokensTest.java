package io.junction.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JoinTokensTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void issuedTokenVerifies() throws Exception {
        MutableClock clock = new MutableClock();
        JoinTokens t = new JoinTokens(SECRET, Duration.ofMinutes(10), clock);
        JoinTokens.Claims c = t.verify(t.issue("conf1", "ep1"));
        assertEquals("conf1", c.conferenceId());
        assertEquals("ep1", c.endpointId());
        assertEquals(clock.now.plusSeconds(600).getEpochSecond(), c.expiresAtEpochSeconds());
    }

    @Test
    void expiredTokenIsRefusedAsExpired() {
        MutableClock clock = new MutableClock();
        JoinTokens t = new JoinTokens(SECRET, Duration.ofMinutes(10), clock);
        String token = t.issue("c", "e");
        clock.now = clock.now.plusSeconds(599);
        assertTrue(assertDoesNotThrowClaims(t, token));
        clock.now = clock.now.plusSeconds(1);
        JoinTokens.InvalidTokenException e = assertThrows(JoinTokens.InvalidTokenException.class, () -> t.verify(token));
        assertTrue(e.expired());
    }

    private static boolean assertDoesNotThrowClaims(JoinTokens t, String token) {
        try {
            t.verify(token);
            return true;
        } catch (JoinTokens.InvalidTokenException e) {
            return false;
        }
    }

    @Test
    void tamperedPayloadOrSignatureIsRefused() {
        JoinTokens t = new JoinTokens(SECRET, Duration.ofMinutes(10), new MutableClock());
        String token = t.issue("conf1", "ep1");
        int dot = token.indexOf('.');
        String payload = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)));
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.replace("ep1", "ep2").getBytes())
                + token.substring(dot);
        JoinTokens.InvalidTokenException e = assertThrows(JoinTokens.InvalidTokenException.class, () -> t.verify(forged));
        assertFalse(e.expired());
        char last = token.charAt(token.length() - 1);
        String badSig = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
        assertThrows(JoinTokens.InvalidTokenException.class, () -> t.verify(badSig));
        for (String junk : new String[] {"", ".", "abc", "a.b.c", "!!!.???", token + "x"}) {
            assertThrows(JoinTokens.InvalidTokenException.class, () -> t.verify(junk), junk);
        }
    }

    @Test
    void tokenFromAnotherSecretIsRefused() {
        MutableClock clock = new MutableClock();
        String token = new JoinTokens(SECRET, Duration.ofMinutes(10), clock).issue("c", "e");
        JoinTokens other = new JoinTokens("another-secret-another-secret-xx", Duration.ofMinutes(10), clock);
        assertThrows(JoinTokens.InvalidTokenException.class, () -> other.verify(token));
        JoinTokens random = new JoinTokens("", Duration.ofMinutes(10), clock);
        assertThrows(JoinTokens.InvalidTokenException.class, () -> random.verify(token));
    }
}
