package io.junction.bridge.cc;

import io.junction.bridge.rtp.TransportCcFeedback;

/**
 * Send-side bandwidth estimation toward one subscriber, in the manner of Google Congestion Control
 * (draft-ietf-rmcat-gcc-02 and libwebrtc's goog_cc): the bridge stamps a transport-wide sequence
 * number on every packet it sends, remembers when it sent each, and reads the subscriber's
 * transport-cc feedback (when each arrived, which were lost).
 *
 * <ul>
 *   <li><b>Delay-based:</b> packets sent within {@link #GROUP_NS} form a group; for consecutive groups
 *       the change in one-way delay (arrival spacing minus send spacing) is accumulated, smoothed and
 *       fitted by a least-squares line over the last {@link #TREND_WINDOW} groups. A rising trend,
 *       compared with an adaptive threshold, means the bottleneck queue grows (overuse), a falling
 *       one that it drains (underuse). Rate control (AIMD): overuse cuts the estimate to
 *       {@link #BETA} × the rate the receiver got; otherwise it grows 8 % a second, or by about one
 *       packet per response time once it is near the rate where it last had to cut.</li>
 *   <li><b>Loss-based:</b> over at least {@link #LOSS_MIN_PACKETS} reported packets, loss below 2 %
 *       lets the estimate grow, 2–10 % holds it, more cuts it by half the loss ratio.</li>
 *   <li>The estimate is the smaller of the two, within [min, max], and never more than 1.5 × what
 *       the receiver actually got plus 10 kbit/s: a rate nobody tried is not known to work.</li>
 *   <li><b>Probing:</b> to learn whether more would fit, the caller sends a short cluster of padding
 *       tagged with {@link #startProbeCluster}; the rate the receiver got it at (the lower of the
 *       cluster's send and receive rates) becomes the delay-based estimate when the delay detector
 *       does not see overuse. {@link #shouldProbe} paces the probes.</li>
 * </ul>
 * Parameters and the reasoning behind them: docs/bandwidth.md.
 *
 * <p>Owned by the subscriber's packet worker: no locks; no allocation per packet or feedback.
 */
public final class DownlinkEstimator implements TransportCcFeedback.Visitor {
    /** Overuse detector states. */
    public enum Signal { NORMAL, OVERUSING, UNDERUSING }

