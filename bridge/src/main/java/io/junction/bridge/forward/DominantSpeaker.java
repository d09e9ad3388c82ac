package io.junction.bridge.forward;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Decides who the dominant speaker of one conference is, from the audio level every browser puts on
 * its audio packets (RFC 6464, see {@link io.junction.bridge.rtp.AudioLevel}), and ranks endpoints by
 * recent speech so the last-N selection can forward the video of the people who are talking.
 *
 * <p>The approach follows Volfin and Cohen, "Dominant speaker identification for multipoint
 * videoconferencing" (as Jitsi Videobridge does), simplified to counts:
 * <ol>
 *   <li><b>Per packet</b> the level becomes a band count: 0 when it is not louder than the endpoint's
 *       speech gate, else 1 plus one per {@value #BAND_DB} dB above the gate. The gate is
 *       {@link Settings#quietestSpeechDbov} (60 dBov by default), tightened to 10 dB above the
 *       endpoint's own noise floor (its quietest level over the last {@value #NOISE_BLOCKS} s) but never
 *       stricter than {@value #ALWAYS_SPEECH_DBOV} dBov. So a quiet room (70–80 dBov), a muted track
 *       (127) and, after a few seconds, a steady fan or hum count as silence, while talking at 20–40
 *       dBov always counts. (Until its floor has adapted, a steady sound louder than 60 dBov does count,
 *       so it can take an empty seat in the first seconds.)</li>
 *   <li><b>Three time scales</b>, evaluated at each decision: immediate = sum of bands over the last
 *       200 ms (how loud, now); medium = speech packets in the last 500 ms; long = speech packets in the
 *       last 1.5 s. Counting packets by arrival time (not 20 ms slots) keeps jitter from losing frames;
 *       a stream that stops sending simply has nothing in its windows.</li>
 *   <li><b>Hysteresis</b>: a challenger replaces the dominant speaker only if it beats it on
 *       <em>every</em> scale by a margin (by default 10 band-packets, 100 ms and 200 ms of speech). A
 *       cough or an interjection wins the immediate scale but not the long one; two people taking turns
 *       every 200 ms never lead each other by 200 ms over 1.5 s. A dominant speaker who stops loses to a
 *       continuous talker after about 1 s (the talker's long count has to overtake what is left of the
 *       dominant's, plus the margin).</li>
 *   <li><b>Vacant seat</b>: when there is no dominant speaker, or it has not spoken at all in the long
 *       window, the most active endpoint that spoke in the medium window takes the seat without margins.
 *       This is what lets a lone sparse sound source such as Chromium's fake microphone (a 20 ms beep
 *       every 500 ms) become dominant against muted endpoints, while nobody ever takes over from a
 *       dominant speaker on silence: with no sound anywhere, nothing changes.</li>
 * </ol>
 *
 * <p>Threading: {@link #onAudioLevel}, {@link #poll} and {@link #ranking} belong to the conference's
 * packet thread. {@link #addEndpoint} and {@link #removeEndpoint} may be called from any thread: they
 * post a command on a concurrent queue that the packet-thread methods apply first, in order, so an
 * endpoint added before its first packet is handled is known to that packet. {@link #current()} reads a
 * volatile field and may be called from any thread. Steady state allocates nothing: the per-endpoint
 * state is created at {@link #addEndpoint} and looked up with one {@code HashMap.get} per packet.
 */
public final class DominantSpeaker {
    /** Width of one level band above the speech gate. */
    static final int BAND_DB = 10;
    /** A level this loud counts as speech whatever the endpoint's noise floor. */
    static final int ALWAYS_SPEECH_DBOV = 40;
    /** How far above its noise floor an endpoint must be for a packet to count as speech. */
    static final int ABOVE_NOISE_DB = 10;
    /** The noise floor is the quietest level of each of the last this many one-second blocks. */
    static final int NOISE_BLOCKS = 4;
    private static final long NOISE_BLOCK_NS = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final int MAX_LEVEL = 127;
    /** Nominal audio packet duration, used to turn margins in milliseconds into packet counts. */
    private static final int PACKET_MS = 20;

    /**
     * Tunables. Windows and margins are in milliseconds of audio; margins become packet counts at the
     * 20 ms packet duration browsers use for Opus.
     *
     * @param decisionIntervalMs  least time between two decisions in {@link #poll}
     * @param immediateWindowMs   window of the immediate score (sum of bands)
     * @param immediateMargin     band-packets a challenger needs over the dominant speaker, immediately
     * @param mediumWindowMs      window of the medium score (speech packets)
     * @param mediumMarginMs      speech a challenger needs over the dominant speaker in that window
     * @param longWindowMs        window of the long score (speech packets)
     * @param longMarginMs        speech a challenger needs over the dominant speaker in that window
     * @param quietestSpeechDbov  levels quieter than this (higher numbers) are never speech
     */
    public record Settings(int decisionIntervalMs, int immediateWindowMs, int immediateMargin, int mediumWindowMs,
                           int mediumMarginMs, int longWindowMs, int longMarginMs, int quietestSpeechDbov) {
        public static final Settings DEFAULTS = new Settings(200, 200, 10, 500, 100, 1500, 200, 60);

        public Settings {
            if (decisionIntervalMs < 1 || immediateWindowMs < PACKET_MS || mediumWindowMs < immediateWindowMs
                    || longWindowMs < mediumWindowMs || longWindowMs > 10_000) {
                throw new IllegalArgumentException("need 1 <= decisionIntervalMs, 20 <= immediateWindowMs"
                        + " <= mediumWindowMs <= longWindowMs <= 10000: " + this);
            }
            if (immediateMargin < 1 || mediumMarginMs < PACKET_MS || longMarginMs < PACKET_MS) {
                throw new IllegalArgumentException("margins must be positive (at least one packet): " + this);
            }
            if (quietestSpeechDbov < ALWAYS_SPEECH_DBOV || quietestSpeechDbov > MAX_LEVEL - 1) {
                throw new IllegalArgumentException("quietestSpeechDbov must be in " + ALWAYS_SPEECH_DBOV + ".."
                        + (MAX_LEVEL - 1) + ": " + this);
            }
        }
    }

    /** Control-plane command posted by {@link #addEndpoint}/{@link #removeEndpoint}. */
    private record Command(String endpointId, boolean add) {}

    /** Per-endpoint state; packet thread only. */
    private static final class Speaker {
        final String id;
        /** Ring of the latest packets: arrival time and band count (0 = not speech). */
        final long[] arrivalNs;
        final byte[] bands;
        int newest = -1;
        int stored;
        /** Quietest level (highest number) seen in each of the last one-second blocks. */
        final int[] quietestPerBlock = new int[NOISE_BLOCKS];
        long block;
        boolean blockStarted;
        int gateDbov;
        // scores of the latest decision
        int immediate;
        int medium;
        int longTerm;
        /** When it last spoke enough to rank as a recent speaker, or was dominant; valid if {@code spoke}. */
        long lastSpokeNs;
        boolean spoke;

        Speaker(String id, int ringSize, int gateDbov) {
            this.id = id;
            this.arrivalNs = new long[ringSize];
            this.bands = new byte[ringSize];
            this.gateDbov = gateDbov;
            Arrays.fill(quietestPerBlock, MAX_LEVEL);
        }
    }

    private final Settings settings;
    private final long decisionIntervalNs;
    private final long immediateWindowNs;
    private final long mediumWindowNs;
    private final long longWindowNs;
    private final int mediumMargin;
    private final int longMargin;
    /** Medium-window speech packets that make an endpoint a recent speaker for {@link #ranking}. */
    private final int rankMinPackets;
    private final int ringMask;

    private final Queue<Command> commands = new ConcurrentLinkedQueue<>();
    private final Map<String, Speaker> speakers = new HashMap<>();
    /** Ranking order: dominant first, then by last speech, then join order. */
    private Speaker[] order = new Speaker[8];
    private int count;

    private Speaker dominant;
    private volatile String dominantId;
    /** The dominant speaker the last {@link #poll} reported (or would have). */
    private Speaker reported;
    private boolean decided;
    private boolean decideNow;
    private long lastDecisionNs;

    public DominantSpeaker() {
        this(Settings.DEFAULTS);
    }

    public DominantSpeaker(Settings settings) {
        this.settings = settings;
        this.decisionIntervalNs = settings.decisionIntervalMs() * MS;
        this.immediateWindowNs = settings.immediateWindowMs() * MS;
        this.mediumWindowNs = settings.mediumWindowMs() * MS;
        this.longWindowNs = settings.longWindowMs() * MS;
        this.mediumMargin = settings.mediumMarginMs() / PACKET_MS;
        this.longMargin = settings.longMarginMs() / PACKET_MS;
        this.rankMinPackets = Math.max(1, settings.mediumWindowMs() / PACKET_MS * 2 / 5);
        // room for the long window at 10 ms packets (the shortest Opus frame browsers send)
        this.ringMask = Integer.highestOneBit(settings.longWindowMs() / 10) * 2 - 1;
    }

    public Settings settings() {
        return settings;
    }

    /** Adds an endpoint (ranked after all earlier ones until it speaks). Any thread. */
    public void addEndpoint(String endpointId) {
        commands.add(new Command(endpointId, true));
    }

    /**
     * Removes an endpoint. If it was the dominant speaker, the next {@link #poll} decides again at once
     * and reports the endpoint that is speaking, if any; {@link #current()} is null meanwhile. Any thread.
     */
    public void removeEndpoint(String endpointId) {
        commands.add(new Command(endpointId, false));
    }

    /**
     * Records one audio packet's level ({@code levelMinusDbov}: 0 loudest .. 127 silence; out-of-range
     * values are clamped). Packets of unknown endpoints are ignored. Packet thread; no allocation.
     */
    public void onAudioLevel(String endpointId, int levelMinusDbov, long nowNs) {
        if (!commands.isEmpty()) {
            applyCommands();
        }
        Speaker s = speakers.get(endpointId);
        if (s == null) {
            return;
        }
        int level = levelMinusDbov < 0 ? 0 : Math.min(levelMinusDbov, MAX_LEVEL);
        updateNoiseFloor(s, level, nowNs);
        int band = level > s.gateDbov ? 0 : 1 + (s.gateDbov - level) / BAND_DB;
        int i = (s.newest + 1) & ringMask;
        s.newest = i;
        s.arrivalNs[i] = nowNs;
        s.bands[i] = (byte) band;
        if (s.stored <= ringMask) {
            s.stored++;
        }
    }

    /**
     * Decides again if {@link Settings#decisionIntervalMs} has passed since the last decision (or the
     * dominant speaker was removed). Returns the new dominant speaker's id when it changed since the
     * previous poll, else null (also when the dominant speaker left and nobody speaks). Packet thread.
     */
    public String poll(long nowNs) {
        if (!commands.isEmpty()) {
            applyCommands();
        }
        if (decided && !decideNow && nowNs - lastDecisionNs < decisionIntervalNs) {
            return null;
        }
        decided = true;
        decideNow = false;
        lastDecisionNs = nowNs;
        decide(nowNs);
        if (dominant == reported) {
            return null;
        }
        reported = dominant;
        return dominant == null ? null : dominant.id;
    }

    /** The dominant speaker's id, or null before anyone spoke. Any thread. */
    public String current() {
        return dominantId;
    }

    /**
     * Fills {@code out} (cleared first) with the endpoint ids ordered by recent speech: the dominant
     * speaker, then endpoints by when they last spoke (or were dominant), then those that never spoke
     * in join order. As of the latest decision. Packet thread; allocates nothing when {@code out} has
     * the capacity.
     */
    public void ranking(List<String> out) {
        if (!commands.isEmpty()) {
            applyCommands();
        }
        out.clear();
        for (int k = 0; k < count; k++) {
            out.add(order[k].id);
        }
    }

    /** {@link #ranking(List)} into a new list. Packet thread. */
    public List<String> ranking() {
        List<String> out = new ArrayList<>(count);
        ranking(out);
        return out;
    }

    /**
     * The scores of the latest decision and the current speech gate of one endpoint, as
     * {immediate, medium, long, gateDbov}, or null if unknown. For tests and debugging; packet thread.
     */
    int[] scores(String endpointId) {
        Speaker s = speakers.get(endpointId);
        return s == null ? null : new int[] {s.immediate, s.medium, s.longTerm, s.gateDbov};
    }

    private void applyCommands() {
        Command c;
        while ((c = commands.poll()) != null) {
            if (c.add()) {
                if (!speakers.containsKey(c.endpointId())) {
                    Speaker s = new Speaker(c.endpointId(), ringMask + 1, settings.quietestSpeechDbov());
                    speakers.put(s.id, s);
                    if (count == order.length) {
                        order = Arrays.copyOf(order, count * 2);
                    }
                    order[count++] = s;
                }
            } else {
                Speaker s = speakers.remove(c.endpointId());
                if (s != null) {
                    int k = indexOf(s);
                    System.arraycopy(order, k + 1, order, k, count - k - 1);
                    order[--count] = null;
                    if (s == dominant) {
                        dominant = null;
                        dominantId = null;
                        decideNow = true;
                    }
                }
            }
        }
    }

    private int indexOf(Speaker s) {
        for (int k = 0; k < count; k++) {
            if (order[k] == s) {
                return k;
            }
        }
        throw new IllegalStateException("endpoint " + s.id + " is mapped but not ranked");
    }

    /**
     * Keeps the quietest level of each one-second block (a block without packets counts as silence)
     * and sets the speech gate 10 dB above the quietest of them, within
     * [{@link #ALWAYS_SPEECH_DBOV}, {@link Settings#quietestSpeechDbov}]. Speech has pauses between
     * words, so only a steady sound lifts the floor.
     */
    private void updateNoiseFloor(Speaker s, int level, long nowNs) {
        long block = Math.floorDiv(nowNs, NOISE_BLOCK_NS);
        int[] q = s.quietestPerBlock;
        if (!s.blockStarted) {
            s.blockStarted = true;
            s.block = block;
            q[(int) Math.floorMod(block, NOISE_BLOCKS)] = level;
        } else if (block > s.block) {
            long from = Math.max(s.block + 1, block - NOISE_BLOCKS + 1);
            for (long b = from; b < block; b++) {
                q[(int) Math.floorMod(b, NOISE_BLOCKS)] = MAX_LEVEL;
            }
            q[(int) Math.floorMod(block, NOISE_BLOCKS)] = level;
            s.block = block;
        } else {
            int k = (int) Math.floorMod(s.block, NOISE_BLOCKS);
            q[k] = Math.max(q[k], level);
        }
        int floor = q[0];
        for (int k = 1; k < NOISE_BLOCKS; k++) {
            floor = Math.max(floor, q[k]);
        }
        s.gateDbov = Math.max(ALWAYS_SPEECH_DBOV, Math.min(settings.quietestSpeechDbov(), floor - ABOVE_NOISE_DB));
    }

    private void decide(long nowNs) {
        for (int k = 0; k < count; k++) {
            score(order[k], nowNs);
        }
        Speaker d = dominant;
        boolean vacant = d == null || d.longTerm == 0;
        Speaker best = null;
        for (int k = 0; k < count; k++) {
            Speaker s = order[k];
            if (s == d) {
                continue;
            }
            boolean qualifies = vacant ? s.medium > 0 : beats(s, d);
            if (qualifies && (best == null || moreActive(s, best))) {
                best = s;
            }
        }
        if (best != null) {
            dominant = best;
            dominantId = best.id;
        }
        for (int k = 0; k < count; k++) {
            Speaker s = order[k];
            if (s == dominant || s.medium >= rankMinPackets) {
                s.spoke = true;
                s.lastSpokeNs = nowNs;
            }
        }
        sortRanking();
    }

    /** Counts the three scores of {@code s} over the windows ending at {@code nowNs}. */
    private void score(Speaker s, long nowNs) {
        int immediate = 0;
        int medium = 0;
        int longTerm = 0;
        for (int k = 0, i = s.newest; k < s.stored; k++, i = (i - 1) & ringMask) {
            long ageNs = nowNs - s.arrivalNs[i];
            if (ageNs >= longWindowNs) {
                break;
            }
            int band = s.bands[i];
            if (band == 0) {
                continue;
            }
            longTerm++;
            if (ageNs < mediumWindowNs) {
                medium++;
            }
            if (ageNs < immediateWindowNs) {
                immediate += band;
            }
        }
        s.immediate = immediate;
        s.medium = medium;
        s.longTerm = longTerm;
    }

    private boolean beats(Speaker challenger, Speaker dominant) {
        return challenger.immediate >= dominant.immediate + settings.immediateMargin()
                && challenger.medium >= dominant.medium + mediumMargin
                && challenger.longTerm >= dominant.longTerm + longMargin;
    }

    private static boolean moreActive(Speaker a, Speaker b) {
        if (a.longTerm != b.longTerm) {
            return a.longTerm > b.longTerm;
        }
        if (a.medium != b.medium) {
            return a.medium > b.medium;
        }
        return a.immediate > b.immediate;
    }

    /** Stable insertion sort: equal keys (e.g. endpoints that never spoke) keep their order. */
    private void sortRanking() {
        for (int k = 1; k < count; k++) {
            Speaker s = order[k];
            int j = k - 1;
            while (j >= 0 && ranksBefore(s, order[j])) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = s;
        }
    }

    private boolean ranksBefore(Speaker a, Speaker b) {
        if (a == dominant || b == dominant) {
            return a == dominant;
        }
        if (a.spoke != b.spoke) {
            return a.spoke;
        }
        return a.spoke && a.lastSpokeNs - b.lastSpokeNs > 0;
    }
}
