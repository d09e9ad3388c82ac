package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllocatorTest {
    private static final long S = 1_000_000_000L;

    /** A Chromium-like simulcast source: 180p/360p/720p, three temporal layers each. */
    static Allocator.Source source(String id) {
        Allocator.Source s = new Allocator.Source(id, 3);
        long[] top = {150_000, 500_000, 1_700_000};
        int[] heights = {180, 360, 720};
        for (int e = 0; e < 3; e++) {
            s.active[e] = true;
            s.height[e] = heights[e];
            s.temporalLayers[e] = 3;
            s.bps[e][0] = top[e] * 50 / 100;
            s.bps[e][1] = top[e] * 75 / 100;
            s.bps[e][2] = top[e];
            s.bps[e][3] = top[e];
        }
        return s;
    }

    private static String layers(List<Allocator.Source> sources) {
        StringBuilder b = new StringBuilder();
        for (Allocator.Source s : sources) {
            b.append(s.endpointId).append('=').append(s.encoding).append('/').append(s.temporal).append(' ');
        }
        return b.toString().trim();
    }

    /** The forwarding tick runs this ten times a second for every receiver: with its order list kept, it allocates nothing. */
    @Test
    void allocatesNothingWithAKeptOrderList() {
        List<Allocator.Source> src = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            src.add(source("p" + i));
        }
        List<Allocator.Source> order = new java.util.ArrayList<>();
        Allocator.Constraints c = new Allocator.Constraints(360, 9, List.of("p3"));
        List<String> ranking = List.of("p5", "p1", "p7");
        long[] budgets = {300_000, 2_000_000, 9_000_000, 600_000};
        for (int i = 0; i < 20_000; i++) { // compiled, as in a running bridge
            Allocator.allocate(src, order, c, -1, ranking, budgets[i & 3], i * 100_000_000L);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 10_000; i++) {
            Allocator.allocate(src, order, c, -1, ranking, budgets[i & 3], (20_000 + i) * 100_000_000L);
        }
        long bytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertEquals("p3", order.get(0).endpointId, "the on-stage source comes first");
        org.junit.jupiter.api.Assertions.assertTrue(bytes < 10_000, "allocated " + bytes + " bytes in 10 000 allocations");
    }

    @Test
    void unlimitedBudgetGivesEveryoneTheTopLayer() {
        List<Allocator.Source> src = List.of(source("a"), source("b"));
        long wanted = Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), Long.MAX_VALUE / 4, 0);
        assertEquals("a=2/2 b=2/2", layers(src));
        assertEquals(3_400_000, wanted);
    }

    @Test
    void maxHeightCapsTheLayer() {
        List<Allocator.Source> src = List.of(source("a"), source("b"));
        Allocator.allocate(src, new Allocator.Constraints(180, -1, List.of()), -1, List.of(), Long.MAX_VALUE / 4, 0);
        assertEquals("a=0/2 b=0/2", layers(src));
        Allocator.allocate(src, new Allocator.Constraints(360, -1, List.of()), -1, List.of(), Long.MAX_VALUE / 4, 10 * S);
        assertEquals("a=1/2 b=1/2", layers(src));
        Allocator.allocate(src, new Allocator.Constraints(100, -1, List.of()), -1, List.of(), Long.MAX_VALUE / 4, 20 * S);
        assertEquals("a=0/2 b=0/2", layers(src), "nothing that small: the lowest layer rather than nothing");
    }

    @Test
    void budgetIsSpentByPriorityDominantSpeakerFirst() {
        List<Allocator.Source> src = List.of(source("a"), source("b"), source("c"));
        // 2.2 Mbit/s: everyone's lowest rung (3 x 75k), then b (the speaker) climbs to 720p full (1.7M, +1.625M),
        // then a and c share what is left (~350k)
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of("b"), 2_200_000, 0);
        assertEquals(2, src.get(1).encoding, layers(src));
        assertEquals(2, src.get(1).temporal, layers(src));
        assertEquals(0, src.get(1).priority);
        long total = 0;
        for (Allocator.Source s : src) {
            total += s.rate(s.encoding, s.temporal);
            assertEquals(true, s.encoding >= 0, "everyone gets video: " + layers(src));
        }
        assertEquals(true, total <= 2_200_000, "within the budget: " + total);
        assertEquals(true, src.get(0).rate(src.get(0).encoding, src.get(0).temporal) >= 150_000, layers(src));
    }

    @Test
    void tinyBudgetStillGivesTheHighestPriorityTheLowestLayer() {
        List<Allocator.Source> src = List.of(source("a"), source("b"));
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of("b"), 100_000, 0);
        assertEquals("a=-1/-1 b=0/0", layers(src));
    }

    /** A single-layer source (a WHIP encoder, a publisher without simulcast): one rung, all or nothing. */
    private static Allocator.Source singleLayer(String id, long bps) {
        Allocator.Source s = new Allocator.Source(id, 1);
        s.active[0] = true;
        s.height[0] = 480;
        s.temporalLayers[0] = 1;
        java.util.Arrays.fill(s.bps[0], bps);
        return s;
    }

    @Test
    void aStreamWithoutLowerLayersSurvivesOneEstimateDecreaseButNotALastingShortfall() {
        List<Allocator.Source> src = List.of(singleLayer("a", 1_000_000), singleLayer("b", 1_000_000));
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 2_100_000, 0);
        assertEquals("a=0/0 b=0/0", layers(src));
        // one overuse: the estimate falls to 0.85 x what was acknowledged (2 Mbit/s): b is 300k short, kept
        for (long t = S; t < 5 * S; t += S / 10) {
            Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 1_700_000, t);
            assertEquals("a=0/0 b=0/0", layers(src), "at " + t / 1e9 + " s");
        }
        // the estimate climbs back: the shortfall is over, and a new one gets the whole grace again
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 2_000_000, 5 * S);
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 1_700_000, 6 * S);
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 1_700_000, 10 * S);
        assertEquals("a=0/0 b=0/0", layers(src), "a new shortfall, 4 s old");
        // a shortfall that lasts is congestion: b goes
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 1_700_000, 11 * S);
        assertEquals("a=0/0 b=-1/-1", layers(src), "after " + Allocator.KEEP_NS / 1e9 + " s short");
        // and does not come back on a budget short of it
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 1_800_000, 12 * S);
        assertEquals("a=0/0 b=-1/-1", layers(src));
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 2_000_000, 13 * S);
        assertEquals("a=0/0 b=0/0", layers(src));
        // a shortfall beyond the allowance (a quarter of the budget) cuts at once
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 1_500_000, 14 * S);
        assertEquals("a=0/0 b=-1/-1", layers(src), "500k short of 1.5M");
        // the allowance is shared: of three streams kept, the third does not fit in it as well
        List<Allocator.Source> three = List.of(singleLayer("a", 1_000_000), singleLayer("b", 1_000_000), singleLayer("c", 1_000_000));
        Allocator.allocate(three, Allocator.Constraints.NONE, -1, List.of(), 3_000_000, 0);
        Allocator.allocate(three, Allocator.Constraints.NONE, -1, List.of(), 2_000_000, S);
        assertEquals("a=0/0 b=0/0 c=-1/-1", layers(three), "1M short of 2M: the allowance (500k) keeps none of c");
        Allocator.allocate(three, Allocator.Constraints.NONE, -1, List.of(), 2_500_000, 2 * S);
        assertEquals("a=0/0 b=0/0 c=-1/-1", layers(three), "c was not being forwarded: no allowance for it");
    }

    @Test
    void lastNForwardsOnlyTheMostRelevant() {
        List<Allocator.Source> src = List.of(source("a"), source("b"), source("c"));
        Allocator.allocate(src, new Allocator.Constraints(-1, 1, List.of()), -1, List.of("c", "a"), Long.MAX_VALUE / 4, 0);
        assertEquals("a=-1/-1 b=-1/-1 c=2/2", layers(src));
        Allocator.allocate(src, Allocator.Constraints.NONE, 2, List.of("c", "a"), Long.MAX_VALUE / 4, 0);
        assertEquals("a=2/2 b=-1/-1 c=2/2", layers(src), "the bridge's default last-N");
        Allocator.allocate(src, new Allocator.Constraints(-1, 0, List.of()), 2, List.of(), Long.MAX_VALUE / 4, 0);
        assertEquals("a=-1/-1 b=-1/-1 c=-1/-1", layers(src), "lastN 0: audio only");
    }

    @Test
    void onStageComesFirstAndTheOthersAreThumbnails() {
        List<Allocator.Source> src = List.of(source("a"), source("b"), source("c"));
        Allocator.allocate(src, new Allocator.Constraints(-1, 2, List.of("a")), -1, List.of("c", "b"), Long.MAX_VALUE / 4, 0);
        assertEquals("a=2/2 b=-1/-1 c=0/2", layers(src), "a on stage at 720p; c (speaker) as a thumbnail; b beyond lastN");
    }

    @Test
    void inactiveLayersAreNotChosen() {
        Allocator.Source a = source("a");
        a.active[2] = false;
        List<Allocator.Source> src = List.of(a);
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), Long.MAX_VALUE / 4, 0);
        assertEquals("a=1/2", layers(src));
    }

    @Test
    void hysteresisKeepsTheLayerWhenTheBudgetHoversAndHoldsAfterADowngrade() {
        Allocator.Source a = source("a");
        List<Allocator.Source> src = List.of(a);
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 600_000, 0);
        assertEquals("a=1/2", layers(src));
        // just under 360p full: it goes down at once
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 490_000, S);
        assertEquals("a=1/1", layers(src));
        // back to 510k (enough for 500k but not 1.15 x 500k) within the hold: stays down
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 510_000, 2 * S);
        assertEquals("a=1/1", layers(src));
        // after the hold, 510k still is not 1.15 x 500k: stays
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 510_000, 5 * S);
        assertEquals("a=1/1", layers(src));
        // a real margin: up
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 600_000, 6 * S);
        assertEquals("a=1/2", layers(src));
    }

    @Test
    void aboveTheLowestLayerFrameRateComesBeforeResolution() {
        Allocator.Source a = source("a");
        List<Allocator.Source> src = List.of(a);
        // 850k (minus nothing) pays for 720p at 7.5 fps (850k) but the ladder has no such rung: 360p at 30 fps
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 860_000, 0);
        assertEquals("a=1/2", layers(src));
        // on the lowest layer every frame rate is a rung
        Allocator.allocate(src, Allocator.Constraints.NONE, -1, List.of(), 80_000, 10 * S);
        assertEquals("a=0/0", layers(src));
    }

    /** A screen share comes before everyone (on stage and speakers too) and is never held to thumbnail size. */
    @Test
    void screenSharesComeFirstAndAreNeverThumbnails() {
        Allocator.Source screen = source("a");
        screen.screen = true;
        List<Allocator.Source> src = List.of(source("a"), source("b"), screen);
        // b on stage: the others are thumbnails, but not a's screen
        Allocator.allocate(src, new Allocator.Constraints(-1, -1, List.of("b")), -1, List.of("a"), Long.MAX_VALUE / 4, 0);
        assertEquals(0, screen.priority, "the screen first");
        assertEquals(1, src.get(1).priority, "then who is on stage");
        assertEquals("a=0/2 b=2/2 a=2/2", layers(src));
        // last-N 1: only the screen gets video
        Allocator.allocate(src, new Allocator.Constraints(-1, 1, List.of()), -1, List.of("b"), Long.MAX_VALUE / 4, 10 * S);
        assertEquals("a=-1/-1 b=-1/-1 a=2/2", layers(src));
    }
}
