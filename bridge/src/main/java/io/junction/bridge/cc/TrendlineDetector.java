package io.junction.bridge.cc;

/**
 * The delay-based overuse detector of GCC: integrates the inter-group delay variation, smooths it,
 * fits a line through the last {@value #WINDOW} smoothed points, and compares the slope (scaled) with
 * a threshold that adapts to the path.
 *
 * <p>Why a slope: a queue that keeps growing shows as accumulated delay rising with arrival time; the
 * least-squares slope over ~20 groups (~100 ms or more) ignores single jittery groups. Why an adaptive
 * threshold: with a fixed one, a flow competing with loss-based TCP would be starved (its queue delay
 * swings are large), and on a quiet path a fixed high threshold would react late. The threshold chases
 * |scaled slope| slowly upwards ({@value #K_UP}) and faster downwards ({@value #K_DOWN}), and ignores
 * spikes far above it so a single outlier does not blunt the detector.
 *
 * <p>Overuse is declared only after the scaled slope stayed above the threshold for more than
 * {@value #OVERUSE_TIME_MS} ms across at least two groups and was not falling; underuse as soon as it
 * is below minus the threshold. Mirrors libwebrtc's {@code TrendlineEstimator}; times are in ms as
 * doubles because the constants are expressed that way.
 */
final class TrendlineDetector {
    static final int WINDOW = 20;
    static final double SMOOTHING = 0.9;
    static final double GAIN = 4.0;
    /** The slope is scaled by the number of deltas seen, up to this many (a young estimate counts less). */
    static final int MAX_DELTAS_SCALE = 60;
    static final double K_UP = 0.0087;
    static final double K_DOWN = 0.039;
    static final double INITIAL_THRESHOLD_MS = 12.5;
    static final double MIN_THRESHOLD_MS = 6;
    static final double MAX_THRESHOLD_MS = 600;
    /** Samples further than this above the threshold do not move it (outliers). */
    static final double MAX_ADAPT_OFFSET_MS = 15;
    /** The threshold moves by at most this much elapsed time per update. */
    static final double MAX_ADAPT_INTERVAL_MS = 100;
    static final double OVERUSE_TIME_MS = 10;

    private final double[] xMs = new double[WINDOW];
    private final double[] yMs = new double[WINDOW];
    private int head;
    private int size;
    private int deltas;
    private long firstArrivalNs;
    private boolean started;
    private double accumulatedDelayMs;
    private double smoothedDelayMs;
    private double previousTrend;
    private double modifiedTrend;
    private double thresholdMs = INITIAL_THRESHOLD_MS;
    private long lastThresholdUpdateNs;
    private boolean thresholdUpdated;
    private double timeOverUsingMs = -1;
    private int overuseCounter;
    private BandwidthUsage state = BandwidthUsage.NORMAL;

    /** Feeds one group's deltas; {@code groupArrivalNs} is when the group finished arriving. */
    void update(double sendDeltaMs, double arrivalDeltaMs, long groupArrivalNs) {
        if (!started) {
            started = true;
            firstArrivalNs = groupArrivalNs;
        }
        deltas = Math.min(deltas + 1, 1000);
        accumulatedDelayMs += arrivalDeltaMs - sendDeltaMs;
        smoothedDelayMs = SMOOTHING * smoothedDelayMs + (1 - SMOOTHING) * accumulatedDelayMs;
        int slot = (head + size) % WINDOW;
        if (size == WINDOW) {
            head = (head + 1) % WINDOW;
        } else {
            size++;
        }
        xMs[slot] = (groupArrivalNs - firstArrivalNs) / 1e6;
        yMs[slot] = smoothedDelayMs;
        double trend = previousTrend;
        if (size == WINDOW) {
            double slope = slope();
            if (!Double.isNaN(slope)) {
                trend = slope;
            }
        }
        detect(trend, sendDeltaMs, groupArrivalNs);
    }

    BandwidthUsage state() {
        return state;
    }

    /** The last scaled slope (ms), comparable with {@link #thresholdMs()}. */
    double modifiedTrend() {
        return modifiedTrend;
    }

    double thresholdMs() {
        return thresholdMs;
    }

    /** Least-squares slope of the window, NaN when all points share one arrival time. */
    private double slope() {
        double sumX = 0;
        double sumY = 0;
        for (int i = 0; i < size; i++) {
            sumX += xMs[i];
            sumY += yMs[i];
        }
        double meanX = sumX / size;
        double meanY = sumY / size;
        double numerator = 0;
        double denominator = 0;
        for (int i = 0; i < size; i++) {
            double dx = xMs[i] - meanX;
            numerator += dx * (yMs[i] - meanY);
            denominator += dx * dx;
        }
        return denominator == 0 ? Double.NaN : numerator / denominator;
    }

    private void detect(double trend, double sendDeltaMs, long nowNs) {
        if (deltas < 2) {
            state = BandwidthUsage.NORMAL;
            return;
        }
        modifiedTrend = Math.min(deltas, MAX_DELTAS_SCALE) * trend * GAIN;
        if (modifiedTrend > thresholdMs) {
            if (timeOverUsingMs == -1) {
                timeOverUsingMs = sendDeltaMs / 2; // assume half the group's interval was already over
            } else {
                timeOverUsingMs += sendDeltaMs;
            }
            overuseCounter++;
            if (timeOverUsingMs > OVERUSE_TIME_MS && overuseCounter > 1 && trend >= previousTrend) {
                timeOverUsingMs = 0;
                overuseCounter = 0;
                state = BandwidthUsage.OVERUSING;
            }
        } else if (modifiedTrend < -thresholdMs) {
            timeOverUsingMs = -1;
            overuseCounter = 0;
            state = BandwidthUsage.UNDERUSING;
        } else {
            timeOverUsingMs = -1;
            overuseCounter = 0;
            state = BandwidthUsage.NORMAL;
        }
        previousTrend = trend;
        adaptThreshold(nowNs);
    }

    private void adaptThreshold(long nowNs) {
        if (!thresholdUpdated) {
            thresholdUpdated = true;
            lastThresholdUpdateNs = nowNs;
        }
        double magnitude = Math.abs(modifiedTrend);
        if (magnitude > thresholdMs + MAX_ADAPT_OFFSET_MS) {
            lastThresholdUpdateNs = nowNs; // an outlier: do not let it drag the threshold up
            return;
        }
        double k = magnitude < thresholdMs ? K_DOWN : K_UP;
        double elapsedMs = Math.max(0, Math.min((nowNs - lastThresholdUpdateNs) / 1e6, MAX_ADAPT_INTERVAL_MS));
        thresholdMs += k * (magnitude - thresholdMs) * elapsedMs;
        thresholdMs = Math.max(MIN_THRESHOLD_MS, Math.min(MAX_THRESHOLD_MS, thresholdMs));
        lastThresholdUpdateNs = nowNs;
    }
}
