package io.junction.bridge.cc;

/**
 * The rate at which a subscriber actually received the bridge's packets, from transport-cc feedback:
 * bytes that arrived in the last {@value #WINDOW_MS} ms of the subscriber's clock. The rate control
 * decreases relative to it (the bottleneck's real delivery rate during an overuse) and caps increases
 * with it. A primitive ring of (arrival, size); no allocation after construction.
 */
final class AckedBitrate {
    static final long WINDOW_MS = 500;
    /** Below this much observed arrival time the rate is not trusted yet. */
    static final long MIN_SPAN_MS = 100;
    private static final long WINDOW_NS = WINDOW_MS * 1_000_000L;
    private static final int CAPACITY = 4096;
    private static final int MASK = CAPACITY - 1;

    private final long[] arrivalNs = new long[CAPACITY];
    private final int[] bytes = new int[CAPACITY];
    private int tail;
    private int count;
    private long windowBytes;
    private boolean started;
    private long firstArrivalNs;
    private long newestArrivalNs;
    private long rateBps;

    void add(long arrival, int size) {
        if (!started) {
            started = true;
            firstArrivalNs = arrival;
            newestArrivalNs = arrival;
        }
        newestArrivalNs = Math.max(newestArrivalNs, arrival);
        while (count > 0 && (count == CAPACITY || newestArrivalNs - arrivalNs[tail] >= WINDOW_NS)) {
            windowBytes -= bytes[tail];
            tail = (tail + 1) & MASK;
            count--;
        }
        int slot = (tail + count) & MASK;
        arrivalNs[slot] = arrival;
        bytes[slot] = size;
        count++;
        windowBytes += size;
        long spanNs = Math.min(WINDOW_NS, newestArrivalNs - firstArrivalNs);
        if (spanNs >= MIN_SPAN_MS * 1_000_000L) {
            rateBps = windowBytes * 8 * 1_000_000_000L / spanNs;
        }
    }

    /** The last measured rate, 0 while unknown; kept unchanged while nothing arrives. */
    long bitrateBps() {
        return rateBps;
    }
}
