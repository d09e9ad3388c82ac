package io.junction.bridge.transport.ice;

import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.worker.PacketWorker;

/**
 * A packet worker's outgoing datagrams, gathered while it works through its queue and sent with
 * one {@code sendmmsg(2)} per {@link NativeUdp#MAX_BATCH} datagrams: one system call for a
 * packet's whole fan-out (and more under load) instead of one per receiver. A datagram is copied in
 * when queued (its packet goes back to the pool at once); the worker sends what is gathered when
 * its queue is empty ({@link PacketWorker#setAfterDrain}), when the batch is full, and before a
 * datagram for another local socket. So nothing waits longer than the worker's current burst of
 * work: the batch adds no latency when the worker is idle, and at most 64 sends' worth under load.
 *
 * <p>Only the worker's own thread uses its batch ({@link #current}); sends from other threads
 * (DTLS flights, ICE-TCP) go out at once.
 */
public final class SendBatch {
    /** Room for 64 full-size datagrams. */
    private static final int CAPACITY = NativeUdp.MAX_BATCH * 1500;
    /** The kernel's limit of segments per UDP GSO send (UDP_MAX_SEGMENTS). */
    private static final int MAX_SEGMENTS = 64;
    /** Below the largest UDP payload over IPv4 (65 507 bytes), with room for the kernel's headers. */
    private static final int MAX_MESSAGE_BYTES = 60_000;
    /** The planning table's size: a power of two, at least twice the destinations of one batch. */
    private static final int SLOTS = 2 * NativeUdp.MAX_BATCH;

    private final MediaCounters counters;
    private final byte[] data = new byte[CAPACITY];
    private final int[] offs = new int[NativeUdp.MAX_BATCH];
    private final int[] lens = new int[NativeUdp.MAX_BATCH];
    private final int[] destOffs = new int[NativeUdp.MAX_BATCH];
    private final byte[] dests = new byte[NativeUdp.MAX_BATCH * NativeUdp.DEST];
    /** Each datagram's destination record as the caller passed it: the same array, the same receiver. */
    private final byte[][] destRefs = new byte[NativeUdp.MAX_BATCH][];
    // The flush's plan: datagram indices message by message, and per message its first index into
    // order, its datagrams, its first and last datagram; chain links a message's datagrams while
    // planning.
    private final int[] order = new int[NativeUdp.MAX_BATCH];
    private final int[] msgFirst = new int[NativeUdp.MAX_BATCH];
    private final int[] msgSegs = new int[NativeUdp.MAX_BATCH];
    private final int[] msgHead = new int[NativeUdp.MAX_BATCH];
    private final int[] msgTail = new int[NativeUdp.MAX_BATCH];
    private final int[] chain = new int[NativeUdp.MAX_BATCH];
    /** Per destination (by the record's identity hash), its last message + 1; 0 when free. Cleared after each plan. */
    private final int[] slotMessage = new int[SLOTS];
    private final int[] usedSlots = new int[NativeUdp.MAX_BATCH];
    private int messages;
    private MediaSendSocket socket;
    private int count;
    private int used;

    SendBatch(MediaCounters counters) {
        this.counters = counters;
    }

    /** Gives {@code worker} a batch: its thread's sends on the media port go through it from now on. */
    public static void install(PacketWorker worker, MediaCounters counters) {
        SendBatch batch = new SendBatch(counters);
        worker.execute(() -> worker.attach(batch));
        worker.setAfterDrain(batch::flush);
    }

    /** The calling thread's batch, or null when it has none (not a packet worker). */
    static SendBatch current() {
        PacketWorker w = PacketWorker.current();
        return w != null && w.attachment() instanceof SendBatch b ? b : null;
    }

    /** Queues one datagram to the destination record {@code dest} (of {@code to}'s family). */
    void add(MediaSendSocket to, byte[] buf, int off, int len, byte[] dest) {
        if (count == NativeUdp.MAX_BATCH || used + len > CAPACITY || (to != socket && count > 0)) {
            flush();
        }
        if (len > CAPACITY) {
            counters.sendErrors.increment();
            return;
        }
        socket = to;
        System.arraycopy(buf, off, data, used, len);
        offs[count] = used;
        lens[count] = len;
        System.arraycopy(dest, 0, dests, count * NativeUdp.DEST, NativeUdp.DEST);
        destOffs[count] = count * NativeUdp.DEST;
        destRefs[count] = dest;
        used += len;
        count++;
    }

