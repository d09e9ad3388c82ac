package io.junction.bridge.worker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/** The fixed pool of packet workers; conferences are assigned round-robin and stay on their worker. */
public final class PacketWorkers implements AutoCloseable {
    private final List<PacketWorker> workers;
    private final AtomicInteger next = new AtomicInteger();
    private final PacketPool pool;

    public PacketWorkers(int count, PacketPool pool) {
        this.pool = pool;
        this.workers = IntStream.range(0, count)
                .mapToObj(i -> new PacketWorker("packet-worker-" + i, pool, 16384))
                .toList();
        workers.forEach(PacketWorker::start);
    }

    public PacketWorker assign() {
        return workers.get(Math.floorMod(next.getAndIncrement(), workers.size()));
    }

    public List<PacketWorker> all() {
        return workers;
    }

    public PacketPool pool() {
        return pool;
    }

    @Override
    public void close() {
        workers.forEach(PacketWorker::stop);
    }
}
