package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Synthetic level traces at 50 packets per second per endpoint, with arrival jitter, and a poll every
 * 10 ms (the detector decides every 200 ms). Switch times are printed for the reports.
 */
class DominantSpeakerTest {
    private static final long MS = 1_000_000L;
    /** Base of the fake clock: System.nanoTime() may be negative, so the detector must not care. */
    private static final long T0 = -5_000_000_000L;
    private static final int NO_PACKET = -1;
    private static final int SILENCE = 127;

    /** Level of an endpoint's packet at {@code tMs}, or {@link #NO_PACKET}. */
    private interface Trace {
        int level(long tMs, Random rnd);
    }

    /** A switch of dominant speaker reported by poll. */
    private record Switch(long tMs, String id) {
        @Override
        public String toString() {
            return tMs + " ms -> " + id;
        }
    }

    /** Runs traces through a detector; endpoints are added in the order they are registered. */
    private static final class Sim {
        final DominantSpeaker ds = new DominantSpeaker();
        final Map<String, Trace> traces = new LinkedHashMap<>();
        final List<Switch> switches = new ArrayList<>();
        final Random rnd = new Random(42);
        long nowMs;

        Sim endpoint(String id, Trace trace) {
            traces.put(id, trace);
            ds.addEndpoint(id);
            return this;
        }

        /** Runs until {@code untilMs}: each endpoint sends every 20 ms (own phase, 0–12 ms jitter). */
        Sim runUntil(long untilMs) {
            record Event(long atUs, String id, int level) {}
            List<Event> events = new ArrayList<>();
            int phase = 0;
            for (Map.Entry<String, Trace> e : traces.entrySet()) {
                phase += 7;
                long first = nowMs + Math.floorMod(phase - nowMs, 20);
                for (long t = first; t < untilMs; t += 20) {
                    int level = e.getValue().level(t, rnd);
                    if (level != NO_PACKET) {
                        events.add(new Event(t * 1000 + rnd.nextInt(12_000), e.getKey(), level));
                    }
                }
            }
            events.sort((a, b) -> Long.compare(a.atUs, b.atUs));
            int next = 0;
            for (long t = nowMs; t < untilMs; t += 10) {
                while (next < events.size() && events.get(next).atUs < (t + 10) * 1000) {
                    Event ev = events.get(next++);
                    ds.onAudioLevel(ev.id, ev.level, T0 + ev.atUs * 1000);
                }
                String changed = ds.poll(T0 + (t + 10) * MS);
                if (changed != null) {
                    switches.add(new Switch(t + 10, changed));
                }
            }
            nowMs = untilMs;
            return this;
        }

        void print(String scenario) {
            System.out.println("DominantSpeaker " + scenario + ": " + switches);
        }

        String current() {
            return ds.current();
        }
    }

    /** Talking: 20–40 dBov with 12 % quieter packets (gaps between syllables). */
    private static int talk(Random rnd) {
        return rnd.nextInt(100) < 12 ? 60 + rnd.nextInt(50) : 20 + rnd.nextInt(21);
    }

    private static Trace talkingDuring(long fromMs, long toMs) {
        return (t, rnd) -> t >= fromMs && t < toMs ? talk(rnd) : SILENCE;
    }

    private static Trace silent() {
        return (t, rnd) -> SILENCE;
    }

    @Test
    void aLoneTalkerBecomesDominantWithinOneSecond() {
        Sim sim = new Sim()
                .endpoint("a", silent())
                .endpoint("b", talkingDuring(2_000, 6_000))
                .endpoint("c", silent())
                .runUntil(6_000);
        sim.print("lone talker from 2000 ms");
        assertEquals(1, sim.switches.size(), sim.switches.toString());
        Switch s = sim.switches.get(0);
        assertEquals("b", s.id);
        assertTrue(s.tMs - 2_000 <= 1_000, "took " + (s.tMs - 2_000) + " ms");
        assertEquals(List.of("b", "a", "c"), sim.ds.ranking());
    }

    @Test
    void coughsAndInterjectionsDoNotStealDominance() {
        Sim sim = new Sim()
                // a talks for 10 s with a 400 ms pause at 5.0 s
                .endpoint("a", (t, rnd) -> t < 10_000 && (t < 5_000 || t >= 5_400) ? talk(rnd) : SILENCE)
                // b coughs (280 ms, loud) at 3 s and again inside a's pause
                .endpoint("b", (t, rnd) -> (t >= 3_000 && t < 3_280) || (t >= 5_050 && t < 5_330)
                        ? 8 + rnd.nextInt(10) : SILENCE)
                // c says "yes, right" (600 ms, louder than a) at 7 s while a goes on
                .endpoint("c", (t, rnd) -> t >= 7_000 && t < 7_600 ? 10 + rnd.nextInt(8) : SILENCE)
                .runUntil(12_000);
        sim.print("a talks, b coughs twice, c interjects");
        assertEquals(List.of("a"), sim.switches.stream().map(Switch::id).toList(), sim.switches.toString());
        assertEquals("a", sim.current());
    }

