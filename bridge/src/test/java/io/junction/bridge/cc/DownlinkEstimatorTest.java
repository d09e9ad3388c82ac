package io.junction.bridge.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.TransportCcFeedback;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The estimator against synthetic feedback traces: a simulated bottleneck (capacity, FIFO queue with
 * a delay limit, propagation delay, random loss) between the bridge and a receiver that writes real
 * transport-cc feedback bytes every 50 ms, as Chromium does. The sender sends at the estimate (what
 * the allocator would fill) and probes when the estimator says so.
 */
class DownlinkEstimatorTest {
    static final long MS = 1_000_000L;

    /** The bridge → receiver path and the receiver's feedback. */
    static final class Sim {
        final DownlinkEstimator est;
        final Random random = new Random(7);
        long capacityBps;
        double loss;
        long wantedBps = 5_000_000;
        long nowNs;
        long linkFreeNs; // when the bottleneck finishes the packets queued so far
        static final long PROPAGATION_NS = 20 * MS;
        static final long QUEUE_LIMIT_NS = 400 * MS;
        int seq;
        final long[] arrivalUs = new long[1 << 16];
        final boolean[] arrived = new boolean[1 << 16];
        final long[] dueNs = new long[1 << 16];
        int feedbackBase; // the first sequence number not yet reported
        int highestArrived = -1;
        int feedbackCount;
        double budgetBytes;
        int probeLeft;
        int probeCluster = -1;
        long probeGapNs;
        long nextProbeNs;
        long sentBytes;
        long maxQueueNs;

        Sim(long startBps, long capacityBps) {
            this.est = new DownlinkEstimator(startBps, 50_000, 20_000_000);
            this.capacityBps = capacityBps;
            Arrays.fill(dueNs, Long.MAX_VALUE);
        }

        void send(int size, int cluster) {
            int s = seq & 0xFFFF;
            seq++;
            est.onPacketSent(s, size, nowNs, cluster);
            sentBytes += size;
            arrived[s] = false;
            dueNs[s] = Long.MAX_VALUE;
            long start = Math.max(nowNs, linkFreeNs);
            if (start - nowNs > QUEUE_LIMIT_NS || random.nextDouble() < loss) {
                return; // tail drop or random loss
            }
            linkFreeNs = start + size * 8L * 1_000_000_000L / capacityBps;
            maxQueueNs = Math.max(maxQueueNs, start - nowNs);
            dueNs[s] = linkFreeNs + PROPAGATION_NS;
        }

        /** Advances 5 ms: media at the estimate, probe packets, arrivals, feedback every 50 ms. */
        void step() {
            nowNs += 5 * MS;
            long rate = Math.min(est.estimateBps(), wantedBps);
            budgetBytes += rate * 0.005 / 8;
            while (budgetBytes >= 1200) {
                send(1200, -1);
                budgetBytes -= 1200;
            }
            if (probeLeft == 0 && est.shouldProbe(wantedBps, nowNs)) {
                long target = est.nextProbeTargetBps(wantedBps);
                probeCluster = est.startProbeCluster(target, nowNs);
                probeLeft = (int) Math.max(10, target / 8 * 30 / 1000 / 285); // 30 ms at the target
                probeGapNs = 30 * MS / probeLeft;
                nextProbeNs = nowNs;
            }
            while (probeLeft > 0 && nextProbeNs <= nowNs) {
                long keep = nowNs;
                nowNs = nextProbeNs;
                send(285, probeCluster);
                nowNs = keep;
                nextProbeNs += probeGapNs;
                probeLeft--;
            }
            for (int k = feedbackBase; k != (seq & 0xFFFF); k = (k + 1) & 0xFFFF) {
                if (!arrived[k] && dueNs[k] <= nowNs) {
                    arrived[k] = true;
                    arrivalUs[k] = dueNs[k] / 1000;
                    highestArrived = k;
                }
            }
            if (nowNs % (50 * MS) == 0) {
                feedback();
            }
        }

        void feedback() {
            if (highestArrived < 0) {
                return;
            }
            int count = ((highestArrived - feedbackBase) & 0xFFFF) + 1;
            count = Math.min(count, 300);
            long[] times = new long[count];
            for (int k = 0; k < count; k++) {
                int s = (feedbackBase + k) & 0xFFFF;
                times[k] = arrived[s] ? arrivalUs[s] : -1;
            }
            byte[] buf = new byte[TransportCcFeedback.maxLength(count)];
            int n;
            while ((n = TransportCcFeedback.write(buf, 0, 1, 2, feedbackBase, times, count, feedbackCount)) < 0 && count > 1) {
                count--;
            }
            if (n > 0) {
                feedbackCount++;
                est.onFeedback(buf, 0, n, nowNs);
            }
            feedbackBase = (feedbackBase + count) & 0xFFFF;
            if (((highestArrived - feedbackBase) & 0xFFFF) > 0x8000) {
                highestArrived = -1;
            }
        }

        /** Runs {@code ms}; returns the estimate's minimum and maximum over the second half of the run. */
        long[] run(long ms) {
            long lo = Long.MAX_VALUE;
            long hi = 0;
            long steps = ms / 5;
            for (long i = 0; i < steps; i++) {
                step();
                if (i >= steps / 2) {
                    lo = Math.min(lo, est.estimateBps());
                    hi = Math.max(hi, est.estimateBps());
                }
            }
            return new long[] {lo, hi};
        }

        /** Runs until the estimate satisfies {@code done}, at most {@code ms}; returns the time taken (ms) or -1. */
        long runUntil(long ms, java.util.function.LongPredicate done) {
            for (long t = 0; t < ms; t += 5) {
                step();
                if (done.test(est.estimateBps())) {
                    return t + 5;
                }
            }
            return -1;
        }
    }

