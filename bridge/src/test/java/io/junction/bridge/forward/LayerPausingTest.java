package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which simulcast layers a publisher is told to encode, from its subscribers' ideal layers. */
class LayerPausingTest {
    static final long S = 1_000_000_000L;
    static final long HOLD = 5 * S;

    private static Subscription subscribe(SourceTrack t) {
        Subscription s = new Subscription(t, "sub", 1, 2, "2", 0, 0, null);
        t.addSubscription(s);
        return s;
    }

    @Test
    void layersNobodyWouldTakeArePausedAfterTheHoldAndResumedAtOnce() {
        SourceTrack t = new SourceTrack("pub", MediaKind.VIDEO, "pub-video", List.of("q", "h", "f"), 0, 0, null);
        assertNull(t.updateActiveLayers(0, HOLD), "nobody yet, but the hold has not passed: all stay on");
        Subscription a = subscribe(t);
        Subscription b = subscribe(t);
        a.idealEncoding = 0; // a thumbnail (maxHeight 180)
        b.idealEncoding = 1; // 360p
        assertNull(t.updateActiveLayers(S, HOLD));
        assertNull(t.updateActiveLayers(4 * S, HOLD), "f unneeded for only 4 s");
        assertArrayEquals(new boolean[] {true, true, false}, t.updateActiveLayers(5 * S, HOLD), "f paused after 5 s");
        assertNull(t.updateActiveLayers(6 * S, HOLD), "no news, no message");
        b.idealEncoding = 0;
        assertNull(t.updateActiveLayers(7 * S, HOLD));
        assertArrayEquals(new boolean[] {true, false, false}, t.updateActiveLayers(12 * S, HOLD), "h paused too");
        a.idealEncoding = 2;
        assertArrayEquals(new boolean[] {true, true, true}, t.updateActiveLayers(12 * S + 1, HOLD),
                "someone would take 720p: everything up to it resumes at once");
        a.markRemoved();
        b.markRemoved();
        assertArrayEquals(new boolean[] {true, false, false}, t.updateActiveLayers(18 * S, HOLD),
                "nobody watching: only the lowest layer");
    }

    @Test
    void aNewSubscriberCountsAsWantingEverythingUntilItsFirstAllocation() {
        SourceTrack t = new SourceTrack("pub", MediaKind.VIDEO, "pub-video", List.of("q", "h", "f"), 0, 0, null);
        t.updateActiveLayers(0, HOLD);
        assertArrayEquals(new boolean[] {true, false, false}, t.updateActiveLayers(6 * S, HOLD));
        subscribe(t);
        assertArrayEquals(new boolean[] {true, true, true}, t.updateActiveLayers(6 * S + 1, HOLD));
    }

    /** The forwarding tick asks every 100 ms; when nothing changes, asking allocates nothing. */
    @Test
    void askingWithoutChangeAllocatesNothing() {
        SourceTrack t = new SourceTrack("pub", MediaKind.VIDEO, "pub-video", List.of("q", "h", "f"), 0, 0, null);
        subscribe(t).idealEncoding = 2;
        t.updateActiveLayers(0, HOLD);
        for (int i = 1; i <= 20_000; i++) { // warm
            assertNull(t.updateActiveLayers(i * 1000L, HOLD));
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 1; i <= 100_000; i++) {
            t.updateActiveLayers(S + i * 1000L, HOLD);
        }
        long bytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(bytes < 1024, bytes + " bytes allocated by 100 000 updates without change");
    }

    @Test
    void withoutSimulcastThereIsNothingToPause() {
        SourceTrack t = new SourceTrack("pub", MediaKind.VIDEO, "pub-video", 5, 6, null);
        assertNull(t.updateActiveLayers(0, HOLD));
        assertNull(t.updateActiveLayers(60 * S, HOLD));
    }
}
