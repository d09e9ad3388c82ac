package io.junction.bridge.forward;

/**
 * Loss recovery on the publisher → bridge leg of one video stream: remembers which sequence numbers
 * are missing, says which to NACK now (again after about one round trip, at most {@link #MAX_TRIES}
 * times, never for packets older than {@link #MAX_AGE_NS}), and recognises the repairs.
 *
 * <p>Owned by the publisher's packet worker; no allocation after construction. Missing packets live
 * in a small unordered set (parallel arrays, swap-remove) keyed by extended sequence number, which
 * stays tiny on real links (tens of entries at 5 % loss); a gap too large to repair is given up at
 * once and reported, so the caller asks for a keyframe instead.
 */
public final class NackRequester {
    /** Most sequence numbers waiting for repair; a larger gap is given up (a keyframe is cheaper). */
    public static final int CAPACITY = 256;
    /** NACKs sent for one packet before giving up. */
    public static final int MAX_TRIES = 10;
    /** A packet older than this is not worth repairing (the decoder has moved on). */
    public static final long MAX_AGE_NS = 1_000_000_000L;
    /** Retry spacing when no round-trip time is known yet. */
    public static final long DEFAULT_RETRY_NS = 100_000_000L;
    private static final long MIN_RETRY_NS = 20_000_000L;
    private static final long MAX_RETRY_NS = 500_000_000L;

    /** What {@link #onPacket} found. */
    public enum Arrival {
        /** Newer than any packet so far (gaps before it are now missing). Also true of an RTX packet
         *  whose original was lost before any later packet showed the gap: it is new data, forward it. */
        IN_ORDER,
        /** A packet that was missing. */
        RECOVERED,
        /** A packet the stream already has (or gave up on): never forward it twice. */
        DUPLICATE
    }

    private boolean started;
    private long highest; // extended highest sequence number
    private int missingCount;
    private final long[] missingSeq = new long[CAPACITY];
    private final long[] missingSinceNs = new long[CAPACITY];
    private final long[] lastNackNs = new long[CAPACITY];
    private final int[] tries = new int[CAPACITY];
    private final long[] due = new long[CAPACITY];
    /** Packets given up since the owner last asked ({@link #takeGivenUp}). */
    private int givenUp;
    private long lastRepairDelayNs;

    /** Records a packet of the stream (original or repaired); new gaps become missing entries. */
    public Arrival onPacket(int seq, long nowNs) {
        if (!started) {
            started = true;
            highest = seq;
            return Arrival.IN_ORDER;
        }
        int delta = (seq - (int) (highest & 0xFFFF)) & 0xFFFF;
        if (delta == 0) {
            return Arrival.DUPLICATE;
        }
        if (delta < 0x8000) {
            long ext = highest + delta;
            if (delta - 1 > CAPACITY - missingCount) {
                // Too many to repair one by one: forget them and let a keyframe restart the decoder.
                givenUp += delta - 1 + missingCount;
                missingCount = 0;
            } else {
                for (long s = highest + 1; s < ext; s++) {
                    missingSeq[missingCount] = s;
                    missingSinceNs[missingCount] = nowNs;
                    lastNackNs[missingCount] = 0;
                    tries[missingCount] = 0;
                    missingCount++;
                }
            }
            highest = ext;
            return Arrival.IN_ORDER;
        }
        long ext = highest - (0x10000 - delta); // older than the highest: late or repaired
        for (int i = 0; i < missingCount; i++) {
            if (missingSeq[i] == ext) {
                lastRepairDelayNs = nowNs - missingSinceNs[i];
                removeAt(i);
                return Arrival.RECOVERED;
            }
        }
        return Arrival.DUPLICATE;
    }

    /**
     * Writes the sequence numbers to NACK now into {@code out} in ascending order and returns how
     * many; entries past their tries or age are dropped and counted in {@link #takeGivenUp()}.
     *
     * @param rttNs the latest round-trip time to the publisher, or a negative value when unknown
     */
    public int collectDue(long nowNs, long rttNs, int[] out) {
        long retryNs = rttNs < 0 ? DEFAULT_RETRY_NS : Math.max(MIN_RETRY_NS, Math.min(MAX_RETRY_NS, rttNs + rttNs / 4));
        int n = 0;
        for (int i = 0; i < missingCount; ) {
            if (tries[i] >= MAX_TRIES || nowNs - missingSinceNs[i] > MAX_AGE_NS) {
                removeAt(i);
                givenUp++;
                continue;
            }
            if (n < out.length && (tries[i] == 0 || nowNs - lastNackNs[i] >= retryNs)) {
                lastNackNs[i] = nowNs;
                tries[i]++;
                due[n++] = missingSeq[i];
            }
            i++;
        }
        // ascending extended sequence numbers (insertion sort: n is small)
        for (int k = 1; k < n; k++) {
            long v = due[k];
            int j = k - 1;
            while (j >= 0 && due[j] > v) {
                due[j + 1] = due[j];
                j--;
            }
            due[j + 1] = v;
        }
        for (int k = 0; k < n; k++) {
            out[k] = (int) (due[k] & 0xFFFF);
        }
        return n;
    }

    /**
     * Packets given up without repair since the last call (too many tries, too old, or in a gap too
     * large to repair); the decoder will need a keyframe when this is not 0.
     */
    public int takeGivenUp() {
        int n = givenUp;
        givenUp = 0;
        return n;
    }

    /** True when something is waiting: packets to NACK, or given-up packets not yet taken. */
    public boolean needsAttention() {
        return missingCount > 0 || givenUp > 0;
    }

    /** For the last {@link Arrival#RECOVERED} packet: how long after the gap was seen it arrived. */
    public long lastRepairDelayNs() {
        return lastRepairDelayNs;
    }

    public int missingCount() {
        return missingCount;
    }

    /**
     * Packs ascending sequence numbers into generic NACK items ({@code PID << 16 | BLP}, RFC 4585
     * §6.2.1) in place at the start of {@code seqs}; returns the item count.
     */
    public static int packItems(int[] seqs, int count) {
        int items = 0;
        int i = 0;
        while (i < count) {
            int pid = seqs[i++];
            int blp = 0;
            while (i < count) {
                int d = (seqs[i] - pid) & 0xFFFF;
                if (d < 1 || d > 16) {
                    break;
                }
                blp |= 1 << (d - 1);
                i++;
            }
            seqs[items++] = (pid << 16) | blp;
        }
        return items;
    }

    private void removeAt(int i) {
        missingCount--;
        missingSeq[i] = missingSeq[missingCount];
        missingSinceNs[i] = missingSinceNs[missingCount];
        lastNackNs[i] = lastNackNs[missingCount];
        tries[i] = tries[missingCount];
    }
}