    @Test
    void stableLinkConvergesFromALowStartAndStaysNearTheCapacity() {
        long c = 2_000_000;
        Sim sim = new Sim(300_000, c);
        long t = sim.runUntil(15_000, e -> e >= 0.7 * c);
        long[] range = sim.run(20_000);
        System.out.printf("stable 2 Mbit/s from 300 kbit/s: >= 70 %% after %d ms; then %d..%d bit/s (%.0f..%.0f %%); "
                + "max queue %d ms; %d probes%n", t, range[0], range[1], 100.0 * range[0] / c, 100.0 * range[1] / c,
                sim.maxQueueNs / MS, sim.est.probeResults);
        assertTrue(t > 0 && t <= 15_000, "reached 70 % of the capacity: " + t);
        assertTrue(range[0] >= 0.6 * c && range[1] <= 1.15 * c, "stays near the capacity: " + Arrays.toString(range));
        assertEquals(0, sim.est.malformedFeedbacks);
    }

    @Test
    void stepDownIsFollowedWithinThreeSeconds() {
        Sim sim = new Sim(1_000_000, 2_000_000);
        sim.run(20_000);
        assertTrue(sim.est.estimateBps() > 1_300_000, "converged first: " + sim.est.estimateBps());
        sim.capacityBps = 400_000;
        long queueBefore = sim.maxQueueNs;
        long t = sim.runUntil(10_000, e -> e <= 1.2 * 400_000);
        long[] range = sim.run(20_000);
        System.out.printf("step 2 Mbit/s -> 400 kbit/s: <= 480 kbit/s after %d ms; then %d..%d bit/s; max queue %d ms%n",
                t, range[0], range[1], sim.maxQueueNs / MS);
        assertTrue(t > 0 && t <= 3_000, "followed the step down: " + t);
        assertTrue(range[0] >= 0.5 * 400_000 && range[1] <= 1.2 * 400_000, "settles near 400 kbit/s: " + Arrays.toString(range));
        long drain = sim.linkFreeNs - sim.nowNs;
        assertTrue(drain < 100 * MS, "the queue drained: " + drain / MS + " ms (max was " + queueBefore / MS + ")");
    }

    @Test
    void stepUpIsFoundByProbing() {
        Sim sim = new Sim(1_000_000, 400_000);
        sim.run(20_000);
        assertTrue(sim.est.estimateBps() < 500_000, "converged low first: " + sim.est.estimateBps());
        sim.capacityBps = 2_000_000;
        long probesBefore = sim.est.probeResults;
        long t = sim.runUntil(20_000, e -> e >= 0.6 * 2_000_000);
        System.out.printf("step 400 kbit/s -> 2 Mbit/s: >= 1.2 Mbit/s after %d ms (%d probe results)%n", t,
                sim.est.probeResults - probesBefore);
        assertTrue(t > 0 && t <= 15_000, "found the new capacity: " + t);
        assertTrue(sim.est.probeResults > probesBefore, "probes were measured");
    }

    @Test
    void moderateRandomLossHoldsTheEstimateHeavyLossCutsIt() {
        long c = 2_000_000;
        Sim sim = new Sim(1_000_000, c);
        sim.run(20_000);
        long converged = sim.est.estimateBps();
        sim.loss = 0.05;
        long[] range = sim.run(20_000);
        System.out.printf("5 %% random loss on 2 Mbit/s: estimate %d..%d bit/s (converged at %d), loss seen %.3f%n",
                range[0], range[1], converged, sim.est.lossFraction());
        assertTrue(range[0] >= 0.5 * c, "5 % loss does not drive it down: " + Arrays.toString(range));
        sim.loss = 0.20;
        sim.run(10_000);
        long heavy = sim.est.estimateBps();
        System.out.printf("20 %% random loss: estimate %d bit/s%n", heavy);
        assertTrue(heavy < 0.5 * converged, "20 % loss cuts it: " + heavy);
    }

    @Test
    void malformedAndUnknownFeedbackIsIgnored() {
        DownlinkEstimator est = new DownlinkEstimator(1_000_000, 50_000, 10_000_000);
        byte[] junk = new byte[64];
        new Random(1).nextBytes(junk);
        est.onFeedback(junk, 0, junk.length, 0); // before anything was sent
        for (int i = 0; i < 100; i++) {
            est.onPacketSent(i, 1200, i * MS, -1);
        }
        Random r = new Random(2);
        for (int k = 0; k < 2000; k++) {
            byte[] b = new byte[r.nextInt(80)];
            r.nextBytes(b);
            if (b.length > 2) {
                b[0] = (byte) 0x8F; // V=2, FMT 15
                b[1] = (byte) 205;
            }
            est.onFeedback(b, 0, b.length, k * MS);
        }
        // a well-formed feedback about sequence numbers never sent
        long[] times = new long[10];
        Arrays.fill(times, 5_000);
        byte[] buf = new byte[TransportCcFeedback.maxLength(10)];
        int n = TransportCcFeedback.write(buf, 0, 1, 2, 30_000, times, 10, 0);
        est.onFeedback(buf, 0, n, 3000 * MS);
        assertTrue(est.unknownReports >= 10, "unknown sequence numbers counted: " + est.unknownReports);
        assertTrue(est.malformedFeedbacks > 0, "malformed feedback counted");
        // junk that happens to parse is believed (a receiver can only mislead its own estimate), but
        // the estimate stays within its bounds
        assertTrue(est.estimateBps() >= 50_000 && est.estimateBps() <= 10_000_000, "bounded: " + est.estimateBps());
    }
}
