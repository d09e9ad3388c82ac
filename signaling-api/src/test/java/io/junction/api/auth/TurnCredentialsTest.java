package io.junction.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.api.config.JunctionConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** coturn's shared-secret credentials (its TURN REST API scheme); the real coturn accepting them is TurnIT. */
class TurnCredentialsTest {
    @Test
    void usernameIsExpiryAndEndpointPasswordIsHmacSha1() {
        JunctionConfig.Turn cfg = new JunctionConfig.Turn(List.of("turn:198.18.0.1:3478?transport=udp",
                "turns:turn.example.com:443?transport=tcp"), "coturn-shared-secret-0123", Duration.ofHours(24));
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
        TurnCredentials t = new TurnCredentials(cfg, clock);
        assertEquals("1700086400:e1", t.username("e1"));
        // computed independently (Python: base64(hmac.new(secret, username, sha1).digest()))
        assertEquals("jLd3Z6Oo5HQt8Q0KepmZ2jszeYo=", TurnCredentials.password("coturn-shared-secret-0123", "1700086400:e1"));
        ObjectNode welcome = new ObjectMapper().createObjectNode();
        t.addIceServers(welcome, "e1");
        assertEquals("{\"iceServers\":[{\"urls\":[\"turn:198.18.0.1:3478?transport=udp\",\"turns:turn.example.com:443?transport=tcp\"],"
                + "\"username\":\"1700086400:e1\",\"credential\":\"jLd3Z6Oo5HQt8Q0KepmZ2jszeYo=\"}]}", welcome.toString());
    }
}