    @Test
    void dominanceMovesWhenTheDominantStopsAndAnotherTalks() {
        Sim sim = new Sim()
                .endpoint("a", talkingDuring(0, 4_000))
                .endpoint("b", talkingDuring(4_000, 9_000))
                .runUntil(9_000);
        sim.print("a talks 0-4000 ms, b from 4000 ms");
        assertEquals(List.of("a", "b"), sim.switches.stream().map(Switch::id).toList(), sim.switches.toString());
        long delayMs = sim.switches.get(1).tMs - 4_000;
        assertTrue(delayMs <= 1_500, "took " + delayMs + " ms");
        assertTrue(delayMs >= 300, "switched after only " + delayMs + " ms: no hysteresis");
    }

    @Test
    void dominanceMovesFasterWhenBothWereTalking() {
        Sim sim = new Sim()
                .endpoint("a", talkingDuring(0, 5_000))
                .endpoint("b", talkingDuring(1_000, 9_000))
                .runUntil(9_000);
        sim.print("a talks 0-5000 ms, b talks over from 1000 ms");
        assertEquals(List.of("a", "b"), sim.switches.stream().map(Switch::id).toList(), sim.switches.toString());
        long delayMs = sim.switches.get(1).tMs - 5_000;
        assertTrue(delayMs <= 1_000, "took " + delayMs + " ms");
    }

    /**
     * Opus DTX (what the bridge asks browsers for): in silence one packet every 400 ms (comfort noise,
     * level 127) instead of every 20 ms; talking, a packet every 20 ms.
     */
    private static Trace talkingWithDtx(long fromMs, long toMs) {
        return (t, rnd) -> t >= fromMs && t < toMs ? talk(rnd) : (t % 400 < 20 ? SILENCE : NO_PACKET);
    }

    @Test
    void dtxSilenceCountsAsSilence() {
        Sim sim = new Sim()
                .endpoint("a", talkingWithDtx(0, 4_000))
                .endpoint("b", talkingWithDtx(4_000, 9_000))
                .endpoint("c", talkingWithDtx(-1, -1))
                .runUntil(9_000);
        sim.print("DTX: a talks 0-4000 ms, b from 4000 ms, c silent throughout");
        assertEquals(List.of("a", "b"), sim.switches.stream().map(Switch::id).toList(), sim.switches.toString());
        long delayMs = sim.switches.get(1).tMs - 4_000;
        assertTrue(delayMs <= 1_500 && delayMs >= 300, "took " + delayMs + " ms, as without DTX");
    }

    @Test
    void silenceKeepsTheLastDominantSpeaker() {
        Sim sim = new Sim()
                .endpoint("a", silent()) // muted: level 127
                .endpoint("b", talkingDuring(1_000, 3_000))
                .endpoint("c", (t, rnd) -> NO_PACKET) // sends nothing at all
                .endpoint("d", (t, rnd) -> rnd.nextInt(100) < 50 ? SILENCE : NO_PACKET) // muted, lossy
                .runUntil(20_000);
        sim.print("b talks 1000-3000 ms, then 17 s of silence");
        assertEquals(List.of("b"), sim.switches.stream().map(Switch::id).toList(), sim.switches.toString());
        assertEquals("b", sim.current());
        assertEquals(List.of("b", "a", "c", "d"), sim.ds.ranking());
    }

    @Test
    void quietBackgroundNoiseIsNotSpeech() {
        Sim sim = new Sim()
                .endpoint("noisy", (t, rnd) -> 70 + rnd.nextInt(11))
                .endpoint("talker", talkingDuring(3_000, 8_000))
                .runUntil(3_000);
        assertEquals(List.of(), sim.switches, "70-80 dBov noise alone never becomes dominant");
        assertNull(sim.current());
        sim.runUntil(15_000);
        sim.print("noise at 70-80 dBov throughout, talker 3000-8000 ms");
        assertEquals(List.of("talker"), sim.switches.stream().map(Switch::id).toList(), sim.switches.toString());
        assertTrue(sim.switches.get(0).tMs - 3_000 <= 1_000);
        assertEquals(List.of("talker", "noisy"), sim.ds.ranking());
    }