    /**
     * Sends what is queued. A datagram the kernel refuses is counted in {@code sendErrors} and skipped;
     * a full socket buffer drops the rest of the batch (counted): a worker never waits for the network.
     */
    public void flush() {
        int n = count;
        if (n == 0) {
            return;
        }
        plan(n, socket.segmentation());
        int sent = 0;
        while (sent < messages) {
            int r = socket.sendMessages(data, offs, lens, dests, destOffs, order, msgFirst, msgSegs, sent,
                    messages - sent);
            counters.sendCalls.increment();
            if (r > 0) {
                int datagrams = 0;
                for (int m = sent; m < sent + r; m++) {
                    datagrams += msgSegs[m];
                    if (msgSegs[m] > 1) {
                        counters.sendSegmentedDatagrams.add(msgSegs[m]);
                    }
                }
                counters.sendCallDatagrams.add(datagrams);
                sent += r;
            } else if (r == -NativeUdp.EAGAIN) {
                for (int m = sent; m < messages; m++) {
                    counters.sendErrors.add(msgSegs[m]);
                }
                break;
            } else if (msgSegs[sent] > 1 && (r == -NativeUdp.EIO || r == -NativeUdp.EINVAL)) {
                // EIO: the device cannot offload the checksum of a GSO message, so none will go: from
                // now on each datagram on its own. EINVAL: this message's segments do not fit the
                // route's MTU; sent one by one, each gets its own answer.
                boolean never = r == -NativeUdp.EIO;
                if (never) {
                    socket.segmentationRefused(-r);
                }
                split(sent, never);
            } else {
                counters.sendErrors.add(msgSegs[sent]);
                sent++;
            }
        }
        count = 0;
        used = 0;
    }

    /**
     * Groups the {@code n} queued datagrams into messages ({@link #order}, {@link #msgFirst},
     * {@link #msgSegs}): with {@code segment}, a datagram joins the last message to its destination
     * while that message's datagrams are all as long as it (a shorter one may end the message), so
     * each destination's datagrams keep their order; else one message each. Destinations are told
     * apart by the record array the caller passed (a route's, fixed while the route lasts).
     */
    private void plan(int n, boolean segment) {
        int msgs = 0;
        int slotsUsed = 0;
        for (int i = 0; i < n; i++) {
            int m = -1;
            int slot = 0;
            if (segment) {
                // the last message to this destination: an open-addressing table keyed by the record's identity
                slot = System.identityHashCode(destRefs[i]) & (SLOTS - 1);
                while (slotMessage[slot] != 0 && destRefs[msgHead[slotMessage[slot] - 1]] != destRefs[i]) {
                    slot = (slot + 1) & (SLOTS - 1);
                }
                m = slotMessage[slot] - 1;
            }
            // a message is open while its datagrams are all as long as its first: its bytes are then
            // that length times its datagrams
            int size = m >= 0 ? lens[msgHead[m]] : 0;
            if (m >= 0 && lens[msgTail[m]] == size && lens[i] <= size && lens[i] > 0
                    && msgSegs[m] < MAX_SEGMENTS && size * msgSegs[m] + lens[i] <= MAX_MESSAGE_BYTES) {
                chain[msgTail[m]] = i;
                msgTail[m] = i;
                msgSegs[m]++;
            } else {
                msgHead[msgs] = i;
                msgTail[msgs] = i;
                msgSegs[msgs] = 1;
                msgs++;
                if (segment) {
                    if (slotMessage[slot] == 0) {
                        usedSlots[slotsUsed++] = slot;
                    }
                    slotMessage[slot] = msgs;
                }
            }
            chain[i] = -1;
        }
        for (int k = 0; k < slotsUsed; k++) {
            slotMessage[usedSlots[k]] = 0;
        }
        int at = 0;
        for (int m = 0; m < msgs; m++) {
            msgFirst[m] = at;
            for (int i = msgHead[m]; i >= 0; i = chain[i]) {
                order[at++] = i;
            }
        }
        messages = msgs;
    }

    /**
     * Makes each datagram of message {@code m} a message of its own, and with {@code all} those of every
     * message after it too; the order stays.
     */
    private void split(int m, boolean all) {
        int end = all ? messages : m + 1;
        int extra = 0;
        for (int k = m; k < end; k++) {
            extra += msgSegs[k] - 1;
        }
        for (int k = messages - 1; k >= end; k--) {
            msgFirst[k + extra] = msgFirst[k];
            msgSegs[k + extra] = msgSegs[k];
        }
        int last = msgFirst[end - 1] + msgSegs[end - 1];
        for (int at = msgFirst[m], k = m; at < last; at++, k++) {
            msgFirst[k] = at;
            msgSegs[k] = 1;
        }
        messages += extra;
    }
}
