package io.junction.bridge.conference;

import io.junction.bridge.forward.Allocator;
import io.junction.bridge.forward.LayerRates;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.SsrcTable;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.transport.ice.IceTransport;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketWorker;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media side of one endpoint: its ICE/DTLS/SRTP transport, the offer/answer state of its one
 * peer connection (publish m-lines 0 and 1, forwarded-track slots 2…), the tracks it publishes and
 * the subscriptions it receives.
 *
 * <p>Threading: signaling state is guarded by this object's monitor (control plane only). The packet
 * handlers ({@link MediaReceiver}, {@link MediaSender}) run on this endpoint's {@link PacketWorker}
 * and read control-plane state only through volatile snapshots.
 */
final class MediaSession implements IceTransport.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(MediaSession.class);
    static final String PUBLISH_AUDIO_MID = "0";
    static final String PUBLISH_VIDEO_MID = "1";
    private static final SecureRandom RANDOM = new SecureRandom();
    private final long sessionId = RANDOM.nextLong() & Long.MAX_VALUE;

    /** An m-line for forwarded tracks; its kind never changes, its subscription may. */
    static final class Slot {
        final String mid;
        final MediaKind kind;
        Subscription subscription;

        Slot(String mid, MediaKind kind) {
            this.mid = mid;
            this.kind = kind;
        }
    }

    private final Endpoint endpoint;
    private final MediaCore core;
    private final PacketWorker worker;
    private final IceTransport ice;
    private final EndpointTransport transport;
    final MediaReceiver receiver;
    final MediaSender sender;
    final io.junction.bridge.stats.EndpointStats stats = new io.junction.bridge.stats.EndpointStats();

    // ---- control-plane state, guarded by this ----
    private EndpointSignaling signaling;
    private int revision;
    private int awaitingRevision = -1;
    private boolean offerDirty;
    private final List<Slot> slots = new ArrayList<>();
    private List<Subscription> offeredSubscriptions = List.of();
    /** The mids of the outstanding offer, in order: answers are validated against these. */
    private List<String> offeredMids = List.of();
    private SourceTrack audioTrack;
    private SourceTrack videoTrack;
    private boolean answered;
    private boolean closed;

    /** The latest round-trip time measured toward this endpoint (ns), -1 until measured. */
    volatile long rttNs = -1;

    // ---- snapshots read by the packet path ----
    volatile SsrcTable<SourceEncoding> encodingsBySsrc = SsrcTable.empty();
    /** The video subscriptions, for the allocator (replaced, never mutated). */
    private volatile Subscription[] videoSubscriptions = new Subscription[0];
    /** The receiver's constraints (from signaling); read by the allocator on the worker. */
    private volatile Allocator.Constraints constraints = Allocator.Constraints.NONE;
    /** The allocator's view of each video subscription; worker only. */
    private final java.util.IdentityHashMap<Subscription, Allocator.Source> allocation = new java.util.IdentityHashMap<>();
    /** The downlink estimate as of the last allocation (-1: none); for stats. */
    volatile long downlinkEstimateBps = -1;
    volatile SsrcTable<Subscription> subscriptionsByOutSsrc = SsrcTable.empty();

    MediaSession(Endpoint endpoint, MediaCore core) throws IOException {
        this.endpoint = endpoint;
        this.core = core;
        this.worker = endpoint.conference().packetWorker(core);
        this.ice = new IceTransport(core.port(), endpoint.id(), this);
        this.transport = new EndpointTransport(core, endpoint, ice, worker, this::onTransportFailed);
        this.receiver = new MediaReceiver(this, transport, core);
        this.sender = new MediaSender(transport, core, stats, endpoint.conference().mediaCounters());
        transport.onKeysInstalled(this::keysInstalled);
    }

    /** On the worker, once the SRTP keys are installed: replay held packets, then ask for the keyframes to start with. */
    private void keysInstalled() {
        receiver.keysInstalled();
        // Keyframes for the forwarded video are asked for by the forwarding path as soon as a
        // subscription's projection has a layer it does not forward yet (see MediaReceiver.forwardVideo).
    }

    Endpoint endpoint() {
        return endpoint;
    }

    long sessionId() {
        return sessionId;
    }

    PacketWorker worker() {
        return worker;
    }

    EndpointTransport transport() {
        return transport;
    }

    // ---------------------------------------------------------------- ICE callbacks (ice4j threads)

    @Override
    public void onDatagram(byte[] buf, int off, int len, long receivedNs) {
        transport.onDatagram(buf, off, len, receivedNs, receiver);
    }

    @Override
    public void onIceConnected(String selectedPair) {
        core.counters().iceSucceeded.increment();
        transport.iceConnected();
        LOG.info("ice connected conference={} endpoint={} pair={}", endpoint.conference().id(), endpoint.id(),
                selectedPair);
    }

    @Override
    public void onIceFailed(String reason) {
        if (closed) {
            return;
        }
        core.counters().iceFailed.increment();
        LOG.info("ice failed conference={} endpoint={} reason={}", endpoint.conference().id(), endpoint.id(), reason);
        endpoint.conference().removeEndpoint(endpoint.id(), RemovalReason.ICE_FAILED);
    }

    private void onTransportFailed(RemovalReason reason, String code, String message) {
        EndpointSignaling s;
        synchronized (this) {
            s = signaling;
        }
        if (s != null) {
            s.sendError(code, message);
        }
        endpoint.conference().removeEndpoint(endpoint.id(), reason);
    }

    // ---------------------------------------------------------------- signaling

    /** Attaches a signaling channel and sends it a full offer. Returns the previous channel, if any. */
    EndpointSignaling attach(EndpointSignaling s) {
        EndpointSignaling previous;
        synchronized (this) {
            previous = signaling;
            signaling = s;
            // A new channel (e.g. a reconnect) gets a fresh offer whatever was outstanding.
            awaitingRevision = -1;
            offerDirty = true;
        }
        endpoint.conference().mediaAttached(endpoint);
        maybeSendOffer();
        return previous;
    }

    synchronized void detach(EndpointSignaling s) {
        if (signaling == s) {
            signaling = null;
        }
    }

    /** Handles the client's answer to offer {@code rev}. */
    void onAnswer(int rev, String sdp) throws AnswerException {
        List<SourceTrack> newTracks = new ArrayList<>();
        List<SourceTrack> endedTracks = new ArrayList<>();
        List<Subscription> activated = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                throw new AnswerException("bad-message", "endpoint is closed");
            }
            if (rev != awaitingRevision) {
                throw new AnswerException("stale-revision",
                        "answer for revision " + rev + " but the outstanding offer is "
                                + (awaitingRevision < 0 ? "none" : String.valueOf(awaitingRevision)));
            }
            ClientAnswer answer = SdpGlue.parseAnswer(sdp, offeredMids);
            if (!answered) {
                transport.start(answer.iceUfrag(), answer.icePassword(), answer.fingerprintSha256());
                answered = true;
            } else {
                transport.checkUnchanged(answer.iceUfrag(), answer.fingerprintSha256());
            }
            updatePublishedTrack(MediaKind.AUDIO, answer.audioSend(), newTracks, endedTracks);
            updatePublishedTrack(MediaKind.VIDEO, answer.videoSend(), newTracks, endedTracks);
            for (Subscription s : offeredSubscriptions) {
                if (!s.isRemoved() && !s.isActive()) {
                    s.activate();
                    activated.add(s);
                }
            }
            awaitingRevision = -1;
        }
        for (SourceTrack t : endedTracks) {
            endpoint.conference().trackEnded(t);
        }
        for (SourceTrack t : newTracks) {
            endpoint.conference().trackPublished(t);
        }
        if (!activated.isEmpty()) {
            // New subscriptions get their layers now rather than at the next tick.
            worker.execute(() -> allocate(System.nanoTime()));
        }
        maybeSendOffer();
    }

    /** Creates or updates this endpoint's published track of {@code kind} from its answer. */
    private void updatePublishedTrack(MediaKind kind, ClientAnswer.SendStream send, List<SourceTrack> created,
                                      List<SourceTrack> ended) {
        SourceTrack existing = kind == MediaKind.AUDIO ? audioTrack : videoTrack;
        if (send == null) {
            if (existing != null) {
                // It stopped sending this kind: the track ends (subscribers get a BYE and lose the slot).
                existing.end();
                SsrcTable<SourceEncoding> table = encodingsBySsrc;
                for (SourceEncoding e : existing.encodings()) {
                    table = table.without(e.ssrc()).without(e.rtxSsrc());
                }
                encodingsBySsrc = table;
                if (kind == MediaKind.AUDIO) {
                    audioTrack = null;
                } else {
                    videoTrack = null;
                }
                receiver.registerMid(kind == MediaKind.AUDIO ? PUBLISH_AUDIO_MID : PUBLISH_VIDEO_MID, null);
                ended.add(existing);
            }
            return; // not publishing this kind (receive-only client)
        }
        if (existing != null) {
            SourceEncoding e0 = existing.encodings()[0];
            if (!existing.isSimulcast() && send.ssrc() != 0 && send.ssrc() != e0.ssrc()) {
                encodingsBySsrc = encodingsBySsrc.without(e0.ssrc()).with(send.ssrc(), e0);
                e0.setSsrc(send.ssrc());
            }
            return;
        }
        String trackId = endpoint.id() + "-" + kind.sdpName();
        List<String> rids = kind == MediaKind.VIDEO ? layerOrder(send.rids()) : List.of();
        SourceTrack t = new SourceTrack(endpoint.id(), kind, trackId, rids, rids.isEmpty() ? send.ssrc() : 0,
                rids.isEmpty() ? send.rtxSsrc() : 0, this);
        if (kind == MediaKind.AUDIO) {
            audioTrack = t;
        } else {
            videoTrack = t;
        }
        SsrcTable<SourceEncoding> table = encodingsBySsrc;
        SourceEncoding e0 = t.encodings()[0];
        if (e0.ssrc() != 0) {
            table = table.with(e0.ssrc(), e0);
        }
        if (e0.rtxSsrc() != 0) {
            table = table.with(e0.rtxSsrc(), e0);
        }
        encodingsBySsrc = table;
        receiver.registerMid(kind == MediaKind.AUDIO ? PUBLISH_AUDIO_MID : PUBLISH_VIDEO_MID, t);
        created.add(t);
    }

    /**
     * The client's simulcast rids as layers, lowest first: the bridge's own rids in the order it
     * offered them, then any others in the client's order.
     */
    static List<String> layerOrder(List<String> clientRids) {
        List<String> out = new ArrayList<>();
        for (String r : SdpGlue.SIMULCAST_RIDS) {
            if (clientRids.contains(r)) {
                out.add(r);
            }
        }
        for (String r : clientRids) {
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return out.size() > 1 ? out : List.of();
    }

    /** Control thread: tells this endpoint's client which of its simulcast layers to send. */
    void sendLayers(java.util.Map<String, Boolean> activeByRid) {
        EndpointSignaling s;
        synchronized (this) {
            s = signaling;
        }
        if (s != null) {
            s.sendLayers(activeByRid);
        }
    }

    /** Tracks this endpoint publishes, for subscribing a newcomer. */
    synchronized List<SourceTrack> publishedTracks() {
        List<SourceTrack> out = new ArrayList<>(2);
        if (audioTrack != null) {
            out.add(audioTrack);
        }
        if (videoTrack != null) {
            out.add(videoTrack);
        }
        return out;
    }

    /** Subscribes this endpoint to a remote source: takes a free slot of the right kind (or adds one). */
    void subscribe(SourceTrack source) {
        subscribeAll(List.of(source));
    }

    /**
     * Subscribes to several sources with one offer (a newcomer gets every existing track in its first
     * offer, so all of them start, and get their keyframes, together).
     */
    void subscribeAll(List<SourceTrack> sources) {
        for (SourceTrack source : sources) {
            addSubscription(source);
        }
        maybeSendOffer();
    }

    private void addSubscription(SourceTrack source) {
        synchronized (this) {
            if (closed) {
                return;
            }
            for (Slot s : slots) {
                if (s.subscription != null && s.subscription.source() == source) {
                    return;
                }
            }
            Slot slot = null;
            for (Slot s : slots) {
                if (s.subscription == null && s.kind == source.kind()) {
                    slot = s;
                    break;
                }
            }
            if (slot == null) {
                slot = new Slot(String.valueOf(2 + slots.size()), source.kind());
                slots.add(slot);
            }
            int outSsrc = randomSsrc();
            int outRtxSsrc = source.kind() == MediaKind.VIDEO ? randomSsrc() : 0;
            Subscription sub = new Subscription(source, endpoint.id(), outSsrc, outRtxSsrc, slot.mid,
                    RANDOM.nextInt(0x10000), RANDOM.nextInt(), this);
            slot.subscription = sub;
            subscriptionsByOutSsrc = subscriptionsByOutSsrc.with(outSsrc, sub);
            refreshVideoSubscriptions();
            source.addSubscription(sub);
            offerDirty = true;
        }
    }

    /** Removes every subscription to {@code source} (its publisher left); frees the slot for reuse. */
    void unsubscribe(SourceTrack source) {
        synchronized (this) {
            for (Slot s : slots) {
                Subscription sub = s.subscription;
                if (sub != null && sub.source() == source) {
                    sub.markRemoved();
                    source.removeSubscription(sub);
                    subscriptionsByOutSsrc = subscriptionsByOutSsrc.without(sub.outSsrc());
                    s.subscription = null;
                    refreshVideoSubscriptions();
                    offerDirty = true;
                    worker.execute(() -> {
                        sender.sendBye(sub);
                        releaseRetransmissions(sub);
                    });
                }
            }
        }
        maybeSendOffer();
    }

    /** Under this monitor: republishes the video subscriptions for the allocator. */
    private void refreshVideoSubscriptions() {
        List<Subscription> v = new ArrayList<>();
        for (Slot s : slots) {
            if (s.subscription != null && s.kind == MediaKind.VIDEO) {
                v.add(s.subscription);
            }
        }
        videoSubscriptions = v.toArray(new Subscription[0]);
    }

    // ---------------------------------------------------------------- layer allocation (worker)

    /** Replaces the receiver's constraints (signaling thread); the next allocation applies them. */
    void setConstraints(Allocator.Constraints c) {
        constraints = c;
        worker.execute(() -> allocate(System.nanoTime()));
    }

    Allocator.Constraints constraints() {
        return constraints;
    }

    /** Forwarding more than this many times the budget makes down-switches stop the current layer at once. */
    static final double URGENT_FACTOR = 2.0;

    /** An encoding counts as active when it sent within this window. */
    static final long ACTIVE_WINDOW_NS = 1_000_000_000L;

    /**
     * On the conference's worker: chooses the layer of every forwarded video source for this receiver
     * (see {@link Allocator}) and hands it to the projections.
     */
    void allocate(long nowNs) {
        Subscription[] subs = videoSubscriptions;
        List<Allocator.Source> sources = new ArrayList<>(subs.length);
        List<Subscription> forSources = new ArrayList<>(subs.length);
        for (Subscription sub : subs) {
            if (!sub.isActive()) {
                continue;
            }
            SourceEncoding[] encs = sub.source().encodings();
            Allocator.Source a = allocation.get(sub);
            if (a == null) {
                a = new Allocator.Source(sub.source().endpointId(), encs.length);
                allocation.put(sub, a);
            }
            for (int e = 0; e < encs.length; e++) {
                SourceEncoding enc = encs[e];
                LayerRates r = enc.rates();
                a.active[e] = enc.isActive(nowNs, ACTIVE_WINDOW_NS);
                a.height[e] = enc.height > 0 ? enc.height : encs.length > 1 ? (720 >> (encs.length - 1 - e)) : 0;
                int layers = 1;
                for (int t = LayerRates.TEMPORAL_LAYERS - 1; t > 0; t--) {
                    if (r.hasTemporal(t, nowNs)) {
                        layers = t + 1;
                        break;
                    }
                }
                a.temporalLayers[e] = layers;
                for (int t = 0; t < LayerRates.TEMPORAL_LAYERS; t++) {
                    a.bps[e][t] = r.bps(t, nowNs);
                }
                enc.measuredBps = a.bps[e][LayerRates.TEMPORAL_LAYERS - 1];
            }
            sources.add(a);
            forSources.add(sub);
        }
        allocation.keySet().removeIf(s -> s.isRemoved());
        long budget = stableBudget(downlinkBudgetBps(nowNs));
        long wanted = Allocator.allocate(sources, constraints,
                core.config().forwarding().defaultLastN(), endpoint.conference().speakerRanking(), budget, nowNs);
        maybeProbe(forSources, wanted, budget, nowNs);
        // What goes out now, by the layers being forwarded: far above the budget, a lower layer must not
        // wait for its keyframe behind a full queue (see VideoProjection.setTarget).
        long forwarding = 0;
        for (int i = 0; i < sources.size(); i++) {
            VideoProjection vp = forSources.get(i).video();
            int e = vp.currentEncoding();
            if (e >= 0) {
                int t = Math.min(vp.currentTemporal(), LayerRates.TEMPORAL_LAYERS - 1);
                forwarding += sources.get(i).bps[e][t];
            }
        }
        boolean urgent = sender.estimator != null && forwarding > URGENT_FACTOR * budget;
        for (int i = 0; i < sources.size(); i++) {
            Allocator.Source a = sources.get(i);
            VideoProjection vp = forSources.get(i).video();
            int temporal = a.encoding < 0 || a.temporal >= a.temporalLayers[a.encoding] - 1
                    ? VideoProjection.ALL_TEMPORAL : a.temporal;
            vp.setTarget(a.encoding, temporal, urgent);
            forSources.get(i).idealEncoding = a.ideal;
        }
    }

    /** Budgets of the last allocations (one per tick); worker only. */
    private final long[] recentBudgets = new long[15];
    private int recentBudgetNext;

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

    /** How long one probe cluster lasts. */
    static final long PROBE_DURATION_NS = 40_000_000L;

    /**
     * When the allocation wants more than the estimate allows, probe the downlink (at most as often as
     * the estimator allows) with padding on the RTX stream of a forwarded video.
     */
    private void maybeProbe(List<Subscription> video, long wanted, long budget, long nowNs) {
        var est = sender.estimator;
        if (est == null || wanted <= budget || !transport.isSrtpReady()) {
            return;
        }
        long audio = (long) stats.bitrateOutBps(MediaKind.AUDIO.ordinal());
        if (!est.shouldProbe(wanted + audio, nowNs)) {
            return;
        }
        for (Subscription sub : video) {
            if (sub.outRtxSsrc() != 0 && sub.video().started()) {
                sender.probe(sub, est.nextProbeTargetBps(wanted + audio), PROBE_DURATION_NS, worker, core.control(), nowNs);
                return;
            }
        }
    }

    /**
     * What the video for this receiver may use: the downlink estimate less the audio it gets (audio
     * is always forwarded); unlimited when the bridge does not estimate.
     */
    private long downlinkBudgetBps(long nowNs) {
        if (sender.estimator == null) {
            return Long.MAX_VALUE / 4;
        }
        downlinkEstimateBps = sender.estimator.estimateBps();
        long audio = (long) stats.bitrateOutBps(MediaKind.AUDIO.ordinal());
        return Math.max(0, sender.estimator.estimateBps() - audio);
    }

    /** On the subscriber's worker: frees a removed subscription's retransmission cache. */
    static void releaseRetransmissions(Subscription sub) {
        if (sub.retransmissions != null) {
            sub.retransmissions.clear();
            sub.retransmissions = null;
        }
    }

    private int randomSsrc() {
        int ssrc;
        do {
            ssrc = RANDOM.nextInt();
        } while (ssrc == 0 || subscriptionsByOutSsrc.get(ssrc) != null);
        return ssrc;
    }

    /** Sends a new offer when the state changed and no offer is outstanding. */
    private void maybeSendOffer() {
        EndpointSignaling s;
        Offer offer;
        synchronized (this) {
            if (closed || signaling == null || awaitingRevision >= 0 || !offerDirty) {
                return;
            }
            s = signaling;
            revision++;
            awaitingRevision = revision;
            offerDirty = false;
            List<Offer.Track> tracks = new ArrayList<>();
            List<Subscription> subs = new ArrayList<>();
            for (Slot slot : slots) {
                Subscription sub = slot.subscription;
                if (sub != null) {
                    tracks.add(new Offer.Track(slot.mid, sub.source().endpointId(), slot.kind.sdpName(),
                            sub.source().trackId()));
                    subs.add(sub);
                }
            }
            offeredSubscriptions = subs;
            List<String> mids = new ArrayList<>();
            mids.add(PUBLISH_AUDIO_MID);
            mids.add(PUBLISH_VIDEO_MID);
            for (Slot slot : slots) {
                mids.add(slot.mid);
            }
            offeredMids = List.copyOf(mids);
            String sdp = SdpGlue.writeOffer(this, revision, transport, slots);
            offer = new Offer(revision, sdp, PUBLISH_AUDIO_MID, PUBLISH_VIDEO_MID, tracks);
        }
        s.sendOffer(offer);
    }

    synchronized String cname() {
        return "junction-" + endpoint.id();
    }

    // ---------------------------------------------------------------- teardown

    /** Stops media: ends published tracks, drops subscriptions, closes the transport. */
    List<SourceTrack> close() {
        List<SourceTrack> ended = new ArrayList<>();
        List<Subscription> subs = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return ended;
            }
            closed = true;
            if (audioTrack != null) {
                ended.add(audioTrack);
            }
            if (videoTrack != null) {
                ended.add(videoTrack);
            }
            for (Slot s : slots) {
                if (s.subscription != null) {
                    subs.add(s.subscription);
                    s.subscription = null;
                }
            }
            videoSubscriptions = new Subscription[0];
            signaling = null;
        }
        for (SourceTrack t : ended) {
            t.end();
        }
        for (Subscription sub : subs) {
            sub.markRemoved();
            sub.source().removeSubscription(sub);
        }
        worker.execute(() -> subs.forEach(MediaSession::releaseRetransmissions));
        transport.close();
        ice.close();
        worker.execute(receiver::releasePending);
        return ended;
    }

    /** Nanotime of the last datagram received from this endpoint (0: none yet). */
    long lastReceivedNs() {
        return transport.lastReceivedNs();
    }

    boolean isMediaConnected() {
        return transport.isSrtpReady();
    }

    /** Called by the housekeeping timer. */
    boolean isInactive(long nowNs, long timeoutNs) {
        long last = transport.lastReceivedNs();
        long since = last == 0 ? transport.startedNs() : last;
        return since != 0 && nowNs - since > timeoutNs;
    }

    /** Samples rates; called about once a second by the stats timer. */
    void sample(long nowNs) {
        stats.sample(nowNs);
        for (SourceTrack t : publishedTracks()) {
            for (SourceEncoding e : t.encodings()) {
                e.receiveStats().sample();
            }
        }
    }

    /** A snapshot for the stats API (control plane; reads worker-owned counters racily). */
    EndpointStatsView statsView() {
        List<EndpointStatsView.Inbound> inbound = new ArrayList<>();
        for (SourceTrack t : publishedTracks()) {
            for (SourceEncoding e : t.encodings()) {
                var rs = e.receiveStats();
                inbound.add(new EndpointStatsView.Inbound(t.kind().sdpName(), e.rid(), Integer.toUnsignedLong(e.ssrc()),
                        t.encodings().length == 1 ? stats.bitrateInBps(t.kind().ordinal()) : e.measuredBps,
                        rs.packets, rs.bytes, rs.cumulativeLost(), rs.fractionLost(), rs.jitterSeconds() * 1000,
                        e.height));
            }
        }
        List<EndpointStatsView.Outbound> outbound = new ArrayList<>();
        synchronized (this) {
            for (Slot slot : slots) {
                Subscription sub = slot.subscription;
                if (sub != null) {
                    outbound.add(new EndpointStatsView.Outbound(sub.source().endpointId(), slot.kind.sdpName(), slot.mid,
                            Integer.toUnsignedLong(sub.outSsrc()), sub.packetsSent, sub.bytesSent,
                            sub.reportedFractionLost, sub.reportedJitterSeconds * 1000, sub.rttNs < 0 ? null : sub.rttNs / 1e6,
                            sub.video() == null ? null : sub.video().targetEncoding(),
                            sub.video() == null ? null : sub.video().currentEncoding(),
                            sub.video() == null ? null : sub.video().currentTemporal()));
                }
            }
        }
        return new EndpointStatsView(endpoint.id(), endpoint.displayName(), transport.isSrtpReady(),
                ice.selectedPair(), transport.srtpProfileName(), stats.bitrateInBps(), stats.bitrateOutBps(),
                stats.rtpPacketsIn + stats.rtcpPacketsIn, stats.rtpPacketsOut + stats.rtcpPacketsOut,
                stats.rtpBytesIn + stats.rtcpBytesIn, stats.rtpBytesOut + stats.rtcpBytesOut,
                rttNs < 0 ? null : rttNs / 1e6, downlinkEstimateBps < 0 ? null : (double) downlinkEstimateBps,
                inbound, outbound);
    }

    /** Subscriptions' reported loss, for the bridge-wide outgoing loss gauge. */
    synchronized void collectReportedLoss(double[] sumAndCount) {
        for (Slot slot : slots) {
            Subscription sub = slot.subscription;
            if (sub != null && sub.packetsSent > 0) {
                sumAndCount[0] += sub.reportedFractionLost;
                sumAndCount[1] += 1;
            }
        }
    }

    /**
     * Hands a copy of a received packet to this (subscriber) session's worker for sending. When the
     * caller already runs on that worker (the publisher and this subscriber share it), the packet is
     * handled right here: same thread, same order, but no queue and no wake-up (the load generator
     * measured 15-20 % less CPU per forwarded packet with one worker than with two, mostly that).
     */
    void forward(Packet p) {
        if (!worker.isWorkerThread()) {
            worker.offer(p);
            return;
        }
        try {
            p.handler.handle(p);
        } catch (RuntimeException e) {
            // as PacketWorker does: one subscriber's failure must not stop the publisher's fan-out
            LOG.warn("forwarding to endpoint={} failed", endpoint.id(), e);
        }
    }

    SourceTrack track(MediaKind kind) {
        return kind == MediaKind.AUDIO ? audioTrack : videoTrack;
    }
}
