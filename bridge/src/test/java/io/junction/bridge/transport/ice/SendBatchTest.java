package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.worker.PacketPool;
import io.junction.bridge.worker.PacketWorkers;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A packet worker's send batch on real loopback sockets: datagrams go out when the batch is
 * flushed (by the worker once its queues are empty), whole and in order, one system call per 64;
 * a datagram the kernel refuses is counted and the rest still go.
 */
class SendBatchTest {
    private final MediaCounters counters = new MediaCounters();
    private DatagramSocket media;
    private DatagramSocket peer;
    private MediaSendSocket socket;
    private byte[] dest;

    @BeforeEach
    void open() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        media = new DatagramSocket(new InetSocketAddress(lo, 0));
        peer = new DatagramSocket(new InetSocketAddress(lo, 0));
        peer.setReceiveBufferSize(1 << 20);
        socket = MediaSendSocket.open((InetSocketAddress) media.getLocalSocketAddress());
        dest = socket.destination((InetSocketAddress) peer.getLocalSocketAddress());
    }

    @AfterEach
    void close() {
        socket.close();
        media.close();
        peer.close();
    }

    private static byte[] datagram(int i) {
        byte[] b = new byte[50 + i];
        java.util.Arrays.fill(b, (byte) i);
        return b;
    }

    /** The next datagram's first byte, or -1 when none comes within {@code timeoutMs}. */
    private int next(int timeoutMs) throws Exception {
        peer.setSoTimeout(timeoutMs);
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        try {
            peer.receive(p);
        } catch (SocketTimeoutException e) {
            return -1;
        }
        assertEquals(50 + p.getData()[0], p.getLength(), "length of datagram " + p.getData()[0]);
        return p.getData()[0];
    }

    @Test
    void sendsOnFlushInOrderOneCallPerSixtyFour() throws Exception {
        SendBatch batch = new SendBatch(counters);
        for (int i = 0; i < 100; i++) {
            byte[] d = datagram(i);
            batch.add(socket, d, 0, d.length, dest);
        }
        // the first 64 went when the 65th came; the rest wait for the flush
        for (int i = 0; i < 64; i++) {
            assertEquals(i, next(2000));
        }
        assertEquals(-1, next(200));
        batch.flush();
        for (int i = 64; i < 100; i++) {
            assertEquals(i, next(2000));
        }
        assertEquals(2, counters.sendCalls.sum());
        assertEquals(100, counters.sendCallDatagrams.sum());
        assertEquals(0, counters.sendErrors.sum());
        batch.flush();
        assertEquals(2, counters.sendCalls.sum(), "an empty batch makes no call");
    }

    @Test
    void aRefusedDatagramIsCountedAndTheRestStillGo() throws Exception {
        SendBatch batch = new SendBatch(counters);
        byte[] bad = dest.clone();
        bad[0] = 5; // no such address family
        for (int i = 0; i < 5; i++) {
            byte[] d = datagram(i);
            batch.add(socket, d, 0, d.length, i == 2 ? bad : dest);
        }
        batch.flush();
        for (int i : new int[] {0, 1, 3, 4}) {
            assertEquals(i, next(2000));
        }
        assertEquals(1, counters.sendErrors.sum());
        assertEquals(4, counters.sendCallDatagrams.sum());
    }

    @Test
    void anotherSocketFlushesFirstSoOrderHolds() throws Exception {
        try (DatagramSocket media2 = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                MediaSendSocket socket2 = MediaSendSocket.open((InetSocketAddress) media2.getLocalSocketAddress())) {
            SendBatch batch = new SendBatch(counters);
            byte[] dest2 = socket2.destination((InetSocketAddress) peer.getLocalSocketAddress());
            for (int i = 0; i < 6; i++) {
                byte[] d = datagram(i);
                batch.add(i % 2 == 0 ? socket : socket2, d, 0, d.length, i % 2 == 0 ? dest : dest2);
            }
            batch.flush();
            for (int i = 0; i < 6; i++) {
                assertEquals(i, next(2000));
            }
            assertEquals(6, counters.sendCalls.sum());
        }
    }

    @Test
    void aWorkersSendsGoOutWhenItHasDrainedItsQueue() throws Exception {
        PacketWorkers workers = new PacketWorkers(1, new PacketPool(16, 4));
        try {
            SendBatch.install(workers.all().get(0), counters);
            assertNull(SendBatch.current(), "only the worker's thread has the batch");
            workers.all().get(0).execute(() -> {
                for (int i = 0; i < 3; i++) {
                    byte[] d = datagram(i);
                    SendBatch.current().add(socket, d, 0, d.length, dest);
                }
            });
            for (int i = 0; i < 3; i++) {
                assertEquals(i, next(2000));
            }
            // the worker counts the call after the system call returned: the datagrams may arrive first
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (counters.sendCalls.sum() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Thread.sleep(20); // and a second call, if there were one, would be counted by now
            assertEquals(1, counters.sendCalls.sum(), "three datagrams, one system call");
        } finally {
            workers.close();
        }
    }

    /** A datagram of {@code len} bytes: its id, then its id's low byte repeated. */
    private static byte[] datagram(int id, int len) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) (id * 7));
        b[0] = (byte) id;
        return b;
    }

    /** The ids of the datagrams {@code at} receives within {@code timeoutMs} of each other, each checked whole. */
    private static java.util.List<Integer> receiveAll(DatagramSocket at, java.util.Map<Integer, Integer> lengths,
                                                      int timeoutMs) throws Exception {
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        at.setSoTimeout(timeoutMs);
        DatagramPacket p = new DatagramPacket(new byte[70_000], 70_000);
        while (true) {
            try {
                at.receive(p);
            } catch (SocketTimeoutException e) {
                return ids;
            }
            int id = p.getData()[0];
            assertEquals(lengths.get(id), p.getLength(), "length of datagram " + id);
            for (int k = 1; k < p.getLength(); k++) {
                assertEquals((byte) (id * 7), p.getData()[k], "byte " + k + " of datagram " + id);
            }
            ids.add(id);
        }
    }

    /**
     * Equal-length datagrams to one receiver go as one UDP GSO message (the kernel cuts it back into
     * datagrams, which the receiver gets whole); a shorter one may end such a message, a longer one
     * starts the next; every receiver gets its datagrams in the order they were queued.
     */
    @Test
    void equalDatagramsToOneReceiverGoAsOneSegmentedMessageInOrder() throws Exception {
        try (DatagramSocket peer2 = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            byte[] dest2 = socket.destination((InetSocketAddress) peer2.getLocalSocketAddress());
            SendBatch batch = new SendBatch(counters);
            // id: receiver, length. Receiver 1: 1 000 x3, 600 (ends the message), 1 000 (a new one);
            // receiver 2: 1 000, 1 000, 1 200 (longer: a new message), 80 (ends that one).
            int[][] queued = {{1, 1000}, {2, 1000}, {1, 1000}, {1, 1000}, {2, 1000}, {1, 600}, {2, 1200},
                {1, 1000}, {2, 80}};
            java.util.Map<Integer, Integer> lengths = new java.util.HashMap<>();
            java.util.List<Integer> want1 = new java.util.ArrayList<>();
            java.util.List<Integer> want2 = new java.util.ArrayList<>();
            for (int id = 0; id < queued.length; id++) {
                byte[] d = datagram(id, queued[id][1]);
                lengths.put(id, queued[id][1]);
                boolean first = queued[id][0] == 1;
                batch.add(socket, d, 0, d.length, first ? dest : dest2);
                (first ? want1 : want2).add(id);
            }
            assertTrue(socket.segmentation(), "UDP GSO is on by default");
            batch.flush();
            assertEquals(want1, receiveAll(peer, lengths, 500));
            assertEquals(want2, receiveAll(peer2, lengths, 500));
            assertEquals(1, counters.sendCalls.sum());
            assertEquals(9, counters.sendCallDatagrams.sum());
            // receiver 1: [0, 2, 3, 5] in one message, [7] alone; receiver 2: [1, 4] in one, [6, 8] in one
            assertEquals(8, counters.sendSegmentedDatagrams.sum());
            assertEquals(0, counters.sendErrors.sum());
            assertEquals(0, socket.segmentationError());
        }
    }

    /** A full batch of full-size datagrams to one receiver: messages stay below the kernel's size limit. */
    @Test
    void aFullBatchToOneReceiverIsCutBelowTheLargestMessage() throws Exception {
        peer.setReceiveBufferSize(4 << 20);
        SendBatch batch = new SendBatch(counters);
        java.util.Map<Integer, Integer> lengths = new java.util.HashMap<>();
        java.util.List<Integer> want = new java.util.ArrayList<>();
        for (int id = 0; id < NativeUdp.MAX_BATCH; id++) {
            byte[] d = datagram(id, 1400);
            lengths.put(id, 1400);
            want.add(id);
            batch.add(socket, d, 0, d.length, dest);
        }
        batch.flush();
        assertEquals(want, receiveAll(peer, lengths, 500));
        assertEquals(1, counters.sendCalls.sum());
        assertEquals(NativeUdp.MAX_BATCH, counters.sendSegmentedDatagrams.sum(), "42 + 22 segments");
        assertEquals(0, counters.sendErrors.sum());
    }

    /** With {@code -Djunction.udp-gso=false} each datagram goes on its own; the receivers get the same. */
    @Test
    void segmentationCanBeTurnedOff() throws Exception {
        System.setProperty("junction.udp-gso", "false");
        try (DatagramSocket media2 = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                MediaSendSocket plain = MediaSendSocket.open((InetSocketAddress) media2.getLocalSocketAddress())) {
            assertFalse(plain.segmentation());
            byte[] to = plain.destination((InetSocketAddress) peer.getLocalSocketAddress());
            SendBatch batch = new SendBatch(counters);
            java.util.Map<Integer, Integer> lengths = new java.util.HashMap<>();
            for (int id = 0; id < 5; id++) {
                byte[] d = datagram(id, 1000);
                lengths.put(id, 1000);
                batch.add(plain, d, 0, d.length, to);
            }
            batch.flush();
            assertEquals(java.util.List.of(0, 1, 2, 3, 4), receiveAll(peer, lengths, 500));
            assertEquals(1, counters.sendCalls.sum());
            assertEquals(5, counters.sendCallDatagrams.sum());
            assertEquals(0, counters.sendSegmentedDatagrams.sum());
        } finally {
            System.clearProperty("junction.udp-gso");
        }
    }

    /**
     * A GSO message the kernel refuses with EINVAL (here: a socket without UDP checksums; in the field,
     * segments larger than the route's MTU) goes again datagram by datagram, and segmentation stays on
     * for the next batch.
     */
    @Test
    void aRefusedSegmentedMessageGoesDatagramByDatagram() throws Exception {
        assertEquals(0, socket.noChecksum(true));
        try {
            SendBatch batch = new SendBatch(counters);
            java.util.Map<Integer, Integer> lengths = new java.util.HashMap<>();
            for (int id = 0; id < 4; id++) {
                byte[] d = datagram(id, id == 3 ? 300 : 900);
                lengths.put(id, d.length);
                batch.add(socket, d, 0, d.length, dest);
            }
            batch.flush();
            assertEquals(java.util.List.of(0, 1, 2, 3), receiveAll(peer, lengths, 500));
            assertEquals(2, counters.sendCalls.sum(), "the refused message, then its four datagrams");
            assertEquals(4, counters.sendCallDatagrams.sum());
            assertEquals(0, counters.sendSegmentedDatagrams.sum());
            assertEquals(0, counters.sendErrors.sum());
            assertTrue(socket.segmentation(), "EINVAL is about that message, not the socket");
        } finally {
            socket.noChecksum(false);
        }
        SendBatch batch = new SendBatch(counters);
        for (int id = 0; id < 2; id++) {
            byte[] d = datagram(id, 900);
            batch.add(socket, d, 0, d.length, dest);
        }
        batch.flush();
        assertEquals(java.util.List.of(0, 1), receiveAll(peer, java.util.Map.of(0, 900, 1, 900), 500));
        assertEquals(2, counters.sendSegmentedDatagrams.sum());
    }
}
