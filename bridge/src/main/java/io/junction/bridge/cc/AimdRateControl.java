package io.junction.bridge.cc;

/**
 * The delay-based rate of GCC: additive-increase/multiplicative-decrease driven by the overuse
 * detector, as libwebrtc's {@code AimdRateControl}.
 *
 * <ul>
 * <li>Normal: increase. Far from the rate at which the path last congested, by
 *     {@value #MULTIPLICATIVE_GAIN_PER_S}× per second (to find a new ceiling quickly); near it (the
 *     acknowledged rate within three standard deviations of the running average of rates at past
 *     overuses), by about one packet per response time (RTT + {@value #RESPONSE_EXTRA_MS} ms), so the
 *     queue is probed gently where it is known to build up. Never beyond
 *     {@value #THROUGHPUT_LIMIT_FACTOR} × acknowledged rate + 10 kbit/s: a rate that is not being used
 *     has not been tested.</li>
 * <li>Overusing: decrease to {@value #BETA} × the acknowledged rate (what the bottleneck actually
 *     delivered), never upwards, then hold.</li>
 * <li>Underusing: hold, because the queue is draining and increasing now would refill it.</li>
 * </ul>
 */
final class AimdRateControl {
    static final double BETA = 0.85;
    static final double MULTIPLICATIVE_GAIN_PER_S = 1.08;
    static final long MIN_MULTIPLICATIVE_STEP_BPS = 1_000;
    static final long MIN_ADDITIVE_BPS_PER_S = 4_000;
    static final long RESPONSE_EXTRA_MS = 100;
    static final double ASSUMED_FRAME_RATE = 30;
    static final int ASSUMED_PACKET_BYTES = 1200;
    static final double THROUGHPUT_LIMIT_FACTOR = 1.5;
    static final long THROUGHPUT_LIMIT_EXTRA_BPS = 10_000;
    /** Subtracted after the multiplicative decrease so repeated decreases make progress at low rates. */
    static final long DECREASE_EXTRA_BPS = 5_000;
    static final long DEFAULT_RTT_NS = 200_000_000L;
    static final long MIN_REDUCE_INTERVAL_NS = 10_000_000L;
    static final long MAX_REDUCE_INTERVAL_NS = 200_000_000L;
    /** Smoothing of the link capacity average, updated at each overuse. */
    static final double CAPACITY_ALPHA = 0.05;

    private static final int HOLD = 0;
    private static final int INCREASE = 1;
    private static final int DECREASE = 2;

    private final long minBps;
    private final long maxBps;
    private long bitrateBps;
    private int state = HOLD;
    private long lastChangeNs;
    private boolean changed;
    private long rttNs = DEFAULT_RTT_NS;
    /** Running average of the acknowledged rate at overuses, kbit/s; negative while unknown. */
    private double capacityKbps = -1;
    /** Normalised variance of that average (kbit/s), clamped to [0.4, 2.5] as libwebrtc. */
    private double capacityDeviationKbps = 0.4;

    AimdRateControl(long startBps, long minBps, long maxBps) {
        this.minBps = minBps;
        this.maxBps = maxBps;
        this.bitrateBps = clamp(startBps);
    }

    long bitrateBps() {
        return bitrateBps;
    }

    void setRttNs(long rttNs) {
        this.rttNs = rttNs;
    }

    /** True while the estimate is near the rate at which the path congested before. */
    boolean nearCapacity() {
        return capacityKbps >= 0;
    }

    /**
     * While overusing, decrease again only once per RTT (10–200 ms): the effect of the last decrease
     * needs that long to show. Unless the path now delivers less than half the estimate.
     */
    boolean timeToReduceFurther(long nowNs, long ackedBps) {
        long interval = Math.max(MIN_REDUCE_INTERVAL_NS, Math.min(MAX_REDUCE_INTERVAL_NS, rttNs));
        if (!changed || nowNs - lastChangeNs >= interval) {
            return true;
        }
        return ackedBps > 0 && ackedBps < bitrateBps / 2;
    }

    /** Sets the estimate directly (a probe measured the path). */
    void setEstimate(long bps, long nowNs) {
        bitrateBps = clamp(bps);
        lastChangeNs = nowNs;
        changed = true;
    }

