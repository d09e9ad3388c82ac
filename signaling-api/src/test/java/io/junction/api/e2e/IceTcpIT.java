package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ICE over TCP (RFC 6544 passive, RFC 4571 framing) in real Chromium: with UDP to the media port
 * dropped for a participant (nft, in the test's own namespace: a firewall that lets only TCP out),
 * it connects over the bridge's TCP candidate and media flows both ways through the same packet path;
 * the metrics count the TCP endpoint. On failure it prints the bridge's per-endpoint stats and the
 * media metrics beside each browser's send/receive summary.
 */
class IceTcpIT extends BrowserTest {
    private void printMetrics() throws Exception {
        for (String line : t.admin("GET", "/metrics", null).body().split("\n")) {
            if (line.matches("junction_(layer_switches|keyframe|ice_tcp|rtcp_feedback|send_errors|dropped_packets|retransmissions|probe_clusters).*")
                    && !line.endsWith(" 0.0")) {
                System.out.println("[metrics] " + line);
            }
        }
    }

    @Test
    void withUdpBlockedMediaFlowsOverTcp() throws Exception {
        int tcpPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tcpPort = free.getLocalPort();
        }
        t.close();
        t = TestServer.start("junction.media.tcp-port = " + tcpPort);
        int udpPort = t.server.bridge().mediaPort();
        Participant direct = join("Udp", "tcp");
        await("Udp connected", 20000, () -> direct.joined() && direct.localCandidate().get("protocol") != null);
        Map<String, Object> udpPair = direct.localCandidate();
        assertEquals("udp", udpPair.get("protocol"), "UDP is preferred while it works");
        LossIT.run("nft", "add", "table", "inet", "junction_tcp");
        try {
            // UDP to the media port is dropped for everyone but the participant already in
            LossIT.run("nft", "add", "chain", "inet", "junction_tcp", "in", "{ type filter hook input priority 0 ; }");
            LossIT.run("nft", "add", "rule", "inet", "junction_tcp", "in", "udp", "dport", Integer.toString(udpPort),
                    "udp", "sport", "!=", String.valueOf(udpPair.get("port")), "drop");
            Participant blocked = join("Tcp", "tcp");
            await("Tcp joined", 20000, blocked::joined);
            String idTcp = blocked.endpointId();
            String idUdp = direct.endpointId();
            await("Tcp connected over TCP", 30000, () -> "tcp".equals(blocked.localCandidate().get("protocol")));
            await("Udp decodes the TCP participant", 30000, () -> {
                Participant.Remote r = direct.remotes().get(idTcp);
                return r != null && r.framesDecoded() > 30;
            });
            await("the TCP participant decodes Udp", 30000, () -> {
                Participant.Remote r = blocked.remotes().get(idUdp);
                return r != null && r.framesDecoded() > 30;
            });
            assertEquals(2, t.server.bridge().endpointCount());
            String metrics = t.admin("GET", "/metrics", null).body();
            assertTrue(metrics.contains("\njunction_ice_tcp_connections_total 1.0"), "the TCP endpoint is counted, once");
        } catch (AssertionError e) {
            printMetrics();
            for (var c : t.server.bridge().conferences()) {
                System.out.println("[bridge] " + t.admin("GET", "/v1/conferences/" + c.id() + "/stats", null).body());
            }
            throw e;
        } finally {
            LossIT.run("nft", "delete", "table", "inet", "junction_tcp");
        }
    }
}
