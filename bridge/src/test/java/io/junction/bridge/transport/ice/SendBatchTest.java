package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
