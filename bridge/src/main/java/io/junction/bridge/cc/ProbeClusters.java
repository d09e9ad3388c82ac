package io.junction.bridge.cc;

/**
 * Measures what a probe cluster (a short burst sent above the estimate) tells about the path, as
 * libwebrtc's {@code ProbeBitrateEstimator}: the rate it was sent at and the rate it arrived at, over
 * the cluster's own packets. If the path could carry the burst, both are about the probe target; if
 * not, the bottleneck spread the arrivals out and the receive rate is what it can carry.
 *
 * <p>Send rate leaves out the last packet sent and receive rate the first packet received (n packets
 * span n − 1 intervals). The result is min(send, receive); when the receive rate is clearly below the
 * send rate (under {@value #SATURATED_RATIO}) the link was saturated, and {@value #SATURATED_UTILIZATION}
 * × receive rate is taken to leave some headroom. Clusters with fewer than {@value #MIN_RECEIVED}
 * packets or less than {@value #MIN_BYTES_RATIO} of their intended bytes received, a send or receive
 * span outside (0, 1 s], or a send/receive ratio above {@value #MAX_SEND_RECEIVE_RATIO} are ignored.
 *
 * <p>A few fixed slots, reused round-robin by cluster id; no allocation.
 */
final class ProbeClusters {
    /** The shortest cluster the caller should send, and the fewest packets. */
    static final long MIN_DURATION_NS = 15_000_000L;
    static final int MIN_PACKETS = 5;
    static final int MIN_RECEIVED = 4;
    static final double MIN_BYTES_RATIO = 0.8;
    /**
     * A cluster is measured only once this share of the packets it was planned with were reported
     * received (libwebrtc's kMinReceivedProbesRatio): a transport-cc feedback that reports only the
     * first packets of a cluster, the ones a shaper's burst allowance let through at once, would
     * otherwise measure the burst instead of the path.
     */
    static final double MIN_RECEIVED_RATIO = 0.8;
    static final long MAX_SPAN_NS = 1_000_000_000L;
    static final double MAX_SEND_RECEIVE_RATIO = 2.0;
    static final double SATURATED_RATIO = 0.9;
    static final double SATURATED_UTILIZATION = 0.95;
    private static final int SLOTS = 8;

    private final int[] id = new int[SLOTS];
    private final long[] targetBps = new long[SLOTS];
    private final int[] plannedPackets = new int[SLOTS];
    private final int[] received = new int[SLOTS];
    private final long[] receivedBytes = new long[SLOTS];
    private final long[] firstSendNs = new long[SLOTS];
    private final long[] lastSendNs = new long[SLOTS];
    private final int[] lastSendSize = new int[SLOTS];
    private final long[] firstArrivalNs = new long[SLOTS];
    private final long[] lastArrivalNs = new long[SLOTS];
    private final int[] firstArrivalSize = new int[SLOTS];
    private final boolean[] touched = new boolean[SLOTS];
    private int nextId;

    ProbeClusters() {
        java.util.Arrays.fill(id, -1);
    }

    int start(long target) {
        return start(target, 0);
    }

    /** A cluster of {@code planned} packets (0: not known, then only {@link #MIN_RECEIVED} counts). */
    int start(long target, int planned) {
        int cluster = nextId;
        nextId = (nextId + 1) & Integer.MAX_VALUE;
        int s = cluster % SLOTS;
        id[s] = cluster;
        targetBps[s] = target;
        plannedPackets[s] = planned;
        received[s] = 0;
        receivedBytes[s] = 0;
        touched[s] = false;
        return cluster;
    }

    void onReceived(int cluster, long sendNs, long arrivalNs, int size) {
        int s = slot(cluster);
        if (s < 0) {
            return;
        }
        if (received[s] == 0) {
            firstSendNs[s] = sendNs;
            lastSendNs[s] = sendNs;
            lastSendSize[s] = size;
            firstArrivalNs[s] = arrivalNs;
            lastArrivalNs[s] = arrivalNs;
            firstArrivalSize[s] = size;
        } else {
            firstSendNs[s] = Math.min(firstSendNs[s], sendNs);
            if (sendNs >= lastSendNs[s]) {
                lastSendNs[s] = sendNs;
                lastSendSize[s] = size;
            }
            if (arrivalNs < firstArrivalNs[s]) {
                firstArrivalNs[s] = arrivalNs;
                firstArrivalSize[s] = size;
            }
            lastArrivalNs[s] = Math.max(lastArrivalNs[s], arrivalNs);
        }
        received[s]++;
        receivedBytes[s] += size;
        touched[s] = true;
    }

    /**
     * The highest valid measurement among clusters that got new feedback since the last call, or 0;
     * clears the "new feedback" marks.
     */
    long takeResultBps() {
        long best = 0;
        for (int s = 0; s < SLOTS; s++) {
            if (touched[s]) {
                touched[s] = false;
                best = Math.max(best, measure(s));
            }
        }
        return best;
    }

    private long measure(int s) {
        long minBytes = (long) (MIN_BYTES_RATIO * targetBps[s] / 8.0 * MIN_DURATION_NS / 1e9);
        if (received[s] < MIN_RECEIVED || receivedBytes[s] < minBytes
                || received[s] < Math.ceil(MIN_RECEIVED_RATIO * plannedPackets[s])) {
            return 0;
        }
        long sendSpan = lastSendNs[s] - firstSendNs[s];
        long receiveSpan = lastArrivalNs[s] - firstArrivalNs[s];
        if (sendSpan <= 0 || sendSpan > MAX_SPAN_NS || receiveSpan <= 0 || receiveSpan > MAX_SPAN_NS) {
            return 0;
        }
        double sendBps = (receivedBytes[s] - lastSendSize[s]) * 8e9 / sendSpan;
        double receiveBps = (receivedBytes[s] - firstArrivalSize[s]) * 8e9 / receiveSpan;
        if (receiveBps <= 0 || sendBps / receiveBps > MAX_SEND_RECEIVE_RATIO) {
            return 0;
        }
        double result = Math.min(sendBps, receiveBps);
        if (receiveBps < SATURATED_RATIO * sendBps) {
            result = SATURATED_UTILIZATION * receiveBps;
        }
        return (long) result;
    }

    private int slot(int cluster) {
        if (cluster < 0) {
            return -1;
        }
        int s = cluster % SLOTS;
        return id[s] == cluster ? s : -1;
    }
}
