package io.junction.bridge.forward;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds the conference's dominant speaker from the audio level every browser puts on its audio
 * packets (RFC 6464: 0 = loudest, 127 = silence, in -dBov).
 *
 * <p>Speech activity is measured, per endpoint, in 200 ms buckets: a bucket is voiced when at least
 * one packet in it was louder than {@link #VOICE_LEVEL}. Two scores come from the last buckets:
 * <em>recent</em> (voiced buckets in the last second) and <em>sustained</em> (voiced buckets in the
 * last three seconds). Counting buckets rather than packets makes a short burst count little however
 * loud it is, and intermittent speech count a lot however quiet its gaps.
 * <ul>
 *   <li>Nobody dominant yet: the endpoint with the most sustained activity, once it has at least
 *       {@link #MIN_SUSTAINED} voiced buckets (0.8 s of speech within 3 s: a cough is not enough).</li>
 *   <li>Take-over: the dominant speaker has been silent for a whole second and someone else has
 *       sustained activity and spoke within that second.</li>
 *   <li>Barge-in: someone's sustained activity exceeds the dominant speaker's by
 *       {@link #BARGE_IN_MARGIN} buckets (they clearly talk more now).</li>
 *   <li>Hold: no change within {@link #HOLD_NS} of the last one, so two people trading short turns do
 *       not make the choice flap. Silence of everyone keeps the last speaker.</li>
 * </ul>
 * This is simpler than the three-time-scale score comparison of Volfin and Cohen that Jitsi
 * Videobridge uses, with the same intent: long enough speech wins, noise and interjections do not.
 *
 * <p>Threading: {@link #onAudioLevel} and {@link #poll} run on the conference's packet worker and own
 * the per-endpoint state; {@link #addEndpoint}/{@link #removeEndpoint} may come from any thread
 * (a concurrent map; the worker only reads it). No allocation per packet.
 */
public final class DominantSpeaker {
    /** Levels at or below this (-dBov) count as voice; quieter is silence or background noise. */
    public static final int VOICE_LEVEL = 55;
    static final long BUCKET_NS = 200_000_000L;
    static final int BUCKETS = 15; // 3 s
    static final int RECENT_BUCKETS = 5; // 1 s
    public static final int MIN_SUSTAINED = 4;
    public static final int BARGE_IN_MARGIN = 4;
    public static final long HOLD_NS = 1_000_000_000L;
    /** How often {@link #poll} re-evaluates. */
    public static final long EVALUATION_INTERVAL_NS = 100_000_000L;

    private static final AtomicLong JOIN_ORDER = new AtomicLong();

    /** One endpoint's speech activity; buckets written by the worker only. */
    static final class Speaker {
        final String id;
        final long joinOrder = JOIN_ORDER.incrementAndGet();
        final boolean[] voiced = new boolean[BUCKETS];
        long newestBucket = Long.MIN_VALUE;
        long lastVoiceNs = Long.MIN_VALUE;

        Speaker(String id) {
            this.id = id;
        }

        /** Moves the bucket window to {@code bucket}, clearing buckets that passed without packets. */
        void advance(long bucket) {
            if (newestBucket == Long.MIN_VALUE || bucket - newestBucket >= BUCKETS) {
                java.util.Arrays.fill(voiced, false);
                newestBucket = bucket;
                return;
            }
            while (newestBucket < bucket) {
                newestBucket++;
                voiced[(int) Math.floorMod(newestBucket, (long) BUCKETS)] = false;
            }
        }

        int count(int buckets) {
            int n = 0;
            for (int k = 0; k < buckets; k++) {
                if (voiced[(int) Math.floorMod(newestBucket - k, (long) BUCKETS)]) {
                    n++;
                }
            }
            return n;
        }
    }

    private final ConcurrentHashMap<String, Speaker> speakers = new ConcurrentHashMap<>();
    private volatile String current;
    private String reported;
    private long lastChangeNs = Long.MIN_VALUE / 2;
    private long lastEvaluationNs = Long.MIN_VALUE / 2;
    private final List<Speaker> scratch = new ArrayList<>();

    /** Any thread. */
    public void addEndpoint(String endpointId) {
        speakers.putIfAbsent(endpointId, new Speaker(endpointId));
    }

    /** Any thread. If it was the dominant speaker, the next evaluation picks another (or none). */
    public void removeEndpoint(String endpointId) {
        speakers.remove(endpointId);
    }

    /** Worker: one audio packet's level (0..127; out-of-range values are clamped). Unknown ids are ignored. */
    public void onAudioLevel(String endpointId, int levelMinusDbov, long nowNs) {
        Speaker s = speakers.get(endpointId);
        if (s == null) {
            return;
        }
        int level = Math.max(0, Math.min(127, levelMinusDbov));
        s.advance(Math.floorDiv(nowNs, BUCKET_NS));
        if (level <= VOICE_LEVEL) {
            s.voiced[(int) Math.floorMod(s.newestBucket, (long) BUCKETS)] = true;
            s.lastVoiceNs = nowNs;
        }
    }

    /**
     * Worker: re-evaluates (at most every {@link #EVALUATION_INTERVAL_NS}); returns the new dominant
     * speaker when it changed since the last call that returned one, else null.
     */
    public String poll(long nowNs) {
        if (nowNs - lastEvaluationNs >= EVALUATION_INTERVAL_NS) {
            lastEvaluationNs = nowNs;
            evaluate(nowNs);
        }
        String c = current;
        if (c != null && !c.equals(reported)) {
            reported = c;
            return c;
        }
        return null;
    }

    private void evaluate(long nowNs) {
        long bucket = Math.floorDiv(nowNs, BUCKET_NS);
        Speaker dominant = current == null ? null : speakers.get(current);
        Speaker best = null;
        int bestSustained = -1;
        for (Speaker s : speakers.values()) {
            s.advance(bucket);
            if (s == dominant) {
                continue;
            }
            int sustained = s.count(BUCKETS);
            if (sustained > bestSustained || (sustained == bestSustained && best != null && s.lastVoiceNs > best.lastVoiceNs)) {
                best = s;
                bestSustained = sustained;
            }
        }
        if (best == null || bestSustained < MIN_SUSTAINED) {
            if (dominant == null && current != null) {
                current = null; // the dominant speaker left and nobody else speaks
                reported = null;
            }
            return;
        }
        boolean change;
        if (dominant == null) {
            change = true;
        } else if (nowNs - lastChangeNs < HOLD_NS) {
            change = false;
        } else {
            boolean dominantSilent = dominant.count(RECENT_BUCKETS) == 0;
            boolean takeOver = dominantSilent && best.count(RECENT_BUCKETS) > 0;
            boolean bargeIn = bestSustained >= dominant.count(BUCKETS) + BARGE_IN_MARGIN;
            change = takeOver || bargeIn;
        }
        if (change) {
            current = best.id;
            lastChangeNs = nowNs;
        }
    }

    /** The dominant speaker, or null before anyone spoke (any thread). */
    public String current() {
        return current;
    }

    /**
     * Worker: fills {@code out} with the endpoints by speech activity: the dominant speaker, then the
     * others by how recently they spoke, then those who never spoke in join order.
     */
    public void ranking(List<String> out) {
        scratch.clear();
        scratch.addAll(speakers.values());
        String c = current;
        scratch.sort(Comparator.comparing((Speaker s) -> !s.id.equals(c))
                .thenComparing(Comparator.comparingLong((Speaker s) -> s.lastVoiceNs).reversed())
                .thenComparingLong(s -> s.joinOrder));
        for (Speaker s : scratch) {
            out.add(s.id);
        }
    }
}
