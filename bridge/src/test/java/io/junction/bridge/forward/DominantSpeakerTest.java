package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Synthetic audio-level traces at 50 packets a second per endpoint, the way browsers send them; the
 * detector is polled every 100 ms as the conference tick does.
 */
class DominantSpeakerTest {
    static final long MS = 1_000_000L;
    static final int SILENCE = 127;
    static final int SPEECH = 30;
    static final int NOISE = 75;

    /** Runs {@code ms} of traffic; {@code level(endpoint index, t ms)} gives each packet's level. Returns the changes. */
    static List<String> run(DominantSpeaker d, List<String> ids, long fromMs, long ms, IntBinaryOperator level,
                            List<long[]> changeTimes) {
        List<String> changes = new ArrayList<>();
        for (long t = fromMs; t < fromMs + ms; t += 20) {
            for (int i = 0; i < ids.size(); i++) {
                d.onAudioLevel(ids.get(i), level.applyAsInt(i, (int) t), t * MS);
            }
            if (t % 100 == 0) {
                String c = d.poll(t * MS);
                if (c != null) {
                    changes.add(c);
                    changeTimes.add(new long[] {t, ids.indexOf(c)});
                }
            }
        }
        return changes;
    }

    static DominantSpeaker detector(List<String> ids) {
        DominantSpeaker d = new DominantSpeaker();
        ids.forEach(d::addEndpoint);
        return d;
    }

    private final List<String> ids = List.of("a", "b", "c");
    private final List<long[]> times = new ArrayList<>();

    @Test
    void aLoneSpeakerBecomesDominantWithinASecond() {
        DominantSpeaker d = detector(ids);
        List<String> ch = run(d, ids, 0, 3000, (i, t) -> i == 1 && t >= 1000 ? SPEECH : SILENCE, times);
        assertEquals(List.of("b"), ch);
        long after = times.get(0)[0] - 1000;
        System.out.println("lone speaker dominant after " + after + " ms");
        assertTrue(after <= 1000, "after " + after + " ms");
    }

    @Test
    void aCoughDoesNotStealTheFloorNorStartsIt() {
        DominantSpeaker d = detector(ids);
        // a speaks for 3 s, c coughs (280 ms) in the middle
        List<String> ch = run(d, ids, 0, 3000, (i, t) -> i == 0 ? SPEECH : i == 2 && t >= 1500 && t < 1780 ? 10 : SILENCE, times);
        assertEquals(List.of("a"), ch);
        // then a stops; later c coughs again (its first cough is out of the 3 s window by then): a stays.
        // (Bursts closer together do add up: short intermittent sounds are how Chromium's fake
        // microphone, and some real speech, look in 200 ms buckets.)
        ch = run(d, ids, 3000, 4000, (i, t) -> i == 2 && t >= 5000 && t < 5280 ? 10 : SILENCE, times);
        assertEquals(List.of(), ch, "a cough of a silent room does not make a speaker");
        DominantSpeaker fresh = detector(ids);
        assertEquals(List.of(), run(fresh, ids, 0, 3000, (i, t) -> i == 2 && t >= 500 && t < 780 ? 10 : SILENCE, times));
        assertNull(fresh.current());
    }

    @Test
    void whenTheSpeakerStopsAndAnotherTalksTheFloorMovesWithinOneAndAHalfSeconds() {
        DominantSpeaker d = detector(ids);
        run(d, ids, 0, 4000, (i, t) -> i == 0 ? SPEECH : SILENCE, times);
        assertEquals("a", d.current());
        times.clear();
        List<String> ch = run(d, ids, 4000, 4000, (i, t) -> i == 1 ? SPEECH : SILENCE, times);
        assertEquals(List.of("b"), ch);
        long after = times.get(0)[0] - 4000;
        System.out.println("hand-over after " + after + " ms");
        assertTrue(after <= 1500, "after " + after + " ms");
    }

    @Test
    void silenceKeepsTheLastSpeaker() {
        DominantSpeaker d = detector(ids);
        run(d, ids, 0, 3000, (i, t) -> i == 2 ? SPEECH : SILENCE, times);
        assertEquals(List.of(), run(d, ids, 3000, 10_000, (i, t) -> SILENCE, times));
        assertEquals("c", d.current());
        // no packets at all (muted clients may stop sending): still c
        assertNull(d.poll(30_000 * MS));
        assertEquals("c", d.current());
    }

