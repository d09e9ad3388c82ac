package io.junction.bridge.forward;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decides, for one subscriber, which layer of each remote video source to forward: the receiver's
 * constraints first (last-N, on-stage, max height), then its downlink budget, spent by priority.
 *
 * <ol>
 *   <li>Sources are ordered: screen shares first, then on-stage endpoints (in the receiver's order),
 *       then by speech activity (the dominant speaker first), then the rest in join order. A screen
 *       share is never held to thumbnail height.</li>
 *   <li>Only the first {@code lastN} get video at all.</li>
 *   <li>Each selected source has a ladder of rungs (encoding, temporal layers), lowest first, holding
 *       only active encodings no taller than {@code maxHeight} (the lowest active one when none is
 *       that small); above the lowest encoding only its two upper temporal layers (frame rate before
 *       resolution). While something is on stage, the others are held to thumbnail height.</li>
 *   <li>The budget first buys every selected source its lowest rung, in priority order; then, again
 *       in priority order, each source climbs as high as the rest of the budget allows.</li>
 *   <li>A source already being forwarded keeps its lowest rung through a shortfall of up to
 *       {@link #KEEP_ALLOWANCE} of the budget (shared by all such sources) for up to {@link #KEEP_NS}:
 *       one decrease of the delay-based estimate (to 0.85 of the acknowledged rate) must not cut a
 *       stream that has no lower layer (a single-layer publisher, a WHIP encoder) for the seconds the
 *       estimate takes to climb back plus a keyframe. A shortfall that lasts is congestion: then the
 *       source is cut as before.</li>
 *   <li>Hysteresis: a rung above the one a source has now costs {@link #UPGRADE_MARGIN} times its
 *       bitrate, so a budget hovering at a layer's rate does not flip the layer back and forth; a
 *       source that was just lowered waits {@link #UPGRADE_HOLD_NS} before it goes up again.</li>
 * </ol>
 * Control data only (runs about ten times a second per subscriber on the conference's worker).
 */
public final class Allocator {
    /** A rung above the current one must fit this many times its bitrate. */
    public static final double UPGRADE_MARGIN = 1.15;
    /** After a downgrade, no upgrade of that source for this long. */
    public static final long UPGRADE_HOLD_NS = 2_000_000_000L;
    /** How far (a fraction of the budget, all sources together) lowest rungs already forwarded may exceed it. */
    public static final double KEEP_ALLOWANCE = 0.25;
    /** How long a source already forwarded keeps its lowest rung while the budget falls short of it. */
    public static final long KEEP_NS = 5_000_000_000L;
    /** Height of sources not on stage while something is. */
    public static final int THUMBNAIL_HEIGHT = 180;

    private Allocator() {}

    /** What the receiver asked for. {@code maxHeight} and {@code lastN} are -1 when not limited. */
    public record Constraints(int maxHeight, int lastN, List<String> onStage) {
        public static final Constraints NONE = new Constraints(-1, -1, List.of());

        public Constraints {
            onStage = List.copyOf(onStage);
        }
    }

    /**
     * One remote video source as the allocator sees it: per layer — an encoding (simulcast), or a
     * spatial layer of a scalable encoding (VP9 SVC), lowest first — whether it is active, its height
     * (0 when unknown) and the bitrate of temporal layers 0..t; the previous decision; the new one.
     */
    public static final class Source {
        public final String endpointId;
        public final int encodings;
        public final boolean[] active;
        public final int[] height;
        /** bps[e][t]: bitrate of encoding e up to temporal layer t; all temporal slots equal when not layered. */
        public final long[][] bps;
        /** Number of temporal layers per encoding (1 when not layered). */
        public final int[] temporalLayers;
        /** The previous decision and when a downgrade last happened. */
        public int encoding = -1;
        public int temporal = -1;
        public long lastDowngradeNs = Long.MIN_VALUE / 2;
        /** Since when the budget has fallen short of this source's lowest rung while it kept it; {@link #NOT_SHORT} when it has not. */
        long shortSinceNs = NOT_SHORT;
        /**
         * The highest encoding this receiver's constraints would take if the link allowed, counting
         * paused encodings too (-1: no video, e.g. beyond last-N); set by allocate. The publisher keeps
         * encoding the layers up to the highest such value over all its receivers.
         */
        public int ideal = -1;
        /** Position in the receiver's priority order (set by allocate; for tests and stats). */
        public int priority;
        public boolean onStage;
        /** A screen share: first in the order, never a thumbnail. */
        public boolean screen;
        int speakerRank;

        /**
         * Per layer: the encoding it belongs to and its spatial layer in that encoding (-1: the whole
         * encoding). Without spatial layers, layer i is encoding i.
         */
        public final int[] encodingOf;
        public final int[] spatialOf;
        /** This tick's ladder: rung k is (ladderE[k], ladderT[k]), {@code rungs} of them; reused every tick. */
        final int[] ladderE;
        final int[] ladderT;
        int rungs;
        /** This tick's chosen rung, -1: none. */
        int chosen;

        public Source(String endpointId, int encodings) {
            this.endpointId = endpointId;
            this.encodings = encodings;
            this.encodingOf = new int[encodings];
            this.spatialOf = new int[encodings];
            for (int i = 0; i < encodings; i++) {
                encodingOf[i] = i;
                spatialOf[i] = -1;
            }
            this.active = new boolean[encodings];
            this.height = new int[encodings];
            this.bps = new long[encodings][LayerRates.TEMPORAL_LAYERS];
            this.temporalLayers = new int[encodings];
            this.ladderE = new int[encodings * LayerRates.TEMPORAL_LAYERS];
            this.ladderT = new int[encodings * LayerRates.TEMPORAL_LAYERS];
        }

        /** The layer of {@code encoding} at spatial layer {@code spatial} (-1 when it has none), or -1. */
        public int layerOf(int encoding, int spatial) {
            for (int i = 0; i < encodings; i++) {
                if (encodingOf[i] == encoding && (spatialOf[i] < 0 || spatialOf[i] == spatial)) {
                    return i;
                }
            }
            return -1;
        }

        /** Bitrate of the rung (encoding, temporal), or 0 when off. */
        public long rate(int e, int t) {
            return e < 0 ? 0 : bps[e][t];
        }
    }

    /**
     * Allocates {@code budgetBps} over {@code sources} (any order). Sets each source's
     * {@code encoding}/{@code temporal} (-1 = no video). {@code ranking} orders endpoints by speech
     * activity (dominant first); endpoints absent from it come after, in the order of {@code sources}.
     *
     * @return the bitrate the receiver would need for every selected source at its best allowed rung
     *         (what probing should aim for when it is more than the budget)
     */
    public static long allocate(List<Source> sources, Constraints c, int defaultLastN, List<String> ranking,
                                long budgetBps, long nowNs) {
        return allocate(sources, new ArrayList<>(sources.size()), c, defaultLastN, ranking, budgetBps, nowNs);
    }

    /**
     * As above, with {@code order} (cleared here) as the working list for the priority order: a caller
     * that keeps one allocates nothing per call (the forwarding tick runs this ten times a second for
     * every receiver).
     */
    public static long allocate(List<Source> sources, List<Source> order, Constraints c, int defaultLastN,
                                List<String> ranking, long budgetBps, long nowNs) {
        order.clear();
        for (int i = 0; i < sources.size(); i++) { // not addAll: it copies the list into a new array
            order.add(sources.get(i));
        }
        for (int i = 0; i < order.size(); i++) {
            Source s = order.get(i);
            int stage = c.onStage().indexOf(s.endpointId);
            s.onStage = stage >= 0;
            int rank = ranking.indexOf(s.endpointId);
            // on stage first (their order), then speakers (rank), then the rest (given order)
            s.speakerRank = s.screen ? i - 2_000_000 : stage >= 0 ? stage - 1_000_000 : rank >= 0 ? rank : 1_000_000 + i;
        }
        order.sort(BY_RANK);
        int lastN = c.lastN() >= 0 && defaultLastN >= 0 ? Math.min(c.lastN(), defaultLastN)
                : c.lastN() >= 0 ? c.lastN() : defaultLastN;
        boolean anyOnStage = !c.onStage().isEmpty();
        int n = order.size();
        long wanted = 0;
        for (int i = 0; i < n; i++) {
            Source s = order.get(i);
            s.priority = i;
            s.chosen = -1;
            s.ideal = -1;
            s.rungs = 0;
            if (lastN >= 0 && i >= lastN) {
                continue;
            }
            int maxHeight = c.maxHeight();
            if (anyOnStage && !s.onStage && !s.screen) {
                maxHeight = maxHeight < 0 ? THUMBNAIL_HEIGHT : Math.min(maxHeight, THUMBNAIL_HEIGHT);
            }
            buildLadder(s, maxHeight);
            s.ideal = idealEncoding(s, maxHeight);
            int top = s.rungs - 1;
            if (top >= 0) {
                wanted += s.rate(s.ladderE[top], s.ladderT[top]);
            }
        }
        long remaining = budgetBps;
        long allowance = (long) (budgetBps * KEEP_ALLOWANCE);
        // 1. the lowest rung for everyone selected, by priority; a source being forwarded keeps it through a short shortfall
        for (int i = 0; i < n; i++) {
            Source s = order.get(i);
            if (s.rungs == 0) {
                s.shortSinceNs = NOT_SHORT;
                continue;
            }
            long cost = cost(s, s.ladderE[0], s.ladderT[0], nowNs);
            if (cost <= remaining) {
                s.chosen = 0;
                remaining -= cost;
                s.shortSinceNs = NOT_SHORT;
            } else if (s.encoding >= 0 && cost - remaining <= allowance
                    && (s.shortSinceNs == NOT_SHORT || nowNs - s.shortSinceNs < KEEP_NS)) {
                s.chosen = 0;
                allowance -= cost - remaining;
                remaining = 0;
                if (s.shortSinceNs == NOT_SHORT) {
                    s.shortSinceNs = nowNs;
                }
            } else {
                s.shortSinceNs = NOT_SHORT;
            }
        }
        // 2. climb, by priority
        for (int i = 0; i < n; i++) {
            Source s = order.get(i);
            if (s.chosen < 0) {
                continue;
            }
            long have = s.rate(s.ladderE[s.chosen], s.ladderT[s.chosen]);
            for (int r = s.rungs - 1; r > s.chosen; r--) {
                long extra = cost(s, s.ladderE[r], s.ladderT[r], nowNs) - have;
                if (extra <= remaining) {
                    remaining -= extra;
                    s.chosen = r;
                    break;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            Source s = order.get(i);
            int e = s.chosen < 0 ? -1 : s.ladderE[s.chosen];
            int t = s.chosen < 0 ? -1 : s.ladderT[s.chosen];
            if (isBelow(e, t, s.encoding, s.temporal)) {
                s.lastDowngradeNs = nowNs;
            }
            s.encoding = e;
            s.temporal = t;
        }
        return wanted;
    }

    private static final long NOT_SHORT = Long.MIN_VALUE;

    private static final Comparator<Source> BY_RANK = Comparator.comparingInt(s -> s.speakerRank);

    private static boolean isBelow(int e, int t, int prevE, int prevT) {
        return prevE >= 0 && (e < prevE || (e == prevE && t < prevT));
    }

    /** What a rung costs this source now: more when it is an upgrade (hysteresis); unaffordable during the hold. */
    private static long cost(Source s, int e, int t, long nowNs) {
        long rate = s.rate(e, t);
        boolean upgrade = s.encoding < 0 ? false : (e > s.encoding || (e == s.encoding && t > s.temporal));
        if (!upgrade) {
            return rate;
        }
        if (nowNs - s.lastDowngradeNs < UPGRADE_HOLD_NS) {
            return Long.MAX_VALUE / 4;
        }
        return (long) (rate * UPGRADE_MARGIN);
    }

    /** The tallest encoding no taller than {@code maxHeight}, whether it is sending or not (0 when none is). */
    static int idealEncoding(Source s, int maxHeight) {
        int best = 0;
        for (int e = 0; e < s.encodings; e++) {
            if (maxHeight < 0 || s.height[e] <= maxHeight) {
                best = e;
            }
        }
        return best;
    }

    private static void buildLadder(Source s, int maxHeight) {
        int lowestActive = -1;
        for (int e = 0; e < s.encodings; e++) {
            if (!s.active[e]) {
                continue;
            }
            if (lowestActive < 0) {
                lowestActive = e;
            }
            if (maxHeight >= 0 && s.height[e] > maxHeight) {
                continue;
            }
            // Above the lowest layer only the top two temporal layers (15 and 30 fps in Chromium's
            // three-layer pattern) are rungs: a larger picture at 7.5 fps is worse than a smaller one
            // at 30, so the budget goes to frame rate first.
            int layers = Math.min(LayerRates.TEMPORAL_LAYERS, Math.max(1, s.temporalLayers[e]));
            int from = e == lowestActive ? 0 : Math.max(0, layers - 2);
            for (int t = from; t < layers; t++) {
                addRung(s, e, t);
            }
        }
        if (s.rungs == 0 && lowestActive >= 0) {
            for (int t = 0; t < Math.min(LayerRates.TEMPORAL_LAYERS, Math.max(1, s.temporalLayers[lowestActive])); t++) {
                addRung(s, lowestActive, t);
            }
        }
    }

    private static void addRung(Source s, int e, int t) {
        s.ladderE[s.rungs] = e;
        s.ladderT[s.rungs] = t;
        s.rungs++;
    }
}
