package io.junction.bridge.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.jctools.queues.MpmcArrayQueue;

/**
 * A bounded lock-free pool of {@link Packet}s. {@link #take()} never fails: when the pool is empty
 * a new packet is allocated (and counted), so a burst costs garbage rather than drops.
 *
 * <p>Each packet worker has a small stack of free packets of its own in front of the shared queue
 * ({@link Local}): a packet is mostly taken and released on the same worker (a conference lives on
 * one), and then neither the shared queue's indices nor a shared counter move between the cores.
 * Other threads (and workers of another pool) use the shared queue.
 */
public final class PacketPool {
    /** Free packets a worker keeps for itself before giving them back to the shared queue. */
    static final int LOCAL_CAPACITY = 128;
    private static final VarHandle TAKEN;
    private static final VarHandle RELEASED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TAKEN = l.findVarHandle(Local.class, "taken", long.class);
            RELEASED = l.findVarHandle(Local.class, "released", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MpmcArrayQueue<Packet> free;
    private final LongAdder taken = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final LongAdder allocated = new LongAdder();
    private final CopyOnWriteArrayList<Local> locals = new CopyOnWriteArrayList<>();

    /**
     * One worker's free packets and counts. Only the worker's thread writes them; the counts are
     * written and read with opaque accesses (plain moves on x86), so {@link #outstanding} from
     * another thread sees them without a fence per packet.
     */
    static final class Local {
        final PacketPool pool;
        private final Packet[] stack = new Packet[LOCAL_CAPACITY];
        private int size;
        @SuppressWarnings("unused") // through TAKEN
        private long taken;
        @SuppressWarnings("unused") // through RELEASED
        private long released;

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
        Local l = new Local(this);
        locals.add(l);
        return l;
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
        Packet p;
        if (l != null) {
            p = l.size > 0 ? l.stack[--l.size] : free.poll();
            TAKEN.setOpaque(l, (long) TAKEN.getOpaque(l) + 1);
        } else {
            p = free.poll();
            taken.increment();
        }
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
        Local l = local();
        if (l != null) {
            RELEASED.setOpaque(l, (long) RELEASED.getOpaque(l) + 1);
            if (l.size < LOCAL_CAPACITY) {
                l.stack[l.size++] = p;
                return;
            }
        } else {
            released.increment();
        }
        free.offer(p); // when the pool is full the packet is left to the GC
    }

    /** Packets taken and not yet released: 0 when the bridge is idle (tests assert it). */
    public long outstanding() {
        long t = taken.sum();
        long r = released.sum();
        for (Local l : locals) {
            t += (long) TAKEN.getOpaque(l);
            r += (long) RELEASED.getOpaque(l);
        }
        return t - r;
    }

    public long allocatedTotal() {
        return allocated.sum();
    }
}
