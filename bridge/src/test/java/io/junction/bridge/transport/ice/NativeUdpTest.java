package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The native send calls on real loopback sockets: the duplicate of a bound socket sends from that
 * socket's address and port (what a browser's ICE pair needs), batches arrive whole and in order,
 * and bad arguments are refused with an error code before any system call.
 */
class NativeUdpTest {
    private static final int EINVAL = 22;

    private static InetSocketAddress local(DatagramSocket s) {
        return (InetSocketAddress) s.getLocalSocketAddress();
    }

    private static DatagramSocket bound(String address) throws Exception {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0));
        s.setSoTimeout(2000);
        return s;
    }

    private static byte[] receive(DatagramSocket s, InetSocketAddress expectedFrom) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        s.receive(p);
        assertEquals(expectedFrom, p.getSocketAddress(), "source of the datagram");
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    @Test
    void sendsFromTheBoundSocketsAddressAndPort() throws Exception {
        assertNull(NativeUdp.problem());
        for (String family : new String[] {"127.0.0.1", "::1"}) {
            try (DatagramSocket media = bound(family); DatagramSocket peer = bound(family);
                    MediaSendSocket send = MediaSendSocket.open(local(media))) {
                byte[] payload = new byte[1200];
                new java.util.Random(7).nextBytes(payload);
                byte[] framed = new byte[1300];
                System.arraycopy(payload, 0, framed, 50, payload.length);
                assertEquals(1200, send.send(framed, 50, 1200, send.destination(local(peer))));
                assertArrayEquals(payload, receive(peer, local(media)), family);
            }
        }
    }

    @Test
    void theSendSocketSetsDontFragmentAndItsSendBuffer() throws Exception {
        for (String family : new String[] {"127.0.0.1", "::1"}) {
            try (DatagramSocket media = bound(family); DatagramSocket peer = bound(family);
                    MediaSendSocket send = MediaSendSocket.open(local(media))) {
                assertEquals(0, send.dontFragmentError(), family);
                // IP_PMTUDISC_PROBE on the socket ice4j bound (the descriptor is a duplicate of it): DF, IP ID 0
                assertEquals(3, send.mtuDiscovery(), family);
                // the send buffer it asked for, as far as net.core.wmem_max allows (the kernel reports twice the grant)
                long granted = Math.min(Ice4jSetup.SEND_BUFFER_BYTES, UdpSocketStats.sendBufferMax());
                assertTrue(send.sendBufferBytes() >= 2 * granted, family + ": SO_SNDBUF " + send.sendBufferBytes()
                        + " for a grant of " + granted);
                // and a full-size media datagram still goes out whole
                byte[] payload = new byte[1400];
                new java.util.Random(3).nextBytes(payload);
                assertEquals(1400, send.send(payload, 0, 1400, send.destination(local(peer))));
                assertArrayEquals(payload, receive(peer, local(media)), family);
            }
        }
    }

    @Test
    void dontFragmentCanBeTurnedOff() throws Exception {
        String before = System.getProperty("junction.dont-fragment");
        System.setProperty("junction.dont-fragment", "false");
        try (DatagramSocket media = bound("127.0.0.1"); MediaSendSocket send = MediaSendSocket.open(local(media))) {
            int mode = send.mtuDiscovery();
            assertTrue(mode >= 0 && mode != 3, "the socket keeps the kernel's default (WANT, 1, unless "
                    + "net.ipv4.ip_no_pmtu_disc says otherwise), not PROBE: " + mode);
        } finally {
            if (before == null) {
                System.clearProperty("junction.dont-fragment");
            } else {
                System.setProperty("junction.dont-fragment", before);
            }
        }
    }

    @Test
    void theMediaPortFindsItsOwnSocketsForSending() throws Exception {
        for (String address : new String[] {"127.0.0.1", "::1"}) {
            io.junction.bridge.BridgeConfig d = io.junction.bridge.BridgeConfig.loopbackDefaults(0);
            io.junction.bridge.BridgeConfig config = new io.junction.bridge.BridgeConfig(0, 0, address, java.util.List.of(address),
                    d.publicIp(), d.stunServers(), d.staticMappings(), d.iceConsentTimeout(), d.iceConnectTimeout(),
                    d.dtlsHandshakeTimeout(), d.srtpCrypto(), d.maxConferences(), d.maxEndpointsPerConference(),
                    d.emptyConferenceTimeout(), d.packetWorkers(), d.maxPublisherBitrateBps(), d.forwarding());
            try (MediaPort port = new MediaPort(config, new io.junction.bridge.stats.MediaCounters())) {
                assertTrue(port.sendsNatively(), address + ": " + port.sendPath());
                var local = port.harvesters().get(0).getLocalAddress();
                try (DatagramSocket peer = bound(address)) {
                    MediaSendSocket send = port.sendSocket(local);
                    assertEquals(4, send.send(new byte[] {1, 2, 3, 4}, 0, 4, send.destination(local(peer))));
                    assertArrayEquals(new byte[] {1, 2, 3, 4},
                            receive(peer, new InetSocketAddress(local.getAddress(), local.getPort())), address);
                }
            }
        }
    }

    @Test
    void findsNoSocketWhereNoneIsBound() throws Exception {
        int port;
        try (DatagramSocket s = bound("127.0.0.1")) {
            port = s.getLocalPort();
        }
        assertEquals(-NativeUdp.ENOENT, NativeUdp.openBound(NativeUdp.local(new InetSocketAddress("127.0.0.1", port))));
    }

    @Test
    void batchArrivesWholeAndInOrderAtSeveralDestinations() throws Exception {
        try (DatagramSocket media = bound("127.0.0.1"); DatagramSocket a = bound("127.0.0.1"); DatagramSocket b = bound("127.0.0.1");
                MediaSendSocket send = MediaSendSocket.open(local(media))) {
            int count = NativeUdp.MAX_BATCH;
            byte[] data = new byte[count * 1500];
            int[] offs = new int[count];
            int[] lens = new int[count];
            int[] destOffs = new int[count];
            byte[] dests = new byte[2 * NativeUdp.DEST];
            send.writeDestination(local(a), dests, 0);
            send.writeDestination(local(b), dests, NativeUdp.DEST);
            for (int i = 0; i < count; i++) {
                offs[i] = i * 1500 + 3;
                lens[i] = 100 + i;
                destOffs[i] = (i % 2) * NativeUdp.DEST;
                Arrays.fill(data, offs[i], offs[i] + lens[i], (byte) i);
            }
            assertEquals(count, sendEach(send, data, offs, lens, dests, destOffs, 0, count));
            for (int i = 0; i < count; i++) {
                byte[] got = receive(i % 2 == 0 ? a : b, local(media));
                assertEquals(100 + i, got.length, "datagram " + i);
                assertEquals((byte) i, got[0]);
                assertEquals((byte) i, got[got.length - 1]);
            }
            // from a later datagram on (what a batch does after a refused one)
            assertEquals(2, sendEach(send, data, offs, lens, dests, destOffs, count - 2, 2));
            assertEquals(100 + count - 2, receive(a, local(media)).length);
            assertEquals(100 + count - 1, receive(b, local(media)).length);
        }
    }

    @Test
    void refusesBadArgumentsWithoutSending() throws Exception {
        try (DatagramSocket media = bound("127.0.0.1"); DatagramSocket peer = bound("127.0.0.1");
                MediaSendSocket send = MediaSendSocket.open(local(media))) {
            byte[] dest = send.destination(local(peer));
            byte[] buf = new byte[100];
            assertEquals(-EINVAL, send.send(buf, 50, 51, dest));
            assertEquals(-EINVAL, send.send(buf, -1, 10, dest));
            assertEquals(-EINVAL, send.send(buf, 0, -1, dest));
            assertEquals(-EINVAL, NativeUdp.sendTo(0, buf, 0, 10, dest, 5));
            byte[] badFamily = dest.clone();
            badFamily[0] = 5;
            assertTrue(send.send(buf, 0, 10, badFamily) < 0);
            int[] one = {0};
            int[] two = {0, 1};
            int[] pair = {2};
            assertEquals(-EINVAL, sendEach(send, buf, new int[] {90}, new int[] {20}, dest, one, 0, 1));
            assertEquals(-EINVAL, sendEach(send, buf, one, new int[] {10}, dest, new int[] {1}, 0, 1));
            assertEquals(-EINVAL, send.sendMessages(buf, one, one, dest, one, one, one, one, 0, 0));
            assertEquals(-EINVAL, send.sendMessages(buf, one, one, dest, one, one, one, one, 0, 2));
            assertEquals(-EINVAL, send.sendMessages(buf, one, one, dest, one, one, one, one, 1, 1));
            assertEquals(-EINVAL, send.sendMessages(buf, one, one, dest, one, one, one, one, -1, 1));
            int[] big = new int[NativeUdp.MAX_BATCH + 1];
            assertEquals(-EINVAL, send.sendMessages(buf, big, big, dest, big, big, big, big, 0, 1));
            // a message's datagrams: none, more than the plan holds, one that does not exist
            assertEquals(-EINVAL, send.sendMessages(buf, one, one, dest, one, one, one, new int[] {0}, 0, 1));
            assertEquals(-EINVAL, send.sendMessages(buf, one, new int[] {10}, dest, one, one, one, pair, 0, 1));
            assertEquals(-EINVAL, send.sendMessages(buf, one, new int[] {10}, dest, one, new int[] {1}, one, one, 0, 1));
            // segments: all but the last as long as the first, the last no longer
            int[] destTwo = {0, 0};
            assertEquals(-EINVAL, send.sendMessages(buf, new int[] {0, 20}, new int[] {10, 11}, dest, destTwo, two, one, pair, 0, 1));
            assertEquals(-EINVAL, send.sendMessages(buf, new int[] {0, 20, 40}, new int[] {10, 9, 10}, dest,
                    new int[] {0, 0, 0}, new int[] {0, 1, 2}, one, new int[] {3}, 0, 1));
            assertEquals(-EINVAL, send.sendMessages(buf, new int[] {0, 20}, new int[] {0, 0}, dest, destTwo, two, one, pair, 0, 1));
            // nothing of the above went out: the next datagram is the first the peer sees
            assertEquals(3, send.send(new byte[] {1, 2, 3}, 0, 3, dest));
            assertArrayEquals(new byte[] {1, 2, 3}, receive(peer, local(media)));
        }
    }

    @Test
    void sendsNothingOnceClosed() throws Exception {
        try (DatagramSocket media = bound("127.0.0.1"); DatagramSocket peer = bound("127.0.0.1")) {
            MediaSendSocket send = MediaSendSocket.open(local(media));
            send.close();
            assertTrue(send.send(new byte[10], 0, 10, new byte[NativeUdp.DEST]) < 0);
            // ice4j's socket itself stays open and bound
            media.send(new DatagramPacket(new byte[] {9}, 1, local(peer)));
            assertArrayEquals(new byte[] {9}, receive(peer, local(media)));
        }
    }

    /** Datagrams {@code first} .. {@code first + count - 1}, each a message of its own, in one call. */
    static int sendEach(MediaSendSocket send, byte[] data, int[] offs, int[] lens, byte[] dests, int[] destOffs,
                        int first, int count) {
        int[] order = new int[offs.length];
        int[] msgFirst = new int[offs.length];
        int[] msgSegs = new int[offs.length];
        for (int i = 0; i < offs.length; i++) {
            order[i] = i;
            msgFirst[i] = i;
            msgSegs[i] = 1;
        }
        return send.sendMessages(data, offs, lens, dests, destOffs, order, msgFirst, msgSegs, first, count);
    }
}
