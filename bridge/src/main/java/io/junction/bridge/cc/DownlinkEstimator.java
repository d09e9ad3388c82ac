package io.junction.bridge.cc;

import io.junction.bridge.rtcp.TransportCcFeedback;

/**
 * Send-side bandwidth estimate of the path from the bridge to one subscriber, GCC style
 * (draft-ietf-rmcat-gcc-02, libwebrtc's goog_cc), from the subscriber's transport-cc feedback.
 * The estimate is what the bridge lets itself forward to that subscriber: the layer allocator spreads
 * it over the video layers it forwards.
 *
 * <p>The bridge stamps a transport-wide sequence number on every packet it sends the subscriber and
 * reports it here ({@link #onPacketSent}); the subscriber's feedback ({@link #onFeedback}) says which
 * arrived and when. Three signals come out of that and are combined:
 * <ul>
 * <li>delay: packets grouped per 5 ms of send time ({@link InterArrival}), a trendline over the
 *     growth of queueing delay compared with an adaptive threshold ({@link TrendlineDetector}), and an
 *     AIMD rate that decreases to 0.85 × the received rate on overuse ({@link AimdRateControl});</li>
 * <li>loss: increase under 2 %, hold to 10 %, cut above ({@link LossBasedControl});</li>
 * <li>probes: short bursts above the estimate whose received rate, when the path carried them, lifts
 *     the delay-based rate at once ({@link ProbeClusters}, {@link #shouldProbe}).</li>
 * </ul>
 * The target is min(delay-based, loss-based) clamped to [min, max].
 *
 * <p>Owned by one thread (the subscriber's packet worker): no locks. Nothing is allocated per packet
 * or per feedback once constructed; the history of sent packets is a ring of primitive arrays holding
 * the last {@value #HISTORY} packets, and feedback for anything older or never sent is counted and
 * ignored. Malformed feedback is counted and ignored. All times share the caller's clock, in ns.
 */
public final class DownlinkEstimator {
    /** Sent packets remembered for matching feedback (about 16 s at 1000 packets/s). */
    public static final int HISTORY = 1 << 14;
    /** A probe cluster should last at least this long at its target rate … */
    public static final long PROBE_MIN_DURATION_NS = ProbeClusters.MIN_DURATION_NS;
    /** … and contain at least this many packets. */
    public static final int PROBE_MIN_PACKETS = ProbeClusters.MIN_PACKETS;
    /** Shortest time between two probes (after a probe that raised the estimate). */
    public static final long PROBE_INTERVAL_MIN_NS = 1_000_000_000L;
    /** Longest time between two probes while the allocation wants more than the estimate. */
    public static final long PROBE_INTERVAL_MAX_NS = 8_000_000_000L;
    /** A probe targets this multiple of the estimate (exponential search). */
    public static final double PROBE_GROWTH = 2.0;
    /** The allocation must want this much more than the estimate before a probe is worth it. */
    public static final double PROBE_MIN_GAIN = 1.05;
    /** Sending this long without any feedback counts as a feedback timeout. */
    public static final long FEEDBACK_TIMEOUT_NS = 1_000_000_000L;

    private static final int MASK = HISTORY - 1;
    private static final int BATCH = 1024;
    private static final byte UNREPORTED = 0;
    private static final byte REPORTED_LOST = 1;
    private static final byte RECEIVED = 2;

    private final long minBps;
    private final long maxBps;

    private final long[] sentExtSeq = new long[HISTORY];
    private final long[] sentNs = new long[HISTORY];
    private final int[] sentSize = new int[HISTORY];
    private final int[] sentCluster = new int[HISTORY];
    private final byte[] sentStatus = new byte[HISTORY];
    private long highestSentExt = -1;

    // Received packets of the feedback being processed, sorted by arrival before use.
    private final long[] batchSendNs = new long[BATCH];
    private final long[] batchArrivalNs = new long[BATCH];
    private final int[] batchSize = new int[BATCH];
    private final int[] batchCluster = new int[BATCH];
    private final int[] batchOrder = new int[BATCH];
    private int batchCount;
    private int feedbackExpected;
    private int feedbackLost;

    private final InterArrival interArrival = new InterArrival();
    private final TrendlineDetector detector = new TrendlineDetector();
    private final AimdRateControl delayBased;
    private final LossBasedControl lossBased;
    private final AckedBitrate acked = new AckedBitrate();
    private final ProbeClusters probes = new ProbeClusters();
    private final TransportCcFeedback.Visitor visitor = this::onReported;

