package io.junction.bridge.worker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Runs test code on a packet worker's own thread. */
final class WorkerTasks {
    private WorkerTasks() {
    }

    /** Queues {@code task} to {@code w}; the future completes with its result (or failure) on that thread. */
    static <T> CompletableFuture<T> submit(PacketWorker w, Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        w.execute(() -> {
            try {
                f.complete(task.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** Runs {@code task} on {@code w}'s thread and waits for it (10 s at most). */
    static <T> T on(PacketWorker w, Supplier<T> task) throws Exception {
        return submit(w, task).get(10, TimeUnit.SECONDS);
    }
}
