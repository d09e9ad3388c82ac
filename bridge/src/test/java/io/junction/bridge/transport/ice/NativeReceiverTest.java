package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.stats.MediaCounters;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The data path's own receive sockets on real loopback sockets: a socket connected to one remote
 * takes that remote's datagrams from the media socket it shares an address and port with, and only
 * those (not even in the instant between its bind and its connect, while another remote keeps
 * sending to the media socket), reads bursts whole and in order, and gives the remote back to the
 * media socket when it stops.
 */
class NativeReceiverTest {

    /** What a reader handed on: the first byte of each datagram and its length. */
    private static final class Collecting implements NativeReceiver.Sink {
        final List<int[]> got = new CopyOnWriteArrayList<>();
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public void onNativeDatagram(byte[] buf, int off, int len, long receivedNs, InetSocketAddress remote,
                                     StunResponder stun) {
            got.add(new int[] {buf[off] & 0xFF, len, buf[off + len - 1] & 0xFF});
            threads.add(Thread.currentThread().getName());
        }

        boolean await(int n) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 3000;
            while (got.size() < n && System.currentTimeMillis() < deadline) {
                Thread.sleep(2);
            }
            return got.size() >= n;
        }
    }

    /** Drives a receiver's {@link NativeReceiver#poll} on a thread of its own, as a packet worker does. */
    private static final class Polling implements AutoCloseable {
        final NativeReceiver reader;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Polling(MediaCounters counters) throws Exception {
            reader = new NativeReceiver("test-read", counters);
            thread = new Thread(() -> {
                while (running.get()) {
                    reader.poll(50);
                }
            });
            thread.start();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            reader.wake();
            thread.join();
            reader.close();
        }
    }

    /** A media socket as ice4j binds it: SO_REUSEADDR (and SO_REUSEPORT for its pool of sockets), on a fixed address. */
    private static DatagramSocket mediaSocket(String address) throws Exception {
        return mediaSocket(address, false);
    }

    private static DatagramSocket mediaSocket(String address, boolean reusePort) throws Exception {
        DatagramSocket s = new DatagramSocket(null);
        s.setReuseAddress(true);
        if (reusePort) {
            s.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
        }
        s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        s.setSoTimeout(300);
        return s;
    }

    private static DatagramSocket peer(String address) throws Exception {
        return new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), 0));
    }

    private static void send(DatagramSocket from, DatagramSocket to, int first, int len) throws Exception {
        byte[] b = new byte[len];
        b[0] = (byte) first;
        b[len - 1] = (byte) 0xEE;
        from.send(new DatagramPacket(b, len, to.getLocalSocketAddress()));
    }

    @Test
    void aConnectedSocketTakesOnlyItsRemoteEvenWhileOpening() throws Exception {
        assertNull(NativeUdp.receiveProblem());
        for (String variant : new String[] {"127.0.0.1", "::1", "127.0.0.1 reuseport", "::1 reuseport"}) {
            String family = variant.split(" ")[0];
            MediaCounters counters = new MediaCounters();
            try (DatagramSocket media = mediaSocket(family, variant.endsWith("reuseport")); DatagramSocket other = peer(family);
                    DatagramSocket remote = peer(family); Polling polling = new Polling(counters)) {
                NativeReceiver reader = polling.reader;
                // another remote sends to the media socket all the time
                AtomicBoolean blasting = new AtomicBoolean(true);
                AtomicLong blasted = new AtomicLong();
                Thread blaster = new Thread(() -> {
                    while (blasting.get()) {
                        try {
                            send(other, media, 0x80, 100);
                            blasted.incrementAndGet();
                            if ((blasted.get() & 63) == 0) {
                                Thread.sleep(1);
                            }
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                AtomicLong mediaGot = new AtomicLong();
                AtomicLong mediaGotFromRemote = new AtomicLong();
                AtomicBoolean reading = new AtomicBoolean(true);
                Thread mediaReader = new Thread(() -> {
                    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                    while (reading.get()) {
                        try {
                            media.receive(p);
                            (p.getSocketAddress().equals(remote.getLocalSocketAddress()) ? mediaGotFromRemote : mediaGot)
                                    .incrementAndGet();
                        } catch (SocketTimeoutException e) {
                            // look at the flag again
                        } catch (Exception e) {
                            return;
                        }
                    }
                });
                blaster.start();
                mediaReader.start();
                Collecting sink = new Collecting();
                InetSocketAddress local = (InetSocketAddress) media.getLocalSocketAddress();
                InetSocketAddress remoteAddress = (InetSocketAddress) remote.getLocalSocketAddress();
                int rounds = 200;
                for (int i = 0; i < rounds; i++) {
                    NativeReceiver.Registration r = reader.register(local, remoteAddress, true, sink);
                    send(remote, media, 0x90, 60);
                    assertTrue(sink.await(i + 1), family + ": the connected socket got its remote's datagram, round " + i);
                    r.stop();
                }
                blasting.set(false);
                blaster.join();
                Thread.sleep(200);
                reading.set(false);
                mediaReader.join();
                // what lands on the new socket before its connect is discarded and counted, never handed on
                System.out.println(variant + ": " + counters.receiveStrays.sum() + " strays in " + rounds + " openings");
                // Beside a lone media socket the new socket sits at the end of the lookup chain: next to
                // none (9 in 200 without SO_REUSEPORT). In a SO_REUSEPORT group (ice4j's pool) the kernel's
                // group pick can still hand it a datagram in that instant under load: a few, all discarded.
                // How many depends on how long the opener was descheduled in that instant: no bound here.
                if (!variant.endsWith("reuseport")) {
                    assertTrue(counters.receiveStrays.sum() <= rounds / 50, variant + ": strays " + counters.receiveStrays.sum());
                }
                for (int[] d : sink.got) {
                    assertEquals(0x90, d[0], family + ": a datagram of another remote reached the connected socket");
                }
                assertEquals(rounds, sink.got.size());
                assertEquals(0, mediaGotFromRemote.get(), family + ": the remote's datagrams went to the connected socket");
                // the other remote blasted all through the openings, and the media socket kept getting
                // its datagrams (a count, not a rate: how many the 200 openings overlap depends on the box)
                assertTrue(blasted.get() > rounds && mediaGot.get() >= blasted.get() / 2,
                        family + ": the media socket kept getting the other remote's: " + mediaGot + " of " + blasted);
                // stopped: the remote's datagrams go to the media socket again
                waitUntil(() -> reader.registered() == 0);
                media.setSoTimeout(2000);
                send(remote, media, 0x91, 60);
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                do {
                    media.receive(p);
                } while (!p.getSocketAddress().equals(remote.getLocalSocketAddress()));
                assertEquals((byte) 0x91, p.getData()[0]);
            }
        }
    }

    /**
     * The race of {@link #aConnectedSocketTakesOnlyItsRemoteEvenWhileOpening}, made certain: a datagram
     * of another remote already queued in a connected socket (matched to it just before its connect,
     * and queued after the opener's check) is dropped and counted, never handed on as the remote's.
     * Here a socket connected to the other remote gets its datagram and is then connected to the
     * remote with that datagram still queued.
     */
    @Test
    void anotherRemotesDatagramQueuedInAConnectedSocketIsNotHandedOn() throws Exception {
        MediaCounters counters = new MediaCounters();
        try (DatagramSocket media = mediaSocket("127.0.0.1"); DatagramSocket other = peer("127.0.0.1");
                DatagramSocket remote = peer("127.0.0.1"); Polling polling = new Polling(counters)) {
            InetSocketAddress local = (InetSocketAddress) media.getLocalSocketAddress();
            InetSocketAddress remoteAddress = (InetSocketAddress) remote.getLocalSocketAddress();
            int fd = NativeUdp.openConnected(NativeUdp.local(local), NativeUdp.local((InetSocketAddress) other.getLocalSocketAddress()),
                    true, 0, new int[1]);
            assertTrue(fd >= 0, "errno " + -fd);
            send(other, media, 0x80, 100); // reaches the socket connected to the other remote
            Thread.sleep(100);
            assertEquals(0, NativeUdp.connectTo(fd, NativeUdp.local(remoteAddress), true));
            Collecting sink = new Collecting();
            polling.reader.add(fd, remoteAddress, sink);
            send(remote, media, 0x90, 60);
            assertTrue(sink.await(1), "the remote's datagram arrives");
            Thread.sleep(100);
            assertEquals(1, sink.got.size(), "only the remote's datagram is handed on");
            assertEquals(0x90, sink.got.get(0)[0]);
            assertEquals(1, counters.receiveStrays.sum(), "the other remote's was dropped and counted");
        }
    }

    @Test
    void readsBurstsWholeAndInOrderAndCutsOversizedDatagrams() throws Exception {
        MediaCounters counters = new MediaCounters();
        try (DatagramSocket media = mediaSocket("127.0.0.1"); DatagramSocket remote = peer("127.0.0.1");
                Polling polling = new Polling(counters)) {
            NativeReceiver reader = polling.reader;
            Collecting sink = new Collecting();
            reader.register((InetSocketAddress) media.getLocalSocketAddress(),
                    (InetSocketAddress) remote.getLocalSocketAddress(), true, sink);
            int n = 500;
            for (int i = 0; i < n; i++) {
                send(remote, media, i & 0xFF, 100 + i);
            }
            send(remote, media, 0xAB, 3000); // longer than a slot
            assertTrue(sink.await(n + 1), "got " + sink.got.size());
            for (int i = 0; i < n; i++) {
                assertEquals(i & 0xFF, sink.got.get(i)[0], "order at " + i);
                assertEquals(100 + i, sink.got.get(i)[1], "length at " + i);
                assertEquals(0xEE, sink.got.get(i)[2], "last byte at " + i);
            }
            assertEquals(NativeReceiver.SLOT, sink.got.get(n)[1], "an oversized datagram is cut to the slot");
            assertEquals(n + 1, counters.receiveCallDatagrams.sum());
            assertTrue(counters.receiveCalls.sum() <= counters.receiveCallDatagrams.sum());
        }
    }

    @Test
    void theMediaPortOpensConnectedSocketsBesideIce4jsSocket() throws Exception {
        io.junction.bridge.BridgeConfig config = io.junction.bridge.BridgeConfig.loopbackDefaults(0);
        MediaCounters counters = new MediaCounters();
        io.junction.bridge.worker.PacketWorkers workers = new io.junction.bridge.worker.PacketWorkers(1,
                new io.junction.bridge.worker.PacketPool(64, 16));
        try (MediaPort port = new MediaPort(config, counters); io.junction.bridge.worker.PacketWorkers w = workers;
                DatagramSocket remote = peer("127.0.0.1")) {
            port.readOn(workers.all());
            assertTrue(port.receivesNatively(), port.receivePath());
            var local = port.harvesters().get(0).getLocalAddress();
            Collecting sink = new Collecting();
            InetSocketAddress r = (InetSocketAddress) remote.getLocalSocketAddress();
            NativeReceiver.Registration reg = port.startReceiving(local,
                    new org.ice4j.TransportAddress(r.getAddress(), r.getPort(), org.ice4j.Transport.UDP), sink,
                    workers.all().get(0));
            assertNotNull(reg, "a socket bound beside ice4j's");
            remote.send(new DatagramPacket(new byte[] {(byte) 0x80, 1, 2, 3}, 4,
                    new InetSocketAddress(local.getAddress(), local.getPort())));
            assertTrue(sink.await(1));
            assertTrue(sink.threads.contains(workers.all().get(0).name()), "read and handled on the worker: " + sink.threads);
            reg.stop();
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 3000;
        while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(condition.getAsBoolean());
    }
}
