package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProjectionTest {
    /**
     * Property: across random source restarts (new SSRC, random sequence and timestamp bases), with
     * random loss, the subscriber sees strictly increasing sequence numbers with no duplicates, gaps
     * only where packets were lost, and timestamps that never go backwards across a switch.
     */
    @Test
    void continuousAcrossSourceRestartsAndLoss() {
        Random r = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            Projection p = new Projection(90_000, r.nextInt(0x10000), r.nextInt());
            long nowNs = 1_000_000_000L;
            int expectedNext = -1;
            int lastTs = 0;
            boolean first = true;
            Set<Integer> seen = new HashSet<>();
            int sent = 0;
            for (int source = 0; source < 5; source++) {
                int ssrc = r.nextInt();
                int seq = r.nextInt(0x10000);
                int ts = r.nextInt();
                int packets = 50 + r.nextInt(500);
                for (int i = 0; i < packets; i++) {
                    nowNs += 20_000_000L;
                    ts += 1800;
                    seq = (seq + 1) & 0xFFFF;
                    if (r.nextInt(100) < 5) {
                        continue; // lost before the bridge: the subscriber sees a gap it may NACK
                    }
                    boolean newSource = p.isNewSource(ssrc);
                    int outSeq = p.rewriteSeq(ssrc, seq, nowNs);
                    int outTs = p.rewriteTs(ts, newSource, nowNs);
                    if (expectedNext >= 0 && newSource) {
                        assertEquals(expectedNext, outSeq, "a new source continues right after the last number sent");
                    }
                    if (expectedNext >= 0 && !newSource) {
                        int gap = (outSeq - expectedNext) & 0xFFFF;
                        assertTrue(gap < 10, "gaps only from loss, got " + gap);
                    }
                    if (!first) {
                        assertTrue(outTs - lastTs > 0, "timestamps move forward");
                    }
                    assertTrue(seen.add(outSeq) || sent > 60000, "no duplicate sequence numbers");
                    expectedNext = (outSeq + 1) & 0xFFFF;
                    lastTs = outTs;
                    first = false;
                    sent++;
                }
            }
        }
    }

    @Test
    void reorderedPacketsKeepTheirOrder() {
        Projection p = new Projection(48_000, 100, 0);
        int a = p.rewriteSeq(7, 65534, 0);
        int c = p.rewriteSeq(7, 0, 0);
        int b = p.rewriteSeq(7, 65535, 0);
        assertEquals(100, a);
        assertEquals(101, b);
        assertEquals(102, c);
        assertEquals(102, p.highestOutSeq());
    }

    @Test
    void ssrcTableAndIntMap() {
        SsrcTable<String> t = SsrcTable.<String>empty().with(5, "a").with(-3, "b").with(9, "c");
        assertEquals("b", t.get(-3));
        assertEquals(3, t.size());
        SsrcTable<String> u = t.without(5);
        assertNull(u.get(5));
        assertEquals("a", t.get(5), "tables are immutable");
        IntObjectMap<String> m = new IntObjectMap<>();
        Random r = new Random(1);
        int[] keys = r.ints(1000).toArray();
        for (int k : keys) {
            m.put(k, "v" + k);
        }
        for (int k : keys) {
            assertEquals("v" + k, m.get(k));
        }
        assertNull(m.get(123456789));
    }
}