    private long rttNs = AimdRateControl.DEFAULT_RTT_NS;
    private long lastFeedbackNs;
    private long firstSentSinceFeedbackNs = -1;
    private long lastTimeoutNs;
    private boolean timedOut;

    private int probesStarted;
    private long lastProbeNs;
    private long failedProbeWaitNs = 2 * PROBE_INTERVAL_MIN_NS;
    private long estimateAtLastProbeBps;
    private long wantedAtLastProbeBps;
    private long lastWantedBps;
    private long lastProbeResultBps;

    private long feedbacks;
    private long malformedFeedbacks;
    private long unknownReports;
    private long duplicateReports;
    private long feedbackTimeouts;

    /**
     * @param startBps the estimate before any feedback
     * @param minBps   the estimate never goes below this
     * @param maxBps   nor above this
     */
    public DownlinkEstimator(long startBps, long minBps, long maxBps) {
        if (minBps <= 0 || maxBps < minBps) {
            throw new IllegalArgumentException("need 0 < minBps <= maxBps, got " + minBps + ", " + maxBps);
        }
        this.minBps = minBps;
        this.maxBps = maxBps;
        this.delayBased = new AimdRateControl(startBps, minBps, maxBps);
        this.lossBased = new LossBasedControl(startBps, minBps, maxBps);
        java.util.Arrays.fill(sentExtSeq, -1);
    }

    /**
     * Records a packet sent to the subscriber with transport-wide sequence number {@code transportSeq16}.
     * {@code sizeBytes} counts what the bottleneck carries (the whole RTP packet); {@code probeClusterId}
     * is the id from {@link #startProbeCluster}, or -1 for an ordinary packet.
     */
    public void onPacketSent(int transportSeq16, int sizeBytes, long sendNs, int probeClusterId) {
        int seq16 = transportSeq16 & 0xFFFF;
        long ext;
        if (highestSentExt < 0) {
            ext = seq16;
        } else {
            ext = highestSentExt + (short) (seq16 - (int) (highestSentExt & 0xFFFF));
            if (ext < 0 || ext <= highestSentExt - HISTORY) {
                return;
            }
        }
        highestSentExt = Math.max(highestSentExt, ext);
        int slot = (int) (ext & MASK);
        sentExtSeq[slot] = ext;
        sentNs[slot] = sendNs;
        sentSize[slot] = sizeBytes;
        sentCluster[slot] = probeClusterId;
        sentStatus[slot] = UNREPORTED;
        checkFeedbackTimeout(sendNs);
    }

    /**
     * Any thread: packet {@code transportSeq16}, already reported by {@link #onPacketSent} (which
     * happened before, on the owner's thread, and was handed over with the packet), left the bridge
     * at {@code sendNs}. A send worker that sends for this endpoint on another thread tells the
     * true send time this way, so the time the packet waited in its queue is not taken for network
     * delay (it was: receivers of a 600-way fan-out lost their video to "overuse").
     */
    public void onPacketLeft(int transportSeq16, long sendNs) {
        SENT_NS.setRelease(sentNs, transportSeq16 & MASK, sendNs);
    }

    private static final java.lang.invoke.VarHandle SENT_NS = java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * Processes one transport-cc feedback message ({@code len} bytes at {@code off}, RTCP header
     * included). Bad bytes, unknown and duplicate reports are counted and otherwise ignored.
     */
    public void onFeedback(byte[] buf, int off, int len, long nowNs) {
        if (buf == null) {
            malformedFeedbacks++;
            return;
        }
        batchCount = 0;
        feedbackExpected = 0;
        feedbackLost = 0;
        // parse checks the whole message before visiting any packet, so a false return left no trace.
        if (!TransportCcFeedback.parse(buf, off, len, visitor)) {
            malformedFeedbacks++;
            return;
        }
        processBatch();
        feedbacks++;
        lastFeedbackNs = nowNs;
        firstSentSinceFeedbackNs = -1;
        timedOut = false;
        if (feedbackExpected == 0 && feedbackLost == 0) {
            return; // only unknown or repeated reports: nothing new to act on
        }

        long ackedBps = acked.bitrateBps();
        BandwidthUsage usage = detector.state();
        long probeBps = probes.takeResultBps();
        if (usage == BandwidthUsage.OVERUSING) {
            if (delayBased.timeToReduceFurther(nowNs, ackedBps)) {
                delayBased.update(usage, ackedBps, nowNs);
            }
        } else if (probeBps > delayBased.bitrateBps()) {
            delayBased.setEstimate(probeBps, nowNs);
            lossBased.onProbe(probeBps);
            lastProbeResultBps = probeBps;
        } else {
            delayBased.update(usage, ackedBps, nowNs);
        }
        lossBased.onReport(feedbackExpected, feedbackLost, nowNs, estimateBps(), delayBased.bitrateBps(), rttNs);
    }

