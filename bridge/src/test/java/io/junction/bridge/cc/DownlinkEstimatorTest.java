package io.junction.bridge.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtcp.TransportCcFeedback;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Drives the estimator with feedback produced by a simulated path: a sender pacing 1200-byte packets at
 * the estimate (and probing through the estimator's own probe controller), a bottleneck link with a
 * FIFO queue, and a receiver writing real transport-cc feedback every 50 ms like a browser. Times are
 * simulated; nothing sleeps. Each scenario prints its figures (reported in docs/bandwidth.md).
 */
class DownlinkEstimatorTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int PACKET_BYTES = 1200;

    /** A bottleneck: one FIFO queue drained at {@code capacityBps}, then a fixed propagation delay. */
    static final class Link {
        double capacityBps;
        long propagationNs = 20 * MS;
        /** Drop-tail: a packet that would wait longer than this in the queue is dropped. */
        long maxQueueNs = 500 * MS;
        double randomLoss;
        final Random random = new Random(42);
        long queueFreeNs;
        long dropped;

        Link(double capacityBps) {
            this.capacityBps = capacityBps;
        }

        /** When the packet reaches the receiver, or -1 when it is lost. */
        long send(long nowNs, int sizeBytes) {
            if (randomLoss > 0 && random.nextDouble() < randomLoss) {
                return -1;
            }
            long start = Math.max(nowNs, queueFreeNs);
            if (start - nowNs > maxQueueNs) {
                dropped++;
                return -1;
            }
            queueFreeNs = start + (long) (sizeBytes * 8 * 1e9 / capacityBps);
            return queueFreeNs + propagationNs;
        }

        long queueDelayNs(long nowNs) {
            return Math.max(0, queueFreeNs - nowNs);
        }
    }

    /** Sender + link + receiver around one estimator. */
    static final class Sim {
        final DownlinkEstimator estimator;
        final Link link;
        long wantedBps;
        long nowNs;
        /** The receiver's clock runs this far ahead of the sender's. */
        final long receiverClockOffsetNs = 987_654_321L;

        private long nextSendNs;
        private long nextExt = 65_000; // wraps the 16-bit sequence number early on
        boolean autoProbe = true;
        /** While true, feedback is lost on the way back. */
        boolean dropFeedback;
        private int probeCluster = -1;
        private int probeRemaining;
        private long probeTargetBps;
        int probes;

        // Receiver: arrival time per extended sequence number (receiver clock, µs), -2 = not yet there.
        private final long[] arrivalUs = new long[1 << 20];
        private final ArrayDeque<long[]> inFlight = new ArrayDeque<>(); // {ext, arrivalNs}
        private long highestArrived = -1;
        private long nextToReport;
        private long nextFeedbackNs = 50 * MS;
        private int feedbackCount;
        private final byte[] fbBuf = new byte[TransportCcFeedback.maxLength(300)];
        private final long[] fbArrivals = new long[300];
        private final ArrayDeque<Object[]> feedbackInFlight = new ArrayDeque<>(); // {deliverNs, byte[]}
        private long nextRttNs;

        // Trace over the current measurement period.
        long maxQueueSeenNs;

        Sim(long startBps, double capacityBps, long wantedBps) {
            this.estimator = new DownlinkEstimator(startBps, 50_000, 20_000_000);
            this.link = new Link(capacityBps);
            this.wantedBps = wantedBps;
            java.util.Arrays.fill(arrivalUs, -2);
        }

        /** Advances the simulation to {@code untilNs} in 100 µs steps, calling {@code sample} every 100 ms. */
        void run(long untilNs, Sampler sample) {
            while (nowNs < untilNs) {
                nowNs += 100_000;
                send();
                receive();
                deliverFeedback();
                if (nowNs >= nextRttNs) {
                    nextRttNs = nowNs + S;
                    estimator.onRtt(2 * link.propagationNs + link.queueDelayNs(nowNs));
                }
                maxQueueSeenNs = Math.max(maxQueueSeenNs, link.queueDelayNs(nowNs));
                if (sample != null && nowNs % (100 * MS) == 0) {
                    sample.at(nowNs, this);
                }
            }
        }

        private void send() {
            if (autoProbe && probeRemaining == 0 && estimator.shouldProbe(wantedBps, nowNs)) {
                probe(estimator.nextProbeTargetBps(wantedBps));
            }
            while (nextSendNs <= nowNs) {
                long rate;
                int cluster = -1;
                if (probeRemaining > 0) {
                    rate = probeTargetBps;
                    cluster = probeCluster;
                    probeRemaining--;
                } else {
                    rate = Math.min(estimator.estimateBps(), wantedBps);
                }
                long ext = nextExt++;
                estimator.onPacketSent((int) (ext & 0xFFFF), PACKET_BYTES, nextSendNs, cluster);
                long arrival = link.send(nextSendNs, PACKET_BYTES);
                if (arrival >= 0) {
                    inFlight.add(new long[] {ext, arrival});
                }
                nextSendNs += (long) (PACKET_BYTES * 8 * 1e9 / rate);
            }
        }

        /** Sends a probe cluster at {@code targetBps} from now on: 15 ms worth of packets, at least 5. */
        void probe(long targetBps) {
            probeTargetBps = targetBps;
            probeCluster = estimator.startProbeCluster(targetBps, nowNs);
            long packets = (long) Math.ceil(targetBps * (DownlinkEstimator.PROBE_MIN_DURATION_NS / 1e9)
                    / (PACKET_BYTES * 8));
            probeRemaining = (int) Math.max(DownlinkEstimator.PROBE_MIN_PACKETS, packets + 1);
            nextSendNs = nowNs;
            probes++;
        }

        private void receive() {
            while (!inFlight.isEmpty() && inFlight.peek()[1] <= nowNs) {
                long[] p = inFlight.poll();
                arrivalUs[(int) p[0]] = (p[1] + receiverClockOffsetNs) / 1000;
                highestArrived = Math.max(highestArrived, p[0]);
            }
            if (nowNs < nextFeedbackNs) {
                return;
            }
            nextFeedbackNs += 50 * MS;
            while (nextToReport <= highestArrived) {
                int count = (int) Math.min(highestArrived - nextToReport + 1, fbArrivals.length);
                for (int k = 0; k < count; k++) {
                    long a = arrivalUs[(int) (nextToReport + k)];
                    fbArrivals[k] = a < 0 ? -1 : a;
                }
                int n = TransportCcFeedback.write(fbBuf, 0, 1, 2, (int) nextToReport, fbArrivals, count, feedbackCount);
                while (n < 0 && count > 1) {
                    count /= 2;
                    n = TransportCcFeedback.write(fbBuf, 0, 1, 2, (int) nextToReport, fbArrivals, count, feedbackCount);
                }
                nextToReport += count;
                if (n > 0 && !dropFeedback) {
                    feedbackCount = (feedbackCount + 1) & 0xFF;
                    feedbackInFlight.add(new Object[] {nowNs + link.propagationNs, java.util.Arrays.copyOf(fbBuf, n)});
                }
            }
        }

        private void deliverFeedback() {
            while (!feedbackInFlight.isEmpty() && (long) feedbackInFlight.peek()[0] <= nowNs) {
                byte[] fb = (byte[]) feedbackInFlight.poll()[1];
                estimator.onFeedback(fb, 0, fb.length, nowNs);
            }
        }
    }

    interface Sampler {
        void at(long nowNs, Sim sim);
    }

    /** Min, max and mean of the estimate over a period, and the worst queue delay. */
    static final class Stats implements Sampler {
        long min = Long.MAX_VALUE;
        long max;
        double sum;
        int n;
        long maxQueueNs;
        double lossSum;

        @Override
        public void at(long nowNs, Sim sim) {
            lossSum += sim.estimator.lossFraction();
            long e = sim.estimator.estimateBps();
            min = Math.min(min, e);
            max = Math.max(max, e);
            sum += e;
            n++;
            maxQueueNs = Math.max(maxQueueNs, sim.link.queueDelayNs(nowNs));
        }

        double mean() {
            return sum / n;
        }

        double meanLoss() {
            return lossSum / n;
        }
    }

    private static String kbps(double bps) {
        return String.format("%.0f kbit/s", bps / 1000);
    }

    /** The first sample time at which the estimate satisfies the condition, or -1. */
    static final class FirstTime implements Sampler {
        final java.util.function.LongPredicate condition;
        long atNs = -1;

        FirstTime(java.util.function.LongPredicate condition) {
            this.condition = condition;
        }

        @Override
        public void at(long nowNs, Sim sim) {
            if (atNs < 0 && condition.test(sim.estimator.estimateBps())) {
                atNs = nowNs;
            }
        }
    }

    private static Sampler both(Sampler a, Sampler b) {
        return (t, s) -> {
            a.at(t, s);
            b.at(t, s);
        };
    }

    private static Sampler trace(String name) {
        return (t, s) -> {
            if (Boolean.getBoolean("trace") && t % (500 * MS) == 0) {
                DownlinkEstimator e = s.estimator;
                System.out.printf("%s t=%5.1f est=%6d delay=%6d loss=%6d acked=%6d lossFr=%.3f q=%4d ms %s%n", name,
                        t / 1e9, e.estimateBps() / 1000, e.delayBasedBps() / 1000, e.lossBasedBps() / 1000,
                        e.ackedBitrateBps() / 1000, e.lossFraction(), s.link.queueDelayNs(t) / MS, e.state());
            }
        };
    }

    @Test
    void stableLinkConvergesAndStays() {
        double capacity = 2_000_000;
        Sim sim = new Sim(300_000, capacity, 5_000_000);
        FirstTime reached = new FirstTime(e -> e >= 0.7 * capacity);
        sim.run(15 * S, both(reached, trace("stable")));
        Stats after = new Stats();
        sim.run(60 * S, both(after, trace("stable")));
        System.out.printf("stable 2 Mbit/s from 300 kbit/s: >= 70%% of C after %.1f s; 15-60 s: min %s, mean %s,"
                        + " max %s (%.0f%%-%.0f%% of C), worst queue %d ms, probes %d%n",
                reached.atNs / 1e9, kbps(after.min), kbps(after.mean()), kbps(after.max),
                100 * after.min / capacity, 100 * after.max / capacity, after.maxQueueNs / MS, sim.probes);
        assertTrue(reached.atNs > 0 && reached.atNs <= 10 * S, "reached 70% of C at " + reached.atNs / 1e9 + " s");
        assertTrue(after.min >= 0.6 * capacity, "dropped to " + after.min);
        assertTrue(after.max <= 1.15 * capacity, "rose to " + after.max);
        assertTrue(after.maxQueueNs <= 60 * MS, "queue delay up to " + after.maxQueueNs / MS + " ms");
    }

    @Test
    void withoutProbesTheRateControlAloneFindsTheCapacity() {
        double capacity = 2_000_000;
        Sim sim = new Sim(1_000_000, capacity, 5_000_000);
        sim.autoProbe = false;
        FirstTime reached = new FirstTime(e -> e >= 0.7 * capacity);
        sim.run(20 * S, both(reached, trace("noprobe")));
        Stats after = new Stats();
        sim.run(60 * S, both(after, trace("noprobe")));
        System.out.printf("no probing, 2 Mbit/s from 1 Mbit/s: >= 70%% of C after %.1f s; 20-60 s: min %s, mean %s,"
                        + " max %s, worst queue %d ms%n",
                reached.atNs / 1e9, kbps(after.min), kbps(after.mean()), kbps(after.max), after.maxQueueNs / MS);
        assertTrue(reached.atNs > 0 && reached.atNs <= 10 * S, "reached 70% of C at " + reached.atNs / 1e9 + " s");
        assertTrue(after.min >= 0.6 * capacity && after.max <= 1.15 * capacity, after.min + ".." + after.max);
        assertTrue(after.maxQueueNs <= 60 * MS, "queue delay up to " + after.maxQueueNs / MS + " ms");
    }

    @Test
    void stepDownIsFollowedAndTheQueueDrains() {
        Sim sim = new Sim(300_000, 2_000_000, 5_000_000);
        sim.run(20 * S, trace("down"));
        long before = sim.estimator.estimateBps();
        sim.link.capacityBps = 400_000;
        long stepNs = sim.nowNs;
        FirstTime down = new FirstTime(e -> e <= 1.2 * 400_000);
        long[] queueRecoveredNs = {-1};
        long[] peakQueueNs = {0};
        Sampler queue = (t, s) -> {
            long q = s.link.queueDelayNs(t);
            peakQueueNs[0] = Math.max(peakQueueNs[0], q);
            if (queueRecoveredNs[0] < 0 && t - stepNs > S && q < 50 * MS) {
                queueRecoveredNs[0] = t;
            }
        };
        sim.run(stepNs + 10 * S, both(both(down, queue), trace("down")));
        Stats after = new Stats();
        sim.run(stepNs + 30 * S, both(after, trace("down")));
        System.out.printf("step 2 Mbit/s -> 400 kbit/s (estimate %s before): <= 480 kbit/s after %.2f s; peak queue"
                        + " %d ms, below 50 ms again %.1f s after the step; 10-30 s after: min %s, mean %s, max %s,"
                        + " worst queue %d ms, tail drops %d%n",
                kbps(before), (down.atNs - stepNs) / 1e9, peakQueueNs[0] / MS, (queueRecoveredNs[0] - stepNs) / 1e9,
                kbps(after.min), kbps(after.mean()), kbps(after.max), after.maxQueueNs / MS, sim.link.dropped);
        assertTrue(before >= 1_400_000, "had converged before the step: " + before);
        assertTrue(down.atNs > 0 && down.atNs - stepNs <= S, "followed the step after " + (down.atNs - stepNs) / 1e9);
        assertTrue(queueRecoveredNs[0] > 0 && queueRecoveredNs[0] - stepNs <= 6 * S,
                "queue recovered after " + (queueRecoveredNs[0] - stepNs) / 1e9 + " s");
        assertTrue(after.min >= 0.6 * 400_000 && after.max <= 1.15 * 400_000,
                "settled in " + after.min + ".." + after.max);
        assertTrue(after.maxQueueNs <= 150 * MS, "queue stayed short: " + after.maxQueueNs / MS + " ms");
    }

    @Test
    void stepUpIsFoundWithProbes() {
        Sim sim = new Sim(300_000, 400_000, 5_000_000);
        sim.run(20 * S, trace("up"));
        long before = sim.estimator.estimateBps();
        sim.link.capacityBps = 2_000_000;
        long stepNs = sim.nowNs;
        int probesBefore = sim.probes;
        FirstTime up = new FirstTime(e -> e >= 0.6 * 2_000_000);
        sim.run(stepNs + 20 * S, both(up, trace("up")));
        Stats after = new Stats();
        sim.run(stepNs + 40 * S, both(after, trace("up")));
        System.out.printf("step 400 kbit/s -> 2 Mbit/s (estimate %s before): >= 1.2 Mbit/s after %.1f s (%d probes);"
                        + " 20-40 s after: min %s, mean %s, max %s%n",
                kbps(before), (up.atNs - stepNs) / 1e9, sim.probes - probesBefore, kbps(after.min), kbps(after.mean()),
                kbps(after.max));
        assertTrue(before <= 1.15 * 400_000 && before >= 0.6 * 400_000, "tracked 400 kbit/s before: " + before);
        assertTrue(up.atNs > 0 && up.atNs - stepNs <= 12 * S, "found the new capacity after " + (up.atNs - stepNs) / 1e9);
        assertTrue(after.min >= 0.6 * 2_000_000 && after.max <= 1.15 * 2_000_000, after.min + ".." + after.max);
    }

    @Test
    void fivePercentRandomLossIsTolerated() {
        double capacity = 2_000_000;
        Sim sim = new Sim(300_000, capacity, 5_000_000);
        sim.run(15 * S, trace("loss5"));
        sim.link.randomLoss = 0.05;
        Stats with = new Stats();
        sim.run(45 * S, both(with, trace("loss5")));
        System.out.printf("5%% random loss on 2 Mbit/s (from 15 s to 45 s): min %s, mean %s, max %s (%.0f%% of C"
                        + " at worst), mean measured loss %.3f%n",
                kbps(with.min), kbps(with.mean()), kbps(with.max), 100 * with.min / capacity, with.meanLoss());
        assertEquals(0.05, with.meanLoss(), 0.015, "loss seen");
        assertTrue(with.min >= 0.5 * capacity, "driven down to " + with.min);
        assertTrue(with.max <= 1.15 * capacity, "rose to " + with.max);
    }

    @Test
    void twentyPercentLossDrivesTheEstimateDown() {
        double capacity = 2_000_000;
        Sim sim = new Sim(300_000, capacity, 5_000_000);
        sim.run(15 * S, trace("loss20"));
        long before = sim.estimator.estimateBps();
        sim.link.randomLoss = 0.20;
        FirstTime halved = new FirstTime(e -> e <= before / 2);
        sim.run(25 * S, both(halved, trace("loss20")));
        long end = sim.estimator.estimateBps();
        System.out.printf("20%% random loss on 2 Mbit/s: estimate %s -> %s after 10 s, halved after %.1f s,"
                        + " loss-based %s, last loss window %.3f%n",
                kbps(before), kbps(end), (halved.atNs - 15 * S) / 1e9, kbps(sim.estimator.lossBasedBps()),
                sim.estimator.lossFraction());
        assertTrue(before >= 0.7 * capacity, "converged first: " + before);
        assertTrue(halved.atNs > 0 && halved.atNs - 15 * S <= 5 * S, "halved after " + (halved.atNs - 15 * S) / 1e9);
        assertTrue(end <= 0.25 * capacity, "still at " + end);
    }

    @Test
    void probeResultRaisesTheDelayBasedEstimate() {
        // Uncongested: a 1.2 Mbit/s probe on a 5 Mbit/s path measures about 1.2 Mbit/s.
        Sim free = new Sim(300_000, 5_000_000, 300_000);
        free.autoProbe = false;
        free.run(3 * S, null);
        long before = free.estimator.delayBasedBps();
        free.probe(1_200_000);
        free.run(free.nowNs + 300 * MS, null);
        long raised = free.estimator.delayBasedBps();
        // Saturating: the same probe through a 600 kbit/s bottleneck measures about 0.95 × 600 kbit/s.
        Sim narrow = new Sim(300_000, 600_000, 300_000);
        narrow.autoProbe = false;
        narrow.run(3 * S, null);
        narrow.probe(1_200_000);
        narrow.run(narrow.nowNs + 300 * MS, null);
        long limited = narrow.estimator.lastProbeResultBps();
        System.out.printf("probe 1.2 Mbit/s: on a free 5 Mbit/s path %s -> %s; through 600 kbit/s measured %s%n",
                kbps(before), kbps(raised), kbps(limited));
        assertTrue(before < 400_000, "no growth without probing: " + before);
        assertEquals(1_200_000, raised, 120_000);
        assertEquals(0.95 * 600_000, limited, 60_000);
    }

    @Test
    void probeControllerGrowsExponentiallyAndBacksOff() {
        DownlinkEstimator e = new DownlinkEstimator(1_000_000, 50_000, 10_000_000);
        assertTrue(!e.shouldProbe(1_000_000, 0), "no probe when the allocation fits");
        assertTrue(e.shouldProbe(5_000_000, 0));
        assertEquals(2_000_000, e.nextProbeTargetBps(5_000_000), "twice the estimate");
        assertEquals(1_500_000, e.nextProbeTargetBps(1_500_000), "capped by what is wanted");
        assertEquals(10_000_000, new DownlinkEstimator(8_000_000, 50_000, 10_000_000).nextProbeTargetBps(50_000_000),
                "capped by max");
        e.startProbeCluster(2_000_000, 0);
        // Nothing came of it (no feedback): wait 2 s, then 4 s, then 8 s, and no longer.
        long t = 0;
        for (long wait : new long[] {2 * S, 4 * S, 8 * S, 8 * S}) {
            assertTrue(!e.shouldProbe(5_000_000, t + wait - MS), "not before " + wait / S + " s");
            assertTrue(e.shouldProbe(5_000_000, t + wait), "after " + wait / S + " s");
            t += wait;
            e.startProbeCluster(2_000_000, t);
        }
        assertTrue(e.shouldProbe(8_000_000, t + S), "an allocation wanting 1.5x more probes after 1 s");
    }

    @Test
    void withoutFeedbackTheEstimateIsKeptThenBacksOffSlowly() {
        Sim sim = new Sim(300_000, 2_000_000, 5_000_000);
        sim.run(15 * S, null);
        long before = sim.estimator.estimateBps();
        sim.dropFeedback = true;
        sim.run(15 * S + 900 * MS, null);
        long kept = sim.estimator.estimateBps();
        sim.run(20 * S, null);
        long after = sim.estimator.estimateBps();
        System.out.printf("feedback lost from 15 s: %s, %s at 15.9 s, %s at 20 s (%d timeouts)%n", kbps(before),
                kbps(kept), kbps(after), sim.estimator.feedbackTimeoutCount());
        assertTrue(kept >= 0.9 * before, "kept for a while: " + kept);
        assertTrue(after < 0.6 * before && after >= 50_000, "backed off: " + after);
        sim.dropFeedback = false;
        sim.run(35 * S, null);
        System.out.printf("feedback back at 20 s: %s at 35 s%n", kbps(sim.estimator.estimateBps()));
        assertTrue(sim.estimator.estimateBps() >= 0.6 * 2_000_000, "recovered: " + sim.estimator.estimateBps());
    }

    @Test
    void malformedTruncatedAndUnknownFeedbackIsIgnored() {
        DownlinkEstimator e = new DownlinkEstimator(500_000, 50_000, 10_000_000);
        byte[] fb = new byte[TransportCcFeedback.maxLength(300)];
        long[] arrivals = new long[40];
        // Feedback before anything was sent: unknown.
        for (int i = 0; i < 40; i++) {
            arrivals[i] = 1_000_000 + i * 5_000L;
        }
        int n = TransportCcFeedback.write(fb, 0, 1, 2, 100, arrivals, 40, 0);
        e.onFeedback(fb, 0, n, 0);
        assertEquals(40, e.unknownReportCount());
        long now = 0;
        for (int i = 0; i < 40; i++) {
            e.onPacketSent(100 + i, 1200, now + i * 5 * MS, -1);
        }
        // Truncated at every length, then corrupted bytes: counted, never thrown.
        n = TransportCcFeedback.write(fb, 0, 1, 2, 100, arrivals, 40, 1);
        for (int len = 0; len < n; len++) {
            e.onFeedback(fb, 0, len, now);
        }
        Random random = new Random(7);
        byte[] junk = new byte[n];
        for (int trial = 0; trial < 20_000; trial++) {
            System.arraycopy(fb, 0, junk, 0, n);
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                junk[random.nextInt(n)] = (byte) random.nextInt(256);
            }
            e.onFeedback(junk, 0, random.nextInt(n + 1), now);
        }
        for (int trial = 0; trial < 2_000; trial++) {
            random.nextBytes(junk);
            junk[0] = (byte) 0x8F;
            junk[1] = (byte) 205;
            e.onFeedback(junk, 0, junk.length, now);
        }
        e.onFeedback(null, 0, 10, now);
        e.onFeedback(fb, -4, 20, now);
        e.onFeedback(fb, fb.length - 10, 20, now);
        e.onFeedback(fb, 0, Integer.MAX_VALUE, now);
        assertTrue(e.malformedFeedbackCount() > n, "malformed counted: " + e.malformedFeedbackCount());
        // Reports far ahead of what was sent, and the same valid feedback twice.
        n = TransportCcFeedback.write(fb, 0, 1, 2, 30_000, arrivals, 40, 2);
        long unknownBefore = e.unknownReportCount();
        e.onFeedback(fb, 0, n, now);
        assertEquals(unknownBefore + 40, e.unknownReportCount());
        n = TransportCcFeedback.write(fb, 0, 1, 2, 100, arrivals, 40, 3);
        e.onFeedback(fb, 0, n, now);
        long dupBefore = e.duplicateReportCount();
        e.onFeedback(fb, 0, n, now);
        assertEquals(dupBefore + 40, e.duplicateReportCount(), "the repeated feedback's packets are duplicates");
        long est = e.estimateBps();
        assertTrue(est >= 50_000 && est <= 10_000_000, "estimate stays sane: " + est);
        System.out.printf("bad input: %d malformed, %d unknown, %d duplicate reports ignored; estimate %s%n",
                e.malformedFeedbackCount(), e.unknownReportCount(), e.duplicateReportCount(), kbps(est));
    }

    @Test
    void steadyStateAllocatesNothing() {
        // The trace (send times, feedback bytes) is built first, so only the estimator runs while measuring.
        int packets = 40_000; // 1200-byte packets every 4 ms (2.4 Mbit/s) for 160 s, through a 2 Mbit/s queue
        long[] sendNs = new long[packets];
        long[] arrivalUs = new long[packets];
        long queueFree = 0;
        for (int i = 0; i < packets; i++) {
            sendNs[i] = i * 4 * MS;
            queueFree = Math.max(sendNs[i], queueFree) + 4_800_000L;
            arrivalUs[i] = i % 50 == 7 ? -1 : (queueFree + 20 * MS) / 1000;
        }
        byte[] fbBytes = new byte[packets * 4 + 1 << 16];
        int[] fbOff = new int[packets];
        int[] fbLen = new int[packets];
        int[] fbAfterPacket = new int[packets];
        int feedbacks = 0;
        int at = 0;
        for (int first = 0; first < packets; first += 12) {
            int count = Math.min(12, packets - first);
            long[] a = java.util.Arrays.copyOfRange(arrivalUs, first, first + count);
            int n = TransportCcFeedback.write(fbBytes, at, 1, 2, first & 0xFFFF, a, count, feedbacks);
            fbOff[feedbacks] = at;
            fbLen[feedbacks] = n;
            fbAfterPacket[feedbacks] = first + count + 10;
            feedbacks++;
            at += n;
        }
        DownlinkEstimator e = new DownlinkEstimator(1_000_000, 50_000, 10_000_000);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = 0;
        int f = 0;
        for (int i = 0; i < packets; i++) {
            if (i == packets / 4) {
                before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            }
            int cluster = -1;
            if (e.shouldProbe(5_000_000, sendNs[i])) {
                cluster = e.startProbeCluster(e.nextProbeTargetBps(5_000_000), sendNs[i]);
            }
            e.onPacketSent(i & 0xFFFF, 1200, sendNs[i], cluster);
            while (f < feedbacks && fbAfterPacket[f] <= i) {
                e.onFeedback(fbBytes, fbOff[f], fbLen[f], sendNs[i]);
                f++;
            }
            if (i % 250 == 0) {
                e.onRtt(40 * MS);
            }
        }
        long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        System.out.printf("allocation: %d bytes over %d packets and %d feedbacks (estimate %s)%n", allocated,
                packets * 3 / 4, feedbacks * 3 / 4, kbps(e.estimateBps()));
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes");
        assertEquals(f, e.feedbackCount());
        assertEquals(0, e.malformedFeedbackCount());
    }
}
