package io.junction.bridge.cc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A probe through a token-bucket shaper (tc tbf, as DownlinkAdaptationIT's 400 kbit/s cap with a
 * 4000-byte burst): the first packets of the cluster pass at once on the bucket's allowance, the rest
 * at the shaped rate. A feedback that reports only the first ones must not be taken for the path's
 * rate; once most of the cluster is reported, the measurement is the shaped rate.
 */
class ProbeClustersTest {
    private static final long MS = 1_000_000L;
    private static final int SIZE = 300; // the Prober's padding packets: 285 bytes + SRTP

    @Test
    void theBurstAllowanceAloneIsNoMeasurementTheWholeClusterIs() {
        ProbeClusters probes = new ProbeClusters();
        int planned = 28;
        int cluster = probes.start(800_000, planned);
        long capBps = 400_000;
        long sendGapNs = SIZE * 8 * 1_000_000_000L / 800_000; // sent at the 800 kbit/s target
        int burstPackets = 4000 / SIZE; // what the bucket lets through at once
        // the first feedback: the packets that rode the burst, arriving as fast as they were sent
        for (int i = 0; i < burstPackets; i++) {
            probes.onReceived(cluster, i * sendGapNs, 10 * MS + i * sendGapNs, SIZE);
        }
        assertEquals(0, probes.takeResultBps(), "a few packets through the burst allowance measure nothing");
        // the rest, spaced by the shaper at 400 kbit/s
        long arrival = 10 * MS + (burstPackets - 1) * sendGapNs;
        for (int i = burstPackets; i < planned; i++) {
            arrival += SIZE * 8 * 1_000_000_000L / capBps;
            probes.onReceived(cluster, i * sendGapNs, arrival, SIZE);
        }
        long result = probes.takeResultBps();
        assertTrue(result > 0, "the whole cluster is a measurement");
        assertTrue(result < 1.5 * capBps, "close to the shaped rate, not the target: " + result);
    }

    @Test
    void withoutAPlannedCountTheOldRuleHolds() {
        ProbeClusters probes = new ProbeClusters();
        int cluster = probes.start(1_200_000);
        long gap = SIZE * 8 * 1_000_000_000L / 1_200_000;
        for (int i = 0; i < 6; i++) {
            probes.onReceived(cluster, i * gap, 10 * MS + i * gap, SIZE);
        }
        assertTrue(probes.takeResultBps() > 1_000_000, "unplanned clusters are measured from MIN_RECEIVED packets");
    }
}
