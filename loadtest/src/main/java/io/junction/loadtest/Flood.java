package io.junction.loadtest;

import io.junction.bridge.transport.ice.StunMessages;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A flood at the bridge's media port from sources that are nobody's endpoint, while a call goes on:
 * {@code junk} (random datagrams of 20–1200 bytes, any first byte) or {@code stun} (binding requests
 * naming a live endpoint's ufrag, with a MESSAGE-INTEGRITY made with the wrong password, the
 * request of someone who knows a ufrag but not the password). Sent from 64 source ports in turn, at
 * {@code perSecond}, paced every millisecond, on loopback only.
 */
final class Flood implements Runnable {
    enum Kind { JUNK, STUN }

    private final Kind kind;
    private final double perSecond;
    private final InetSocketAddress target;
    private final List<String> ufrags;
    private volatile boolean stopped;
    volatile long sent;

    Flood(Kind kind, double perSecond, int bridgePort, List<String> ufrags) {
        this.kind = kind;
        this.perSecond = perSecond;
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), bridgePort);
        this.ufrags = ufrags;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        DatagramChannel[] sources = new DatagramChannel[64];
        try {
            for (int i = 0; i < sources.length; i++) {
                sources[i] = DatagramChannel.open();
                sources[i].bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sources[i].configureBlocking(false);
            }
            SplittableRandom random = new SplittableRandom(7);
            byte[] buf = new byte[1200];
            long start = System.nanoTime();
            long count = 0;
            int source = 0;
            while (!stopped) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * perSecond);
                for (; count < due && !stopped; count++) {
                    int n;
                    if (kind == Kind.JUNK || ufrags.isEmpty()) {
                        n = 20 + random.nextInt(buf.length - 20);
                        for (int i = 0; i < n; i++) {
                            buf[i] = (byte) random.nextInt(256);
                        }
                    } else {
                        String ufrag = ufrags.get(random.nextInt(ufrags.size()));
                        n = StunMessages.bindingRequest(buf, ufrag + ":flood" + random.nextInt(1000), "not-the-password",
                                random.nextLong());
                    }
                    sources[source].send(ByteBuffer.wrap(buf, 0, n), target);
                    source = (source + 1) % sources.length;
                    sent = count + 1;
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
        } catch (IOException e) {
            throw new IllegalStateException("flood: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (DatagramChannel c : sources) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }
        }
    }
}
