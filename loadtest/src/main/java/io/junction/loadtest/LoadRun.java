package io.junction.loadtest;

import io.junction.bridge.transport.dtls.DtlsCertificate;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One load run: create conferences and endpoints over REST, join every synthetic client, let media
 * settle, measure for the configured time with a progress line per second, leave, run the baseline
 * relay, and build the {@link Report}.
 */
final class LoadRun {
    private final Options o;
    private final PrintStream progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AdminApi admin;
    private final List<SyntheticClient> clients = new ArrayList<>();
    private final List<String> conferenceIds = new ArrayList<>();

    LoadRun(Options options, PrintStream progress) {
        this.o = options;
        this.progress = progress;
        this.admin = new AdminApi(http, options.adminUrl(), options.apiKey());
        for (String url : options.spreadAdmins()) {
            spread.add(new AdminApi(http, url, options.apiKey()));
        }
    }

    /** The other bridges of a cluster the subscribers are spread over (--spread-admin). */
    private final List<AdminApi> spread = new ArrayList<>();

    /** The CPU seconds of the other bridges (--spread-pids) together; 0 without. */
    private double spreadCpuSeconds() {
        double sum = 0;
        for (long pid : o.spreadPids()) {
            sum += BridgeProbe.procCpuSeconds(pid);
        }
        return sum;
    }

    /** Totals over every client at one instant. */
    private record Totals(long sent, long received, long receivedVideo, long expected, long late, long bytes,
                          long sourceExpected, long sourceReceived, long fanOut) {}

