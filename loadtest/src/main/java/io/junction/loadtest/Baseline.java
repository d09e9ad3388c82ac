package io.junction.loadtest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The bare minimum an SFU must do, measured on the same machine in the same run: a plain UDP relay
 * (one thread, no ICE, no crypto, no parsing) that receives each packet and sends it to every other
 * member of its conference. Same topology, packet sizes and rates as the Junction run; its CPU per
 * forwarded packet is the floor Junction's figure is compared with.
 */
final class Baseline {
    record Result(double seconds, long received, long forwarded, long delivered, double relayCpuSeconds) {
        double cpuMicrosPerForwarded() {
            return forwarded == 0 ? Double.NaN : relayCpuSeconds * 1e6 / forwarded;
        }

        double forwardedPps() {
            return forwarded / seconds;
        }
    }

    private Baseline() {}

    static Result run(int conferences, int publishers, int subscribers, long videoBitrateBps, int fps,
                      double seconds) throws IOException, InterruptedException {
        int perConference = publishers + subscribers;
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramChannel relay = DatagramChannel.open(); Selector sinkSelector = Selector.open()) {
            relay.bind(new InetSocketAddress(lo, 0));
            relay.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            InetSocketAddress relayAddr = (InetSocketAddress) relay.getLocalAddress();
            List<DatagramChannel> sinks = new ArrayList<>();
            InetSocketAddress[][] members = new InetSocketAddress[conferences][perConference];
            for (int c = 0; c < conferences; c++) {
                for (int e = 0; e < perConference; e++) {
                    DatagramChannel s = DatagramChannel.open();
                    s.bind(new InetSocketAddress(lo, 0));
                    s.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                    s.configureBlocking(false);
                    s.register(sinkSelector, SelectionKey.OP_READ);
                    sinks.add(s);
                    members[c][e] = (InetSocketAddress) s.getLocalAddress();
                }
            }
            AtomicLong received = new AtomicLong();
            AtomicLong forwarded = new AtomicLong();
            AtomicLong delivered = new AtomicLong();
            long[] relayCpuNs = new long[1];
            Thread relayThread = new Thread(() -> {
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                long cpu0 = mx.getCurrentThreadCpuTime();
                ByteBuffer buf = ByteBuffer.allocateDirect(2048);
                try {
                    while (true) {
                        buf.clear();
                        relay.receive(buf);
                        buf.flip();
                        if (buf.remaining() < 4) {
                            break; // the stop packet
                        }
                        received.incrementAndGet();
                        int conference = buf.get(0) & 0xFF;
                        int sender = buf.get(1) & 0xFF;
                        for (int e = 0; e < perConference; e++) {
                            if (e != sender) {
                                buf.rewind();
                                relay.send(buf, members[conference][e]);
                                forwarded.incrementAndGet();
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // closed
                }
                relayCpuNs[0] = mx.getCurrentThreadCpuTime() - cpu0;
            }, "baseline-relay");
            Thread sinkThread = new Thread(() -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(2048);
                try {
                    while (sinkSelector.isOpen()) {
                        sinkSelector.select(100);
                        for (SelectionKey k : sinkSelector.selectedKeys()) {
                            DatagramChannel ch = (DatagramChannel) k.channel();
                            buf.clear();
                            while (ch.receive(buf) != null) {
                                delivered.incrementAndGet();
                                buf.clear();
                            }
                        }
                        sinkSelector.selectedKeys().clear();
                    }
                } catch (IOException | java.nio.channels.ClosedSelectorException ignored) {
                    // done
                }
            }, "baseline-sinks");
            relayThread.start();
            sinkThread.start();

            // Senders: the same schedule as MediaGenerator (audio 50/s, video frames split into packets).
            int frameBytes = (int) Math.max(200, videoBitrateBps / 8 / fps);
            int videoPackets = (frameBytes + MediaGenerator.MAX_PAYLOAD - 1) / MediaGenerator.MAX_PAYLOAD;
            int videoSize = 12 + 8 + frameBytes / videoPackets + 16;
            int audioSize = 12 + 8 + 80 + 16;
            try (DatagramChannel sender = DatagramChannel.open()) {
                sender.bind(new InetSocketAddress(lo, 0));
                ByteBuffer pkt = ByteBuffer.allocateDirect(2048);
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long frameNs = 1_000_000_000L / fps;
                long[] nextAudio = new long[conferences * publishers];
                long[] nextVideo = new long[conferences * publishers];
                java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
                for (int i = 0; i < nextAudio.length; i++) {
                    nextAudio[i] = start + r.nextLong(20_000_000L);
                    nextVideo[i] = start + r.nextLong(frameNs);
                }
                long[] frames = new long[nextAudio.length];
                while (true) {
                    long now = System.nanoTime();
                    if (now >= end) {
                        break;
                    }
                    for (int i = 0; i < nextAudio.length; i++) {
                        int c = i / publishers;
                        int p = i % publishers;
                        if (now >= nextAudio[i]) {
                            send(sender, pkt, relayAddr, c, p, audioSize);
                            nextAudio[i] += 20_000_000L;
                        }
                        if (now >= nextVideo[i]) {
                            int count = frames[i]++ % (3L * fps) == 0 ? videoPackets * 3 : videoPackets;
                            for (int k = 0; k < count; k++) {
                                send(sender, pkt, relayAddr, c, p, videoSize);
                            }
                            nextVideo[i] += frameNs;
                        }
                    }
                    LockSupport.parkNanos(500_000L);
                }
                Thread.sleep(200);
                pkt.clear();
                pkt.put((byte) 0).flip();
                sender.send(pkt, relayAddr);
                relayThread.join(5000);
                double elapsed = (System.nanoTime() - start) / 1e9;
                Thread.sleep(100);
                sinkSelector.close();
                sinkThread.join(2000);
                for (DatagramChannel s : sinks) {
                    s.close();
                }
                return new Result(elapsed, received.get(), forwarded.get(), delivered.get(), relayCpuNs[0] / 1e9);
            }
        }
    }

    private static void send(DatagramChannel ch, ByteBuffer pkt, InetSocketAddress to, int conference, int sender,
                             int size) throws IOException {
        pkt.clear();
        pkt.put(0, (byte) conference).put(1, (byte) sender);
        pkt.limit(size);
        ch.send(pkt, to);
    }
}
