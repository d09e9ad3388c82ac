package io.junction.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A few selector threads that read every client's UDP socket. One blocking thread per client would
 * make every packet the bridge sends wake a different thread; on loopback the bridge's sendto pays for
 * that wake-up, which a real network would not charge it, and the generator's own CPU would grow
 * with the number of clients. The baseline relay's sinks are read the same way.
 */
final class Receivers {
    interface Sink {
        void onDatagram(byte[] buf, int len, InetSocketAddress from);
    }

    static final Receivers SHARED = new Receivers(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() / 2)));

    private final Loop[] loops;
    private final AtomicInteger next = new AtomicInteger();

    private Receivers(int threads) {
        loops = new Loop[threads];
        for (int i = 0; i < threads; i++) {
            try {
                loops[i] = new Loop(Selector.open());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread t = new Thread(loops[i], "loadtest-rx-" + i);
            t.setDaemon(true);
            t.start();
        }
    }

    void register(DatagramChannel channel, Sink sink) {
        Loop l = loops[Math.floorMod(next.getAndIncrement(), loops.length)];
        l.pending.add(new Object[] {channel, sink});
        l.selector.wakeup();
    }

    private static final class Loop implements Runnable {
        final Selector selector;
        final ConcurrentLinkedQueue<Object[]> pending = new ConcurrentLinkedQueue<>();
        private final byte[] buf = new byte[2048];
        private final ByteBuffer bb = ByteBuffer.wrap(buf);

        Loop(Selector selector) {
            this.selector = selector;
        }

        @Override
        public void run() {
            while (true) {
                try {
                    selector.select(100);
                    Object[] p;
                    while ((p = pending.poll()) != null) {
                        try {
                            ((DatagramChannel) p[0]).register(selector, SelectionKey.OP_READ, p[1]);
                        } catch (ClosedChannelException e) {
                            // closed before it was registered
                        }
                    }
                    for (SelectionKey k : selector.selectedKeys()) {
                        DatagramChannel ch = (DatagramChannel) k.channel();
                        Sink sink = (Sink) k.attachment();
                        for (int i = 0; i < 64; i++) {
                            bb.clear();
                            InetSocketAddress from;
                            try {
                                from = (InetSocketAddress) ch.receive(bb);
                            } catch (IOException e) {
                                k.cancel();
                                break;
                            }
                            if (from == null) {
                                break;
                            }
                            sink.onDatagram(buf, bb.position(), from);
                        }
                    }
                    selector.selectedKeys().clear();
                } catch (IOException | RuntimeException e) {
                    // keep reading for the other clients
                }
            }
        }
    }
}
