package io.junction.bridge.stats;

/**
 * Reception statistics of one incoming RTP stream (RFC 3550 §6.4.1 and A.3): extended highest
 * sequence number, packets received, cumulative loss, interarrival jitter. Written only by the
 * publisher's packet worker; read racily by the sampler.
 */
public final class ReceiveStreamStats {
    private final int clockRateHz;
    private boolean started;
    private long baseSeq;
    private long extendedHighestSeq;
    public long packets;
    public long bytes;
    private long lastTransit;
    private double jitter;
    // receiver-report state (worker-owned)
    private long rrLastExpected;
    private long rrLastReceived;
    private int lastSrNtpMiddle;
    private long lastSrReceivedNs;
    // sampler state
    private long lastExpected;
    private long lastReceived;
    private volatile double fractionLost;

    public ReceiveStreamStats(int clockRateHz) {
        this.clockRateHz = clockRateHz;
    }

    /**
     * Records a packet; returns how many packets the sequence gap before it says were lost
     * (0 for in-order, reordered or duplicate packets).
     */
    public int onPacket(int seq, int rtpTimestamp, long receivedNs, int length) {
        packets++;
        bytes += length;
        long arrival = receivedNs / 1000 * clockRateHz / 1_000_000;
        long transit = arrival - (rtpTimestamp & 0xFFFFFFFFL);
        if (!started) {
            started = true;
            baseSeq = seq;
            extendedHighestSeq = seq;
            lastTransit = transit;
            return 0;
        }
        long d = Math.abs(transit - lastTransit);
        lastTransit = transit;
        if (d < clockRateHz * 10L) { // ignore timestamp jumps (source restarts)
            jitter += (d - jitter) / 16.0;
        }
        int highest16 = (int) (extendedHighestSeq & 0xFFFF);
        int delta = (seq - highest16) & 0xFFFF;
        if (delta > 0 && delta < 0x8000) {
            extendedHighestSeq += delta;
            return delta - 1;
        }
        return 0;
    }

    /** Records a lost packet that a retransmission repaired (counts as received; jitter untouched). */
    public void onRecovered(int length) {
        packets++;
        bytes += length;
    }

    public long extendedHighestSeq() {
        return extendedHighestSeq;
    }

    /** Interarrival jitter in RTP timestamp units (RFC 3550 §6.4.1). */
    public long jitterUnits() {
        return (long) jitter;
    }

    /** Records a sender report from the stream's source (for LSR/DLSR). */
    public void onSenderReport(int ntpMiddle, long receivedNs) {
        lastSrNtpMiddle = ntpMiddle;
        lastSrReceivedNs = receivedNs;
    }

    public int lastSrNtpMiddle() {
        return lastSrNtpMiddle;
    }

    /** Delay since the last SR in 1/65536 s, or 0 when none was received. */
    public int delaySinceLastSr(long nowNs) {
        return lastSrReceivedNs == 0 ? 0 : (int) Math.min(0xFFFFFFFFL, (nowNs - lastSrReceivedNs) * 65536 / 1_000_000_000L);
    }

    /** Fraction lost since the previous receiver report, as the 8-bit fixed point RR field. */
    public int fractionLostSinceLastReport() {
        long expected = expected();
        long expectedInterval = expected - rrLastExpected;
        long receivedInterval = packets - rrLastReceived;
        rrLastExpected = expected;
        rrLastReceived = packets;
        long lostInterval = expectedInterval - receivedInterval;
        return expectedInterval <= 0 || lostInterval <= 0 ? 0 : (int) Math.min(255, (lostInterval << 8) / expectedInterval);
    }

    public long expected() {
        return started ? extendedHighestSeq - baseSeq + 1 : 0;
    }

    public long cumulativeLost() {
        return Math.max(0, expected() - packets);
    }

    /** Interarrival jitter in seconds. */
    public double jitterSeconds() {
        return jitter / clockRateHz;
    }

    /** Fraction lost over the last sampling interval (0..1). */
    public double fractionLost() {
        return fractionLost;
    }

    public void sample() {
        long expected = expected();
        long received = packets;
        long expectedInterval = expected - lastExpected;
        long receivedInterval = received - lastReceived;
        fractionLost = expectedInterval <= 0 ? 0 : Math.max(0, (double) (expectedInterval - receivedInterval) / expectedInterval);
        lastExpected = expected;
        lastReceived = received;
    }
}