    @Test
    void steadyLouderNoiseStopsCountingOnceTheFloorAdapts() {
        Sim sim = new Sim()
                .endpoint("fan", (t, rnd) -> 50 + rnd.nextInt(4))
                .endpoint("talker", (t, rnd) -> t >= 6_000 && t < 9_000 ? talk(rnd) : SILENCE)
                .runUntil(20_000);
        sim.print("steady noise at 50-53 dBov throughout, talker 6000-9000 ms");
        // Before its floor adapts the fan may take the empty seat, but never after the talker.
        assertEquals("talker", sim.current());
        Switch toTalker = sim.switches.stream().filter(s -> s.id.equals("talker")).findFirst().orElseThrow();
        assertTrue(toTalker.tMs - 6_000 <= 1_000, "took " + (toTalker.tMs - 6_000) + " ms");
        assertEquals(toTalker, sim.switches.get(sim.switches.size() - 1), sim.switches.toString());
    }

    @Test
    void twoPeopleAlternatingEvery200MsDoNotFlap() {
        Sim sim = new Sim()
                .endpoint("a", (t, rnd) -> (t / 200) % 2 == 0 ? talk(rnd) : SILENCE)
                .endpoint("b", (t, rnd) -> (t / 200) % 2 == 1 ? talk(rnd) : SILENCE)
                .runUntil(10_000);
        sim.print("a and b alternate every 200 ms for 10 s");
        assertTrue(sim.switches.size() <= 3, sim.switches.toString());
    }

    @Test
    void turnsOfASecondAndAHalfAreFollowed() {
        Sim sim = new Sim()
                .endpoint("a", (t, rnd) -> (t / 1_500) % 2 == 0 ? talk(rnd) : SILENCE)
                .endpoint("b", (t, rnd) -> (t / 1_500) % 2 == 1 ? talk(rnd) : SILENCE)
                .runUntil(12_000);
        sim.print("a and b alternate every 1500 ms for 12 s");
        assertTrue(sim.switches.size() >= 5, "should follow real turns: " + sim.switches);
        assertTrue(sim.switches.size() <= 8, sim.switches.toString());
    }

    @Test
    void chromiumFakeMicrophoneBeepsCountAgainstMutedEndpoints() {
        // Chromium's fake audio device: a 20 ms beep every 500 ms; muted endpoints send level 127.
        Sim sim = new Sim()
                .endpoint("beeper", (t, rnd) -> t < 5_000 && t % 500 < 20 ? 3 : SILENCE)
                .endpoint("muted", silent())
                .endpoint("later", (t, rnd) -> t >= 5_000 && t % 500 < 20 ? 3 : SILENCE)
                .runUntil(10_000);
        sim.print("beeper beeps until 5000 ms, then later beeps");
        assertEquals(List.of("beeper", "later"), sim.switches.stream().map(Switch::id).toList(),
                sim.switches.toString());
        assertTrue(sim.switches.get(0).tMs <= 1_000);
        assertTrue(sim.switches.get(1).tMs - 5_000 <= 2_500, sim.switches.toString());
    }

    @Test
    void removingTheDominantSpeakerPicksAnotherSpeakerOrNobody() {
        Sim sim = new Sim()
                .endpoint("a", talkingDuring(0, 10_000))
                .endpoint("b", talkingDuring(500, 10_000))
                .endpoint("c", silent())
                .runUntil(3_100); // between two decisions (every 200 ms from 10 ms)
        assertEquals("a", sim.current());
        sim.ds.removeEndpoint("a");
        sim.traces.remove("a");
        sim.runUntil(3_120);
        sim.print("a and b talk, a leaves at 3100 ms");
        assertEquals(new Switch(3_110, "b"), sim.switches.get(sim.switches.size() - 1), "decided at once");
        assertEquals(List.of("b", "c"), sim.ds.ranking());

        sim.traces.put("b", silent());
        sim.runUntil(6_000);
        sim.ds.removeEndpoint("b");
        sim.traces.remove("b");
        int before = sim.switches.size();
        sim.runUntil(8_000);
        assertNull(sim.current(), "nobody speaks: no dominant speaker");
        assertEquals(before, sim.switches.size());
        assertEquals(List.of("c"), sim.ds.ranking());

        sim.endpoint("d", talkingDuring(8_500, 10_000)).runUntil(10_000);
        sim.print("then b leaves at 6000 ms, d joins and talks at 8500 ms");
        assertEquals("d", sim.switches.get(sim.switches.size() - 1).id);
    }

    @Test
    void unknownEndpointsAreIgnoredAndKnownOnesCanLeaveAndComeBack() {
        DominantSpeaker ds = new DominantSpeaker();
        ds.addEndpoint("a");
        ds.addEndpoint("a");
        ds.removeEndpoint("nobody");
        for (int i = 0; i < 150; i++) {
            ds.onAudioLevel("ghost", 20, i * 20 * MS);
            ds.onAudioLevel("a", SILENCE, i * 20 * MS);
            assertNull(ds.poll(i * 20 * MS));
        }
        assertNull(ds.current());
        assertEquals(List.of("a"), ds.ranking());
        ds.removeEndpoint("a");
        ds.addEndpoint("a");
        ds.addEndpoint("b");
        for (int i = 150; i < 250; i++) {
            ds.onAudioLevel("a", 30, i * 20 * MS);
            ds.poll(i * 20 * MS);
        }
        assertEquals("a", ds.current());
        assertEquals(List.of("a", "b"), ds.ranking());
    }

