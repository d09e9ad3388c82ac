package io.junction.bridge.forward;

/**
 * The bitrate of one received encoding split by temporal layer, over the last second (ten 100 ms
 * buckets). The allocator reads "the rate up to temporal layer t" to know what forwarding that much
 * of the encoding costs. Owned by the conference's packet worker; no allocation.
 */
public final class LayerRates {
    public static final int TEMPORAL_LAYERS = 4;
    private static final int BUCKETS = 10;
    private static final long BUCKET_NS = 100_000_000L;
    private final long[][] bytes = new long[TEMPORAL_LAYERS][BUCKETS];
    private long bucket = Long.MIN_VALUE;

    /** Counts {@code length} bytes of temporal layer {@code tid} (-1: not layered, counted as 0). */
    public void add(int tid, int length, long nowNs) {
        advance(nowNs);
        bytes[Math.max(0, Math.min(TEMPORAL_LAYERS - 1, tid))][(int) Math.floorMod(bucket, (long) BUCKETS)] += length;
    }

    /** Bits per second of temporal layers 0..{@code maxTid} over the last second. */
    public long bps(int maxTid, long nowNs) {
        advance(nowNs);
        long sum = 0;
        for (int t = 0; t <= Math.min(maxTid, TEMPORAL_LAYERS - 1); t++) {
            for (int b = 0; b < BUCKETS; b++) {
                sum += bytes[t][b];
            }
        }
        return sum * 8 * 1_000_000_000L / (BUCKETS * BUCKET_NS);
    }

    /** True when temporal layer {@code tid} carried anything in the last second. */
    public boolean hasTemporal(int tid, long nowNs) {
        advance(nowNs);
        for (int b = 0; b < BUCKETS; b++) {
            if (bytes[tid][b] > 0) {
                return true;
            }
        }
        return false;
    }

    private void advance(long nowNs) {
        long now = Math.floorDiv(nowNs, BUCKET_NS);
        if (bucket == Long.MIN_VALUE || now - bucket >= BUCKETS) {
            for (long[] t : bytes) {
                java.util.Arrays.fill(t, 0);
            }
            bucket = now;
            return;
        }
        while (bucket < now) {
            bucket++;
            int i = (int) Math.floorMod(bucket, (long) BUCKETS);
            for (long[] t : bytes) {
                t[i] = 0;
            }
        }
    }
}
