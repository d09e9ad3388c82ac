package io.junction.bridge.pipeline;

import io.junction.bridge.cc.DownlinkEstimator;
import io.junction.bridge.forward.Allocator;
import io.junction.bridge.forward.LayerRates;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.transport.PacketTransport;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * One receiver's layer allocation, next to its downlink estimator: on the conference's worker (each
 * forwarding tick, and when subscriptions or constraints change) it chooses the layer of every video
 * source this endpoint receives ({@link Allocator}) within the estimate less its audio, hands the
 * choice to the projections, and probes the downlink when the allocation wants more than the
 * estimate allows.
 */
public final class DownlinkAllocation {
    /** Forwarding more than this many times the budget makes down-switches stop the current layer at once. */
    static final double URGENT_FACTOR = 2.0;
    /** An encoding counts as active when it sent within this window. */
    static final long ACTIVE_WINDOW_NS = 1_000_000_000L;
    /** How long one probe cluster lasts. */
    static final long PROBE_DURATION_NS = 40_000_000L;

    private final Sender sender;
    private final Prober prober;
    private final EndpointStats stats;
    private final PacketTransport transport;
    private final int defaultLastN;
    /** The video subscriptions (replaced, never mutated; control plane writes). */
    private volatile Subscription[] videoSubscriptions = new Subscription[0];
    /** The receiver's constraints (from signaling). */
    private volatile Allocator.Constraints constraints = Allocator.Constraints.NONE;
    /** The allocator's view of each video subscription; worker only. */
    private final IdentityHashMap<Subscription, Allocator.Source> allocation = new IdentityHashMap<>();
    /** The downlink estimate as of the last allocation (-1: none); for stats. */
    private volatile long downlinkEstimateBps = -1;
    /** Budgets of the last allocations (one per tick); worker only. */
    private final long[] recentBudgets = new long[15];
    /** The tick's working lists, reused (worker thread only): the sources allocated, their subscriptions, the priority order. */
    private final List<Allocator.Source> sources = new ArrayList<>();
    private final List<Subscription> forSources = new ArrayList<>();
    private final List<Allocator.Source> order = new ArrayList<>();
    private int recentBudgetNext;

    DownlinkAllocation(Sender sender, Prober prober, EndpointStats stats, PacketTransport transport, PathContext ctx) {
        this.sender = sender;
        this.prober = prober;
        this.stats = stats;
        this.transport = transport;
        this.defaultLastN = ctx.config().forwarding().defaultLastN();
    }

    /** Control plane: the video subscriptions now. */
    public void setVideoSubscriptions(Subscription[] subs) {
        videoSubscriptions = subs;
    }

    public void setConstraints(Allocator.Constraints c) {
        constraints = c;
    }

    public Allocator.Constraints constraints() {
        return constraints;
    }

    /** The estimate the last allocation used (bps), or -1. */
    public long downlinkEstimateBps() {
        return downlinkEstimateBps;
    }

