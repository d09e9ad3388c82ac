package io.junction.bridge.worker;

import java.util.concurrent.atomic.LongAdder;
import org.jctools.queues.MpmcArrayQueue;

/**
 * A bounded lock-free pool of {@link Packet}s. {@link #take()} never fails: when the pool is empty
 * a new packet is allocated (and counted), so a burst costs garbage rather than drops.
 */
public final class PacketPool {
    private final MpmcArrayQueue<Packet> free;
    private final LongAdder taken = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final LongAdder allocated = new LongAdder();

    public PacketPool(int capacity, int preallocate) {
        this.free = new MpmcArrayQueue<>(capacity);
        for (int i = 0; i < preallocate; i++) {
            free.offer(newPacket());
        }
    }

    private Packet newPacket() {
        allocated.increment();
        return new Packet();
    }

    public Packet take() {
        Packet p = free.poll();
        if (p == null) {
            p = newPacket();
        }
        p.pooled = false;
        taken.increment();
        return p;
    }

    public void release(Packet p) {
        if (p.pooled) {
            throw new IllegalStateException("packet released twice");
        }
        p.pooled = true;
        p.reset();
        released.increment();
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
