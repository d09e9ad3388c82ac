package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import io.junction.api.cluster.RedisServer;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.EndpointStatsView;
import io.junction.bridge.conference.RelayLink;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two bridges in a cluster (a real redis-server on loopback) and real Chromium, one room across both:
 * Ada and Cy open bridge A's demo page, Bob opens bridge B's. Each is served by the bridge it reached;
 * the bridges relay the room's media to each other (ICE, DTLS-SRTP, one relay each way), and everyone
 * decodes both others. Then Bob asks for 180 p at most and A sends only the low layers across. Then
 * Redis stops and comes back during the call (the call goes on; joins work again), and bridge B
 * stops: Bob leaves A's room, whose call goes on and which still takes joins.
 */
class ClusterIT extends BrowserTest {
    private static TestServer bridge(RedisServer redis, String id) throws Exception {
        return TestServer.start("junction.signaling.token-secret = \"cluster-it-secret-0123456789abcdef\"\n"
                + "junction.cluster { redis = \"" + redis.url() + "\", bridge-id = \"" + id + "\", heartbeat = 200ms, ttl = 1s }\n");
    }

    @Test
    void theDemoPagesOfTwoBridgesShareOneRoomOverRelays() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a"); TestServer b = bridge(redis, "b")) {
            awaitBridges(a, 2, "both bridges listed", 5000);
            Participant ada = new Participant("Ada");
            participants.add(ada);
            ada.join(a.publicUrl(""), "cross");
            await("Ada joined on A", 20000, ada::joined);
            Participant cy = new Participant("Cy");
            participants.add(cy);
            cy.join(a.publicUrl(""), "cross");
            Participant bob = new Participant("Bob");
            participants.add(bob);
            bob.join(b.publicUrl(""), "cross");
            await("Cy and Bob joined", 20000, () -> cy.joined() && bob.joined());
            String adaId = ada.endpointId();
            String bobId = bob.endpointId();
            String cyId = cy.endpointId();
            await("everyone decodes both others", 40000, () -> decodes(ada, bobId) && decodes(ada, cyId)
                    && decodes(cy, bobId) && decodes(cy, adaId) && decodes(bob, adaId) && decodes(bob, cyId));

            // each participant is served by the bridge it reached; the other bridge knows it as remote
            Conference onA = a.server.bridge().conferences().iterator().next();
            Conference onB = b.server.bridge().conferences().iterator().next();
            assertEquals(onA.id(), onB.id(), "one room: the same conference id on both bridges");
            assertTrue(onB.isMirror() && !onA.isMirror());
            assertEquals(2, a.server.bridge().endpointCount(), "Ada and Cy on A");
            assertEquals(1, b.server.bridge().endpointCount(), "Bob on B");
            assertTrue(onA.endpoint(bobId).orElseThrow().isRemote());
            assertTrue(onB.endpoint(adaId).orElseThrow().isRemote() && onB.endpoint(cyId).orElseThrow().isRemote());
            assertEquals("Ada", onB.endpoint(adaId).orElseThrow().displayName());