    /** One step of the state machine; {@code ackedBps} is 0 while the acknowledged rate is unknown. */
    void update(BandwidthUsage usage, long ackedBps, long nowNs) {
        switch (usage) {
            case NORMAL -> {
                if (state == HOLD) {
                    state = INCREASE;
                    lastChangeNs = nowNs; // the increase starts now, not when the hold began
                    changed = true;
                }
            }
            case OVERUSING -> state = DECREASE;
            case UNDERUSING -> state = HOLD;
        }
        if (state == INCREASE) {
            increase(ackedBps, nowNs);
        } else if (state == DECREASE) {
            decrease(ackedBps, nowNs);
        }
    }

    private void increase(long ackedBps, long nowNs) {
        if (ackedBps > 0 && capacityKbps >= 0 && ackedBps / 1000.0 > capacityUpperKbps()) {
            capacityKbps = -1; // the path now carries more than it did when it congested: forget that rate
        }
        long limit = ackedBps > 0 ? (long) (THROUGHPUT_LIMIT_FACTOR * ackedBps) + THROUGHPUT_LIMIT_EXTRA_BPS
                : Long.MAX_VALUE;
        double elapsedS = changed ? Math.max(0, nowNs - lastChangeNs) / 1e9 : 0;
        if (bitrateBps < limit) {
            long step;
            if (capacityKbps >= 0) {
                step = (long) (nearCapacityIncreaseBpsPerS() * elapsedS);
            } else {
                double gain = Math.pow(MULTIPLICATIVE_GAIN_PER_S, Math.min(elapsedS, 1.0));
                step = Math.max((long) (bitrateBps * (gain - 1)), MIN_MULTIPLICATIVE_STEP_BPS);
            }
            bitrateBps = clamp(Math.min(bitrateBps + step, limit));
        }
        lastChangeNs = nowNs;
        changed = true;
    }

    private void decrease(long ackedBps, long nowNs) {
        double basisBps = ackedBps > 0 ? ackedBps : bitrateBps;
        long decreased = (long) (BETA * basisBps);
        if (decreased > DECREASE_EXTRA_BPS) {
            decreased -= DECREASE_EXTRA_BPS;
        }
        if (decreased > bitrateBps && capacityKbps >= 0) {
            decreased = (long) (BETA * capacityKbps * 1000);
        }
        if (decreased < bitrateBps) {
            bitrateBps = clamp(decreased);
        }
        if (ackedBps > 0) {
            if (capacityKbps >= 0 && ackedBps / 1000.0 < capacityLowerKbps()) {
                capacityKbps = -1; // far below the old ceiling: the path changed, learn it again
            }
            updateCapacity(ackedBps / 1000.0);
        }
        state = HOLD;
        lastChangeNs = nowNs;
        changed = true;
    }

    /** About one average packet per response time: how fast to approach a known ceiling. */
    private double nearCapacityIncreaseBpsPerS() {
        double bitsPerFrame = bitrateBps / ASSUMED_FRAME_RATE;
        double packetsPerFrame = Math.ceil(bitsPerFrame / (ASSUMED_PACKET_BYTES * 8));
        double averagePacketBits = bitsPerFrame / Math.max(1, packetsPerFrame);
        double responseS = (rttNs + RESPONSE_EXTRA_MS * 1_000_000L) / 1e9;
        return Math.max(MIN_ADDITIVE_BPS_PER_S, averagePacketBits / responseS);
    }

    private void updateCapacity(double sampleKbps) {
        if (capacityKbps < 0) {
            capacityKbps = sampleKbps;
        } else {
            capacityKbps = (1 - CAPACITY_ALPHA) * capacityKbps + CAPACITY_ALPHA * sampleKbps;
        }
        double error = capacityKbps - sampleKbps;
        double norm = Math.max(capacityKbps, 1.0);
        capacityDeviationKbps = (1 - CAPACITY_ALPHA) * capacityDeviationKbps + CAPACITY_ALPHA * error * error / norm;
        capacityDeviationKbps = Math.max(0.4, Math.min(2.5, capacityDeviationKbps));
    }

    private double capacityStdKbps() {
        return Math.sqrt(capacityDeviationKbps * capacityKbps);
    }

    private double capacityUpperKbps() {
        return capacityKbps + 3 * capacityStdKbps();
    }

    private double capacityLowerKbps() {
        return Math.max(0, capacityKbps - 3 * capacityStdKbps());
    }

    private long clamp(long bps) {
        return Math.max(minBps, Math.min(maxBps, bps));
    }
}