    @Test
    void outOfRangeLevelsAreClamped() {
        DominantSpeaker ds = new DominantSpeaker();
        for (String id : List.of("tooLoud", "loudest", "tooQuiet", "silent")) {
            ds.addEndpoint(id);
        }
        long now = 0;
        for (int i = 0; i < 100; i++) {
            now = i * 20 * MS;
            ds.onAudioLevel("tooLoud", i % 2 == 0 ? -1_000 : Integer.MIN_VALUE, now);
            ds.onAudioLevel("loudest", 0, now);
            ds.onAudioLevel("tooQuiet", i % 2 == 0 ? 128 : Integer.MAX_VALUE, now);
            ds.onAudioLevel("silent", SILENCE, now);
        }
        assertEquals("tooLoud", ds.poll(now + MS), "negative levels are the loudest; first in join order wins a tie");
        assertArrayEquals(new int[] {10 * 7, 25, 75, 60}, ds.scores("loudest"), "10 packets in band 7 in 200 ms");
        assertArrayEquals(ds.scores("loudest"), ds.scores("tooLoud"), "below 0 counts as 0");
        assertArrayEquals(new int[] {0, 0, 0, 60}, ds.scores("silent"));
        assertArrayEquals(ds.scores("silent"), ds.scores("tooQuiet"), "above 127 counts as 127");
        assertNull(ds.scores("ghost"));
    }

    @Test
    void rankingPutsTheDominantFirstThenRecentSpeakersThenJoinOrder() {
        Sim sim = new Sim()
                .endpoint("a", silent())
                .endpoint("b", talkingDuring(3_000, 6_000))
                .endpoint("c", talkingDuring(0, 3_000))
                .endpoint("d", talkingDuring(6_200, 6_600)) // a short remark while b is silent
                .endpoint("e", silent())
                .runUntil(6_000);
        assertEquals(List.of("b", "c", "a", "d", "e"), sim.ds.ranking());
        sim.runUntil(8_000);
        sim.print("c, then b; d remarks at 6200 ms");
        assertEquals("b", sim.current(), "a 400 ms remark does not take the seat " + sim.switches);
        assertEquals(List.of("b", "d", "c", "a", "e"), sim.ds.ranking());
    }

    @Test
    void endpointsCanBeAddedFromAnotherThread() throws InterruptedException {
        DominantSpeaker ds = new DominantSpeaker();
        Thread control = new Thread(() -> {
            ds.addEndpoint("x");
            ds.addEndpoint("y");
        });
        control.start();
        control.join();
        String changed = null;
        for (int i = 0; i < 50 && changed == null; i++) {
            ds.onAudioLevel("y", 25, i * 20 * MS);
            changed = ds.poll(i * 20 * MS);
        }
        assertEquals("y", changed);
        assertEquals("y", ds.current());
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class,
                () -> new DominantSpeaker.Settings(200, 600, 10, 500, 100, 1500, 200, 60));
        assertThrows(IllegalArgumentException.class,
                () -> new DominantSpeaker.Settings(200, 200, 0, 500, 100, 1500, 200, 60));
        assertThrows(IllegalArgumentException.class,
                () -> new DominantSpeaker.Settings(200, 200, 10, 500, 100, 1500, 200, 30));
    }

    @Test
    void steadyStateAllocatesNothing() {
        DominantSpeaker ds = new DominantSpeaker();
        String[] ids = {"a", "b", "c", "d", "e", "f"};
        for (String id : ids) {
            ds.addEndpoint(id);
        }
        List<String> out = new ArrayList<>(16);
        Random rnd = new Random(1);
        int[] levels = new int[4096];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = talk(rnd);
        }
        run(ds, ids, levels, out, 0, 20_000);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        run(ds, ids, levels, out, 20_000, 120_000);
        long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes over 600k packets");
    }

    private static void run(DominantSpeaker ds, String[] ids, int[] levels, List<String> out, int from, int to) {
        for (int i = from; i < to; i++) {
            long now = i * 20 * MS;
            int speaker = (i / 400) % ids.length; // a new talker every 8 s
            for (int k = 0; k < ids.length; k++) {
                ds.onAudioLevel(ids[k], k == speaker ? levels[(i + k) & 4095] : SILENCE, now + k * MS);
            }
            ds.poll(now + 10 * MS);
            if (i % 50 == 0) {
                ds.ranking(out);
            }
        }
    }
}