            // relays both ways, with traffic, in the metrics
            RelayLink fromA = onB.relayLinks().iterator().next();
            RelayLink fromB = onA.relayLinks().iterator().next();
            assertEquals("a", fromA.peer());
            assertEquals("b", fromB.peer());
            await("relay metrics above zero on both bridges", 10000, () -> metric(a, "junction_relay_bitrate_in", "b") > 0
                    && metric(a, "junction_relay_bitrate_out", "b") > 0 && metric(b, "junction_relay_bitrate_in", "a") > 0
                    && metric(b, "junction_relay_bitrate_out", "a") > 0);
            // the dashboard's relay and cluster panels query what a bridge of a cluster exports
            String scrape = a.admin("GET", "/metrics", null).body();
            com.fasterxml.jackson.databind.JsonNode grafana = TestServer.JSON.readTree(
                    java.nio.file.Path.of("..", "deploy", "grafana", "dashboards", "junction.json").toFile());
            int checked = 0;
            for (com.fasterxml.jackson.databind.JsonNode panel : grafana.get("panels")) {
                for (com.fasterxml.jackson.databind.JsonNode target : panel.get("targets")) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("junction_(relay|cluster)_[a-z0-9_]+")
                            .matcher(target.get("expr").asText());
                    while (m.find()) {
                        assertTrue(scrape.contains("\n" + m.group() + "{") || scrape.contains("\n" + m.group() + " "),
                                "panel '" + panel.get("title").asText() + "' queries " + m.group() + ", not exported");
                        checked++;
                    }
                }
            }
            assertTrue(checked >= 5, "relay and cluster metrics checked: " + checked);
            Endpoint relayToB = onA.relays().iterator().next();
            assertEquals("b", relayToB.relayPeer());
            await("A relays Ada's and Cy's high layer while Bob takes any", 20000, () -> forwardedLayers(relayToB) == 2 * 2);
            // feedback crosses the relay as from a browser: B's receiver reports give A a round-trip time,
            // B's transport-cc feedback drives A's estimate for the relay
            EndpointStatsView relayStats = relayToB.stats();
            assertTrue(relayStats.rttMs() != null && relayStats.rttMs() >= 0, "RTT over the relay: " + relayStats.rttMs());
            assertTrue(relayStats.transportCcFeedbackIn() > 0, "transport-cc feedback from B");
            assertTrue(relayStats.downlinkEstimateBps() != null && relayStats.downlinkEstimateBps() > 1_000_000,
                    "A's estimate for the relay: " + relayStats.downlinkEstimateBps());
            Thread.sleep(2000); // a few rate samples at the high layers
            double[] layers0 = layerRates(onA, adaId, cyId);
            double freeBps = meanOver2s(fromA::bitrateInBps);
            double[] layers1 = layerRates(onA, adaId, cyId);
            double[] layers = {(layers0[0] + layers1[0]) / 2, (layers0[1] + layers1[1]) / 2};

            // Bob wants 180 p at most: A forwards only the lowest layer across
            bob.browser.js("window.junctionRoom.setConstraints({maxHeight: 180})");
            await("A relays only the low layers", 20000, () -> forwardedLayers(relayToB) == 0);
            Thread.sleep(2000);
            double lowBps = meanOver2s(fromA::bitrateInBps);
            // The relay sheds what the two high layers carry beyond the two low ones: as much as the
            // encoders put in them then (on a busy box Chromium may keep its top layer small).
            double shed = layers[0] - layers[1];
            System.out.printf("relay A->B: %.0f kbit/s with Bob free, %.0f kbit/s with Bob at 180p; Ada's and Cy's top"
                    + " layers %.0f kbit/s, lowest %.0f kbit/s%n", freeBps / 1000, lowBps / 1000, layers[0] / 1000, layers[1] / 1000);
            assertTrue(freeBps - lowBps > shed / 2, "relay bitrate dropped by at least half of what the top"
                    + " layers carry beyond the lowest (" + shed + "): " + freeBps + " -> " + lowBps);
            long framesBefore = bob.remotes().get(adaId).framesDecoded();
            await("Bob still decodes Ada", 10000, () -> bob.remotes().get(adaId).framesDecoded() > framesBefore + 20);
            assertTrue(bob.remotes().get(adaId).videoWidth() > 0);

            // Redis stops during the call: the relayed call goes on; back, a join through B is relayed again
            redis.stop();
            long duringOutage = bob.remotes().get(adaId).framesDecoded();
            await("Bob decodes Ada with Redis down", 10000, () -> bob.remotes().get(adaId).framesDecoded() > duringOutage + 30);
            assertEquals(503, b.publicRequest("POST", "/v1/rooms/elsewhere/join", "{}").statusCode(),
                    "a new room cannot be placed without Redis");
            redis.start();
            await("joins through B work again", 10000, () -> {
                try {
                    var r = b.publicRequest("POST", "/v1/rooms/cross/join", "{}");
                    return r.statusCode() == 200 && TestServer.json(r).get("conferenceId").asText().equals(onA.id());
                } catch (Exception e) {
                    return false;
                }
            });

            // bridge B goes away: A's participants see Bob leave, the room goes on and takes new joins on A
            long stopped = System.nanoTime();
            b.close();
            await("Bob gone from A", 10000, () -> onA.endpoint(bobId).isEmpty());
            System.out.printf("bridge B stopped: Bob left A's room after %d ms%n", (System.nanoTime() - stopped) / 1_000_000);
            assertTrue(onA.relayLinks().isEmpty() && onA.relays().isEmpty(), "no relay left toward B");
            var again = a.publicRequest("POST", "/v1/rooms/cross/join", "{}");
            assertEquals(200, again.statusCode(), again.body());
            assertEquals(onA.id(), TestServer.json(again).get("conferenceId").asText());
            long before = ada.remotes().get(cyId).framesDecoded();
            await("Ada still decodes Cy", 10000, () -> ada.remotes().get(cyId).framesDecoded() > before + 20);
        }
    }

    /**
     * Three bridges, one participant on each: every bridge relays with both others (six relays), each
     * participant decodes both others, and nothing comes twice (a bridge relays only its own
     * participants' tracks, never what reached it over a relay).
     */
    @Test
    void threeBridgesRelayAFullMeshWithoutLoops() throws Exception {
        try (RedisServer redis = new RedisServer(); TestServer a = bridge(redis, "a"); TestServer b = bridge(redis, "b");
             TestServer c = bridge(redis, "c")) {
            awaitBridges(a, 3, "three bridges listed", 5000);
            TestServer[] bridges = {a, b, c};
            Participant[] people = new Participant[3];
            for (int i = 0; i < 3; i++) {
                people[i] = new Participant("P" + i);
                participants.add(people[i]);
                people[i].join(bridges[i].publicUrl(""), "mesh");
                Participant p = people[i];
                await(p.name + " joined", 20000, p::joined);
            }
            await("everyone decodes both others", 40000, () -> {
                for (Participant p : people) {
                    for (Participant q : people) {
                        if (p != q && !decodes(p, q.endpointId())) {
                            return false;
                        }
                    }
                }
                return true;
            });
            for (TestServer t : bridges) {
                Conference conf = t.server.bridge().conferences().iterator().next();
                assertEquals(2, conf.relays().size(), "a relay endpoint for each other bridge");
                assertEquals(2, conf.relayLinks().size(), "a link from each other bridge");
                assertEquals(3, conf.endpoints().size(), "three participants, each once");
                for (Endpoint relay : conf.relays()) {
                    assertEquals(2, relay.stats().outbound().size(),
                            "a relay carries its bridge's own participant (audio, video), nothing relayed: "
                                    + relay.stats().outbound());
                }
            }
            for (Participant p : people) {
                assertEquals(2, p.remoteVideoIds().size(), p.name + " shows each other once: " + p.remoteVideoIds());
            }
        }
    }

    /**
     * Bridge B is another process on a host of its own (a network namespace the test makes, joined to
     * the test's by a veth pair: A at 198.18.0.1, B at 198.18.0.2) and is killed with SIGKILL mid-call:
     * A's participant sees B's participant leave within the cluster's TTL, and a newcomer joining
     * through A gets into the room.
     */
    @Test
    void aBridgeOnAnotherHostKilledMidCallLeavesTheOthersInTheRoom() throws Exception {
        String aHost = VethNamespace.PARENT_ADDRESS;
        String bHost = VethNamespace.CHILD_ADDRESS;
        String secrets = "junction.signaling.token-secret = \"cluster-it-secret-0123456789abcdef\"\n"
                + "junction.admin.api-key = \"cluster-it-admin-key\"\njunction.demo.open-rooms = true\n";
        try (VethNamespace veth = new VethNamespace(); RedisServer redis = new RedisServer(List.of(aHost))) {
            int[] ap = freePorts(aHost);
            String cluster = "junction.cluster { redis = \"" + redis.url(aHost) + "\", heartbeat = 200ms, ttl = 1s";
            try (TestServer a = TestServer.start(secrets
                    + "junction.http { host = \"0.0.0.0\", port = " + ap[0] + " }\n"
                    + "junction.admin { host = \"0.0.0.0\", port = " + ap[1] + " }\n"
                    + "junction.media { bind-address = \"0.0.0.0\", addresses = [\"127.0.0.1\", \"" + aHost + "\"] }\n"
                    + cluster + ", bridge-id = \"a\", public-url = \"http://" + aHost + ":" + ap[0]
                    + "\", admin-url = \"http://" + aHost + ":" + ap[1] + "\" }\n")) {
                java.nio.file.Path conf = java.nio.file.Files.createTempFile("junction-b", ".conf");
                java.nio.file.Path log = java.nio.file.Files.createTempFile("junction-b", ".log");
                int port = Browser.VETH_PAGE_PORT;
                java.nio.file.Files.writeString(conf, secrets
                        + "junction.http { host = \"" + bHost + "\", port = " + port + " }\n"
                        + "junction.admin { host = \"" + bHost + "\", port = " + (port + 1) + " }\n"
                        + "junction.media { port = " + (port + 2) + ", tcp-port = 0, bind-address = \"" + bHost
                        + "\", addresses = [\"" + bHost + "\"] }\n"
                        + cluster + ", bridge-id = \"b\" }\n");
                List<String> cmd = new java.util.ArrayList<>(io.junction.api.ChildJvm.junction("--config", conf.toString()).command());
                Process b = veth.startInChild(log, cmd.toArray(new String[0]));
                try {
                    String bPage = "http://" + bHost + ":" + port;
                    awaitBridges(a, 2, "bridge B up and in the cluster", 30000);
                    Participant ada = new Participant("Ada");
                    participants.add(ada);
                    ada.join("http://127.0.0.1:" + ap[0], "kill"); // a loopback page may use the camera
                    await("Ada joined on A", 20000, ada::joined);
                    Participant bob = new Participant("Bob");
                    participants.add(bob);
                    bob.join(bPage, "kill");
                    await("Bob joined on B", 20000, bob::joined);
                    String bobId = bob.endpointId();
                    String adaId = ada.endpointId();
                    await("each decodes the other across the relay", 30000, () -> decodes(ada, bobId) && decodes(bob, adaId));
                    Conference onA = a.server.bridge().conferences().iterator().next();
                    String relayPair = onA.relayLinks().iterator().next().selectedPair();
                    assertTrue(relayPair.contains(aHost) && relayPair.contains(bHost), "the relay runs over the veth: " + relayPair);
                    participants.remove(bob);
                    bob.close();

                    long killed = System.nanoTime();
                    b.destroyForcibly(); // SIGKILL
                    await("Ada's page drops Bob", 10000, () -> !ada.remoteVideoIds().contains(bobId) && onA.endpoint(bobId).isEmpty());
                    long ms = (System.nanoTime() - killed) / 1_000_000;
                    System.out.printf("bridge B killed: Bob gone from Ada's page after %d ms (TTL 1000 ms)%n", ms);
                    assertTrue(ms < 1000 + 1500, "within the TTL (and a heartbeat): " + ms + " ms");
                    Participant cy = new Participant("Cy");
                    participants.add(cy);
                    cy.join("http://127.0.0.1:" + ap[0], "kill");
                    await("Cy joined through A", 20000, cy::joined);
                    String cyId = cy.endpointId();
                    await("Ada and Cy decode each other", 30000, () -> decodes(ada, cyId) && decodes(cy, adaId));
                } finally {
                    b.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                    java.nio.file.Files.deleteIfExists(conf);
                    java.nio.file.Files.deleteIfExists(log);
                }
            }
        }
    }

    private static int[] freePorts(String host) throws java.io.IOException {
        int[] out = new int[3];
        java.net.InetAddress at = java.net.InetAddress.getByName(host);
        try (java.net.ServerSocket h = new java.net.ServerSocket(0, 1, at);
             java.net.ServerSocket ad = new java.net.ServerSocket(0, 1, at);
             java.net.DatagramSocket m = new java.net.DatagramSocket(0, at)) {
            out[0] = h.getLocalPort();
            out[1] = ad.getLocalPort();
            out[2] = m.getLocalPort();
        }
        return out;
    }

    /** Waits until {@code a} lists {@code count} bridges in the cluster. */
    private static void awaitBridges(TestServer a, int count, String what, long timeoutMs) throws InterruptedException {
        await(what, timeoutMs, () -> {
            try {
                return TestServer.json(a.admin("GET", "/v1/cluster", null)).get("bridges").size() == count;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** The mean of five readings of a rate, half a second apart. */
    private static double meanOver2s(java.util.function.DoubleSupplier rate) throws InterruptedException {
        double sum = 0;
        for (int i = 0; i < 5; i++) {
            if (i > 0) {
                Thread.sleep(500);
            }
            sum += rate.getAsDouble();
        }
        return sum / 5;
    }

    /** What {@code ids} publish on {@code bridge} now in their top ("f") and lowest ("q") simulcast layers, bit/s summed: {top, lowest}. */
    private static double[] layerRates(Conference bridge, String... ids) {
        double top = 0;
        double lowest = 0;
        for (String id : ids) {
            for (EndpointStatsView.Inbound in : bridge.endpoint(id).orElseThrow().stats().inbound()) {
                if ("video".equals(in.kind()) && "f".equals(in.rid())) {
                    top += in.bitrateBps();
                } else if ("video".equals(in.kind()) && "q".equals(in.rid())) {
                    lowest += in.bitrateBps();
                }
            }
        }
        return new double[] {top, lowest};
    }

    /** The layers A forwards over its relay for the two video tracks, summed (0: both lowest; 4: both highest of three). */
    private static int forwardedLayers(Endpoint relay) {
        int sum = 0;
        int videos = 0;
        for (EndpointStatsView.Outbound o : relay.stats().outbound()) {
            if (o.kind().equals("video") && o.forwardedLayer() != null) {
                sum += o.forwardedLayer();
                videos++;
            }
        }
        return videos == 2 ? sum : -1;
    }

    private static boolean decodes(Participant p, String remoteId) {
        Participant.Remote r = p.remotes().get(remoteId);
        return r != null && r.framesDecoded() > 10;
    }

    private static double metric(TestServer s, String name, String peer) {
        try {
            String text = s.admin("GET", "/metrics", null).body();
            for (String line : text.split("\n")) {
                if (line.startsWith(name) && line.contains("peer=\"" + peer + "\"")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return 0;
    }
}
