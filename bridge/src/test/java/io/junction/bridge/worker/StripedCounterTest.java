package io.junction.bridge.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Per-worker counter cells: nothing is lost when workers and other threads add at once, and slots come back. */
class StripedCounterTest {

    @Test
    void workersAndOtherThreadsAddingAtOnceLoseNothing() throws Exception {
        StripedCounter c = new StripedCounter();
        int adds = 2_000_000;
        try (PacketWorkers workers = new PacketWorkers(2, new PacketPool(16, 0))) {
            PacketWorker a = workers.all().get(0);
            PacketWorker b = workers.all().get(1);
            CountDownLatch go = new CountDownLatch(1);
            java.util.function.Supplier<Integer> adder = () -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < adds; i++) {
                    c.add(i % 3); // 0, 1, 2: 3 per 3 adds
                }
                return PacketWorker.currentSlot();
            };
            CompletableFuture<Integer> fa = WorkerTasks.submit(a, adder);
            CompletableFuture<Integer> fb = WorkerTasks.submit(b, adder);
            // a reader sees the total only grow while they add
            AtomicBoolean adding = new AtomicBoolean(true);
            AtomicReference<String> readerSaw = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                long last = 0;
                while (adding.get()) {
                    long now = c.sum();
                    if (now < last) {
                        readerSaw.set(now + " after " + last);
                    }
                    last = now;
                }
            });
            reader.start();
            go.countDown();
            for (int i = 0; i < adds; i++) {
                c.increment(); // the test's thread: not a worker, no slot
            }
            int slotA = fa.get(30, TimeUnit.SECONDS);
            int slotB = fb.get(30, TimeUnit.SECONDS);
            adding.set(false);
            reader.join();
            long perWorker = (long) (adds / 3) * 3 + (adds % 3 == 2 ? 1 : 0);
            assertEquals(2 * perWorker + adds, c.sum(), "every add of both workers and of the test's thread");
            assertTrue(slotA >= 0 && slotB >= 0, "both workers hold a slot: " + slotA + ", " + slotB);
            assertNotEquals(slotA, slotB, "two running workers never share a slot");
            assertEquals(null, readerSaw.get(), "a sum read while they added went backwards");
        }
    }

    @Test
    void aStoppedWorkersSlotGoesToTheNextAndItsCountStays() throws Exception {
        StripedCounter c = new StripedCounter();
        int before = PacketWorker.slotsInUse();
        assertTrue(before + 2 <= PacketWorker.SLOTS, "no other workers hold the slots: " + before);
        for (int round = 1; round <= PacketWorker.SLOTS + 3; round++) { // more rounds than slots: they come back
            try (PacketWorkers workers = new PacketWorkers(2, new PacketPool(16, 0))) {
                assertEquals(before + 2, PacketWorker.slotsInUse(), "round " + round);
                for (PacketWorker w : workers.all()) {
                    int slot = WorkerTasks.on(w, () -> {
                        c.add(5);
                        return PacketWorker.currentSlot();
                    });
                    assertTrue(slot >= 0, "round " + round + ": the worker got a slot");
                }
            }
            assertEquals(before, PacketWorker.slotsInUse(), "round " + round + ": stopped workers gave their slots back");
            assertEquals(10L * round, c.sum(), "round " + round + ": a slot's next holder adds to what is there");
        }
        assertEquals(-1, PacketWorker.currentSlot(), "the test's thread is no worker");
    }
}
