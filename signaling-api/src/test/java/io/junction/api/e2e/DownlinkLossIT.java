package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 5 % random loss on everything the bridge sends (an nft rule in the test's own namespace): the
 * receiver NACKs, the bridge answers from its retransmission cache with RTX, video keeps decoding.
 * (Loss on the publisher → bridge leg needs the bridge to NACK publishers: not yet built.)
 */
class DownlinkLossIT {
    private static void nft(String... args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", args) + ": " + out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> videoIn(Participant p) {
        return (Map<String, Object>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => { let o = {nack: 0, frames: 0, lost: 0, freezes: 0};
                  s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') {
                    o = {nack: r.nackCount || 0, frames: r.framesDecoded || 0, lost: r.packetsLost || 0, freezes: r.freezeCount || 0}; } });
                  done(o); });
                """);
    }

    @Test
    void nacksAreAnsweredWithRtx() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start(); Participant a = new Participant("LossA"); Participant b = new Participant("LossB")) {
            a.join(t.publicUrl(""), "lossy");
            b.join(t.publicUrl(""), "lossy");
            CallIT.await("both joined", 15000, () -> a.joined() && b.joined());
            String ida = a.endpointId();
            CallIT.await("B decodes A", 20000, () -> {
                Participant.Remote r = b.remotes().get(ida);
                return r != null && r.framesDecoded() > 0;
            });
            int port = t.server.bridge().mediaPort();
            nft("nft", "add", "table", "inet", "junction_test");
            nft("nft", "add", "chain", "inet", "junction_test", "out", "{ type filter hook output priority 0 ; }");
            nft("nft", "add", "rule", "inet", "junction_test", "out", "udp", "sport", String.valueOf(port),
                    "numgen", "random", "mod", "100", "<", "5", "drop");
            try {
                Map<String, Object> before = videoIn(b);
                Thread.sleep(12_000);
                Map<String, Object> after = videoIn(b);
                long nacks = ((Number) after.get("nack")).longValue() - ((Number) before.get("nack")).longValue();
                long frames = ((Number) after.get("frames")).longValue() - ((Number) before.get("frames")).longValue();
                long rtx = t.server.bridge().media().counters().rtxSent.sum();
                long missing = t.server.bridge().media().counters().nackMissing.sum();
                System.out.printf("downlink 5%% loss, 12 s: receiver NACKs %d, bridge RTX sent %d (missing %d), frames decoded %d (%.1f fps), freezes %s%n",
                        nacks, rtx, missing, frames, frames / 12.0, after.get("freezes"));
                assertTrue(nacks > 0, "the receiver NACKed");
                assertTrue(rtx > 0, "the bridge answered with RTX");
                assertTrue(frames / 12.0 >= 10, "video keeps decoding: " + frames + " frames in 12 s");
            } finally {
                nft("nft", "delete", "table", "inet", "junction_test");
            }
            assertTrue(List.of(ida).size() == 1);
        }
    }
}
