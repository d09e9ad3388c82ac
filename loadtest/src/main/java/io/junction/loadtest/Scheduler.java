package io.junction.loadtest;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/** One daemon timer thread for every client's ICE checks. */
final class Scheduler {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-timer");
        t.setDaemon(true);
        return t;
    });

    private Scheduler() {}

    /** Runs {@code task} after {@code delayMs}, then every {@code periodMs}, until {@code done} is true. */
    static void repeat(Runnable task, long delayMs, long periodMs, BooleanSupplier done) {
        AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
        self.set(TIMER.scheduleWithFixedDelay(() -> {
            if (done.getAsBoolean()) {
                ScheduledFuture<?> f = self.get();
                if (f != null) {
                    f.cancel(false);
                }
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                // one client's failure must not stop the timer for the others
            }
        }, delayMs, periodMs, TimeUnit.MILLISECONDS));
    }
}