    Report run() throws Exception {
        BridgeProbe probe = new BridgeProbe(http, o.adminUrl(), o.apiKey(), o.bridgePid());
        // Live heap (objects left after a full GC) of the bridge process; NaN when it cannot be read.
        double heapBefore = probe.pid() > 0 ? probe.liveHeapBytes() : Double.NaN;
        DtlsCertificate cert = DtlsCertificate.generate();
        ExecutorService blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "loadtest-dtls");
            t.setDaemon(true);
            return t;
        });
        MediaGenerator generator = null;
        Thread generatorThread = null;
        List<String> failures = new ArrayList<>();
        // The generator's own DTLS client is Java too: cold, its first handshakes take hundreds of
        // milliseconds (JIT, BouncyCastle's lazily built curve tables) and the join figures would be
        // the generator's. Warm it first, in this process, as the bridge warms its server side.
        long warmT0 = System.nanoTime();
        int warmed = io.junction.bridge.transport.dtls.DtlsWarmUp.run(cert, blocking, 40);
        progress.printf(Locale.ROOT, "load generator's DTLS warmed: %d handshakes in %d ms%n", warmed,
                (System.nanoTime() - warmT0) / 1_000_000);
        try {
            // 1. Conferences and endpoints over REST, then join at the configured rate.
            List<CompletableFuture<SyntheticClient>> joins = new ArrayList<>();
            long joinGapNs = (long) (1e9 / o.joinRate());
            long nextJoin = System.nanoTime();
            for (int c = 0; c < o.conferences(); c++) {
                String conf = admin.post("/v1/conferences", "{\"name\":\"load-" + ProcessHandle.current().pid() + "-" + c + "\"}")
                        .path("id").asText();
                conferenceIds.add(conf);
                String[] viewerToken = o.whep() ? admin.viewerToken(conf) : null;
                for (int e = 0; e < o.endpointsPerConference(); e++) {
                    boolean publishes = e < o.publishers();
                    boolean viewer = !publishes && viewerToken != null;
                    String name = (publishes ? "pub" : viewer ? "whep" : "sub") + c + "-" + e;
                    // subscribers in turn on every bridge of --spread-admin too; publishers on the first
                    AdminApi on = publishes || spread.isEmpty() ? admin
                            : o.subscribersElsewhere() ? spread.get(e % spread.size())
                            : e % (spread.size() + 1) == 0 ? admin : spread.get(e % (spread.size() + 1) - 1);
                    String url = viewer ? viewerToken[0] : on.createEndpoint(conf, name);
                    long wait = nextJoin - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    nextJoin += joinGapNs;
                    SyntheticClient client = new SyntheticClient(name, c, publishes, cert, blocking, o.clientAddress(), o.codec());
                    clients.add(client);
                    joins.add(viewer ? client.watch(http, url, viewerToken[1]) : client.join(http, url));
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (CompletableFuture<SyntheticClient> j : joins) {
                try {
                    j.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    // reported below per client
                }
            }
            int connected = 0;
            Histogram joinMs = new Histogram();
            // where a join's time goes, as the client sees it: request to an open WebSocket, to the
            // bridge's offer, to this client's first answered ICE check, to DTLS done (SRTP keys)
            Histogram[] stepMs = {new Histogram(), new Histogram(), new Histogram(), new Histogram()};
            for (SyntheticClient c : clients) {
                if (c.isMediaReady()) {
                    connected++;
                    joinMs.record((c.mediaReadyNs - c.createdNs) / 1_000_000);
                    stepMs[0].record((c.wsOpenNs - c.createdNs) / 1_000_000);
                    stepMs[1].record((c.offerNs - c.wsOpenNs) / 1_000_000);
                    stepMs[2].record((c.iceNs - c.offerNs) / 1_000_000);
                    stepMs[3].record((c.mediaReadyNs - c.iceNs) / 1_000_000);
                } else {
                    failures.add(c.name + ": " + (c.failure() != null ? c.failure() : "not connected after 30 s"));
                }
            }
            // The bridge's own view (junction_connect_seconds): its part of a join, without the load
            // generator's (a cold generator's DTLS client alone takes hundreds of milliseconds).
            String joinedMetrics = probe.metrics();
            double bridgeConnectP50 = BridgeProbe.sum(joinedMetrics, "junction_connect_seconds", "quantile=\"0.5\"") * 1000;
            double bridgeConnectP99 = BridgeProbe.sum(joinedMetrics, "junction_connect_seconds", "quantile=\"0.99\"") * 1000;
            progress.printf(Locale.ROOT, "joined %d/%d endpoints in %d conference(s); join p50 %d ms, p99 %d ms%n",
                    connected, clients.size(), o.conferences(), joinMs.percentile(50), joinMs.percentile(99));

            // 2. Media: settle, then measure.
            generator = new MediaGenerator(clients, o.videoBitrateBps(), o.fps(), o.malformedPerSecond());
            generatorThread = new Thread(generator, "loadtest-generator");
            generatorThread.setPriority(Thread.MAX_PRIORITY);
            generatorThread.start();
            Thread.sleep((long) (o.settleSeconds() * 1000));
            Totals before = totals();
            for (SyntheticClient c : clients) {
                c.latencyUs.clear();
                c.measuring = true;
            }
            Flood flood = null;
            Thread floodThread = null;
            if (o.flood() != null && !clients.isEmpty()) {
                List<String> ufrags = new ArrayList<>();
                for (SyntheticClient c : clients) {
                    if (c.bridgeUfrag() != null) {
                        ufrags.add(c.bridgeUfrag());
                    }
                }
                flood = new Flood(o.flood(), o.floodPerSecond(), clients.get(0).bridgePort(), ufrags);
                floodThread = new Thread(flood, "loadtest-flood");
                floodThread.setDaemon(true);
                floodThread.start();
            }
            BridgeProbe.Sample start = probe.sample();
            double spreadCpu0 = spreadCpuSeconds();
            // The bridge's CPU per forwarded packet in 10 s windows: a young bridge pays for the JIT
            // compiling its packet path (docs/performance.md, "Warm-up").
            double bridgeUptime = probe.pid() > 0 ? BridgeProbe.procUptimeSeconds(probe.pid()) : Double.NaN;
            List<Double> windows = new ArrayList<>();
            double windowCpu = probe.pid() > 0 ? BridgeProbe.procCpuSeconds(probe.pid()) : Double.NaN;
            long windowReceived = before.received;
            double jitCpu0 = probe.pid() > 0 ? BridgeProbe.procJitCpuSeconds(probe.pid()) : Double.NaN;
            double selfCpu0 = BridgeProbe.procCpuSeconds(ProcessHandle.current().pid());
            int bridgePort = clients.isEmpty() ? 0 : clients.get(0).bridgePort();
            long[] udpDrops0 = BridgeProbe.udpDrops(bridgePort);
            Totals last = before;
            long t0 = System.nanoTime();
            long end = t0 + (long) (o.seconds() * 1e9);
            long lastNs = t0;
            int second = 0;
            while (System.nanoTime() < end) {
                long next = Math.min(end, t0 + (++second) * 1_000_000_000L);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                Totals now = totals();
                long nowNs = System.nanoTime();
                double dt = (nowNs - lastNs) / 1e9;
                if (!o.quiet()) {
                    long exp = now.sourceExpected - last.sourceExpected;
                    long rec = now.sourceReceived - last.sourceReceived;
                    progress.printf(Locale.ROOT, "t=%3ds  endpoints %d/%d  sent %6.0f pps  forwarded %7.0f pps  %6.1f Mbit/s  loss %.2f%%%n",
                            second, countReady(), clients.size(), (now.sent - last.sent) / dt, (now.received - last.received) / dt,
                            (now.bytes - last.bytes) * 8 / dt / 1e6, exp <= 0 ? 0.0 : Math.max(0, exp - rec) * 100.0 / exp);
                }
                last = now;
                lastNs = nowNs;
                if (second % 10 == 0 && !Double.isNaN(windowCpu)) {
                    double cpuNow = BridgeProbe.procCpuSeconds(probe.pid());
                    long forwardedInWindow = now.received - windowReceived;
                    windows.add(forwardedInWindow == 0 ? Double.NaN : (cpuNow - windowCpu) * 1e6 / forwardedInWindow);
                    windowCpu = cpuNow;
                    windowReceived = now.received;
                }
            }
            for (SyntheticClient c : clients) {
                c.measuring = false;
            }
            int lostDuringRun = 0;
            for (SyntheticClient c : clients) {
                if (c.isMediaReady() && c.failure() != null) {
                    lostDuringRun++;
                    failures.add(c.name + " during the run: " + c.failure());
                }
            }
            Totals after = totals();
            BridgeProbe.Sample stop = probe.sample();
            if (flood != null) {
                flood.stop();
                floodThread.join(2000);
                progress.printf(Locale.ROOT, "flood %s: %d datagrams from 64 source ports, %.0f/s%n",
                        o.flood().name().toLowerCase(Locale.ROOT), flood.sent, flood.sent / ((System.nanoTime() - t0) / 1e9));
            }
            double selfCpu = BridgeProbe.procCpuSeconds(ProcessHandle.current().pid()) - selfCpu0;
            double jitCpu = probe.pid() > 0 ? BridgeProbe.procJitCpuSeconds(probe.pid()) - jitCpu0 : Double.NaN;
            long[] udpDrops1 = BridgeProbe.udpDrops(bridgePort);
            double measured = (stop.atNs() - start.atNs()) / 1e9;
            generator.stop();
            generatorThread.join(2000);

            // 3. Figures.
            Histogram latency = new Histogram();
            long srtpErrors = 0;
            long early = 0;
            long keyframes = 0;
            for (SyntheticClient c : clients) {
                latency.addAll(c.latencyUs);
                srtpErrors += c.srtpErrors.get();
                early += c.earlyPackets.get();
                keyframes += c.keyframeRequests.get();
            }
            long forwarded = after.received - before.received;
            // Loss end to end: the publishers' packet counters carried in the payload.
            long expected = after.sourceExpected - before.sourceExpected;
            long lost = Math.max(0, expected - (after.sourceReceived - before.sourceReceived));
            long sequenceGaps = Math.max(0, (after.expected - before.expected) - forwarded);
            long fanOut = after.fanOut - before.fanOut;
            double spreadCpu = spreadCpuSeconds() - spreadCpu0;
            double cpu = stop.cpuSeconds() - start.cpuSeconds() + spreadCpu;
            if (!spread.isEmpty()) {
                progress.printf(Locale.ROOT, "cluster of %d bridges: CPU %.2f s on the first, %.2f s on the others%n",
                        spread.size() + 1, stop.cpuSeconds() - start.cpuSeconds(), spreadCpu);
            }
            double heapPerEndpoint = Double.isNaN(heapBefore) ? Double.NaN
                    : (probe.liveHeapBytes() - heapBefore) / Math.max(1, connected) / 1024;

            // 4. Leave, then the baseline on the same machine.
            closeAll();
            Baseline.Result base = null;
            if (o.baseline() && o.conferences() <= 255 && o.endpointsPerConference() <= 255) {
                progress.println("baseline: plain UDP relay, same topology and rates, " + Math.min(10, (int) o.seconds()) + " s");
                base = Baseline.run(o.conferences(), o.publishers(), o.subscribers(), o.videoBitrateBps(), o.fps(),
                        Math.min(10, o.seconds()));
            }
            double perPacket = forwarded == 0 ? Double.NaN : cpu * 1e6 / forwarded;
            double basePerPacket = base == null ? Double.NaN : base.cpuMicrosPerForwarded();
            String scenario = String.format(Locale.ROOT, "%d conference(s) x (%d publishers + %d %s), video %d kbit/s at %d fps",
                    o.conferences(), o.publishers(), o.subscribers(), o.whep() ? "WHEP viewers" : "subscribers",
                    o.videoBitrateBps() / 1000, o.fps());
            return new Report(scenario, clients.size(), connected, connected - lostDuringRun, failures, measured,
                    (after.sent - before.sent) / measured, forwarded / measured,
                    (after.receivedVideo - before.receivedVideo) / measured, (after.bytes - before.bytes) * 8 / measured / 1e6,
                    forwarded, expected, lost, expected == 0 ? 0 : lost * 100.0 / expected,
                    Math.max(0, before.sourceExpected - before.sourceReceived),
                    Math.max(0, Math.round(stop.videoSuppressed() - start.videoSuppressed())), sequenceGaps, fanOut,
                    fanOut == 0 ? Double.NaN : forwarded * 100.0 / fanOut, after.late - before.late,
                    srtpErrors, early, keyframes,
                    latency.percentile(50) / 1000.0, latency.percentile(99) / 1000.0, latency.max() / 1000.0,
                    joinMs.percentile(50), joinMs.percentile(99),
                    new long[] {stepMs[0].percentile(50), stepMs[1].percentile(50), stepMs[2].percentile(50), stepMs[3].percentile(50)},
                    new long[] {stepMs[0].percentile(99), stepMs[1].percentile(99), stepMs[2].percentile(99), stepMs[3].percentile(99)},
                    bridgeConnectP50, bridgeConnectP99,
                    cpu, cpu * 100 / measured, perPacket, selfCpu * 100 / measured, heapPerEndpoint,
                    bridgeUptime, windows, jitCpu,
                    stop.droppedPackets() - start.droppedPackets(),
                    stop.sendCalls() > start.sendCalls()
                            ? (stop.sendCallDatagrams() - start.sendCallDatagrams()) / (stop.sendCalls() - start.sendCalls())
                            : Double.NaN,
                    stop.sendCallDatagrams() > start.sendCallDatagrams()
                            ? (stop.sendSegmentedDatagrams() - start.sendSegmentedDatagrams()) * 100
                                    / (stop.sendCallDatagrams() - start.sendCallDatagrams())
                            : Double.NaN,
                    stop.receiveCalls() > start.receiveCalls()
                            ? (stop.receiveCallDatagrams() - start.receiveCallDatagrams()) / (stop.receiveCalls() - start.receiveCalls())
                            : Double.NaN,
                    forwarded > 0 && stop.workerAllocatedBytes() >= start.workerAllocatedBytes()
                            ? (stop.workerAllocatedBytes() - start.workerAllocatedBytes()) / forwarded
                            : Double.NaN,
                    udpDrops1[0] - udpDrops0[0], udpDrops1[1] - udpDrops0[1], base, basePerPacket, perPacket / basePerPacket);
        } finally {
            if (generator != null) {
                generator.stop();
            }
            closeAll();
            for (String id : conferenceIds) {
                try {
                    admin.request("DELETE", "/v1/conferences/" + id, null);
                } catch (IOException ignored) {
                    // already gone
                }
            }
            blocking.shutdownNow();
        }
    }

    private int countReady() {
        int n = 0;
        for (SyntheticClient c : clients) {
            if (c.isMediaReady()) {
                n++;
            }
        }
        return n;
    }

    private Totals totals() {
        long sent = 0;
        long received = 0;
        long video = 0;
        long expected = 0;
        long late = 0;
        long bytes = 0;
        long sourceExpected = 0;
        long sourceReceived = 0;
        long fanOut = 0;
        for (SyntheticClient c : clients) {
            long s = c.rtpSent.get();
            sent += s;
            fanOut += s * (o.endpointsPerConference() - 1);
            bytes += c.bytesReceived.get();
            for (SeqTracker t : c.tracks.values()) {
                received += t.received();
                expected += t.expected();
                late += t.late();
                sourceExpected += t.sourceExpected();
                sourceReceived += t.sourceReceived();
                if (!t.audio) {
                    video += t.received();
                }
            }
        }
        return new Totals(sent, received, video, expected, late, bytes, sourceExpected, sourceReceived, fanOut);
    }

    /** After {@link #run}: RTP bytes (SRTP size) all clients sent, and received, over the whole run. */
    long[] rtpBytesSentAndReceived() {
        long sent = 0;
        long received = 0;
        for (SyntheticClient c : clients) {
            sent += c.rtpBytesSent.get();
            received += c.bytesReceived.get();
        }
        return new long[] {sent, received};
    }

    private void closeAll() {
        clients.parallelStream().forEach(SyntheticClient::close);
    }
}
