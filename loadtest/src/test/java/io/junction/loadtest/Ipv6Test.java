package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.JunctionServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Media over IPv6: a bridge whose media port listens on ::1 advertises an IPv6 host candidate, and
 * synthetic clients on ::1 connect (ICE, DTLS, SRTP) and get everything forwarded.
 */
class Ipv6Test {
    @Test
    void mediaFlowsOverIpv6Loopback() throws Exception {
        JunctionServer server = TestBridge.start(
                "junction.media { port = 0, tcp-port = 0, bind-address = \"::1\", addresses = [\"::1\"] }\n");
        try {
            assertEquals("::1", server.bridge().media().port().candidates().get(0).address().replace("0:0:0:0:0:0:0:1", "::1"));
            Options o = Options.parse("--admin", "http://127.0.0.1:" + server.adminPort(), "--conferences", "1",
                    "--publishers", "2", "--subscribers", "1", "--duration", "3", "--video-bitrate", "300k",
                    "--no-baseline", "--ipv6", "--quiet");
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            Report r = new LoadRun(o, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();
            System.out.print(r.text());
            assertEquals(3, r.connected(), r.text() + progress);
            assertTrue(r.forwardedPackets() > 300, r.text());
            assertEquals(0, r.lostPackets(), r.text());
            var media = server.bridge().media().counters();
            assertTrue(media.sendCallDatagrams.sum() >= r.forwardedPackets(), "sent natively over IPv6: "
                    + media.sendCallDatagrams.sum() + " datagrams, " + r.forwardedPackets() + " forwarded");
            assertEquals(0, media.sendErrors.sum());
        } finally {
            server.stop();
        }
    }
}
