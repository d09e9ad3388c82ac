package io.junction.bridge.cc;

/**
 * Groups acknowledged packets into bursts sent within 5 ms of each other and, each time a group is
 * complete, reports how far apart it was sent and how far apart it arrived from the previous group.
 * The difference of the two is the delay variation the trendline filter integrates: a growing queue
 * at the bottleneck makes groups arrive further apart than they were sent.
 *
 * <p>Single groups rather than single packets, because a sender (and the pacer in front of it)
 * emits bursts whose per-packet spacing says nothing about the path. A packet sent later that still
 * arrives within 5 ms of the group and earlier than its send spacing would suggest was delayed behind
 * the group at some queue (a "burst" on the path) and joins it too, as in libwebrtc's
 * {@code InterArrivalDelta}.
 *
 * <p>Send times are on the bridge's clock, arrival times on the subscriber's; only differences within
 * each clock are used. Packets must be given in arrival order.
 */
final class InterArrival {
    /** Packets sent within this much of a group's first packet belong to it. */
    static final long GROUP_LENGTH_NS = 5_000_000L;
    /** A later packet arriving within this much of the group's last one may still be part of a burst. */
    static final long BURST_ARRIVAL_NS = 5_000_000L;
    /** A burst never spans more than this much arrival time. */
    static final long MAX_BURST_NS = 100_000_000L;
    /** A jump of arrival time against send time this large means the receiver clock reset: start over. */
    static final long CLOCK_JUMP_NS = 3_000_000_000L;
    /** Consecutive groups arriving before their predecessor before the state is thrown away. */
    static final int REORDER_RESET = 3;

    private boolean hasCurrent;
    private boolean hasPrevious;
    private long currentFirstSendNs;
    private long currentLastSendNs;
    private long currentFirstArrivalNs;
    private long currentLastArrivalNs;
    private long previousLastSendNs;
    private long previousLastArrivalNs;
    private int reorderedGroups;

    /** Valid after {@link #add} returned true: send spacing of the last two complete groups. */
    long sendDeltaNs;
    /** Valid after {@link #add} returned true: arrival spacing of the last two complete groups. */
    long arrivalDeltaNs;
    /** Valid after {@link #add} returned true: when the newer of the two groups finished arriving. */
    long groupArrivalNs;

    /** Adds a packet; returns true when it completed a group and the delta fields describe it. */
    boolean add(long sendNs, long arrivalNs) {
        if (!hasCurrent) {
            startGroup(sendNs, arrivalNs);
            return false;
        }
        if (sendNs < currentFirstSendNs) {
            return false; // sent before the current group started: reordered, says nothing new
        }
        boolean completed = false;
        if (startsNewGroup(sendNs, arrivalNs)) {
            if (hasPrevious) {
                long sendDelta = currentLastSendNs - previousLastSendNs;
                long arrivalDelta = currentLastArrivalNs - previousLastArrivalNs;
                if (Math.abs(arrivalDelta - sendDelta) >= CLOCK_JUMP_NS) {
                    reset();
                    startGroup(sendNs, arrivalNs);
                    return false;
                }
                if (arrivalDelta < 0) {
                    if (++reorderedGroups >= REORDER_RESET) {
                        reset();
                        startGroup(sendNs, arrivalNs);
                        return false;
                    }
                } else {
                    reorderedGroups = 0;
                    sendDeltaNs = sendDelta;
                    arrivalDeltaNs = arrivalDelta;
                    groupArrivalNs = currentLastArrivalNs;
                    completed = true;
                }
            }
            previousLastSendNs = currentLastSendNs;
            previousLastArrivalNs = currentLastArrivalNs;
            hasPrevious = true;
            startGroup(sendNs, arrivalNs);
        } else {
            currentLastSendNs = Math.max(currentLastSendNs, sendNs);
            currentLastArrivalNs = arrivalNs;
        }
        return completed;
    }

    void reset() {
        hasCurrent = false;
        hasPrevious = false;
        reorderedGroups = 0;
    }

    private void startGroup(long sendNs, long arrivalNs) {
        hasCurrent = true;
        currentFirstSendNs = sendNs;
        currentLastSendNs = sendNs;
        currentFirstArrivalNs = arrivalNs;
        currentLastArrivalNs = arrivalNs;
    }

    private boolean startsNewGroup(long sendNs, long arrivalNs) {
        if (belongsToBurst(sendNs, arrivalNs)) {
            return false;
        }
        return sendNs - currentFirstSendNs > GROUP_LENGTH_NS;
    }

    private boolean belongsToBurst(long sendNs, long arrivalNs) {
        long arrivalDelta = arrivalNs - currentLastArrivalNs;
        long sendDelta = sendNs - currentLastSendNs;
        if (sendDelta == 0) {
            return true;
        }
        long propagationDelta = arrivalDelta - sendDelta;
        return propagationDelta < 0 && arrivalDelta <= BURST_ARRIVAL_NS
                && arrivalNs - currentFirstArrivalNs < MAX_BURST_NS;
    }
}
