package io.junction.bridge.pipeline;

import io.junction.bridge.BridgeConfig;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.stats.ConferenceCounters;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.PacketTransport;
import io.junction.bridge.transport.srtp.PacketProtection;
import io.junction.bridge.transport.srtp.SrtpProfile;
import io.junction.bridge.transport.srtp.SrtpSession;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;
import io.junction.bridge.worker.PacketWorker;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The bridge's real packet path in process: endpoints' {@link MediaPath}s (receive stages, sender,
 * feedback, allocation) over fake transports that keep what the bridge sends, all driven by the
 * calling thread (a {@link PacketWorker#onCurrentThread} worker). A client side per endpoint holds
 * the keys a browser would: packets are protected as it would send them and what the bridge sent is
 * unprotected as it would receive it. With {@code protection == null} both sides pass packets through
 * unprotected (to measure what the bridge's own stages allocate, apart from the SRTP library).
 */
final class PacketPathHarness implements AutoCloseable {
    final PacketPool pool = new PacketPool(4096, 512);
    final MediaCounters counters = new MediaCounters();
    final ConferenceCounters conferenceCounters = new ConferenceCounters();
    final PacketWorker worker = PacketWorker.onCurrentThread("harness", pool, 4096);
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor();
    final PathContext ctx;
    private final SrtpProfile profile;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();

    PacketPathHarness(SrtpProfile profile) {
        this.profile = profile;
        BridgeConfig config = BridgeConfig.loopbackDefaults(0);
        this.ctx = new PathContext(pool, counters, config, control, () -> null);
    }

    /** An endpoint: the bridge's path for it, and the client's side of its keys. */
    final class Endpoint {
        final String id;
        final FakeTransport transport;
        final EndpointStats stats = new EndpointStats();
        final MediaPath path;
        /** The client's protection (protects what it sends, unprotects what it receives). */
        final PacketProtection client;
        final List<Subscription> subscriptions = new ArrayList<>();

        Endpoint(String id) {
            this(id, null);
        }

        /** {@code sendWorker}: another worker that protects and sends what goes to this endpoint (null: none). */
        Endpoint(String id, PacketWorker sendWorker) {
            this.id = id;
            PacketProtection bridgeSide;
            if (profile == null) {
                bridgeSide = new PassThrough();
                client = new PassThrough();
            } else {
                byte[] km = new byte[profile.keyingMaterialLength()];
                random.nextBytes(km);
                bridgeSide = new SrtpSession(profile, km, true);
                client = new SrtpSession(profile, km, false);
            }
            transport = new FakeTransport(bridgeSide);
            path = new MediaPath(id, transport, worker, sendWorker, ctx, stats, conferenceCounters, (e, rtp, now) -> { });
        }

        /** The client sends {@code plain} (RTP or RTCP, unprotected) at {@code nowNs}: protected, queued, handled. */
        void send(byte[] plain, int off, int len, long nowNs) {
            Packet p = pool.take();
            p.copyFrom(plain, off, len);
            boolean rtcp = PacketTransport.isRtcp(p.buf, p.off, p.len);
            p.len = rtcp ? client.protectRtcp(p.buf, p.off, p.len) : client.protectRtp(p.buf, p.off, p.len);
            p.receivedNs = nowNs;
            p.handler = path.receive();
            path.receive().handle(p);
            worker.drain();
        }

        void send(byte[] plain, long nowNs) {
            send(plain, 0, plain.length, nowNs);
        }

        /** Publishes a track on publish m-line {@code mid} (its SSRCs learned from mid/rid, as with Chromium). */
        SourceTrack publish(String mid, MediaKind kind, List<String> rids) {
            SourceTrack t = new SourceTrack(id, kind, id + "-" + kind.sdpName(), rids, 0, 0, path.keyframes());
            path.streams().setPublished(mid, kind, t);
            return t;
        }

        /** Subscribes to {@code source} as the media session would, the answer already in. */
        Subscription subscribe(SourceTrack source, String mid) {
            int outSsrc = random.nextInt() | 1;
            int outRtx = source.kind() == MediaKind.VIDEO ? random.nextInt() | 1 : 0;
            Subscription sub = new Subscription(source, id, outSsrc, outRtx, mid, random.nextInt(0x10000), random.nextInt(),
                    path.sinks());
            path.streams().subscriptionsByOutSsrc = path.streams().subscriptionsByOutSsrc.with(outSsrc, sub);
            if (source.kind() == MediaKind.VIDEO) {
                path.allocation().setVideoSubscriptions(new Subscription[] {sub});
            }
            sub.activate();
            source.addSubscription(sub);
            subscriptions.add(sub);
            return sub;
        }

        /** What the bridge sent this endpoint so far, as the client reads it (unprotected), and forgets it. */
        List<byte[]> received() {
            List<byte[]> out = new ArrayList<>();
            List<byte[]> sent;
            synchronized (transport.sent) {
                sent = new ArrayList<>(transport.sent);
                transport.sent.clear();
            }
            for (byte[] d : sent) {
                byte[] b = java.util.Arrays.copyOf(d, d.length + 64);
                int n = PacketTransport.isRtcp(b, 0, d.length) ? client.unprotectRtcp(b, 0, d.length)
                        : client.unprotectRtp(b, 0, d.length);
                if (n < 0) {
                    throw new AssertionError("the client could not unprotect what the bridge sent: " + n);
                }
                out.add(java.util.Arrays.copyOf(b, n));
            }
            return out;
        }
    }

    Endpoint endpoint(String id) {
        return endpoint(id, null);
    }

    Endpoint endpoint(String id, PacketWorker sendWorker) {
        Endpoint e = new Endpoint(id, sendWorker);
        endpoints.add(e);
        return e;
    }

    /**
     * Lets go of what the stages hold between packets (retransmission caches) and returns the number
     * of pool packets still outstanding: 0 unless a stage leaked one.
     */
    long releaseAndCountOutstanding() {
        worker.drain();
        for (Endpoint e : endpoints) {
            for (Subscription s : e.subscriptions) {
                Sender.releaseRetransmissions(s);
            }
            e.path.receive().releasePending();
        }
        return pool.outstanding();
    }

    @Override
    public void close() {
        control.shutdownNow();
    }

    /** A transport that keeps copies of what it sends (or only counts them). */
    static final class FakeTransport implements PacketTransport {
        final PacketProtection protection;
        final List<byte[]> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        /** The threads that sent (a send worker's, or the calling thread's). */
        final java.util.Set<String> senderThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        boolean keep = true;
        volatile long sentPackets;
        long sentBytes;

        FakeTransport(PacketProtection protection) {
            this.protection = protection;
        }

        @Override
        public PacketProtection srtp() {
            return protection;
        }

        @Override
        public boolean send(byte[] buf, int off, int len) {
            senderThreads.add(Thread.currentThread().getName());
            sentPackets++;
            sentBytes += len;
            if (keep) {
                sent.add(java.util.Arrays.copyOfRange(buf, off, off + len));
            }
            return true;
        }

        @Override
        public int rtcpSsrc() {
            return 0x0B0B0B0B;
        }

        @Override
        public boolean isClosed() {
            return false;
        }
    }

    /** No protection: packets pass as they are. */
    static final class PassThrough implements PacketProtection {
        @Override
        public int unprotectRtp(byte[] buf, int off, int len) {
            return len;
        }

        @Override
        public int protectRtp(byte[] buf, int off, int len) {
            return len;
        }

        @Override
        public int unprotectRtcp(byte[] buf, int off, int len) {
            return len;
        }

        @Override
        public int protectRtcp(byte[] buf, int off, int len) {
            return len;
        }
    }
}
