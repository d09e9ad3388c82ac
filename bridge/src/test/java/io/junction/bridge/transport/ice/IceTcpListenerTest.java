package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * The ICE-TCP listening side as {@link MediaPort} sets it up on loopback ({@link IceTcpListener} in
 * front of ice4j's TCP harvester), over real TCP connections: every new connection is read at once
 * (ice4j's listener once ran two read threads on one selector, and a new connection then waited up
 * to 7.5 s before its first STUN request was read: ICE over TCP took 9 or 18 s instead of under one,
 * and failed the DTLS timeout under load), a first frame that is no verified check closes the
 * connection, and idle or excess connections cannot pile up.
 */
class IceTcpListenerTest {

    private static BridgeConfig withTcp(int tcpPort) {
        BridgeConfig d = BridgeConfig.loopbackDefaults(0);
        return new BridgeConfig(0, tcpPort, d.mediaBindAddress(), d.advertisedAddresses(), d.publicIp(), d.stunServers(),
                d.staticMappings(), d.iceConsentTimeout(), d.iceConnectTimeout(), d.dtlsHandshakeTimeout(), d.srtpCrypto(),
                d.maxConferences(), d.maxEndpointsPerConference(), d.emptyConferenceTimeout(), d.packetWorkers(),
                d.maxPublisherBitrateBps(), d.forwarding());
    }

    private static int freeTcpPort() throws Exception {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return free.getLocalPort();
        }
    }

    /** Reads until the bridge closes the connection: -1 (or a reset) within the socket's timeout. */
    private static int readEnd(Socket s) throws Exception {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    @Test
    void idleConnectionsAreClosedAndLimitedPerAddress() throws Exception {
        int tcpPort = freeTcpPort();
        MediaCounters counters = new MediaCounters();
        try (MediaPort port = new MediaPort(withTcp(tcpPort), counters)) {
            java.util.List<Socket> idle = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < IceTcpListener.MAX_PENDING_PER_ADDRESS; i++) {
                    idle.add(new Socket(InetAddress.getLoopbackAddress(), tcpPort));
                }
                // one more from the same address: closed at once, counted
                try (Socket extra = new Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
                    extra.setSoTimeout(3000);
                    long start = System.nanoTime();
                    assertEquals(-1, readEnd(extra), "the connection over the per-address limit is closed");
                    assertTrue((System.nanoTime() - start) / 1_000_000 < 2000);
                }
                assertEquals(1, counters.iceTcpRefused.sum());
                // the idle ones are closed once their first check is overdue
                long start = System.nanoTime();
                for (Socket s : idle) {
                    s.setSoTimeout(10_000);
                    assertEquals(-1, readEnd(s), "an idle connection is closed");
                }
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertTrue(ms >= IceTcpListener.FIRST_CHECK_TIMEOUT_MS - 1500 && ms < IceTcpListener.FIRST_CHECK_TIMEOUT_MS + 2000,
                        "closed after the first-check timeout: " + ms + " ms");
                assertEquals(1 + IceTcpListener.MAX_PENDING_PER_ADDRESS, counters.iceTcpRefused.sum());
                // and the address may connect again
                try (Socket again = new Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
                    again.setSoTimeout(500);
                    assertThrows(java.net.SocketTimeoutException.class, () -> again.getInputStream().read(),
                            "a new connection waits for its first check");
                }
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aForgedCheckNamingALiveUfragIsRefused() throws Exception {
        int tcpPort = freeTcpPort();
        MediaCounters counters = new MediaCounters();
        try (MediaPort port = new MediaPort(withTcp(tcpPort), counters)) {
            port.register("liveufrag", "the-real-password-0123456789");
            // a binding request naming the live ufrag, signed with the wrong password
            byte[] check = bindingRequest("liveufrag:peer", "wrong");
            assertEquals("liveufrag", IceTcpListener.localUfrag(check));
            sendFirstFrame(tcpPort, check);
            assertEquals(1, counters.drops(io.junction.bridge.stats.DropReason.STUN_UNAUTHENTICATED));
            assertEquals(0, counters.iceTcpRefused.sum());
            // signed with the right one it passes the gate and goes to ice4j (which has no agent for
            // this ufrag here, so it is refused there: counted apart)
            sendFirstFrame(tcpPort, bindingRequest("liveufrag:peer", "the-real-password-0123456789"));
            assertEquals(1, counters.drops(io.junction.bridge.stats.DropReason.STUN_UNAUTHENTICATED));
            assertEquals(1, counters.iceTcpRefused.sum());
        }
    }

    private static void sendFirstFrame(int tcpPort, byte[] check) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
            s.setSoTimeout(3000);
            byte[] frame = new byte[2 + check.length];
            frame[0] = (byte) (check.length >> 8);
            frame[1] = (byte) check.length;
            System.arraycopy(check, 0, frame, 2, check.length);
            s.getOutputStream().write(frame);
            assertEquals(-1, readEnd(s), "closed without an answer");
        }
    }

    /** A STUN binding request with USERNAME {@code username} and a MESSAGE-INTEGRITY keyed with {@code password}. */
    private static byte[] bindingRequest(String username, String password) throws Exception {
        byte[] u = username.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int uPadded = (u.length + 3) & ~3;
        int body = 4 + uPadded + 24;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(20 + body);
        b.putShort((short) 0x0001).putShort((short) body).putInt(0x2112A442);
        b.put(new byte[12]);
        b.putShort((short) 0x0006).putShort((short) u.length).put(u).put(new byte[uPadded - u.length]);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
        mac.init(new javax.crypto.spec.SecretKeySpec(password.getBytes(java.nio.charset.StandardCharsets.US_ASCII), "HmacSHA1"));
        mac.update(b.array(), 0, b.position());
        b.putShort((short) 0x0008).putShort((short) 20).put(mac.doFinal());
        return b.array();
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
            assertTrue(readThreads() <= threadsBefore + 1, "at most one ice4j read thread for the listener");
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
