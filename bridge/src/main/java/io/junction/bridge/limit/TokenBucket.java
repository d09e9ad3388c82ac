package io.junction.bridge.limit;

/**
 * A token bucket: a burst of {@code burst} tokens, refilled at {@code perSecond}. Thread-safe. Used
 * for every rate limit on outside input: STUN verifications per ufrag (media port), open-room joins
 * per address and messages per signaling socket (signaling-api).
 */
public final class TokenBucket {
    private final double burst;
    private final double perNanosecond;
    private double tokens;
    private long updatedNs;

    public TokenBucket(double burst, double perSecond, long nowNs) {
        if (burst < 1 || !(perSecond > 0)) {
            throw new IllegalArgumentException("burst >= 1 and rate > 0 required");
        }
        this.burst = burst;
        this.perNanosecond = perSecond / 1e9;
        this.tokens = burst;
        this.updatedNs = nowNs;
    }

    private void refill(long nowNs) {
        tokens = Math.min(burst, tokens + (nowNs - updatedNs) * perNanosecond);
        updatedNs = nowNs;
    }

    /** Refills, then takes one token when there is one. */
    public synchronized boolean tryTake(long nowNs) {
        refill(nowNs);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whole seconds (at least 1) until a token is there, for a {@code Retry-After} header. */
    public synchronized long secondsUntilToken(long nowNs) {
        refill(nowNs);
        return Math.max(1, (long) Math.ceil((1 - tokens) / (perNanosecond * 1e9)));
    }

    /** Whether the bucket has refilled completely (its owner has been quiet). */
    public synchronized boolean isFull(long nowNs) {
        refill(nowNs);
        return tokens >= burst;
    }
}
