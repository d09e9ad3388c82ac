package io.junction.loadtest;

import io.junction.bridge.transport.dtls.DtlsCertificate;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The churn soak ({@code --churn N}): every conference keeps its publishers for the whole run (a call
 * that must go on without loss), while its subscribers are replaced continuously, N a second across
 * the bridge: the old one leaves, a new endpoint is created over REST and joins (signaling, ICE,
 * DTLS, SRTP) and starts receiving. Every {@code --reading-every} seconds the bridge is read: live
 * heap (the objects left after a full GC, from {@code jcmd GC.class_histogram}), threads, open file descriptors, pool packets outstanding, ICE agents,
 * endpoints. The run fails when any of them grows: the mean of the last third of the readings may
 * exceed the mean of the middle third only by a small allowance (the first third is warm-up).
 */
final class ChurnRun {
    /** What the last third of the readings may exceed the middle third by before it counts as growth. */
    static final double HEAP_ALLOWANCE_BYTES = 8 * 1024 * 1024;
    static final double HEAP_ALLOWANCE_FRACTION = 0.10;
    static final int THREAD_ALLOWANCE = 8;
    static final int FD_ALLOWANCE = 16;

    private final Options o;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AdminApi admin;
    private final List<String> conferenceIds = new ArrayList<>();
    private final List<SyntheticClient> publishers = new ArrayList<>();
    /** [conference][slot] */
    private SyntheticClient[][] subscribers;

    record Reading(double atSeconds, double heapBytes, long threads, long fds, double poolOutstanding, double iceAgents,
                   double endpoints) {
        String line() {
            return String.format(Locale.ROOT, "t=%5.0fs  heap %7.1f MiB  threads %4d  fds %5d  pool %6.0f  ice agents %4.0f  endpoints %4.0f",
                    atSeconds, heapBytes / 1048576, threads, fds, poolOutstanding, iceAgents, endpoints);
        }
    }

    /**
     * What the publishers may miss of each other's media, as a fraction of what they should have received,
     * when none of it was lost on the way: video the bridge withheld (its congestion control reading
     * the delay of a CPU-bound box as congestion, docs/reliability.md). CI's run of 2026-12-06 missed 0.03 %.
     */
    static final double MAX_WITHHELD_FRACTION = 0.0025;

    /**
     * {@code lost}: what the publishers' counters miss (withheld by the bridge or lost); {@code lostOnTheWay}:
     * RTP sequence gaps at the publishers, kernel drops at the bridge's socket and the publishers' SRTP
     * errors; {@code breakdown}: where packets went missing, for a failed run to be read.
     */
    record Result(List<Reading> readings, long replaced, long joinFailures, long sent, long expected, long lost,
                  long lostOnTheWay, List<String> growth, String breakdown) {
        boolean passed() {
            return growth.isEmpty() && joinFailures == 0 && lostOnTheWay == 0 && lost <= MAX_WITHHELD_FRACTION * expected;
        }
    }

    ChurnRun(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
        this.admin = new AdminApi(http, o.adminUrl(), o.apiKey());
    }

