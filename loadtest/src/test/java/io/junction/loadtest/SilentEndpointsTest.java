package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.JunctionServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Endpoints that send nothing but ICE consent checks stay: a live stream's viewers joining one by
 * one wait, connected, for the stream to start, and the first of them must not be expired as
 * silent meanwhile (the bridge's consent timeout counts the client's verified consent checks, RFC 7675,
 * as well as its media). Real bridge on loopback; the load tool's clients check consent every 2.5 s
 * and start their media only once everyone has joined. Twice: with the checks read on the packet
 * workers' own sockets (answered by the bridge), and read by ice4j (as over ICE-TCP).
 */
class SilentEndpointsTest {
    @ParameterizedTest(name = "native receive {0}")
    @ValueSource(booleans = {true, false})
    void endpointsThatOnlyCheckConsentOutliveTheConsentTimeout(boolean nativeReceive) throws Exception {
        JunctionServer server;
        System.setProperty("junction.native-receive", Boolean.toString(nativeReceive)); // read when the media port opens
        try {
            server = TestBridge.start(TestBridge.LOOPBACK_MEDIA + "junction.media.consent-timeout = 5s\n");
        } finally {
            System.clearProperty("junction.native-receive");
        }
        try {
            // 25 subscribers at 2.5 a second: the first ones wait about 10 s, twice the consent timeout,
            // before the publisher starts sending
            Options options = Options.parse("--admin", "http://127.0.0.1:" + server.adminPort(), "--conferences", "1",
                    "--publishers", "1", "--subscribers", "25", "--join-rate", "2.5", "--duration", "3",
                    "--video-bitrate", "200k", "--no-baseline");
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            Report r = new LoadRun(options, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();
            String text = r.text();
            System.out.print(text);
            assertEquals(26, r.connected(), "every endpoint connects: " + r.failures());
            assertEquals(26, r.connectedAtEnd(), "none expired while waiting: " + r.failures());
            assertTrue(r.deliveredPercentOfFanOut() > 99, "and the stream reaches them all: " + text);
            long answered = server.bridge().media().counters().stunAnswered.sum();
            if (nativeReceive) {
                assertTrue(answered >= 26, "consent checks answered by the bridge: " + answered);
            } else {
                assertEquals(0, answered, "consent checks left to ice4j");
            }
        } finally {
            server.stop();
        }
    }
}
