package io.junction.bridge.cc;

import io.junction.bridge.rtcp.TransportCcFeedback;

/**
 * Records when each transport-wide sequence number of one publisher arrived and turns the record into
 * transport-cc feedback (about every 50 ms) so the publisher's send-side estimator can track the
 * path. Owned by the publisher's packet worker; no allocation per packet.
 */
public final class TransportCcRecorder {
    public static final long FEEDBACK_INTERVAL_NS = 50_000_000L;
    /** Most packets one feedback reports; the rest wait for the next one. */
    public static final int MAX_PACKETS_PER_FEEDBACK = 300;
    private static final int CAPACITY = 8192;
    private static final int MASK = CAPACITY - 1;

    private final long[] seqAt = new long[CAPACITY];
    private final long[] arrivalUs = new long[CAPACITY];
    private final long[] scratch = new long[MAX_PACKETS_PER_FEEDBACK];
    private final int[] symbolScratch = new int[MAX_PACKETS_PER_FEEDBACK];
    private final int[] deltaScratch = new int[MAX_PACKETS_PER_FEEDBACK];
    private boolean started;
    private long highest = -1;
    private long nextToReport;
    private long lastFeedbackNs;
    private int feedbackCount;

    public TransportCcRecorder() {
        java.util.Arrays.fill(seqAt, -1);
    }

    /** Records a packet carrying transport sequence number {@code seq16}. */
    public void record(int seq16, long receivedNs) {
        long ext;
        if (!started) {
            started = true;
            ext = seq16;
            nextToReport = ext;
            highest = ext;
        } else {
            int delta = (short) (seq16 - (int) (highest & 0xFFFF));
            ext = highest + delta;
            if (ext < 0) {
                return;
            }
            if (ext > highest) {
                highest = ext;
            }
            if (highest - nextToReport >= CAPACITY) {
                nextToReport = highest - CAPACITY + 1; // far behind: forget what no longer fits
            }
        }
        int i = (int) (ext & MASK);
        seqAt[i] = ext;
        arrivalUs[i] = receivedNs / 1000;
    }

    /** True when a feedback is due. */
    public boolean due(long nowNs) {
        return started && highest >= nextToReport && nowNs - lastFeedbackNs >= FEEDBACK_INTERVAL_NS;
    }

    /**
     * Writes the next feedback into {@code buf} at {@code off} (needs
     * {@code TransportCcFeedback.maxLength(MAX_PACKETS_PER_FEEDBACK)} bytes) and returns its length, or 0.
     */
    public int writeFeedback(byte[] buf, int off, int senderSsrc, int mediaSsrc, long nowNs) {
        lastFeedbackNs = nowNs;
        while (nextToReport <= highest) {
            int count = (int) Math.min(highest - nextToReport + 1, MAX_PACKETS_PER_FEEDBACK);
            for (int k = 0; k < count; k++) {
                long ext = nextToReport + k;
                int i = (int) (ext & MASK);
                scratch[k] = seqAt[i] == ext ? arrivalUs[i] : -1;
            }
            int n = TransportCcFeedback.write(buf, off, senderSsrc, mediaSsrc, (int) nextToReport, scratch, count,
                    feedbackCount, symbolScratch, deltaScratch);
            while (n < 0 && count > 1) {
                // A gap too long for a 16-bit delta, or nothing received: report less.
                count /= 2;
                n = TransportCcFeedback.write(buf, off, senderSsrc, mediaSsrc, (int) nextToReport, scratch, count,
                    feedbackCount, symbolScratch, deltaScratch);
            }
            nextToReport += count;
            if (n > 0) {
                feedbackCount = (feedbackCount + 1) & 0xFF;
                return n;
            }
        }
        return 0;
    }
}
