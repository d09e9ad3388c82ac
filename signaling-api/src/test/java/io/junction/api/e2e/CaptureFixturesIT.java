package io.junction.api.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.api.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * A capture tool, not a test: records what a real Chromium sends through the bridge (the bridge's
 * offer, Chromium's answer, decrypted RTP and RTCP) as hex fixtures for the parser tests. Runs only
 * with {@code -Djunction.captureDir=DIR}:
 * {@code mvn -pl signaling-api verify -Dit.test=CaptureFixturesIT -Djunction.captureDir=/tmp/capture}.
 * {@code -Djunction.captureQuery=&codec=vp9&svc=L3T3_KEY} adds demo-page parameters (another codec,
 * scalability mode) to both participants.
 */
class CaptureFixturesIT {
    @Test
    void capture() throws Exception {
        String dir = System.getProperty("junction.captureDir");
        assumeTrue(dir != null, "capture only on request");
        Path out = Path.of(dir);
        Files.createDirectories(out);
        ConcurrentLinkedQueue<String> rtp = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> rtcp = new ConcurrentLinkedQueue<>();
        try (TestServer t = TestServer.start(); Participant a = new Participant("CapA"); Participant b = new Participant("CapB")) {
            t.server.bridge().media().setTap((endpointId, isRtcp, buf, off, len) -> {
                var q = isRtcp ? rtcp : rtp;
                if (q.size() < 4000) {
                    q.add(HexFormat.of().formatHex(buf, off, off + len));
                }
            });
            String query = System.getProperty("junction.captureQuery", "");
            a.join(t.publicUrl(""), "capture", query);
            b.join(t.publicUrl(""), "capture", query);
            CallIT.await("both joined", 15000, () -> a.joined() && b.joined());
            Thread.sleep(8000);
            Files.writeString(out.resolve("chromium-senders.json"), String.valueOf(a.browser.js(
                    "return JSON.stringify(window.junctionRoom.pc.getTransceivers().map((t) => ({mid: t.mid, params: t.sender.getParameters()})))")));
            // Then 10 % loss both ways for 6 s, for the feedback Chromium sends only on loss (NACK, PLI),
            // and a closed peer connection, for its BYE.
            String port = String.valueOf(t.server.bridge().mediaPort());
            run("nft", "add", "table", "inet", "junction_capture");
            run("nft", "add", "chain", "inet", "junction_capture", "in", "{ type filter hook input priority 0 ; }");
            run("nft", "add", "rule", "inet", "junction_capture", "in", "udp", "sport", port,
                    "numgen", "random", "mod", "100", "<", "10", "drop");
            run("nft", "add", "rule", "inet", "junction_capture", "in", "udp", "dport", port,
                    "numgen", "random", "mod", "100", "<", "10", "drop");
            try {
                Thread.sleep(6000);
            } finally {
                run("nft", "delete", "table", "inet", "junction_capture");
            }
            a.browser.js("window.junctionRoom.pc.close();");
            Thread.sleep(1000);
            Files.writeString(out.resolve("bridge-offer.sdp"), (String) b.browser.js("return window.junctionRoom.pc.remoteDescription.sdp"));
            Files.writeString(out.resolve("chromium-answer.sdp"), (String) b.browser.js("return window.junctionRoom.pc.localDescription.sdp"));
            Files.writeString(out.resolve("chromium-errors.txt"), String.valueOf(b.browser.js("return JSON.stringify(window.junctionRoom.errors)")));
            Files.writeString(out.resolve("chromium-rtp.hex"), String.join("\n", rtp) + "\n");
            Files.writeString(out.resolve("chromium-rtcp.hex"), String.join("\n", rtcp) + "\n");
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed");
        }
    }
}
