package io.junction.api.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client address: a burst of {@code burst} requests, refilled at {@code ratePerSecond}.
 * The table holds at most {@link #MAX_ADDRESSES} addresses; when it is full, buckets that have refilled
 * completely (their address has been quiet) are dropped first, and if none has, the new address is
 * refused rather than growing the table, so a flood from many addresses cannot exhaust memory.
 */
public final class AddressRateLimit {
    static final int MAX_ADDRESSES = 10_000;

    private final double burst;
    private final double perNanosecond;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long updatedNs;

        Bucket(double tokens, long nowNs) {
            this.tokens = tokens;
            this.updatedNs = nowNs;
        }

        /** Refills up to {@code burst}; returns the tokens now held. */
        double refill(double burst, double perNs, long nowNs) {
            tokens = Math.min(burst, tokens + (nowNs - updatedNs) * perNs);
            updatedNs = nowNs;
            return tokens;
        }
    }

    public AddressRateLimit(int burst, double ratePerSecond) {
        if (burst < 1 || !(ratePerSecond > 0)) {
            throw new IllegalArgumentException("burst >= 1 and rate > 0 required");
        }
        this.burst = burst;
        this.perNanosecond = ratePerSecond / 1e9;
    }

    /**
     * Takes one token for {@code address}. Returns 0 when allowed, else the whole seconds (at least 1)
     * until a token is available, for a {@code Retry-After} header.
     */
    public long acquire(String address, long nowNs) {
        Bucket b = buckets.get(address);
        if (b == null) {
            if (buckets.size() >= MAX_ADDRESSES && !prune(nowNs)) {
                return Math.max(1, (long) Math.ceil(1 / (perNanosecond * 1e9)));
            }
            b = buckets.computeIfAbsent(address, a -> new Bucket(burst, nowNs));
        }
        synchronized (b) {
            if (b.refill(burst, perNanosecond, nowNs) >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.tokens) / (perNanosecond * 1e9)));
        }
    }

    /** Drops the buckets that have refilled completely; true when any was dropped. */
    private boolean prune(long nowNs) {
        boolean any = false;
        for (Map.Entry<String, Bucket> e : buckets.entrySet()) {
            Bucket b = e.getValue();
            synchronized (b) {
                if (b.refill(burst, perNanosecond, nowNs) >= burst) {
                    any |= buckets.remove(e.getKey(), b);
                }
            }
        }
        return any;
    }

    int addresses() {
        return buckets.size();
    }
}