    // ---- parameters (docs/bandwidth.md) ----
    static final long GROUP_NS = 5_000_000L;
    static final int TREND_WINDOW = 20;
    static final double TREND_SMOOTHING = 0.9;
    static final double TREND_GAIN = 4.0;
    static final double THRESHOLD_INITIAL_MS = 12.5;
    static final double K_UP = 0.0087;
    static final double K_DOWN = 0.039;
    static final double OVERUSE_TIME_MS = 10;
    static final double BETA = 0.85;
    static final double INCREASE_PER_SECOND = 1.08;
    static final int LOSS_MIN_PACKETS = 20;
    static final double LOSS_ACKED_FLOOR = 0.7;
    static final long LOSS_WINDOW_NS = 1_000_000_000L;
    static final long ACKED_WINDOW_US = 500_000;
    static final long PROBE_MIN_INTERVAL_NS = 500_000_000L;
    static final long PROBE_MAX_INTERVAL_NS = 4_000_000_000L;
    static final int PROBE_MIN_PACKETS = 10;
    /** A probe's result that leads to overuse within this time counts as failed. */
    static final long PROBE_VERIFY_NS = 2_000_000_000L;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DownlinkEstimator.class);
    private static final int HISTORY = 8192;
    private static final int HISTORY_MASK = HISTORY - 1;

    private final long minBps;
    private final long maxBps;

    // ---- sent packets: a ring indexed by the extended sequence number ----
    private final long[] sentExt = new long[HISTORY];
    private final long[] sentNs = new long[HISTORY];
    private final int[] sentSize = new int[HISTORY];
    private final int[] sentCluster = new int[HISTORY];
    private final boolean[] reported = new boolean[HISTORY];
    private long highestSentExt = -1;

    // ---- feedback scratch (filled by the visitor, processed after parsing) ----
    private static final int SCRATCH = 2048;
    /** Status symbols of one feedback (feedback reporting more packets falls back to allocating). */
    private final int[] symbols = new int[SCRATCH];
    private final long[] fbSendNs = new long[SCRATCH];
    private final long[] fbArrivalUs = new long[SCRATCH];
    private final int[] fbSize = new int[SCRATCH];
    private final int[] fbCluster = new int[SCRATCH];
    private int fbCount;
    private int fbLost;
    private int fbReceived;

    // ---- inter-arrival groups ----
    private boolean groupOpen;
    private long groupFirstSendNs;
    private long groupLastSendNs;
    private long groupLastArrivalUs;
    private boolean havePrevGroup;
    private long prevGroupSendNs;
    private long prevGroupArrivalUs;
    private long firstArrivalUs = Long.MIN_VALUE;

    // ---- trendline ----
    private double accumulatedDelayMs;
    private double smoothedDelayMs;
    private final double[] trendX = new double[TREND_WINDOW];
    private final double[] trendY = new double[TREND_WINDOW];
    private int trendCount;
    private int trendNext;
    private int deltasSeen;

    // ---- overuse detector ----
    private double thresholdMs = THRESHOLD_INITIAL_MS;
    private double previousTrend;
    private double overuseTimeMs = -1;
    private int overuseCount;
    private long lastThresholdUpdateUs = Long.MIN_VALUE;
    private Signal signal = Signal.NORMAL;

    // ---- rate control ----
    private long delayBasedBps;
    private long lossBasedBps;
    private long lastRateUpdateNs = Long.MIN_VALUE;
    private double linkCapacityBps = -1;
    private long rttNs = 100_000_000L;
    private long lastDecreaseNs = Long.MIN_VALUE / 2;

    // ---- loss ----
    private int lossWindowLost;
    private int lossWindowReceived;
    private long lossWindowStartNs = Long.MIN_VALUE;
    private double lossFraction;
    private long lastLossUpdateNs = Long.MIN_VALUE;

    // ---- acked bitrate: recent received packets (arrival µs, size) ----
    private static final int ACKED = 1024;
    private final long[] ackedAt = new long[ACKED];
    private final int[] ackedSize = new int[ACKED];
    private int ackedNext;
    private int ackedFill;
    private long ackedBps = -1;

    // ---- probing ----
    private static final int CLUSTERS = 8;
    private int nextClusterId;
    private final int[] clusterId = new int[CLUSTERS];
    private final long[] clusterFirstSendNs = new long[CLUSTERS];
    private final long[] clusterLastSendNs = new long[CLUSTERS];
    private final long[] clusterFirstArrivalUs = new long[CLUSTERS];
    private final long[] clusterLastArrivalUs = new long[CLUSTERS];
    private final long[] clusterBytes = new long[CLUSTERS];
    private final int[] clusterFirstSize = new int[CLUSTERS];
    private final int[] clusterLastSize = new int[CLUSTERS];
    private final int[] clusterPackets = new int[CLUSTERS];
    private final int[] clusterSent = new int[CLUSTERS];
    private final long[] clusterLastExt = new long[CLUSTERS];
    private final boolean[] clusterDone = new boolean[CLUSTERS];
    private long highestReportedExt = -1;
    private long probeRaisedAtNs = Long.MIN_VALUE / 2;
    private long lastProbeNs = Long.MIN_VALUE / 2;
    private long probeIntervalNs = PROBE_MIN_INTERVAL_NS;
    private long estimateAtLastProbe;
    private long lastProbeResultBps = -1;

    // ---- counters ----
    public long feedbacks;
    public long malformedFeedbacks;
    public long unknownReports;
    public long probeResults;

    public DownlinkEstimator(long startBps, long minBps, long maxBps) {
        if (minBps <= 0 || maxBps < minBps) {
            throw new IllegalArgumentException("need 0 < minBps <= maxBps");
        }
        this.minBps = minBps;
        this.maxBps = maxBps;
        this.delayBasedBps = clamp(startBps);
        this.lossBasedBps = maxBps;
        java.util.Arrays.fill(sentExt, -1);
        java.util.Arrays.fill(clusterId, -1);
    }

    // ---------------------------------------------------------------- input

    /** A packet carrying transport-wide sequence number {@code seq16} went out at {@code sendNs}. */
    public void onPacketSent(int seq16, int sizeBytes, long sendNs, int probeClusterId) {
        long ext;
        if (highestSentExt < 0) {
            ext = seq16 & 0xFFFF;
        } else {
            ext = highestSentExt + (short) (seq16 - (int) (highestSentExt & 0xFFFF));
        }
        if (ext > highestSentExt) {
            highestSentExt = ext;
        }
        int i = (int) (ext & HISTORY_MASK);
        sentExt[i] = ext;
        sentNs[i] = sendNs;
        sentSize[i] = sizeBytes;
        sentCluster[i] = probeClusterId;
        reported[i] = false;
        if (probeClusterId >= 0) {
            int slot = probeClusterId % CLUSTERS;
            if (clusterId[slot] == probeClusterId) {
                clusterSent[slot]++;
                clusterLastExt[slot] = Math.max(clusterLastExt[slot], ext);
            }
        }
    }

    public void onRtt(long rttNs) {
        if (rttNs > 0) {
            this.rttNs = rttNs;
        }
    }

    /** One transport-cc feedback (RTPFB FMT 15 sub-packet, header included). Bad input is counted, ignored. */
    public void onFeedback(byte[] buf, int off, int len, long nowNs) {
        fbCount = 0;
        fbLost = 0;
        fbReceived = 0;
        if (highestSentExt < 0 || !TransportCcFeedback.parse(buf, off, len, this, symbols)) {
            malformedFeedbacks += highestSentExt < 0 ? 0 : 1;
            return;
        }
        feedbacks++;
        for (int k = 0; k < fbCount; k++) {
            onArrival(fbSendNs[k], fbArrivalUs[k], fbSize[k], fbCluster[k]);
        }
        updateAcked();
        updateLoss(nowNs);
        updateDelayBased(nowNs);
        finishProbes(nowNs);
        if (estimateBps() > estimateAtLastProbe * 1.2) {
            probeIntervalNs = PROBE_MIN_INTERVAL_NS; // the last probe paid off: probe again soon
        }
    }

    /** Parser callback: one reported packet. */
    @Override
    public void packet(int sequenceNumber, boolean received, long arrivalUs) {
        long ext = highestSentExt - ((int) (highestSentExt & 0xFFFF) - sequenceNumber & 0xFFFF);
        int i = (int) (ext & HISTORY_MASK);
        if (ext < 0 || sentExt[i] != ext) {
            unknownReports++;
            return;
        }
        if (ext > highestReportedExt) {
            highestReportedExt = ext;
        }
        if (!received) {
            fbLost++;
            return;
        }
        if (reported[i]) {
            return; // reported received before (feedback repeats are possible)
        }
        reported[i] = true;
        fbReceived++;
        if (fbCount < SCRATCH) {
            fbSendNs[fbCount] = sentNs[i];
            fbArrivalUs[fbCount] = arrivalUs;
            fbSize[fbCount] = sentSize[i];
            fbCluster[fbCount] = sentCluster[i];
            fbCount++;
        }
    }

    // ---------------------------------------------------------------- delay-based

    private void onArrival(long sendNs, long arrivalUs, int size, int cluster) {
        ackedAt[ackedNext] = arrivalUs;
        ackedSize[ackedNext] = size;
        ackedNext = (ackedNext + 1) % ACKED;
        ackedFill = Math.min(ACKED, ackedFill + 1);
        if (cluster >= 0) {
            onProbePacket(cluster, sendNs, arrivalUs, size);
        }
        if (firstArrivalUs == Long.MIN_VALUE) {
            firstArrivalUs = arrivalUs;
        }
        if (!groupOpen) {
            openGroup(sendNs, arrivalUs);
            return;
        }
        if (sendNs < groupFirstSendNs) {
            return; // reordered into an earlier group: libwebrtc ignores these too
        }
        if (sendNs - groupFirstSendNs <= GROUP_NS) {
            groupLastSendNs = Math.max(groupLastSendNs, sendNs);
            groupLastArrivalUs = Math.max(groupLastArrivalUs, arrivalUs);
            return;
        }
        // the group is complete: compare it with the previous one
        if (havePrevGroup) {
            double sendDeltaMs = (groupLastSendNs - prevGroupSendNs) / 1e6;
            double arrivalDeltaMs = (groupLastArrivalUs - prevGroupArrivalUs) / 1e3;
            if (arrivalDeltaMs >= 0 || -arrivalDeltaMs < 3000) {
                onGroupDelta(arrivalDeltaMs - sendDeltaMs, groupLastArrivalUs);
            }
        }
        prevGroupSendNs = groupLastSendNs;
        prevGroupArrivalUs = groupLastArrivalUs;
        havePrevGroup = true;
        openGroup(sendNs, arrivalUs);
    }

    private void openGroup(long sendNs, long arrivalUs) {
        groupOpen = true;
        groupFirstSendNs = sendNs;
        groupLastSendNs = sendNs;
        groupLastArrivalUs = arrivalUs;
    }

    /** Trendline filter and overuse detector for one group delay variation. */
    private void onGroupDelta(double delayVariationMs, long arrivalUs) {
        deltasSeen++;
        accumulatedDelayMs += delayVariationMs;
        smoothedDelayMs = TREND_SMOOTHING * smoothedDelayMs + (1 - TREND_SMOOTHING) * accumulatedDelayMs;
        trendX[trendNext] = (arrivalUs - firstArrivalUs) / 1e3;
        trendY[trendNext] = smoothedDelayMs;
        trendNext = (trendNext + 1) % TREND_WINDOW;
        trendCount = Math.min(TREND_WINDOW, trendCount + 1);
        if (trendCount < TREND_WINDOW) {
            return;
        }
        double slope = slope();
        double trend = Math.min(deltasSeen, 60) * slope * TREND_GAIN;
        detect(trend, arrivalUs);
    }

    private double slope() {
        double mx = 0;
        double my = 0;
        for (int k = 0; k < TREND_WINDOW; k++) {
            mx += trendX[k];
            my += trendY[k];
        }
        mx /= TREND_WINDOW;
        my /= TREND_WINDOW;
        double num = 0;
        double den = 0;
        for (int k = 0; k < TREND_WINDOW; k++) {
            num += (trendX[k] - mx) * (trendY[k] - my);
            den += (trendX[k] - mx) * (trendX[k] - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    private void detect(double trend, long arrivalUs) {
        double sinceMs = lastThresholdUpdateUs == Long.MIN_VALUE ? 0 : (arrivalUs - lastThresholdUpdateUs) / 1e3;
        if (trend > thresholdMs) {
            overuseTimeMs = overuseTimeMs < 0 ? sinceMs / 2 : overuseTimeMs + sinceMs;
            overuseCount++;
            if (overuseTimeMs > OVERUSE_TIME_MS && overuseCount > 1 && trend >= previousTrend) {
                overuseTimeMs = 0;
                overuseCount = 0;
                signal = Signal.OVERUSING;
            }
        } else if (trend < -thresholdMs) {
            overuseTimeMs = -1;
            overuseCount = 0;
            signal = Signal.UNDERUSING;
        } else {
            overuseTimeMs = -1;
            overuseCount = 0;
            signal = Signal.NORMAL;
        }
        previousTrend = trend;
        // adaptive threshold (skipped for outliers far above it: a sudden spike should not teach it)
        double abs = Math.abs(trend);
        if (lastThresholdUpdateUs != Long.MIN_VALUE && abs <= thresholdMs + 15) {
            double k = abs < thresholdMs ? K_DOWN : K_UP;
            thresholdMs += k * (abs - thresholdMs) * Math.min(sinceMs, 100);
            thresholdMs = Math.max(6, Math.min(600, thresholdMs));
        }
        lastThresholdUpdateUs = arrivalUs;
    }

    /** AIMD rate control on the detector's signal, once per feedback. */
    private void updateDelayBased(long nowNs) {
        double dt = lastRateUpdateNs == Long.MIN_VALUE ? 0 : Math.min(1.0, (nowNs - lastRateUpdateNs) / 1e9);
        lastRateUpdateNs = nowNs;
        long acked = ackedBps;
        switch (signal) {
            case OVERUSING -> {
                if (nowNs - lastDecreaseNs >= rttNs + 100_000_000L || acked > 0 && delayBasedBps > acked) {
                    long base = acked > 0 ? acked : delayBasedBps;
                    long decreased = (long) (BETA * base);
                    if (decreased < delayBasedBps) {
                        if (nowNs - probeRaisedAtNs < PROBE_VERIFY_NS) {
                            // the probe's rate did not hold up: wait longer before the next one
                            probeIntervalNs = Math.min(PROBE_MAX_INTERVAL_NS, probeIntervalNs * 2);
                            probeRaisedAtNs = Long.MIN_VALUE / 2;
                            estimateAtLastProbe = Long.MAX_VALUE / 2;
                        }
                        if (LOG.isDebugEnabled()) {
                            LOG.debug("overuse: {} -> {} bit/s (acked {})", delayBasedBps, decreased, acked);
                        }
                        linkCapacityBps = linkCapacityBps < 0 ? base : 0.95 * linkCapacityBps + 0.05 * base;
                        delayBasedBps = clamp(decreased);
                        lastDecreaseNs = nowNs;
                    }
                }
                signal = Signal.NORMAL; // one decrease per detection
            }
            case UNDERUSING -> {
                // hold: the queue drains; growing now would refill it
            }
            case NORMAL -> {
                double increased;
                if (linkCapacityBps > 0 && delayBasedBps > 0.7 * linkCapacityBps && delayBasedBps < 1.3 * linkCapacityBps) {
                    // near the last known capacity: about one 1200-byte packet per response time
                    double responseS = (rttNs + 100_000_000L) / 1e9;
                    increased = delayBasedBps + Math.max(1000, 1200 * 8 * dt / responseS);
                } else {
                    increased = delayBasedBps * Math.pow(INCREASE_PER_SECOND, dt);
                    if (linkCapacityBps > 0 && delayBasedBps >= 1.3 * linkCapacityBps) {
                        linkCapacityBps = -1; // far above the old capacity: it no longer tells anything
                    }
                }
                if (acked > 0) {
                    increased = Math.min(increased, 1.5 * acked + 10_000);
                }
                if (increased > delayBasedBps) {
                    delayBasedBps = clamp((long) increased);
                }
            }
        }
    }

    // ---------------------------------------------------------------- loss-based

    private void updateLoss(long nowNs) {
        if (lossWindowStartNs == Long.MIN_VALUE) {
            lossWindowStartNs = nowNs;
        }
        lossWindowLost += fbLost;
        lossWindowReceived += fbReceived;
        int total = lossWindowLost + lossWindowReceived;
        if (total < LOSS_MIN_PACKETS || nowNs - lossWindowStartNs < LOSS_WINDOW_NS / 4) {
            return;
        }
        lossFraction = (double) lossWindowLost / total;
        double dt = lastLossUpdateNs == Long.MIN_VALUE ? 0 : Math.min(1.0, (nowNs - lastLossUpdateNs) / 1e9);
        lastLossUpdateNs = nowNs;
        long current = estimateBps();
        if (lossFraction < 0.02) {
            lossBasedBps = Math.max(lossBasedBps, (long) (current * Math.pow(INCREASE_PER_SECOND, dt)) + 1000);
            if (lossBasedBps > maxBps) {
                lossBasedBps = maxBps;
            }
        } else if (lossFraction > 0.10) {
            if (nowNs - lastDecreaseNs >= rttNs + 300_000_000L) {
                long cut = (long) (current * (1 - 0.5 * lossFraction));
                // not below most of what the receiver did get: the loss says "less", not "nothing"
                long floor = ackedBps > 0 ? Math.min(current, (long) (LOSS_ACKED_FLOOR * ackedBps)) : 0;
                lossBasedBps = clamp(Math.max(cut, floor));
                lastDecreaseNs = nowNs;
                if (LOG.isDebugEnabled()) {
                    LOG.debug("loss {}: loss-based {} -> {} bit/s (acked {})", lossFraction, current, lossBasedBps, ackedBps);
                }
            }
        } else if (lossBasedBps > maxBps / 2 && lossBasedBps > 2 * current) {
            // 2-10 %: hold. (A loss-based value still at its unconstrained start comes down to the
            // estimate first, so "hold" means holding what is being sent, not the ceiling.)
            lossBasedBps = Math.max(current, minBps);
        }
        if (nowNs - lossWindowStartNs >= LOSS_WINDOW_NS) {
            lossWindowLost = 0;
            lossWindowReceived = 0;
            lossWindowStartNs = nowNs;
        }
    }

    // ---------------------------------------------------------------- acked bitrate

    private void updateAcked() {
        if (ackedFill < 2) {
            return;
        }
        int newest = (ackedNext - 1 + ACKED) % ACKED;
        long newestAt = ackedAt[newest];
        long bytes = 0;
        long oldestAt = newestAt;
        for (int k = 0; k < ackedFill; k++) {
            int i = (newest - k + ACKED) % ACKED;
            if (newestAt - ackedAt[i] > ACKED_WINDOW_US) {
                break;
            }
            bytes += ackedSize[i];
            oldestAt = Math.min(oldestAt, ackedAt[i]);
        }
        long spanUs = Math.max(newestAt - oldestAt, 100_000); // at least 100 ms, or a burst looks infinite
        ackedBps = bytes * 8 * 1_000_000L / spanUs;
    }

    // ---------------------------------------------------------------- probing

    /** Starts a probe cluster toward {@code targetBps}; tag its packets with the returned id. */
    public int startProbeCluster(long targetBps, long nowNs) {
        int id = nextClusterId++ & 0x7FFFFFFF;
        int slot = id % CLUSTERS;
        clusterId[slot] = id;
        clusterPackets[slot] = 0;
        clusterBytes[slot] = 0;
        clusterSent[slot] = 0;
        clusterLastExt[slot] = -1;
        clusterDone[slot] = false;
        lastProbeNs = nowNs;
        estimateAtLastProbe = estimateBps();
        return id;
    }

    private void onProbePacket(int id, long sendNs, long arrivalUs, int size) {
        int slot = id % CLUSTERS;
        if (clusterId[slot] != id) {
            return;
        }
        if (clusterPackets[slot] == 0) {
            clusterFirstSendNs[slot] = sendNs;
            clusterLastSendNs[slot] = sendNs;
            clusterFirstArrivalUs[slot] = arrivalUs;
            clusterLastArrivalUs[slot] = arrivalUs;
            clusterFirstSize[slot] = size;
            clusterLastSize[slot] = size;
        } else {
            if (sendNs < clusterFirstSendNs[slot]) {
                clusterFirstSendNs[slot] = sendNs;
            }
            if (sendNs >= clusterLastSendNs[slot]) {
                clusterLastSendNs[slot] = sendNs;
                clusterLastSize[slot] = size;
            }
            if (arrivalUs < clusterFirstArrivalUs[slot]) {
                clusterFirstArrivalUs[slot] = arrivalUs;
                clusterFirstSize[slot] = size;
            }
            clusterLastArrivalUs[slot] = Math.max(clusterLastArrivalUs[slot], arrivalUs);
        }
        clusterPackets[slot]++;
        clusterBytes[slot] += size;
    }

    /**
     * A cluster is measured once the feedback has covered all of it (judging it on its first packets
     * would see the bottleneck's burst allowance, not its rate). Too few arrivals: no result.
     */
    private void finishProbes(long nowNs) {
        for (int slot = 0; slot < CLUSTERS; slot++) {
            if (clusterId[slot] < 0 || clusterDone[slot] || clusterLastExt[slot] < 0
                    || highestReportedExt < clusterLastExt[slot]) {
                continue;
            }
            clusterDone[slot] = true;
            if (clusterPackets[slot] >= PROBE_MIN_PACKETS && clusterPackets[slot] * 10 >= clusterSent[slot] * 8) {
                evaluateProbe(slot, nowNs);
            }
        }
    }

    private void evaluateProbe(int slot, long nowNs) {
        double sendS = (clusterLastSendNs[slot] - clusterFirstSendNs[slot]) / 1e9;
        double recvS = (clusterLastArrivalUs[slot] - clusterFirstArrivalUs[slot]) / 1e6;
        if (sendS <= 0.001 || recvS <= 0.001) {
            return;
        }
        double sendBps = (clusterBytes[slot] - clusterLastSize[slot]) * 8 / sendS;
        double recvBps = (clusterBytes[slot] - clusterFirstSize[slot]) * 8 / recvS;
        long result;
        if (recvBps < 0.9 * sendBps) {
            // The path capped the probe: the bottleneck was full while it drained, so everything that
            // arrived in the cluster's arrival window (the probe and the media interleaved with it)
            // is what the link carries.
            double allBps = arrivedBytesBetween(clusterFirstArrivalUs[slot], clusterLastArrivalUs[slot]) * 8 / recvS;
            result = (long) (0.95 * Math.max(recvBps, allBps));
        } else {
            result = (long) Math.min(sendBps, recvBps);
        }
        lastProbeResultBps = result;
        probeResults++;
        if (LOG.isDebugEnabled()) {
            LOG.debug("probe: sent at {} bit/s, received at {} bit/s ({}/{} packets): {} bit/s; delay-based {}, loss-based {}, acked {}",
                    (long) sendBps, (long) recvBps, clusterPackets[slot], clusterSent[slot], result, delayBasedBps,
                    lossBasedBps, ackedBps);
        }
        if (result > delayBasedBps && signal != Signal.OVERUSING) {
            delayBasedBps = clamp(result);
            probeRaisedAtNs = nowNs;
            if (lossBasedBps < delayBasedBps && lossFraction < 0.02) {
                lossBasedBps = delayBasedBps;
            }
        }
    }

    /** Bytes of the packets that arrived after {@code fromUs} up to {@code toUs} (the recent ones kept). */
    private long arrivedBytesBetween(long fromUs, long toUs) {
        long bytes = 0;
        for (int k = 0; k < ackedFill; k++) {
            long at = ackedAt[k];
            if (at > fromUs && at <= toUs) {
                bytes += ackedSize[k];
            }
        }
        return bytes;
    }

    /**
     * True when a probe should go out now: the allocation wants more than the estimate, the path shows
     * no congestion, and the last probe was long enough ago (the wait doubles, up to 4 s, while probes
     * do not raise the estimate).
     */
    public boolean shouldProbe(long wantedBps, long nowNs) {
        long est = estimateBps();
        if (wantedBps <= est || est >= maxBps || signal == Signal.OVERUSING || lossFraction > 0.10) {
            return false;
        }
        if (nowNs - lastProbeNs < probeIntervalNs) {
            return false;
        }
        if (lastProbeNs > Long.MIN_VALUE / 2 && est <= estimateAtLastProbe * 1.2) {
            probeIntervalNs = Math.min(PROBE_MAX_INTERVAL_NS, probeIntervalNs * 2);
        }
        return true;
    }

    /** The rate to probe at: twice the estimate, at most 20 % over what is wanted, within the bounds. */
    public long nextProbeTargetBps(long wantedBps) {
        return clamp(Math.min(2 * estimateBps(), wantedBps + wantedBps / 5));
    }

    // ---------------------------------------------------------------- output

    /** The target for everything sent to this subscriber. */
    public long estimateBps() {
        long e = Math.min(delayBasedBps, lossBasedBps);
        return clamp(e);
    }

    public long delayBasedBps() {
        return delayBasedBps;
    }

    public long lossBasedBps() {
        return lossBasedBps;
    }

    /** Loss over the last window of feedback, 0..1. */
    public double lossFraction() {
        return lossFraction;
    }

    /** What the receiver got over the last half second (from feedback), -1 before any. */
    public long ackedBitrateBps() {
        return ackedBps;
    }

    public Signal signal() {
        return signal;
    }

    public double thresholdMs() {
        return thresholdMs;
    }

    /** The rate the last probe measured, -1 before any. */
    public long lastProbeResultBps() {
        return lastProbeResultBps;
    }

    private long clamp(long bps) {
        return Math.max(minBps, Math.min(maxBps, bps));
    }
}
