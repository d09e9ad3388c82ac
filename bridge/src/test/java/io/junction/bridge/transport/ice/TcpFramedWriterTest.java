package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The ICE-TCP writer over a real loopback TCP connection: RFC 4571 frames, bounded queue, failures. */
class TcpFramedWriterTest {

    /** A connected pair: the bridge's side as a blocking channel, the client's as a plain socket. */
    private record Pair(SocketChannel bridge, Socket client) implements AutoCloseable {
        static Pair open() throws Exception {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.socket().getLocalPort());
                SocketChannel bridge = server.accept();
                bridge.configureBlocking(true);
                return new Pair(bridge, client);
            }
        }

        @Override
        public void close() throws Exception {
            client.close();
            bridge.close();
        }
    }

    private static byte[] datagram(int i, int len) {
        byte[] d = new byte[len];
        for (int k = 0; k < len; k++) {
            d[k] = (byte) (i * 31 + k);
        }
        return d;
    }

    @Test
    void framesArriveInOrderWithTheirLengths() throws Exception {
        LongAdder drops = new LongAdder();
        try (Pair p = Pair.open()) {
            TcpFramedWriter w = new TcpFramedWriter(p.bridge(), 512, "t", drops);
            byte[] buf = new byte[2000];
            int n = 300;
            for (int i = 0; i < n; i++) {
                byte[] d = datagram(i, 1 + (i * 37) % 1500);
                System.arraycopy(d, 0, buf, 100, d.length);
                // a producer that outruns the writer only drops when 512 are waiting; pace a little
                while (!w.offer(buf, 100, d.length)) {
                    Thread.sleep(1);
                }
            }
            DataInputStream in = new DataInputStream(p.client().getInputStream());
            p.client().setSoTimeout(5000);
            for (int i = 0; i < n; i++) {
                int len = in.readUnsignedShort();
                byte[] got = new byte[len];
                in.readFully(got);
                assertArrayEquals(datagram(i, 1 + (i * 37) % 1500), got, "frame " + i);
            }
            w.close();
        }
    }

    @Test
    void aReaderThatStopsReadingFillsTheQueueAndOfferNeverBlocks() throws Exception {
        LongAdder drops = new LongAdder();
        try (Pair p = Pair.open()) {
            TcpFramedWriter w = new TcpFramedWriter(p.bridge(), 64, "t", drops);
            byte[] d = datagram(1, 1200);
            long start = System.nanoTime();
            int accepted = 0;
            // the client never reads: the kernel buffers fill, the writer blocks, then the queue fills
            for (int i = 0; i < 20_000; i++) {
                if (w.offer(d, 0, d.length)) {
                    accepted++;
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(drops.sum() > 0, "drops counted when the reader stalls");
            assertEquals(20_000 - accepted, drops.sum());
            assertTrue(ms < 2000, "offer never waits for the network: " + ms + " ms for 20 000 offers");
            assertTrue(w.queued() <= 64);
            w.close();
        }
    }

    @Test
    void aClosedConnectionIsReportedAndLaterOffersAreDropped() throws Exception {
        LongAdder drops = new LongAdder();
        try (Pair p = Pair.open()) {
            TcpFramedWriter w = new TcpFramedWriter(p.bridge(), 64, "t", drops);
            p.client().setSoLinger(true, 0); // RST: the next writes fail
            p.client().close();
            byte[] d = datagram(2, 1000);
            long deadline = System.currentTimeMillis() + 5000;
            while (w.failure() == null && System.currentTimeMillis() < deadline) {
                w.offer(d, 0, d.length);
                Thread.sleep(5);
            }
            assertNotNull(w.failure(), "the write error is kept");
            long before = drops.sum();
            assertFalse(w.offer(d, 0, d.length));
            assertEquals(before + 1, drops.sum());
            w.close();
        }
    }

    @Test
    void rtcpStillGetsInWhenMediaFilledItsShareOfTheQueue() throws Exception {
        LongAdder drops = new LongAdder();
        try (Pair p = Pair.open()) {
            TcpFramedWriter w = new TcpFramedWriter(p.bridge(), 64, "t", drops);
            byte[] rtp = datagram(4, 1200);
            rtp[0] = (byte) 0x80;
            rtp[1] = (byte) 96;
            byte[] rtcp = datagram(5, 100);
            rtcp[0] = (byte) 0x81;
            rtcp[1] = (byte) 206; // PSFB (PLI)
            assertTrue(TcpFramedWriter.isRtp(rtp, 0, rtp.length));
            assertFalse(TcpFramedWriter.isRtp(rtcp, 0, rtcp.length));
            // The client reads nothing: media fills the kernel buffers (how much they take depends on
            // the machine's TCP autotuning: a fixed count of 20 000 packets was not always enough),
            // then its share of the queue, and from then on is refused.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            long offered = 0;
            while (true) {
                if (!w.offer(rtp, 0, rtp.length)) {
                    // refused: the queue reached the media limit; full for good once the writer is stuck
                    Thread.sleep(50);
                    if (w.queued() >= 40) {
                        break;
                    }
                }
                offered++;
                assertTrue(System.nanoTime() < deadline, "the writer never blocked after " + offered + " packets");
            }
            assertEquals(null, w.failure(), "the connection is fine, only full");
            assertTrue(w.queued() >= 40 && w.queued() <= 48, "media stops at three quarters: " + w.queued());
            assertFalse(w.offer(rtp, 0, rtp.length), "more media is refused");
            assertTrue(w.offer(rtcp, 0, rtcp.length), "feedback is still queued");
            w.close();
        }
    }

    @Test
    void oversizedDatagramsAreRefused() throws Exception {
        LongAdder drops = new LongAdder();
        try (Pair p = Pair.open()) {
            TcpFramedWriter w = new TcpFramedWriter(p.bridge(), 8, "t", drops);
            assertFalse(w.offer(new byte[1501], 0, 1501));
            assertEquals(1, drops.sum());
            w.close();
        }
    }

    @Test
    void offeringAllocatesNothingOnceThePoolHasGrown() throws Exception {
        LongAdder drops = new LongAdder();
        try (Pair p = Pair.open()) {
            TcpFramedWriter w = new TcpFramedWriter(p.bridge(), 512, "t", drops);
            Thread reader = new Thread(() -> {
                try {
                    var in = p.client().getInputStream();
                    byte[] sink = new byte[65536];
                    while (in.read(sink) >= 0) {
                        // discard
                    }
                } catch (Exception ignored) {
                    // closed
                }
            });
            reader.setDaemon(true);
            reader.start();
            byte[] d = datagram(3, 1200);
            for (int i = 0; i < 20_000; i++) {
                while (!w.offer(d, 0, d.length)) {
                    Thread.onSpinWait();
                }
            }
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            int n = 200_000;
            for (int i = 0; i < n; i++) {
                while (!w.offer(d, 0, d.length)) {
                    Thread.onSpinWait();
                }
            }
            long bytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            System.out.printf("ice-tcp offer: %d datagrams, %d bytes allocated (%.3f B/datagram), %d drops%n",
                    n, bytes, (double) bytes / n, drops.sum());
            assertTrue((double) bytes / n < 0.1, "bytes allocated per datagram: " + (double) bytes / n);
            w.close();
        }
    }
}
