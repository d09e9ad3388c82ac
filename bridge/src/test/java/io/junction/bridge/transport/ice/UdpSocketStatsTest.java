package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class UdpSocketStatsTest {
    /** Lines as Linux 6.x prints them (/proc/net/udp and /proc/net/udp6): port 10000 = 0x2710. */
    private static final String V4 =
            "  917: 0100007F:2710 00000000:0000 07 00000000:00000A80 00:00000000 00000000     0        0 123456 2 0000000000000000 4711";
    private static final String V6 =
            "  917: 00000000000000000000000001000000:2710 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 123457 2 0000000000000000 3";

    @Test
    void readsPortQueueAndDropsOfEachSocketLine() {
        assertEquals(new UdpSocketStats.Socket(10000, 0xA80, 4711), UdpSocketStats.parse(V4));
        assertEquals(new UdpSocketStats.Socket(10000, 0, 3), UdpSocketStats.parse(V6));
        assertNull(UdpSocketStats.parse("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops"),
                "the header line");
        assertNull(UdpSocketStats.parse("garbage"));
    }

    @Test
    void countsWhatTheKernelDroppedAtAnOverflowingSocket() throws Exception {
        Assumptions.assumeTrue(UdpSocketStats.receiveBufferMax() >= 0, "Linux /proc only");
        int unused;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            unused = gone.getLocalPort();
        }
        assertEquals(-1, UdpSocketStats.drops(unused), "no socket on that port: unknown, not 0");
        try (DatagramSocket victim = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket sender = new DatagramSocket()) {
            victim.setReceiveBufferSize(4096);
            int port = victim.getLocalPort();
            assertEquals(0, UdpSocketStats.drops(port));
            byte[] payload = new byte[1200];
            for (int i = 0; i < 2000; i++) {
                sender.send(new DatagramPacket(payload, payload.length, victim.getLocalSocketAddress()));
            }
            long drops = UdpSocketStats.drops(port);
            assertTrue(drops > 1000, "the kernel dropped most of 2000 datagrams at a 4 KiB buffer: " + drops);
            assertTrue(UdpSocketStats.receiveQueueBytes(port) > 0, "and holds the first ones");
            assertEquals(drops, UdpSocketStats.dropsAtAndBesides(port)[0], "the same count, split by port");
        }
    }
}
