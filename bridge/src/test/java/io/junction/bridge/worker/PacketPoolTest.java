package io.junction.bridge.worker;

import static io.junction.bridge.worker.WorkerTasks.on;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pool's per-worker stacks: counts stay exact across threads and packets are reused. */
class PacketPoolTest {

    @Test
    void aWorkerReusesWhatItReleasedAndTheCountsStayExact() throws Exception {
        PacketPool pool = new PacketPool(16, 0);
        try (PacketWorkers workers = new PacketWorkers(2, pool)) {
            PacketWorker a = workers.all().get(0);
            Packet first = on(a, () -> {
                Packet p = pool.take();
                pool.release(p);
                return p;
            });
            assertEquals(0, pool.outstanding());
            assertSame(first, on(a, pool::take), "the worker takes back the packet it released last");
            assertEquals(1, pool.outstanding(), "read from another thread");
            assertEquals(1, pool.allocatedTotal());
            // a packet taken by the test thread comes from the shared queue, not from the worker's stack
            Packet shared = pool.take();
            assertNotSame(first, shared);
            assertEquals(2, pool.outstanding());
            pool.release(shared);
            on(a, () -> {
                pool.release(first);
                return null;
            });
            assertEquals(0, pool.outstanding());
            assertThrows(IllegalStateException.class, () -> pool.release(first), "a second release is refused");
        }
    }

    /**
     * Packets taken on one worker and released on the other (a send spread to another core), and
     * the other way, far beyond a stack's capacity: every one is accounted for and the stacks
     * overflow into the shared queue instead of growing.
     */
    @Test
    void packetsCrossingWorkersAreAccountedFor() throws Exception {
        PacketPool pool = new PacketPool(4096, 0);
        try (PacketWorkers workers = new PacketWorkers(2, pool)) {
            PacketWorker a = workers.all().get(0);
            PacketWorker b = workers.all().get(1);
            for (int round = 0; round < 20; round++) {
                PacketWorker from = round % 2 == 0 ? a : b;
                PacketWorker to = round % 2 == 0 ? b : a;
                List<Packet> taken = on(from, () -> {
                    List<Packet> l = new ArrayList<>();
                    for (int i = 0; i < 3 * PacketPool.LOCAL_CAPACITY; i++) {
                        l.add(pool.take());
                    }
                    return l;
                });
                assertEquals(3L * PacketPool.LOCAL_CAPACITY, pool.outstanding(), "round " + round);
                on(to, () -> {
                    taken.forEach(pool::release);
                    return null;
                });
                assertEquals(0, pool.outstanding(), "round " + round);
            }
            assertTrue(pool.allocatedTotal() <= 2L * 3 * PacketPool.LOCAL_CAPACITY,
                    "released packets are taken again, not allocated anew: " + pool.allocatedTotal());
        }
    }
}