    /** The latest round-trip time to the subscriber (from RTCP), used for the pace of changes. */
    public void onRtt(long rttNs) {
        if (rttNs > 0) {
            this.rttNs = rttNs;
            delayBased.setRttNs(rttNs);
        }
    }

    /** The target: min(delay-based, loss-based), within [min, max]. */
    public long estimateBps() {
        return Math.max(minBps, Math.min(maxBps, Math.min(delayBased.bitrateBps(), lossBased.bitrateBps())));
    }

    public long delayBasedBps() {
        return delayBased.bitrateBps();
    }

    public long lossBasedBps() {
        return lossBased.bitrateBps();
    }

    /** Fraction of packets reported lost over the last loss window (about half a second). */
    public double lossFraction() {
        return lossBased.lossFraction();
    }

    /** The rate the subscriber received over the last 500 ms of its clock, 0 until known. */
    public long ackedBitrateBps() {
        return acked.bitrateBps();
    }

    /** The overuse detector's current conclusion. */
    public BandwidthUsage usage() {
        return detector.state();
    }

    /** {@link #usage()} as text, for logs. */
    public String state() {
        return detector.state().name();
    }

    /**
     * True when a probe is worth sending now: the allocation wants at least {@value #PROBE_MIN_GAIN} ×
     * the estimate, the path is not congested (no overuse, loss under 10 %), and enough time passed
     * since the last probe: {@link #PROBE_INTERVAL_MIN_NS} when that probe paid off (the estimate grew
     * by a quarter since) or the allocation now wants 1.5× more than then; otherwise a wait that starts
     * at twice that and doubles with each probe that did not pay off, up to {@link #PROBE_INTERVAL_MAX_NS}.
     */
    public boolean shouldProbe(long allocationWantedBps, long nowNs) {
        long wanted = Math.min(allocationWantedBps, maxBps);
        lastWantedBps = wanted;
        long estimate = estimateBps();
        if (wanted < PROBE_MIN_GAIN * estimate) {
            return false;
        }
        if (detector.state() == BandwidthUsage.OVERUSING || lossBased.lossFraction() > LossBasedControl.HIGH_LOSS) {
            return false;
        }
        if (probesStarted == 0) {
            return true;
        }
        boolean paidOff = lastProbePaidOff(estimate) || wanted > 1.5 * wantedAtLastProbeBps;
        return nowNs - lastProbeNs >= (paidOff ? PROBE_INTERVAL_MIN_NS : failedProbeWaitNs);
    }

    /** The rate to probe at: {@value #PROBE_GROWTH} × the estimate, capped by the wanted rate and max. */
    public long nextProbeTargetBps(long wantedBps) {
        long estimate = estimateBps();
        long target = (long) Math.min(PROBE_GROWTH * estimate, Math.min(wantedBps, maxBps));
        return Math.max(target, estimate);
    }

    /**
     * Starts a probe cluster and returns its id. The caller sends, at {@code targetBps}, at least
     * {@link #PROBE_MIN_PACKETS} packets covering at least {@link #PROBE_MIN_DURATION_NS} (padding or
     * retransmissions if media does not fill it), passing the id to {@link #onPacketSent}.
     */
    public int startProbeCluster(long targetBps, long nowNs) {
        return startProbeCluster(targetBps, 0, nowNs);
    }

    /**
     * As above, for a cluster of {@code plannedPackets} packets: it is measured only once most of them
     * were reported received ({@link ProbeClusters#MIN_RECEIVED_RATIO}), not on the first feedback
     * that covers a few.
     */
    public int startProbeCluster(long targetBps, int plannedPackets, long nowNs) {
        long estimate = estimateBps();
        if (probesStarted == 0 || lastProbePaidOff(estimate)) {
            failedProbeWaitNs = 2 * PROBE_INTERVAL_MIN_NS;
        } else {
            failedProbeWaitNs = Math.min(2 * failedProbeWaitNs, PROBE_INTERVAL_MAX_NS);
        }
        probesStarted++;
        lastProbeNs = nowNs;
        estimateAtLastProbeBps = estimate;
        wantedAtLastProbeBps = Math.max(targetBps, lastWantedBps);
        return probes.start(targetBps, plannedPackets);
    }

