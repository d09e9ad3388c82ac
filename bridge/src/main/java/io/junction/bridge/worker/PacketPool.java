package io.junction.bridge.worker;

import java.util.concurrent.atomic.LongAdder;
import org.jctools.queues.MpmcArrayQueue;

/**
 * A bounded lock-free pool of {@link Packet}s. {@link #take()} never fails: when the pool is empty
 * a new packet is allocated (and counted), so a burst costs garbage rather than drops.
 *
 * <p>Each packet worker has a small stack of free packets of its own in front of the shared queue
 * ({@link Local}): a packet is mostly taken and released on the same worker (a conference lives on
 * one), and then neither the shared queue's indices nor a shared counter move between the cores
 * (the counts are {@link StripedCounter}s: a cell per worker). Other threads (and workers of another
 * pool) use the shared queue.
 */
public final class PacketPool {
    /** Free packets a worker keeps for itself before giving them back to the shared queue. */
    static final int LOCAL_CAPACITY = 128;

    private final MpmcArrayQueue<Packet> free;
    private final StripedCounter taken = new StripedCounter();
    private final StripedCounter released = new StripedCounter();
    private final LongAdder allocated = new LongAdder();

    /** One worker's free packets; only the worker's thread uses them. */
    static final class Local {
        final PacketPool pool;
        private final Packet[] stack = new Packet[LOCAL_CAPACITY];
        private int size;

        private Local(PacketPool pool) {
            this.pool = pool;
        }
    }

    public PacketPool(int capacity, int preallocate) {
        this.free = new MpmcArrayQueue<>(capacity);
        for (int i = 0; i < preallocate; i++) {
            free.offer(newPacket());
        }
    }

    /** A stack of free packets for one worker (its thread alone may use it). */
    Local newLocal() {
        return new Local(this);
    }

    private Packet newPacket() {
        allocated.increment();
        return new Packet();
    }

    /** The calling worker's own stack for this pool, or null (not a worker, or a worker of another pool). */
    private Local local() {
        PacketWorker w = PacketWorker.current();
        Local l = w == null ? null : w.poolCache();
        return l != null && l.pool == this ? l : null;
    }

    public Packet take() {
        Local l = local();
        Packet p = l != null && l.size > 0 ? l.stack[--l.size] : free.poll();
        taken.increment();
        if (p == null) {
            p = newPacket();
        }
        p.pooled = false;
        return p;
    }

    public void release(Packet p) {
        if (p.pooled) {
            throw new IllegalStateException("packet released twice");
        }
        p.pooled = true;
        p.reset();
        released.increment();
        Local l = local();
        if (l != null && l.size < LOCAL_CAPACITY) {
            l.stack[l.size++] = p;
            return;
        }
        free.offer(p); // when the pool is full the packet is left to the GC
    }

    /** Packets taken and not yet released: 0 when the bridge is idle (tests assert it). */
    public long outstanding() {
        return taken.sum() - released.sum();
    }

    public long allocatedTotal() {
        return allocated.sum();
    }
}
