package io.junction.bridge.stats;

/**
 * Bit rates of one conference over the last sample interval, derived from its
 * {@link ConferenceCounters} by the stats sampler (about once a second, under the
 * {@link BridgeMetrics} lock, so that every reader of that lock sees the conference rates and the
 * bridge-wide sums of one and the same sample).
 */
public final class ConferenceRates {
    /** Indexes of {@link #bps(int)}: see {@link ConferenceCounters} for what each point counts. */
    public static final int WIRE_IN = 0;
    public static final int MEDIA_IN = 1;
    public static final int WIRE_OUT = 2;
    public static final int MEDIA_OUT = 3;
    public static final int COUNT = 4;

    private final ConferenceCounters counters;
    private final long[] last = new long[COUNT];
    private final double[] bps = new double[COUNT];
    private long lastNs;

    /** Rates from {@code createdNs} on: the counters start at zero with the conference. */
    public ConferenceRates(ConferenceCounters counters, long createdNs) {
        this.counters = counters;
        this.lastNs = createdNs;
    }

    /** Updates the rates to the counters' values at {@code nowNs} and adds them to {@code sums}. */
    public void sample(long nowNs, double[] sums) {
        long[] now = {counters.wireBytesIn.sum(), counters.bytesIn.sum(), counters.wireBytesOut.sum(), counters.bytesOut.sum()};
        synchronized (this) {
            if (nowNs > lastNs) {
                double seconds = (nowNs - lastNs) / 1e9;
                for (int i = 0; i < COUNT; i++) {
                    bps[i] = Math.max(0, (now[i] - last[i]) * 8 / seconds);
                }
                System.arraycopy(now, 0, last, 0, COUNT);
                lastNs = nowNs;
            }
            for (int i = 0; i < COUNT; i++) {
                sums[i] += bps[i];
            }
        }
    }

    /** When the rates were last sampled (System.nanoTime); the creation time before the first sample. */
    public synchronized long sampledAtNs() {
        return lastNs;
    }

    public synchronized double bps(int which) {
        return bps[which];
    }
}
