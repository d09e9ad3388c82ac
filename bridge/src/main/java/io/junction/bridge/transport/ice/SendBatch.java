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

    private final MediaCounters counters;
    private final byte[] data = new byte[CAPACITY];
    private final int[] offs = new int[NativeUdp.MAX_BATCH];
    private final int[] lens = new int[NativeUdp.MAX_BATCH];
    private final int[] destOffs = new int[NativeUdp.MAX_BATCH];
    private final byte[] dests = new byte[NativeUdp.MAX_BATCH * NativeUdp.DEST];
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
        int sent = 0;
        while (sent < n) {
            int r = socket.sendBatch(data, offs, lens, dests, destOffs, sent, n - sent);
            counters.sendCalls.increment();
            if (r > 0) {
                counters.sendCallDatagrams.add(r);
                sent += r;
            } else if (r == -NativeUdp.EAGAIN) {
                counters.sendErrors.add(n - sent);
                break;
            } else {
                counters.sendErrors.increment();
                sent++;
            }
        }
        count = 0;
        used = 0;
    }
}
