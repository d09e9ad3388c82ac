package io.junction.bridge.worker;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One packet thread. Everything queued here runs on this thread in order, so state owned by an
 * endpoint assigned to this worker needs no locks. Packets go through a bounded lock-free MPSC
 * queue (full → counted drop); control-plane tasks through a separate unbounded queue.
 */
public final class PacketWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PacketWorker.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int IDLE_WAIT_MS = 5;

    private final String name;
    private final PacketPool pool;
    /** This worker's own free packets in front of the pool's shared queue (its thread only). */
    private final PacketPool.Local poolCache;
    private final MpscArrayQueue<Packet> packets;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final LongAdder queueFullDrops = new LongAdder();
    private volatile boolean parked;
    /** Reads this worker's sockets while it waits, or null: it parks (see {@link Poller}). */
    private volatile Poller poller;
    /** Run on this thread each time the queues are drained (a send batch's flush), or null. */
    private volatile Runnable afterDrain;
    private volatile boolean running = true;
    private Thread thread;
    /** Packets handled; written by this worker only. */
    private long handledCount;
    /** Nanoseconds spent handling packets; written by this worker only. */
    private long busyNs;

    /**
     * What a worker waits in when it has sockets of its own to read: their datagrams are read and
     * handled on the worker's thread inside {@link #poll} (no queue, no hand-off), and {@link #wake}
     * ends a wait early when something is queued.
     */
    public interface Poller {
        /** Reads and handles what is ready, waiting up to {@code timeoutMs} (0: not at all) for it: how many datagrams. */
        int poll(int timeoutMs);

        void wake();
    }

    /** Lets this worker wait in {@code p} (reading its sockets) instead of parking; before or after start. */
    public void setPoller(Poller p) {
        poller = p;
        wake();
    }

    private void wake() {
        Poller p = poller;
        if (p != null) {
            p.wake();
        } else {
            LockSupport.unpark(thread);
        }
    }

    public PacketWorker(String name, PacketPool pool, int queueCapacity) {
        this.name = name;
        this.pool = pool;
        this.poolCache = pool == null ? null : pool.newLocal();
        this.packets = new MpscArrayQueue<>(queueCapacity);
    }

    /**
     * Slots for per-worker counter cells ({@link StripedCounter}): a running
     * worker thread holds one while it runs (at most one live thread writes a slot's cells), and
     * gives it back when its loop has ended. Twice the cores, at least 8: workers beyond that (many
     * bridges in one JVM, as in tests) get none and count through a shared adder.
     */
    public static final int SLOTS = Math.min(256, Math.max(8, 2 * Runtime.getRuntime().availableProcessors()));
    private static final java.util.BitSet SLOTS_TAKEN = new java.util.BitSet(SLOTS);

    private static synchronized int takeSlot() {
        int s = SLOTS_TAKEN.nextClearBit(0);
        if (s >= SLOTS) {
            return -1;
        }
        SLOTS_TAKEN.set(s);
        return s;
    }

    private static synchronized void giveBackSlot(int s) {
        if (s >= 0) {
            SLOTS_TAKEN.clear(s);
        }
    }

    /** A packet worker's thread: knows its worker and counter slot, so per-worker state needs no {@code ThreadLocal}. */
    private static final class WorkerThread extends Thread {
        final PacketWorker worker;
        final int slot;

        WorkerThread(PacketWorker worker, String name) {
            super(worker, name);
            this.worker = worker;
            this.slot = takeSlot();
        }

        @Override
        public void run() {
            try {
                super.run();
            } finally {
                giveBackSlot(slot); // after this thread's last count: the next holder continues its cells
            }
        }
    }

    /** Counter slots held by running worker threads (for tests and diagnostics). */
    public static synchronized int slotsInUse() {
        return SLOTS_TAKEN.cardinality();
    }

    /** The counter slot of the packet worker whose thread calls, or -1 (another thread, or no slot was free). */
    public static int currentSlot() {
        return Thread.currentThread() instanceof WorkerThread t ? t.slot : -1;
    }

    /**
     * The worker whose thread calls, or null. A type test on the current thread: cheaper than a
     * {@code ThreadLocal} lookup, which on a worker's thread missed its first slot and walked the
     * table (3 % of the bridge's CPU in 1 → 200, once per sent datagram).
     */
    public static PacketWorker current() {
        return Thread.currentThread() instanceof WorkerThread t ? t.worker : null;
    }

    /**
     * State another layer keeps per worker (the transport's send batch), or null; read and written on
     * this worker's thread only (attach it from a task given to {@link #execute}).
     */
    private Object attachment;

    PacketPool.Local poolCache() {
        return poolCache;
    }

    public Object attachment() {
        return attachment;
    }

    /** On this worker's thread: keeps {@code state} for {@link #attachment}. */
    public void attach(Object state) {
        attachment = state;
    }

    void start() {
        thread = new WorkerThread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    public boolean isWorkerThread() {
        return Thread.currentThread() == thread;
    }

    /** Queues a packet whose {@code handler} is set; on a full queue the packet is released, counted, and false returned. */
    public boolean offer(Packet p) {
        if (!enqueue(p)) {
            return false;
        }
        if (parked) {
            wake();
        }
        return true;
    }

    /** Queues without waking; on a full queue the packet is released, counted, and false returned. */
    private boolean enqueue(Packet p) {
        if (!packets.relaxedOffer(p)) {
            queueFullDrops.increment();
            pool.release(p);
            return false;
        }
        return true;
    }

    /**
     * On this worker's thread, handles {@code p} at once (a datagram its poller read); from any other
     * thread, queues it as {@link #offer} does.
     */
    public boolean offerOrHandle(Packet p) {
        if (Thread.currentThread() != thread) {
            return offer(p);
        }
        handle(p);
        return true;
    }

    private void handle(Packet p) {
        long t0 = System.nanoTime();
        try {
            p.handler.handle(p);
        } catch (RuntimeException e) {
            LOG.warn("packet handler failed on {}", name, e);
        }
        busyNs += System.nanoTime() - t0;
        handledCount++;
    }

    /** Workers this one queued packets to without waking them ({@link #offerAfterDrain}); worker thread only. */
    private PacketWorker[] toWake = new PacketWorker[4];
    private int toWakeCount;

    /**
     * Queues {@code p} (its handler set) to {@code target}, called on this worker's thread: the target
     * is woken once, when this worker has finished its current burst (before its after-drain hook),
     * not for every packet: a fan-out of one frame to hundreds of receivers whose sends another worker
     * makes costs one wake-up. From any other thread, the same as {@code target.offer(p)}.
     */
    public boolean offerAfterDrain(PacketWorker target, Packet p) {
        if (Thread.currentThread() != thread) {
            return target.offer(p);
        }
        if (!target.enqueue(p)) {
            return false;
        }
        for (int i = 0; i < toWakeCount; i++) {
            if (toWake[i] == target) {
                return true;
            }
        }
        if (toWakeCount == toWake.length) {
            toWake = java.util.Arrays.copyOf(toWake, toWake.length * 2);
        }
        toWake[toWakeCount++] = target;
        return true;
    }

    private void wakeDeferred() {
        for (int i = 0; i < toWakeCount; i++) {
            PacketWorker t = toWake[i];
            toWake[i] = null;
            if (t.parked) { // a target about to wait sees its queue is not empty and does not
                t.wake();
            }
        }
        toWakeCount = 0;
    }

    /** Runs a control task on this worker's thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (parked) {
            wake();
        }
    }

    /**
     * A worker driven by the calling thread instead of a thread of its own (the in-process packet-path
     * harness, benchmarks): what is offered to it from that thread runs inline where the code does so,
     * the rest when {@link #drain} is called.
     */
    public static PacketWorker onCurrentThread(String name, PacketPool pool, int queueCapacity) {
        PacketWorker w = new PacketWorker(name, pool, queueCapacity);
        w.thread = Thread.currentThread();
        return w;
    }

    @Override
    public void run() {
        while (running) {
            Poller p = poller;
            boolean worked = p != null && p.poll(0) > 0;
            worked |= drainQueues();
            if (!worked) {
                parked = true;
                if (packets.isEmpty() && tasks.isEmpty() && running) {
                    if (p != null) {
                        worked = p.poll(IDLE_WAIT_MS) > 0;
                    } else {
                        LockSupport.parkNanos(this, IDLE_PARK_NS);
                    }
                }
                parked = false;
            }
            if (worked) {
                afterDrain();
            }
        }
        Packet p;
        while ((p = packets.relaxedPoll()) != null) {
            pool.release(p);
        }
    }

    /** Handles every queued packet, then runs every queued task; true when there was anything. Worker thread only. */
    public boolean drain() {
        boolean didWork = drainQueues();
        if (didWork || toWakeCount > 0) { // a packet handled inline before this call may have queued to another worker
            afterDrain();
        }
        return didWork;
    }

    private boolean drainQueues() {
        boolean didWork = false;
        Packet p;
        while ((p = packets.relaxedPoll()) != null) {
            didWork = true;
            handle(p);
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
            didWork = true;
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("task failed on {}", name, e);
            }
        }
        return didWork;
    }

    private void afterDrain() {
        if (toWakeCount > 0) {
            wakeDeferred();
        }
        Runnable after = afterDrain;
        if (after != null) {
            try {
                after.run();
            } catch (RuntimeException e) {
                LOG.warn("after-drain hook failed on {}", name, e);
            }
        }
    }

    /**
     * Runs {@code hook} on this worker's thread every time it has worked through its queues, before
     * it waits for more: where what the packets produced is finished off (sends gathered into one
     * system call).
     */
    public void setAfterDrain(Runnable hook) {
        afterDrain = hook;
    }

    void stop() {
        running = false;
        wake();
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public int queueDepth() {
        return packets.size();
    }

    public long queueFullDrops() {
        return queueFullDrops.sum();
    }

    /** Racy read for metrics; exact on the worker thread. */
    public long handledCount() {
        return handledCount;
    }

    /** Racy read for metrics. */
    public long busyNs() {
        return busyNs;
    }

    public String name() {
        return name;
    }

    /**
     * Bytes this worker's thread has allocated on the heap since it started (HotSpot's per-thread
     * allocation counter), or -1 where the JVM cannot say: what the packet path allocates, for
     * {@code junction_worker_allocated_bytes_total}.
     */
    public long allocatedBytes() {
        Thread t = thread;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        if (t == null || !(mx instanceof com.sun.management.ThreadMXBean hs) || !hs.isThreadAllocatedMemorySupported()) {
            return -1;
        }
        return hs.getThreadAllocatedBytes(t.getId());
    }
}
