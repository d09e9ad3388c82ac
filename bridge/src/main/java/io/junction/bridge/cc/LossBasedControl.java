package io.junction.bridge.cc;

/**
 * The loss-based rate of GCC (libwebrtc's {@code SendSideBandwidthEstimation}, first version), fed
 * with the losses transport-cc feedback reports.
 *
 * <p>Loss is counted over windows of at least {@value #WINDOW_MIN_PACKETS} packets and
 * {@value #WINDOW_MIN_MS} ms (a 20-packet window alone, as libwebrtc, makes 5 % random loss look like
 * more than 10 % too often). At the end of a window:
 * <ul>
 * <li>loss below {@value #LOW_LOSS}: increase by {@value #INCREASE_PER_S}× per second (+1 kbit/s), but
 *     not past the delay-based rate: loss says nothing about the capacity above what is being sent;</li>
 * <li>between {@value #LOW_LOSS} and {@value #HIGH_LOSS}: hold — random loss on a wireless hop
 *     should not cost bandwidth;</li>
 * <li>above {@value #HIGH_LOSS}: decrease to rate × (1 − {@value #DECREASE_FACTOR} × loss), from the
 *     current target (not from a stale higher value), at most once per
 *     {@value #DECREASE_INTERVAL_MS} ms + RTT so a decrease shows before the next.</li>
 * </ul>
 * Unlike libwebrtc this rate is not pulled down when the delay-based rate drops, so a path with
 * 2–10 % loss does not ratchet the target down each time the delay detector backs off; the target is
 * the minimum of both anyway.
 */
final class LossBasedControl {
    static final double LOW_LOSS = 0.02;
    static final double HIGH_LOSS = 0.10;
    static final double INCREASE_PER_S = 1.08;
    static final long INCREASE_EXTRA_BPS_PER_S = 1_000;
    static final double DECREASE_FACTOR = 0.5;
    static final int WINDOW_MIN_PACKETS = 20;
    static final long WINDOW_MIN_MS = 500;
    static final long DECREASE_INTERVAL_MS = 300;
    /** Multiplier applied once per second while packets are sent and no feedback comes back. */
    static final double TIMEOUT_FACTOR = 0.8;

    private final long minBps;
    private final long maxBps;
    private long bitrateBps;
    private int windowExpected;
    private int windowLost;
    private long windowStartNs;
    private boolean windowStarted;
    private double lossFraction;
    private long lastIncreaseNs;
    private boolean increased;
    private long lastDecreaseNs;
    private boolean decreased;

    LossBasedControl(long startBps, long minBps, long maxBps) {
        this.minBps = minBps;
        this.maxBps = maxBps;
        this.bitrateBps = clamp(startBps);
    }

    long bitrateBps() {
        return bitrateBps;
    }

    /** Loss over the last complete window. */
    double lossFraction() {
        return lossFraction;
    }

    /**
     * Adds one feedback's counts. {@code lost} may be negative when packets reported lost earlier
     * turned up late. {@code targetBps} is the current overall target, {@code delayBasedBps} the cap.
     */
    void onReport(int expected, int lost, long nowNs, long targetBps, long delayBasedBps, long rttNs) {
        if (!windowStarted) {
            windowStarted = true;
            windowStartNs = nowNs;
        }
        windowExpected += expected;
        windowLost = Math.max(0, windowLost + lost);
        if (windowExpected < WINDOW_MIN_PACKETS || nowNs - windowStartNs < WINDOW_MIN_MS * 1_000_000L) {
            return;
        }
        lossFraction = Math.min(1.0, (double) windowLost / windowExpected);
        windowExpected = 0;
        windowLost = 0;
        windowStartNs = nowNs;
        if (lossFraction < LOW_LOSS) {
            double elapsedS = increased ? Math.min(1.0, (nowNs - lastIncreaseNs) / 1e9) : WINDOW_MIN_MS / 1000.0;
            long raised = (long) (bitrateBps * Math.pow(INCREASE_PER_S, elapsedS) + INCREASE_EXTRA_BPS_PER_S * elapsedS);
            bitrateBps = clamp(Math.min(raised, Math.max(bitrateBps, delayBasedBps)));
            lastIncreaseNs = nowNs;
            increased = true;
        } else if (lossFraction > HIGH_LOSS) {
            if (!decreased || nowNs - lastDecreaseNs >= DECREASE_INTERVAL_MS * 1_000_000L + rttNs) {
                bitrateBps = clamp((long) (Math.min(bitrateBps, targetBps) * (1 - DECREASE_FACTOR * lossFraction)));
                lastDecreaseNs = nowNs;
                decreased = true;
            }
            increased = false;
        } else {
            increased = false;
        }
    }

    /** A probe measured the path: with loss low enough to trust it, start from there. */
    void onProbe(long probeBps) {
        if (lossFraction <= HIGH_LOSS && probeBps > bitrateBps) {
            bitrateBps = clamp(probeBps);
        }
    }

    /** Feedback stopped while packets are sent: back off, from the current target. */
    void onFeedbackTimeout(long targetBps) {
        bitrateBps = clamp((long) (Math.min(bitrateBps, targetBps) * TIMEOUT_FACTOR));
    }

    private long clamp(long bps) {
        return Math.max(minBps, Math.min(maxBps, bps));
    }
}
