package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.BridgeConfig;
import io.junction.bridge.stats.MediaCounters;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ICE-TCP listener (ice4j's TCP harvester as {@link MediaPort} sets it up on loopback): every new
 * connection is read at once. It once ran two read threads on one selector, and a new connection then
 * waited up to 7.5 s (ice4j's select timeout) before its first STUN request was read: ICE over TCP
 * took 9 or 18 s instead of under one, and failed the DTLS timeout under load.
 */
class IceTcpListenerTest {

    private static BridgeConfig withTcp(int tcpPort) {
        BridgeConfig d = BridgeConfig.loopbackDefaults(0);
        return new BridgeConfig(0, tcpPort, d.mediaBindAddress(), d.advertisedAddresses(), d.publicIp(), d.stunServers(),
                d.staticMappings(), d.iceConsentTimeout(), d.iceConnectTimeout(), d.dtlsHandshakeTimeout(), d.srtpCrypto(),
                d.maxConferences(), d.maxEndpointsPerConference(), d.emptyConferenceTimeout(), d.packetWorkers(),
                d.maxPublisherBitrateBps(), d.forwarding());
    }

    private static long readThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("TcpHarvester ReadThread")).count();
    }

    @Test
    void everyNewConnectionIsReadWithinASecond() throws Exception {
        int tcpPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tcpPort = free.getLocalPort();
        }
        long threadsBefore = readThreads();
        try (MediaPort port = new MediaPort(withTcp(tcpPort), new MediaCounters())) {
            assertEquals(tcpPort, port.tcpPort());
            assertEquals(threadsBefore + 1, readThreads(), "one read thread for the listener");
            assertTrue(port.candidates().stream().anyMatch(LocalCandidateInfo::tcp), "a TCP candidate is advertised");
            // A framed datagram that is not a STUN request with a known ufrag: the listener reads it and
            // closes the connection. How long that takes is how long a real client's first check waits.
            byte[] frame = new byte[2 + 98];
            frame[1] = 98;
            for (int i = 2; i < frame.length; i++) {
                frame[i] = (byte) i;
            }
            long worstMs = 0;
            for (int i = 0; i < 12; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
                    s.setSoTimeout(10_000);
                    long start = System.nanoTime();
                    OutputStream out = s.getOutputStream();
                    out.write(frame);
                    out.flush();
                    InputStream in = s.getInputStream();
                    int r;
                    try {
                        r = in.read();
                    } catch (java.net.SocketException reset) {
                        r = -1; // closed with a reset: also an answer
                    }
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    assertEquals(-1, r, "the listener closes a connection whose first datagram is no known check");
                    worstMs = Math.max(worstMs, ms);
                }
                Thread.sleep(20 + 37L * (i % 4)); // land the next connection at different points of the select
            }
            System.out.println("ice-tcp listener: slowest first read of 12 connections " + worstMs + " ms");
            assertTrue(worstMs < 1000, "a new connection waited " + worstMs + " ms for its first read");
        }
    }
}
