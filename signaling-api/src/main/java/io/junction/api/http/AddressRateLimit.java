package io.junction.api.http;

import io.junction.bridge.limit.TokenBucket;
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

    private final int burst;
    private final double ratePerSecond;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public AddressRateLimit(int burst, double ratePerSecond) {
        if (burst < 1 || !(ratePerSecond > 0)) {
            throw new IllegalArgumentException("burst >= 1 and rate > 0 required");
        }
        this.burst = burst;
        this.ratePerSecond = ratePerSecond;
    }

    /**
     * Takes one token for {@code address}. Returns 0 when allowed, else the whole seconds (at least 1)
     * until a token is available, for a {@code Retry-After} header.
     */
    public long acquire(String address, long nowNs) {
        TokenBucket b = buckets.get(address);
        if (b == null) {
            if (buckets.size() >= MAX_ADDRESSES && !prune(nowNs)) {
                return Math.max(1, (long) Math.ceil(1 / ratePerSecond));
            }
            b = buckets.computeIfAbsent(address, a -> new TokenBucket(burst, ratePerSecond, nowNs));
        }
        return b.tryTake(nowNs) ? 0 : b.secondsUntilToken(nowNs);
    }

    /** Drops the buckets that have refilled completely; true when any was dropped. */
    private boolean prune(long nowNs) {
        boolean any = false;
        for (Map.Entry<String, TokenBucket> e : buckets.entrySet()) {
            if (e.getValue().isFull(nowNs)) {
                any |= buckets.remove(e.getKey(), e.getValue());
            }
        }
        return any;
    }
}