    /**
     * On the conference's worker: chooses the layer of every forwarded video source for this receiver
     * and hands it to the projections. {@code speakerRanking}: endpoints by speech activity, dominant first.
     */
    public void allocate(long nowNs, List<String> speakerRanking) {
        Subscription[] subs = videoSubscriptions;
        List<Allocator.Source> sources = this.sources;
        List<Subscription> forSources = this.forSources;
        sources.clear();
        forSources.clear();
        for (Subscription sub : subs) {
            if (!sub.isActive()) {
                continue;
            }
            SourceEncoding[] encs = sub.source().encodings();
            // The allocator's layers: one per encoding, or one per spatial layer of a scalable encoding.
            int layerCount = 0;
            for (SourceEncoding enc : encs) {
                layerCount += enc.spatialLayers;
            }
            Allocator.Source a = allocation.get(sub);
            if (a == null || a.encodings != layerCount || !a.endpointId.equals(sub.source().endpointId())
                    || a.screen != sub.source().isScreen()) { // new, or moved to another source (a stage viewer)
                a = new Allocator.Source(sub.source().endpointId(), layerCount);
                a.screen = sub.source().isScreen();
                allocation.put(sub, a);
            }
            int i = 0;
            for (int e = 0; e < encs.length; e++) {
                SourceEncoding enc = encs[e];
                boolean active = enc.isActive(nowNs, ACTIVE_WINDOW_NS);
                if (enc.spatialLayers == 1) {
                    a.encodingOf[i] = e;
                    a.spatialOf[i] = -1;
                    a.active[i] = active;
                    a.height[i] = enc.height > 0 ? enc.height : encs.length > 1 ? (720 >> (encs.length - 1 - e)) : 0;
                    measure(a, i, enc.rates(), nowNs);
                    enc.measuredBps = a.bps[i][LayerRates.TEMPORAL_LAYERS - 1];
                    i++;
                    continue;
                }
                for (int sl = 0; sl < enc.spatialLayers; sl++, i++) {
                    LayerRates own = enc.spatialRates(sl);
                    a.encodingOf[i] = e;
                    a.spatialOf[i] = sl;
                    a.active[i] = active && own != null && own.bps(LayerRates.TEMPORAL_LAYERS - 1, nowNs) > 0;
                    a.height[i] = enc.spatialHeights[sl];
                    // forwarding layer sl costs its own rate in k-SVC (the lower ones only in keyframe
                    // pictures), and every layer up to it in full SVC
                    measure(a, i, own, nowNs);
                    if (sl > 0 && !enc.spatialLayersIndependent) {
                        for (int t = 0; t < LayerRates.TEMPORAL_LAYERS; t++) {
                            a.bps[i][t] += a.bps[i - 1][t];
                        }
                    }
                }
                enc.measuredBps = enc.rates().bps(LayerRates.TEMPORAL_LAYERS - 1, nowNs);
            }
            sources.add(a);
            forSources.add(sub);
        }
        if (allocation.size() > sources.size()) { // a subscription ended (its iterator only then)
            allocation.keySet().removeIf(Subscription::isRemoved);
        }
        long budget = stableBudget(downlinkBudgetBps());
        long wanted = Allocator.allocate(sources, order, constraints, defaultLastN, speakerRanking, budget, nowNs);
        maybeProbe(forSources, wanted, budget, nowNs);
        // What goes out now, by the layers being forwarded: far above the budget, a lower layer must not
        // wait for its keyframe behind a full queue (see VideoProjection.setTarget).
        long forwarding = 0;
        for (int i = 0; i < sources.size(); i++) {
            VideoProjection vp = forSources.get(i).video();
            int layer = sources.get(i).layerOf(vp.currentEncoding(), vp.currentSpatial());
            if (layer >= 0) {
                int t = Math.min(vp.currentTemporal(), LayerRates.TEMPORAL_LAYERS - 1);
                forwarding += sources.get(i).bps[layer][t];
            }
        }
        boolean urgent = sender.estimator() != null && forwarding > URGENT_FACTOR * budget;
        for (int i = 0; i < sources.size(); i++) {
            Allocator.Source a = sources.get(i);
            VideoProjection vp = forSources.get(i).video();
            int temporal = a.encoding < 0 || a.temporal >= a.temporalLayers[a.encoding] - 1
                    ? VideoProjection.ALL_TEMPORAL : a.temporal;
            if (a.encoding < 0) {
                vp.setTarget(-1, temporal, urgent);
            } else {
                vp.setTarget(a.encodingOf[a.encoding], a.spatialOf[a.encoding], temporal, urgent);
            }
            forSources.get(i).idealEncoding = a.ideal < 0 ? -1 : a.encodingOf[a.ideal];
        }
    }

    /** Fills layer {@code i} of {@code a}: its temporal layers and rate up to each, from {@code r} (null: none). */
    private static void measure(Allocator.Source a, int i, LayerRates r, long nowNs) {
        int layers = 1;
        for (int t = LayerRates.TEMPORAL_LAYERS - 1; t > 0 && r != null; t--) {
            if (r.hasTemporal(t, nowNs)) {
                layers = t + 1;
                break;
            }
        }
        a.temporalLayers[i] = layers;
        for (int t = 0; t < LayerRates.TEMPORAL_LAYERS; t++) {
            a.bps[i][t] = r == null ? 0 : r.bps(t, nowNs);
        }
    }

    /**
     * The budget the allocator gets: the lowest of the last 1.5 s. A drop acts at once; a rise (a probe
     * result, a noisy estimate) must last before layers go up on it, so one optimistic sample does not
     * switch a receiver up into congestion and straight back down.
     */
    private long stableBudget(long budget) {
        recentBudgets[recentBudgetNext] = budget;
        recentBudgetNext = (recentBudgetNext + 1) % recentBudgets.length;
        long min = budget;
        for (long b : recentBudgets) {
            if (b > 0 && b < min) {
                min = b;
            }
        }
        return min;
    }

    /**
     * When the allocation wants more than the estimate allows, probe the downlink (at most as often as
     * the estimator allows) with padding on the RTX stream of a forwarded video.
     */
    private void maybeProbe(List<Subscription> video, long wanted, long budget, long nowNs) {
        DownlinkEstimator est = sender.estimator();
        if (est == null || wanted <= budget || !transport.isSrtpReady()) {
            return;
        }
        long audio = (long) stats.bitrateOutBps(MediaKind.AUDIO.ordinal());
        if (!est.shouldProbe(wanted + audio, nowNs)) {
            return;
        }
        for (Subscription sub : video) {
            if (sub.outRtxSsrc() != 0 && sub.video().started()) {
                prober.probe(sub, est.nextProbeTargetBps(wanted + audio), PROBE_DURATION_NS, nowNs);
                return;
            }
        }
    }

    /**
     * What the video for this receiver may use: the downlink estimate less the audio it gets (audio
     * is always forwarded); unlimited when the bridge does not estimate.
     */
    private long downlinkBudgetBps() {
        DownlinkEstimator est = sender.estimator();
        if (est == null) {
            return Long.MAX_VALUE / 4;
        }
        downlinkEstimateBps = est.estimateBps();
        long audio = (long) stats.bitrateOutBps(MediaKind.AUDIO.ordinal());
        return Math.max(0, est.estimateBps() - audio);
    }
}
