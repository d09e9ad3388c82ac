package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.JunctionServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The load report tells video the bridge withheld from the packets lost on the way: a bridge that
 * may send each receiver at most 300 kbit/s gets 500 kbit/s single-layer publishers, so it forwards
 * their audio and none of their video. What did not arrive is then the video, and the report counts
 * all of it as withheld by the bridge (what the capacity runs lose at saturation, docs/performance.md).
 */
class WithheldVideoTest {
    @Test
    void videoABridgeWithholdsIsReportedAsItsChoiceNotAsLossOnTheWay() throws Exception {
        JunctionServer server = TestBridge.start(TestBridge.LOOPBACK_MEDIA
                + "junction.forwarding { start-bitrate = 300k, max-bitrate = 300k }\n");
        try {
            Options options = Options.parse("--admin", "http://127.0.0.1:" + server.adminPort(), "--conferences", "1",
                    "--publishers", "2", "--subscribers", "1", "--duration", "5", "--video-bitrate", "500k", "--no-baseline");
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            Report r = new LoadRun(options, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();
            String text = r.text();
            System.out.print(text);

            assertEquals(3, r.connectedAtEnd(), "every endpoint stays connected: " + r.failures());
            assertEquals(0, r.sequenceGaps(), "what was forwarded arrived in sequence: " + text);
            long undelivered = r.fanOutPackets() - r.forwardedPackets();
            assertTrue(undelivered > 500, "the video does not reach the receivers: " + text);
            assertTrue(r.forwardedPackets() > 400, "the audio does: " + text);
            // Each withheld packet is one the receivers do not get: the same packets, counted by the
            // bridge and by the clients (a margin for the edges of the measured time).
            double share = r.videoNotForwardedByChoice() / (double) undelivered;
            assertTrue(share > 0.9 && share < 1.1, "what did not arrive is video the bridge withheld: " + text);
            assertTrue(text.contains("withheld by the bridge"), text);
        } finally {
            server.stop();
        }
    }
}
