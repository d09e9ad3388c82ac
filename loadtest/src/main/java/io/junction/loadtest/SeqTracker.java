package io.junction.loadtest;

/**
 * One forwarded stream as a receiver sees it. Two views: RTP sequence continuity (RFC 3550 A.3
 * style: extended highest sequence number, received, expected, lost), which is what a browser would
 * NACK; and the generator's own packet counter carried in the payload, which counts every packet the
 * publisher sent even where the bridge renumbers (a packet the bridge drops and hides by renumbering
 * shows up only there). Written by one receive thread; read (racily, for progress and reports) by others.
 */
final class SeqTracker {
    final boolean audio;
    private volatile long first = -1;
    private volatile long highest = -1;
    private volatile long received;
    private volatile long duplicatesOrLate;
    private volatile long firstCount = Long.MIN_VALUE;
    private volatile long highestCount;
    private volatile long counted;
    /** The last {@link #GAPS} jumps of the publisher's counter: when (nanoTime) and how many packets it skipped. */
    static final int GAPS = 16;
    private final long[] gapAtNs = new long[GAPS];
    private final long[] gapSize = new long[GAPS];
    private int gaps;
    private long reportedExpected;
    private long reportedReceived;

    SeqTracker(boolean audio) {
        this.audio = audio;
    }

    void received(int seq16) {
        if (highest < 0) {
            first = seq16;
            highest = seq16;
            received = 1;
            return;
        }
        int delta = (short) (seq16 - (int) (highest & 0xFFFF));
        long ext = highest + delta;
        if (delta > 0) {
            highest = ext;
        } else {
            duplicatesOrLate++;
        }
        received++;
    }

    /** The publisher's packet counter from the payload. */
    void counted(int count) {
        if (firstCount == Long.MIN_VALUE) {
            firstCount = count;
            highestCount = count;
        } else if (count > highestCount) {
            if (count > highestCount + 1) {
                gapAtNs[gaps % GAPS] = System.nanoTime();
                gapSize[gaps % GAPS] = count - highestCount - 1;
                gaps++;
            }
            highestCount = count;
        }
        counted++;
    }

    /** Packets the publisher sent on this stream from the first one seen to the newest one seen. */
    long sourceExpected() {
        return firstCount == Long.MIN_VALUE ? 0 : highestCount - firstCount + 1;
    }

    /**
     * The counter's jumps since {@code sinceNs} (the last {@link #GAPS} at most), as "N at T s" with T
     * from {@code sinceNs}; packets that came late and filled a jump still show it here.
     */
    java.util.List<String> gapsSince(long sinceNs) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = Math.max(0, gaps - GAPS); i < gaps; i++) {
            long at = gapAtNs[i % GAPS];
            if (at - sinceNs >= 0) {
                out.add(String.format(java.util.Locale.ROOT, "%d at %.1f s", gapSize[i % GAPS], (at - sinceNs) / 1e9));
            }
        }
        return out;
    }

    long sourceReceived() {
        return counted;
    }

    long expected() {
        return highest < 0 ? 0 : highest - first + 1;
    }

    long received() {
        return received;
    }

    long lost() {
        return expected() - received;
    }

    long late() {
        return duplicatesOrLate;
    }

    long highestExtended() {
        return Math.max(0, highest);
    }

    int fractionLostSinceLastReport() {
        long e = expected();
        long r = received;
        long de = e - reportedExpected;
        long dr = r - reportedReceived;
        reportedExpected = e;
        reportedReceived = r;
        return de <= 0 || dr >= de ? 0 : (int) ((de - dr) * 256 / de);
    }
}
