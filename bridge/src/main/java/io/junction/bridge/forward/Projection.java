package io.junction.bridge.forward;

/**
 * Rewrites one forwarded stream's sequence numbers and timestamps for one subscriber so the
 * subscriber sees a continuous stream under its own SSRC, even when the publisher's stream restarts
 * (new SSRC, new random sequence/timestamp bases). Owned by the subscriber's packet worker.
 *
 * <p>Sequence numbers: {@code out = in + seqDelta (mod 2^16)}. When the source SSRC changes, the
 * delta is chosen so the first packet of the new source follows the highest number sent so far.
 * Timestamps likewise, advanced by the wall-clock time between the two sources' packets.
 */
public final class Projection implements StreamProjection {
    private final int clockRateHz;
    private boolean started;
    private int sourceSsrc;
    private int seqDelta;
    private int tsDelta;
    private int highestOutSeq;
    private int lastOutTs;
    private long lastPacketNs;

    public Projection(int clockRateHz, int initialSeq, int initialTs) {
        this.clockRateHz = clockRateHz;
        this.highestOutSeq = (initialSeq - 1) & 0xFFFF;
        this.lastOutTs = initialTs;
    }

    /** Output sequence number for {@code inSeq} of {@code ssrc}; also records the packet. */
    public int rewriteSeq(int ssrc, int inSeq, long nowNs) {
        if (!started || ssrc != sourceSsrc) {
            seqDelta = (highestOutSeq + 1 - inSeq) & 0xFFFF;
            started = true;
            sourceSsrc = ssrc;
        }
        int out = (inSeq + seqDelta) & 0xFFFF;
        if (((out - highestOutSeq) & 0xFFFF) < 0x8000) {
            highestOutSeq = out;
        }
        return out;
    }

    /**
     * Output timestamp for {@code inTs}. Call after {@link #rewriteSeq} for the same packet; on a source
     * switch the new delta keeps the timestamp moving forward by the elapsed wall-clock time.
     */
    public int rewriteTs(int inTs, boolean newSource, long nowNs) {
        if (newSource) {
            tsDelta = continuedTsDelta(lastOutTs, lastPacketNs, nowNs, clockRateHz, inTs);
        }
        int out = inTs + tsDelta;
        if (out - lastOutTs > 0 || newSource) {
            lastOutTs = out;
        }
        lastPacketNs = nowNs;
        return out;
    }

    /**
     * The timestamp offset that makes a new source's first timestamp {@code inTs} follow the last one
     * sent ({@code lastOutTs}, at {@code lastNs}; 0 before any) by the wall-clock time between them
     * (at least one tick): the receiver's jitter buffer sees time move on, never back.
     */
    static int continuedTsDelta(int lastOutTs, long lastNs, long nowNs, int clockRateHz, int inTs) {
        long elapsedTicks = lastNs == 0 ? 0 : (nowNs - lastNs) * clockRateHz / 1_000_000_000L;
        return (int) (lastOutTs + Math.max(1, elapsedTicks) - inTs);
    }

    /** True when the next packet from {@code ssrc} starts a new source (first packet or SSRC change). */
    public boolean isNewSource(int ssrc) {
        return !started || ssrc != sourceSsrc;
    }

    @Override
    public boolean started() {
        return started;
    }

    /** The SSRC of the source currently projected. */
    @Override
    public int sourceSsrc() {
        return sourceSsrc;
    }

    /** Output timestamp = input timestamp + this (mod 2^32), for the current source. */
    @Override
    public int tsDelta() {
        return tsDelta;
    }

    public int highestOutSeq() {
        return highestOutSeq;
    }
}
