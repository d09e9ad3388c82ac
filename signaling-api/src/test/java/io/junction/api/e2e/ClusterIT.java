package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import io.junction.api.cluster.RedisServer;
import org.junit.jupiter.api.Test;

/**
 * Two bridges in a cluster (a real redis-server on loopback) and real Chromium: a participant who
 * opens bridge A's demo page and one who opens bridge B's, same room name, are in one room and
 * decode each other (the room lives on the bridge that created it; B's page is sent there).
 */
class ClusterIT extends BrowserTest {
    private static TestServer bridge(RedisServer redis, String id) throws Exception {
        return TestServer.start("junction.signaling.token-secret = \"cluster-it-secret-0123456789abcdef\"\n"
                + "junction.cluster { redis = \"" + redis.url() + "\", bridge-id = \"" + id + "\", heartbeat = 200ms, ttl = 1s }\n");
    }

    @Test
    void theDemoPagesOfTwoBridgesJoinOneRoom() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a"); TestServer b = bridge(redis, "b")) {
            await("both bridges listed", 5000, () -> {
                try {
                    return TestServer.json(a.admin("GET", "/v1/cluster", null)).get("bridges").size() == 2;
                } catch (Exception e) {
                    return false;
                }
            });
            Participant ada = new Participant("Ada");
            participants.add(ada);
            ada.join(a.publicUrl(""), "cross");
            await("Ada joined on A", 20000, ada::joined);
            Participant bob = new Participant("Bob");
            participants.add(bob);
            bob.join(b.publicUrl(""), "cross");
            await("Bob joined through B", 20000, bob::joined);
            String adaId = ada.endpointId();
            String bobId = bob.endpointId();
            await("each decodes the other", 30000, () -> {
                Participant.Remote r1 = ada.remotes().get(bobId);
                Participant.Remote r2 = bob.remotes().get(adaId);
                return r1 != null && r1.framesDecoded() > 10 && r2 != null && r2.framesDecoded() > 10;
            });
            assertEquals(1, a.server.bridge().conferenceCount(), "one room, on the bridge that made it");
            assertEquals(2, a.server.bridge().endpointCount());
            assertEquals(0, b.server.bridge().conferenceCount());
            assertTrue(b.server.bridge().existingOpenRoom("cross").isEmpty());
            System.out.printf("cluster: Bob joined through B and decodes Ada on A (%d frames)%n",
                    bob.remotes().get(adaId).framesDecoded());
        }
    }
}