    @Test
    void backgroundNoiseDoesNotCountAsSpeech() {
        DominantSpeaker d = detector(ids);
        List<String> ch = run(d, ids, 0, 5000, (i, t) -> i == 0 ? NOISE - (t / 20 % 5) : i == 1 && t >= 2000 ? SPEECH : SILENCE, times);
        assertEquals(List.of("b"), ch);
    }

    @Test
    void twoPeopleTradingShortTurnsDoNotMakeItFlap() {
        DominantSpeaker d = detector(ids);
        List<String> ch = run(d, ids, 0, 10_000, (i, t) -> i == 0 && (t / 200) % 2 == 0 || i == 1 && (t / 200) % 2 == 1
                ? SPEECH : SILENCE, times);
        System.out.println("alternating every 200 ms for 10 s: " + ch.size() + " changes " + ch);
        assertTrue(ch.size() <= 2, "changes: " + ch);
    }

    @Test
    void intermittentSpeechLikeChromiumsFakeBeepIsASpeaker() {
        // Chromium's fake microphone beeps for about 20 ms every 500 ms; muted tracks send silence
        DominantSpeaker d = detector(ids);
        List<String> ch = run(d, ids, 0, 5000, (i, t) -> i == 2 && t % 500 < 20 ? 5 : SILENCE, times);
        assertEquals(List.of("c"), ch);
        System.out.println("beeping microphone dominant after " + times.get(0)[0] + " ms");
    }

    @Test
    void aClearBargeInTakesTheFloor() {
        DominantSpeaker d = detector(ids);
        // a talks in short bursts (one 200 ms bucket in three); b then talks continuously
        run(d, ids, 0, 4000, (i, t) -> i == 0 && (t / 200) % 3 == 0 ? SPEECH : SILENCE, times);
        assertEquals("a", d.current());
        times.clear();
        List<String> ch = run(d, ids, 4000, 4000, (i, t) -> i == 0 && (t / 200) % 3 == 0 || i == 1 ? SPEECH : SILENCE, times);
        assertEquals(List.of("b"), ch);
        System.out.println("barge-in after " + (times.get(0)[0] - 4000) + " ms");
    }

    @Test
    void removalOfTheDominantSpeakerPicksAnotherSpeakerOrNobody() {
        DominantSpeaker d = detector(ids);
        run(d, ids, 0, 3000, (i, t) -> i == 0 || i == 1 && t > 1500 ? SPEECH : SILENCE, times);
        assertEquals("a", d.current());
        d.removeEndpoint("a");
        List<String> rest = List.of("b", "c");
        assertEquals(List.of("b"), run(d, rest, 3000, 500, (i, t) -> i == 0 ? SPEECH : SILENCE, times));
        d.removeEndpoint("b");
        run(d, List.of("c"), 3500, 500, (i, t) -> SILENCE, times);
        assertNull(d.current(), "nobody left speaks");
    }

    @Test
    void unknownIdsAndOutOfRangeLevelsAreHarmless() {
        DominantSpeaker d = detector(ids);
        d.onAudioLevel("nobody", 0, 0);
        d.onAudioLevel("a", -5, 0);
        d.onAudioLevel("a", 400, 20 * MS);
        run(d, ids, 40, 2000, (i, t) -> i == 0 ? -1 : 999, times);
        assertEquals("a", d.current(), "a level below 0 is as loud as 0");
    }

    @Test
    void rankingPutsTheDominantSpeakerFirstThenRecentSpeakersThenJoinOrder() {
        DominantSpeaker d = new DominantSpeaker();
        for (String id : List.of("a", "b", "c", "d")) {
            d.addEndpoint(id);
        }
        List<String> all = List.of("a", "b", "c", "d");
        run(d, all, 0, 2000, (i, t) -> i == 3 ? SPEECH : SILENCE, times);
        run(d, all, 2000, 500, (i, t) -> i == 2 ? SPEECH : SILENCE, times);
        List<String> r = new ArrayList<>();
        d.ranking(r);
        assertEquals("d", d.current());
        assertEquals(List.of("d", "c", "a", "b"), r);
        assertEquals(Map.of(), Map.of());
    }
}