    private boolean lastProbePaidOff(long estimate) {
        return estimate >= 1.25 * estimateAtLastProbeBps;
    }

    /** The last probe measurement that raised the estimate, 0 if none. */
    public long lastProbeResultBps() {
        return lastProbeResultBps;
    }

    public long feedbackCount() {
        return feedbacks;
    }

    public long malformedFeedbackCount() {
        return malformedFeedbacks;
    }

    /** Reports for sequence numbers never sent or no longer remembered. */
    public long unknownReportCount() {
        return unknownReports;
    }

    /** Reports for packets already reported received. */
    public long duplicateReportCount() {
        return duplicateReports;
    }

    public long feedbackTimeoutCount() {
        return feedbackTimeouts;
    }

    private void onReported(int seq16, boolean received, long arrivalUs) {
        if (highestSentExt < 0) {
            unknownReports++;
            return;
        }
        long ext = highestSentExt + (short) (seq16 - (int) (highestSentExt & 0xFFFF));
        int slot = (int) (ext & MASK);
        if (ext < 0 || ext > highestSentExt || sentExtSeq[slot] != ext) {
            unknownReports++;
            return;
        }
        byte status = sentStatus[slot];
        if (!received) {
            if (status == UNREPORTED) {
                sentStatus[slot] = REPORTED_LOST;
                feedbackExpected++;
                feedbackLost++;
            }
            return; // a loss report after a receipt (or a repeated one) changes nothing
        }
        if (status == RECEIVED) {
            duplicateReports++;
            return;
        }
        if (status == UNREPORTED) {
            feedbackExpected++;
        } else {
            feedbackLost--; // reported lost before, arrived late after all
        }
        sentStatus[slot] = RECEIVED;
        if (batchCount == BATCH) {
            processBatch();
        }
        int i = batchCount++;
        batchSendNs[i] = (long) SENT_NS.getAcquire(sentNs, slot); // a send worker may have set it (onPacketLeft)
        batchArrivalNs[i] = arrivalUs * 1000;
        batchSize[i] = sentSize[slot];
        batchCluster[i] = sentCluster[slot];
    }

    /** Feeds the received packets of the batch, in arrival order, to the delay and rate measurements. */
    private void processBatch() {
        for (int i = 0; i < batchCount; i++) {
            // Insertion sort: feedback is nearly always in arrival order already.
            int j = i;
            long arrival = batchArrivalNs[i];
            while (j > 0 && batchArrivalNs[batchOrder[j - 1]] > arrival) {
                batchOrder[j] = batchOrder[j - 1];
                j--;
            }
            batchOrder[j] = i;
        }
        for (int k = 0; k < batchCount; k++) {
            int i = batchOrder[k];
            acked.add(batchArrivalNs[i], batchSize[i]);
            if (batchCluster[i] >= 0) {
                probes.onReceived(batchCluster[i], batchSendNs[i], batchArrivalNs[i], batchSize[i]);
            }
            if (interArrival.add(batchSendNs[i], batchArrivalNs[i])) {
                detector.update(interArrival.sendDeltaNs / 1e6, interArrival.arrivalDeltaNs / 1e6,
                        interArrival.groupArrivalNs);
            }
        }
        batchCount = 0;
    }

    /** Once per second while sending for a second without feedback, the loss-based rate backs off. */
    private void checkFeedbackTimeout(long sendNs) {
        if (feedbacks == 0) {
            return; // never had feedback: the subscriber may not do transport-cc at all
        }
        if (firstSentSinceFeedbackNs < 0) {
            firstSentSinceFeedbackNs = sendNs;
            return;
        }
        if (sendNs - firstSentSinceFeedbackNs < FEEDBACK_TIMEOUT_NS) {
            return;
        }
        if (!timedOut || sendNs - lastTimeoutNs >= FEEDBACK_TIMEOUT_NS) {
            lossBased.onFeedbackTimeout(estimateBps());
            feedbackTimeouts++;
            timedOut = true;
            lastTimeoutNs = sendNs;
        }
    }
}