    Result run() throws Exception {
        BridgeProbe probe = new BridgeProbe(http, o.adminUrl(), o.apiKey(), o.bridgePid());
        DtlsCertificate cert = DtlsCertificate.generate();
        ExecutorService blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "churn-dtls");
            t.setDaemon(true);
            return t;
        });
        subscribers = new SyntheticClient[o.conferences()][o.subscribers()];
        MediaGenerator generator = null;
        long replaced = 0;
        long joinFailures = 0;
        List<Reading> readings = new ArrayList<>();
        try {
            for (int c = 0; c < o.conferences(); c++) {
                conferenceIds.add(admin.post("/v1/conferences", "{\"name\":\"churn-" + c + "\"}").path("id").asText());
                for (int p = 0; p < o.publishers(); p++) {
                    publishers.add(join(c, "pub" + c + "-" + p, true, cert, blocking));
                }
                for (int s = 0; s < o.subscribers(); s++) {
                    subscribers[c][s] = join(c, "sub" + c + "-" + s + "-0", false, cert, blocking);
                }
            }
            for (SyntheticClient c : all().toList()) {
                c.mediaReady.get(30, TimeUnit.SECONDS);
            }
            generator = new MediaGenerator(publishers, o.videoBitrateBps(), o.fps(), 0);
            Thread g = new Thread(generator, "churn-generator");
            g.setPriority(Thread.MAX_PRIORITY);
            g.start();
            out.printf(Locale.ROOT, "churn soak: %d conference(s) x (%d publishers kept + %d subscribers replaced), %.1f replaced/s, %.0f s%n",
                    o.conferences(), o.publishers(), o.subscribers(), o.churnPerSecond(), o.seconds());
            Thread.sleep((long) (o.settleSeconds() * 1000));
            long sent0 = sent();
            Losses losses0 = losses(probe);
            Random random = new Random(1);
            long t0 = System.nanoTime();
            long end = t0 + (long) (o.seconds() * 1e9);
            long gapNs = (long) (1e9 / o.churnPerSecond());
            long nextChurn = t0;
            long nextReading = t0;
            List<java.util.concurrent.CompletableFuture<SyntheticClient>> pending = new ArrayList<>();
            while (System.nanoTime() < end) {
                long now = System.nanoTime();
                if (now >= nextReading) {
                    Reading r = read(probe, (now - t0) / 1e9);
                    readings.add(r);
                    out.println(r.line() + String.format(Locale.ROOT, "  (replaced %d, failed joins %d)", replaced, joinFailures));
                    nextReading += (long) (o.readingEverySeconds() * 1e9);
                    continue;
                }
                if (now >= nextChurn) {
                    int c = random.nextInt(o.conferences());
                    int s = random.nextInt(o.subscribers());
                    if (!subscribers[c][s].isMediaReady()) {
                        // still joining: leaving now would count our own impatience as a failed join
                        nextChurn += gapNs;
                        continue;
                    }
                    subscribers[c][s].close();
                    replaced++;
                    SyntheticClient fresh = join(c, "sub" + c + "-" + s + "-" + replaced, false, cert, blocking);
                    subscribers[c][s] = fresh;
                    pending.add(fresh.mediaReady);
                    nextChurn += gapNs;
                }
                for (var it = pending.iterator(); it.hasNext(); ) {
                    var f = it.next();
                    if (f.isDone()) {
                        if (f.isCompletedExceptionally()) {
                            joinFailures++;
                        }
                        it.remove();
                    }
                }
                TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(nextChurn, nextReading) - System.nanoTime()));
            }
            // the last reading, after the churn stopped and the joins in flight settled
            Thread.sleep(3000);
            readings.add(read(probe, (System.nanoTime() - t0) / 1e9));
            out.println(readings.get(readings.size() - 1).line() + "  (end)");
            long sent = sent() - sent0;
            Losses losses1 = losses(probe);
            long expected = losses1.expected - losses0.expected;
            long lost = Math.max(0, losses1.missing(losses0));
            String breakdown = losses1.since(losses0);
            if (lost > 0) {
                breakdown += "; when (from the start of the measurement): " + gapsSince(t0);
            }
            generator.stop();
            return new Result(readings, replaced, joinFailures, sent, expected, lost, losses1.onTheWay(losses0), growth(readings),
                    breakdown);
        } finally {
            if (generator != null) {
                generator.stop();
            }
            all().parallel().forEach(SyntheticClient::close);
            for (String id : conferenceIds) {
                try {
                    admin.request("DELETE", "/v1/conferences/" + id, null);
                } catch (IOException ignored) {
                    // gone
                }
            }
            blocking.shutdownNow();
        }
    }

    /**
     * Names what grew: the mean of the last third of the readings against the mean of the middle third.
     * The first third is warm-up: the packet pool's free list and the retransmission caches fill for
     * a minute or more (tens of MiB of live heap), which is not a leak.
     */
    static List<String> growth(List<Reading> readings) {
        List<String> grown = new ArrayList<>();
        int n = readings.size();
        if (n < 6) {
            grown.add("too few readings (" + n + ") to tell: run longer or read more often");
            return grown;
        }
        List<Reading> middle = readings.subList(n / 3, 2 * n / 3);
        List<Reading> tail = readings.subList(2 * n / 3, n);
        Reading base = mean(middle);
        Reading last = mean(tail);
        if (last.heapBytes() > base.heapBytes() * (1 + HEAP_ALLOWANCE_FRACTION) + HEAP_ALLOWANCE_BYTES) {
            grown.add(String.format(Locale.ROOT, "heap %.1f -> %.1f MiB", base.heapBytes() / 1048576, last.heapBytes() / 1048576));
        }
        if (last.threads() > base.threads() + THREAD_ALLOWANCE) {
            grown.add(String.format(Locale.ROOT, "threads %d -> %d", base.threads(), last.threads()));
        }
        if (last.fds() > base.fds() + FD_ALLOWANCE) {
            grown.add(String.format(Locale.ROOT, "file descriptors %d -> %d", base.fds(), last.fds()));
        }
        if (last.iceAgents() > Math.max(base.iceAgents(), last.endpoints()) + 2) {
            grown.add(String.format(Locale.ROOT, "ICE agents %.1f -> %.1f (endpoints %.1f)", base.iceAgents(), last.iceAgents(),
                    last.endpoints()));
        }
        if (last.endpoints() > base.endpoints() + 2) {
            grown.add(String.format(Locale.ROOT, "endpoints %.1f -> %.1f", base.endpoints(), last.endpoints()));
        }
        if (last.poolOutstanding() > base.poolOutstanding() * 1.5 + 512) {
            grown.add(String.format(Locale.ROOT, "pool packets outstanding %.0f -> %.0f", base.poolOutstanding(), last.poolOutstanding()));
        }
        return grown;
    }

    private static Reading mean(List<Reading> rs) {
        return new Reading(rs.stream().mapToDouble(Reading::atSeconds).average().orElse(0),
                rs.stream().mapToDouble(Reading::heapBytes).average().orElse(0),
                Math.round(rs.stream().mapToLong(Reading::threads).average().orElse(0)),
                Math.round(rs.stream().mapToLong(Reading::fds).average().orElse(0)),
                rs.stream().mapToDouble(Reading::poolOutstanding).average().orElse(0),
                rs.stream().mapToDouble(Reading::iceAgents).average().orElse(0),
                rs.stream().mapToDouble(Reading::endpoints).average().orElse(0));
    }

    private Reading read(BridgeProbe probe, double atSeconds) throws IOException {
        double liveHeap = probe.liveHeapBytes(); // a full GC, then the live objects' total
        String metrics = probe.metrics();
        long pid = o.bridgePid();
        long threads = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                threads = Long.parseLong(line.substring(8).trim());
            }
        }
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = s.count();
        }
        return new Reading(atSeconds, liveHeap, threads, fds,
                BridgeProbe.sum(metrics, "junction_packet_pool_outstanding", null),
                BridgeProbe.sum(metrics, "junction_ice_agents", null),
                BridgeProbe.sum(metrics, "junction_endpoints", null));
    }

    /**
     * Counters that tell where a packet went missing, read at the start and the end of the measurement.
     * {@code expected} and {@code missingByKind} are by the publishers' own counters, over what they
     * received from each other.
     */
    private record Losses(long expected, long[] missingByKind, long[] gapsByKind, long[] kernelDrops,
                          java.util.Map<String, Double> bridgeDrops, double withheld, long srtpErrors, long early) {
        /** What the publishers' counters miss since {@code start}, audio and video. */
        long missing(Losses start) {
            return missingByKind[0] - start.missingByKind[0] + missingByKind[1] - start.missingByKind[1];
        }

        /** Lost on the way since {@code start}: sequence gaps at the publishers, kernel drops at the bridge, SRTP errors. */
        long onTheWay(Losses start) {
            return gapsByKind[0] - start.gapsByKind[0] + gapsByKind[1] - start.gapsByKind[1]
                    + kernelDrops[0] - start.kernelDrops[0] + srtpErrors - start.srtpErrors;
        }

        /** One line: what changed since {@code start}. */
        String since(Losses start) {
            StringBuilder reasons = new StringBuilder();
            bridgeDrops.forEach((reason, n) -> {
                long d = Math.round(n - start.bridgeDrops.getOrDefault(reason, 0.0));
                if (d > 0) {
                    reasons.append(reasons.length() == 0 ? "" : ", ").append(reason).append(' ').append(d);
                }
            });
            return String.format(Locale.ROOT, "missing audio %d, video %d, of which RTP sequence gaps (lost after the bridge "
                            + "numbered them) audio %d, video %d; kernel UDP drops: bridge socket %d, clients' sockets %d; "
                            + "bridge drops: %s; video withheld by the bridge (all receivers, joiners' keyframe waits included): %d; "
                            + "publishers' SRTP errors %d, packets before keys %d",
                    missingByKind[0] - start.missingByKind[0], missingByKind[1] - start.missingByKind[1],
                    gapsByKind[0] - start.gapsByKind[0], gapsByKind[1] - start.gapsByKind[1],
                    kernelDrops[0] - start.kernelDrops[0], kernelDrops[1] - start.kernelDrops[1],
                    reasons.length() == 0 ? "none" : reasons, Math.round(withheld - start.withheld), srtpErrors - start.srtpErrors,
                    early - start.early);
        }
    }

    private Losses losses(BridgeProbe probe) {
        String metrics = probe.metrics();
        long expected = 0;
        long[] missing = new long[2];
        long[] gaps = new long[2];
        for (SyntheticClient c : publishers) {
            for (SeqTracker t : c.tracks.values()) {
                int k = t.audio ? 0 : 1;
                expected += t.sourceExpected();
                missing[k] += t.sourceExpected() - t.sourceReceived();
                gaps[k] += t.lost();
            }
        }
        return new Losses(expected, missing, gaps, BridgeProbe.udpDrops(publishers.get(0).bridgePort()),
                BridgeProbe.byLabel(metrics, "junction_dropped_packets_total", "reason"),
                BridgeProbe.sum(metrics, "junction_video_suppressed_packets_total", null),
                publishers.stream().mapToLong(c -> c.srtpErrors.get()).sum(),
                publishers.stream().mapToLong(c -> c.earlyPackets.get()).sum());
    }

    /** Where each publisher's received streams skipped packets since {@code t0}. */
    private String gapsSince(long t0) {
        List<String> out = new ArrayList<>();
        for (SyntheticClient c : publishers) {
            c.tracks.forEach((ssrc, t) -> {
                List<String> g = t.gapsSince(t0);
                if (!g.isEmpty()) {
                    out.add(c.name + " " + (t.audio ? "audio" : "video") + " " + Integer.toUnsignedString(ssrc, 16) + ": " + g);
                }
            });
        }
        return out.isEmpty() ? "no jumps seen" : String.join("; ", out);
    }

    private Stream<SyntheticClient> all() {
        Stream<SyntheticClient> subs = subscribers == null ? Stream.empty()
                : java.util.Arrays.stream(subscribers).flatMap(java.util.Arrays::stream).filter(java.util.Objects::nonNull);
        return Stream.concat(publishers.stream(), subs);
    }

    /** RTP the publishers sent. */
    private long sent() {
        return publishers.stream().mapToLong(c -> c.rtpSent.get()).sum();
    }

    private SyntheticClient join(int conference, String name, boolean publishes, DtlsCertificate cert, ExecutorService blocking)
            throws IOException, InterruptedException {
        String url = admin.createEndpoint(conferenceIds.get(conference), name);
        SyntheticClient client = new SyntheticClient(name, conference, publishes, cert, blocking, o.clientAddress(), o.codec());
        client.join(http, url);
        return client;
    }
}
