package io.junction.bridge.conference;

import io.junction.bridge.forward.Allocator;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.pipeline.EndpointStreams;
import io.junction.bridge.pipeline.MediaPath;
import io.junction.bridge.pipeline.Sender;
import io.junction.bridge.sdp.ClientOfferReader;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.transport.EndpointTransport;
import io.junction.bridge.transport.ice.IceTransport;
import io.junction.bridge.worker.PacketWorker;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media side of one endpoint, wiring three parts: its transport (ICE, DTLS, SRTP:
 * {@link EndpointTransport}), its packet path ({@link MediaPath}: receive stages, sender, downlink
 * allocation) and its {@link Negotiation} (which m-line carries what, offer/answer). It keeps the
 * media model the three share: the tracks this endpoint publishes and the subscriptions it receives.
 *
 * <p>Threading: signaling state is guarded by this object's monitor (control plane only). The packet
 * path runs on this endpoint's {@link PacketWorker} and reads control-plane state only through the
 * volatile tables of {@link EndpointStreams}.
 */
final class MediaSession implements IceTransport.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(MediaSession.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final long sessionId = RANDOM.nextLong() & Long.MAX_VALUE;

    private final Endpoint endpoint;
    private final MediaCore core;
    private final PacketWorker worker;
    private long lastIceRestartNs;
    private final EndpointTransport transport;
    private final MediaPath path;
    private final EndpointStreams streams;
    /** Replaced under this monitor (a WHIP or WHEP client's offer); volatile as the forwarding tick reads a viewer's. */
    private volatile Negotiation negotiation = new BridgeOffers();
    final EndpointStats stats = new EndpointStats();

    // ---- control-plane state, guarded by this ----
    private EndpointSignaling signaling;
    private final PublishedTracks published;
    private boolean answered;
    /** Set under this monitor; volatile as a viewer's stage moves check it on the worker without the monitor. */
    private volatile boolean closed;

    MediaSession(Endpoint endpoint, MediaCore core) throws IOException {
        this.endpoint = endpoint;
        this.core = core;
        Conference conference = endpoint.conference();
        this.worker = conference.packetWorker(core);
        IceTransport ice = new IceTransport(core.port(), endpoint.id(), this, worker);
        this.transport = new EndpointTransport(core.transportResources(),
                "conference=" + conference.id() + " endpoint=" + endpoint.id(), ice, worker, conference.mediaCounters(),
                this::onTransportFailed);
        this.path = new MediaPath(endpoint.id(), transport, worker, conference.sendWorker(core), core.pathContext(), stats,
                conference.mediaCounters(),
                conference.forwarding());
        this.streams = path.streams();
        this.published = new PublishedTracks(endpoint.id(), streams, path.keyframes());
        // Replay what arrived before the keys; the keyframes to start with are asked for by the fan-out
        // as soon as a subscription's projection has a layer it does not forward yet.
        transport.onKeysInstalled(path.receive()::keysInstalled);
    }

    Endpoint endpoint() {
        return endpoint;
    }

    long sessionId() {
        return sessionId;
    }

    EndpointTransport transport() {
        return transport;
    }

    /** The latest round-trip time measured toward this endpoint (ns), -1 until measured. */
    long rttNs() {
        return streams.rttNs;
    }

    // ---------------------------------------------------------------- ICE callbacks (ice4j threads)

    @Override
    public void onDatagram(byte[] buf, int off, int len, long receivedNs) {
        transport.onDatagram(buf, off, len, receivedNs, path.receive());
    }

    @Override
    public void onConsentCheck(long receivedNs) {
        transport.alive(receivedNs);
    }

    @Override
    public void onIceConnected(String selectedPair) {
        core.counters().iceSucceeded.increment();
        if (transport.ice().overTcp()) {
            core.counters().iceTcpConnected.increment();
        }
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

    private void onTransportFailed(String code, String message) {
        tellClient(code, message);
        endpoint.conference().removeEndpoint(endpoint.id(), RemovalReason.DTLS_FAILED);
    }

    private void tellClient(String code, String message) {
        EndpointSignaling s;
        synchronized (this) {
            s = signaling;
        }
        if (s != null) {
            s.sendError(code, message);
        }
    }

    /** Housekeeping: whether ICE has still not connected {@code timeoutNs} after the client's answer. */
    boolean iceConnectTimedOut(long nowNs, long timeoutNs) {
        long started = transport.startedNs();
        return started != 0 && !transport.ice().isConnected() && nowNs - started > timeoutNs;
    }

    /**
     * Fails an endpoint whose ICE never connected, as an ICE failure (DTLS cannot start without a
     * path, and its later timeout would name the wrong layer), telling the client what was missing.
     */
    void failIceConnect(java.time.Duration timeout) {
        StringBuilder where = new StringBuilder();
        for (io.junction.bridge.transport.ice.LocalCandidateInfo c : core.port().candidates()) {
            where.append(where.length() == 0 ? "" : ", ").append(c.tcp() ? "tcp " : "udp ").append(c.address())
                    .append(':').append(c.port());
        }
        String message = "ICE did not connect within " + timeout.toSeconds() + " s: "
                + (transport.ice().checkArrived() ? "connectivity checks arrived but no candidate pair answered"
                : "no connectivity check arrived from the client")
                + "; can it reach " + where + "?";
        tellClient("ice-failed", message);
        onIceFailed(transport.ice().checkArrived() ? "connect timeout after checks" : "connect timeout, no check arrived");
    }

    // ---------------------------------------------------------------- signaling

    /** Attaches a signaling channel and sends it a full offer. Returns the previous channel, if any. */
    EndpointSignaling attach(EndpointSignaling s) {
        EndpointSignaling previous;
        synchronized (this) {
            previous = signaling;
            signaling = s;
            negotiation.restart(); // a new channel (e.g. a reconnect) gets a fresh offer whatever was outstanding
        }
        endpoint.conference().mediaAttached(endpoint);
        maybeSendOffer();
        return previous;
    }

    synchronized boolean hasSignaling() {
        return signaling != null;
    }

    synchronized void detach(EndpointSignaling s) {
        if (signaling == s) {
            signaling = null;
        }
    }

    /** The client negotiated redundant audio (its last answer); new audio subscriptions follow it. */
    private volatile boolean takesRed;
    /** The client negotiated the dependency descriptor on forwarded video (its last answer). */
    private volatile boolean takesDependencyDescriptor;
    /** The video codecs the client can decode, from its last answer (null before one). */
    private volatile java.util.Set<String> decodableVideoCodecs;

    /** The video codecs the client decodes, as its last answer said; null before its first answer. */
    java.util.Set<String> decodableVideoCodecs() {
        return decodableVideoCodecs;
    }

    /** Handles the client's answer to offer {@code rev}. */
    void onAnswer(int rev, String sdp) throws AnswerException {
        List<SourceTrack> newTracks = new ArrayList<>();
        List<SourceTrack> endedTracks = new ArrayList<>();
        List<Subscription> activated = new ArrayList<>();
        boolean codecsChanged;
        synchronized (this) {
            if (closed) {
                throw new AnswerException("bad-message", "endpoint is closed");
            }
            ClientAnswer answer = negotiation.read(rev, sdp);
            codecsChanged = !answer.videoCodecs().equals(decodableVideoCodecs);
            decodableVideoCodecs = answer.videoCodecs();
            takesRed = answer.audioRed();
            takesDependencyDescriptor = answer.dependencyDescriptor();
            for (Subscription s : negotiation.subscriptions()) {
                s.setUnwrapRed(!takesRed);
                s.setDependencyDescriptor(takesDependencyDescriptor);
            }
            if (!answered) {
                transport.start(answer.iceUfrag(), answer.icePassword(), answer.fingerprintSha256());
                answered = true;
            } else {
                String changed = transport.changedCredentials(answer.iceUfrag(), answer.fingerprintSha256());
                if (changed != null) {
                    throw new AnswerException("bad-sdp", changed);
                }
                if (transport.isRestarting()) {
                    transport.restartWith(answer.iceUfrag(), answer.icePassword());
                    LOG.info("ice restarting conference={} endpoint={}", endpoint.conference().id(), endpoint.id());
                }
            }
            published.update(MediaKind.AUDIO, negotiation.publishMid(MediaKind.AUDIO), answer.audioSend(), newTracks,
                    endedTracks);
            published.update(MediaKind.VIDEO, negotiation.publishMid(MediaKind.VIDEO), answer.videoSend(), newTracks,
                    endedTracks);
            published.update(MediaKind.VIDEO, true, negotiation.publishScreenMid(), answer.screenSend(), newTracks,
                    endedTracks);
            for (Subscription s : negotiation.settle()) {
                if (!s.isRemoved() && !s.isActive()) {
                    s.activate();
                    activated.add(s);
                }
            }
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
        if (codecsChanged) {
            endpoint.conference().videoCodecsChanged();
        }
    }

    /**
     * A client that makes the offer and only publishes (WHIP): answers {@code sdp} at once and starts
     * ICE (the client controls it, RFC 8445 §6.1.1) and the DTLS server. Its tracks are published as
     * for an SDK client's answer; its payload types and extension ids are renumbered at ingress.
     * Once only, before any signaling.
     */
    String acceptOffer(String sdp) throws AnswerException {
        List<SourceTrack> newTracks = new ArrayList<>();
        String answer;
        synchronized (this) {
            ClientOffers n = ClientOffers.of(readClientOffer(sdp, false));
            negotiation = n;
            streams.ingestMap = n.ingestMap();
            answer = startClientOffered(n.offer(), null);
            List<SourceTrack> ended = new ArrayList<>();
            published.update(MediaKind.AUDIO, n.publishMid(MediaKind.AUDIO), n.sends(MediaKind.AUDIO), newTracks, ended);
            published.update(MediaKind.VIDEO, n.publishMid(MediaKind.VIDEO), n.sends(MediaKind.VIDEO), newTracks, ended);
        }
        for (SourceTrack t : newTracks) {
            endpoint.conference().trackPublished(t);
        }
        return answer;
    }

    /**
     * A viewer (WHEP): answers its receive-only offer {@code sdp} at once and starts ICE (controlled)
     * and the DTLS server. It gets one audio and one video m-line, sent under SSRCs fixed here; what
     * flows on them follows the stage ({@link #followStage}). The client's payload types and extension
     * ids are kept in the answer and every packet to it is renumbered on the way out. Once only.
     */
    String acceptViewerOffer(String sdp, String pinnedEndpointId) throws AnswerException {
        String answer;
        synchronized (this) {
            ClientOfferReader.Offer offer = readClientOffer(sdp, true);
            StageViewer v = StageViewer.of(offer, pinnedEndpointId, this::randomSsrc,
                    "junction-stage-" + endpoint.id());
            negotiation = v;
            path.sender().setEgressMap(v.egressMap());
            answer = startClientOffered(v.offer(), v.sending());
            // what the viewer decodes counts like a participant's: publishers fall back to a codec it has
            decodableVideoCodecs = viewerVideoCodecs(offer);
        }
        if (decodableVideoCodecs != null) {
            endpoint.conference().videoCodecsChanged();
        }
        return answer;
    }

    /** The video codecs a viewer's offer takes (canonical names), or null when it takes no video. */
    private static java.util.Set<String> viewerVideoCodecs(ClientOfferReader.Offer offer) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (ClientOfferReader.Section s : offer.accepted()) {
            if (s.kind().equals("video")) {
                for (ClientOfferReader.Choice c : s.choices()) {
                    String name = io.junction.bridge.codec.CodecCatalog.videoCodecName(c.codec().name());
                    if (name != null) {
                        out.add(name);
                    }
                }
            }
        }
        return out.isEmpty() ? null : java.util.Set.copyOf(out);
    }

    /** Under this monitor: the offer of a client that offers (WHIP, WHEP), once, before anything else. */
    private ClientOfferReader.Offer readClientOffer(String sdp, boolean viewer) throws AnswerException {
        if (closed) {
            throw new AnswerException("bad-message", "endpoint is closed");
        }
        if (answered) {
            throw new AnswerException("bad-message", "an offer was already answered");
        }
        try {
            return viewer ? ClientOfferReader.readViewer(sdp)
                    : ClientOfferReader.read(sdp, endpoint.conference().publishVideoCodecs());
        } catch (io.junction.bridge.sdp.SdpException e) {
            throw new AnswerException("bad-sdp", e.getMessage());
        }
    }

    /**
     * Under this monitor: the answer to a client's offer ({@code sending}: what the bridge sends a
     * viewer, null for a publisher); ICE starts controlled (the client offered, so it controls, RFC
     * 8445 §6.1.1) with the DTLS server.
     */
    private String startClientOffered(ClientOfferReader.Offer offer,
                                      java.util.Map<String, io.junction.bridge.sdp.AnswerWriter.Sending> sending) {
        String answer = SdpGlue.writeAnswer(this, offer, sending);
        transport.ice().setControlling(false);
        transport.start(offer.iceUfrag(), offer.icePassword(), offer.fingerprintSha256());
        answered = true;
        return answer;
    }

    /** The participant a viewer always sees, or null (the stage; or not a viewer). Lock-free. */
    String pinnedEndpointId() {
        return negotiation instanceof StageViewer v ? v.pinnedEndpointId : null;
    }

    /** The video to show of this endpoint (its screen share, else its camera), lock-free; or null. */
    SourceTrack shownVideo() {
        return streams.shownVideo();
    }

    /**
     * Conference worker (the forwarding tick): a viewer's audio and video follow {@code audio} and
     * {@code video} (null: keep what it has). The first time, its subscriptions are made; afterwards
     * they move ({@link Subscription#retarget}), video completing at the new source's keyframe. Not
     * before SRTP is up, so the first keyframe is not sent into the void.
     *
     * <p>Without this object's monitor: the worker must never wait for a control thread (one answering
     * an offer holds the monitor while the DTLS server starts). A viewer's subscriptions are written
     * only here, on the worker; {@link #close} may run meanwhile, so a subscription made or moved here
     * is checked against {@code closed} afterwards and let go when the viewer closed (whichever of the
     * two sees the other's write removes it; removing twice is harmless).
     */
    void followStage(SourceTrack audio, SourceTrack video) {
        if (closed || !(negotiation instanceof StageViewer v) || !transport.isSrtpReady()) {
            return;
        }
        v.audio = follow(v.audio, audio, v.audioMid, v.audioSsrc, 0);
        v.video = follow(v.video, video, v.videoMid, v.videoSsrc, v.videoRtxSsrc);
        if (v.video != null) {
            v.video.finishMove();
        }
        if (closed) {
            for (Subscription s : v.subscriptions()) {
                s.markRemoved();
                s.source().removeSubscription(s);
                if (s.leaving() != null) {
                    s.leaving().removeSubscription(s);
                }
            }
        }
    }

    /** Worker: {@code sub} (null: none yet) now receives {@code to}. */
    private Subscription follow(Subscription sub, SourceTrack to, String mid, int ssrc, int rtxSsrc) {
        if (mid == null || to == null || (sub != null && (sub.source() == to || sub.isRemoved()))) {
            return sub;
        }
        if (sub == null) {
            sub = new Subscription(to, endpoint.id(), ssrc, rtxSsrc, mid, RANDOM.nextInt(0x10000), RANDOM.nextInt(),
                    path.sinks());
            sub.activate();
            streams.subscriptionsByOutSsrc = streams.subscriptionsByOutSsrc.with(ssrc, sub);
            if (to.kind() == MediaKind.VIDEO) {
                path.allocation().setVideoSubscriptions(new Subscription[] {sub});
            }
            to.addSubscription(sub);
        } else {
            sub.retarget(to);
        }
        core.counters().stageMoves.increment();
        LOG.debug("stage conference={} viewer={} kind={} source={}", endpoint.conference().id(), endpoint.id(),
                to.kind().sdpName(), to.endpointId());
        return sub;
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
        return published.all();
    }

    /** The published track of {@code kind}, lock-free (the forwarding tick reads it on the worker). */
    SourceTrack track(MediaKind kind) {
        return streams.published(kind);
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

    private synchronized void addSubscription(SourceTrack source) {
        if (closed) {
            return;
        }
        for (Subscription s : negotiation.subscriptions()) {
            if (s.source() == source) {
                return;
            }
        }
        String mid = negotiation.reserve(source.kind());
        if (mid == null) {
            return; // receives nothing (a WHIP publisher)
        }
        int outSsrc = randomSsrc();
        int outRtxSsrc = source.kind() == MediaKind.VIDEO ? randomSsrc() : 0;
        Subscription sub = new Subscription(source, endpoint.id(), outSsrc, outRtxSsrc, mid,
                RANDOM.nextInt(0x10000), RANDOM.nextInt(), path.sinks());
        sub.setUnwrapRed(!takesRed);
        sub.setDependencyDescriptor(takesDependencyDescriptor);
        negotiation.bind(mid, sub);
        streams.subscriptionsByOutSsrc = streams.subscriptionsByOutSsrc.with(outSsrc, sub);
        refreshVideoSubscriptions();
        source.addSubscription(sub);
    }

    /** Removes every subscription to {@code source} (its publisher left); frees the slot for reuse. */
    void unsubscribe(SourceTrack source) {
        synchronized (this) {
            if (negotiation instanceof StageViewer) {
                return; // a viewer's subscriptions move to the next stage source instead (followStage)
            }
            for (Subscription sub : negotiation.subscriptions()) {
                if (sub.source() == source) {
                    sub.markRemoved();
                    source.removeSubscription(sub);
                    streams.subscriptionsByOutSsrc = streams.subscriptionsByOutSsrc.without(sub.outSsrc());
                    negotiation.release(sub);
                    refreshVideoSubscriptions();
                    Sender sender = path.sender();
                    worker.execute(() -> {
                        sender.sendBye(sub);
                        Sender.releaseRetransmissions(sub);
                    });
                }
            }
        }
        maybeSendOffer();
    }

    /** Under this monitor: republishes the video subscriptions for the allocator. */
    private void refreshVideoSubscriptions() {
        List<Subscription> v = new ArrayList<>();
        for (Subscription s : negotiation.subscriptions()) {
            if (s.source().kind() == MediaKind.VIDEO) {
                v.add(s);
            }
        }
        path.allocation().setVideoSubscriptions(v.toArray(new Subscription[0]));
    }

    // ---------------------------------------------------------------- layer allocation (worker)

    /** Replaces the receiver's constraints (signaling thread); the next allocation applies them. */
    void setConstraints(Allocator.Constraints c) {
        path.allocation().setConstraints(c);
        worker.execute(() -> allocate(System.nanoTime()));
    }

    Allocator.Constraints constraints() {
        return path.allocation().constraints();
    }

    /** On the conference's worker: this receiver's layer allocation (see {@link io.junction.bridge.pipeline.DownlinkAllocation}). */
    void allocate(long nowNs) {
        path.allocation().allocate(nowNs, endpoint.conference().speakerRanking());
    }

    private int randomSsrc() {
        int ssrc;
        do {
            ssrc = RANDOM.nextInt();
        } while (ssrc == 0 || streams.subscriptionsByOutSsrc.get(ssrc) != null);
        return ssrc;
    }

    /**
     * The client asks for a new offer (to start or stop a screen share: it answers the screen m-line
     * sendonly or inactive); sent at once, or after the outstanding one is answered.
     */
    void requestOffer() {
        synchronized (this) {
            negotiation.changed();
        }
        maybeSendOffer();
    }

    /**
     * The client asks for an ICE restart (its network changed, or its connection failed): a new ICE
     * agent with new credentials goes into the next offer; the endpoint keeps its tracks,
     * subscriptions, SSRCs, DTLS and SRTP. At most one every two seconds.
     */
    void restartIce() {
        synchronized (this) {
            long now = System.nanoTime();
            if (closed || !answered || now - lastIceRestartNs < 2_000_000_000L) {
                return;
            }
            lastIceRestartNs = now;
            try {
                transport.replaceIce(new IceTransport(core.port(), endpoint.id(), this, worker));
            } catch (java.io.IOException e) {
                LOG.warn("ice restart failed conference={} endpoint={}", endpoint.conference().id(), endpoint.id(), e);
                return;
            }
            negotiation.changed();
        }
        core.counters().iceRestarts.increment();
        LOG.info("ice restart offered conference={} endpoint={}", endpoint.conference().id(), endpoint.id());
        maybeSendOffer();
    }

    /** Sends a new offer when the state changed and no offer is outstanding. */
    private void maybeSendOffer() {
        EndpointSignaling s;
        Offer offer;
        synchronized (this) {
            if (closed || signaling == null) {
                return;
            }
            offer = negotiation.nextOffer(this);
            if (offer == null) {
                return;
            }
            s = signaling;
        }
        s.sendOffer(offer);
    }

    // ---------------------------------------------------------------- teardown

    /** Stops media: ends published tracks, drops subscriptions, closes the transport. */
    List<SourceTrack> close() {
        List<SourceTrack> ended = new ArrayList<>();
        List<Subscription> subs;
        synchronized (this) {
            if (closed) {
                return ended;
            }
            closed = true;
            ended.addAll(published.all());
            subs = negotiation.subscriptions();
            for (Subscription sub : subs) {
                negotiation.release(sub);
            }
            path.allocation().setVideoSubscriptions(new Subscription[0]);
            signaling = null;
        }
        for (SourceTrack t : ended) {
            t.end();
        }
        for (Subscription sub : subs) {
            sub.markRemoved();
            sub.source().removeSubscription(sub);
            if (sub.leaving() != null) {
                sub.leaving().removeSubscription(sub); // a viewer in the middle of a move
            }
        }
        worker.execute(() -> subs.forEach(Sender::releaseRetransmissions));
        transport.close();
        transport.ice().close();
        worker.execute(path.receive()::releasePending);
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
            for (Subscription sub : negotiation.subscriptions()) {
                outbound.add(new EndpointStatsView.Outbound(sub.source().endpointId(), sub.source().kind().sdpName(),
                        sub.mid(), Integer.toUnsignedLong(sub.outSsrc()), sub.packetsSent, sub.bytesSent,
                        sub.reportedFractionLost, sub.reportedJitterSeconds * 1000, sub.rttNs < 0 ? null : sub.rttNs / 1e6,
                        sub.video() == null ? null : sub.video().targetEncoding(),
                        sub.video() == null ? null : sub.video().currentEncoding(),
                        sub.video() == null ? null : sub.video().currentTemporal(),
                        sub.video() == null || sub.video().currentSpatial() < 0 ? null
                                : sub.video().targetSpatial() == VideoProjection.ALL_SPATIAL ? null : sub.video().targetSpatial(),
                        sub.video() == null || sub.video().currentSpatial() < 0 ? null : sub.video().currentSpatial()));
            }
        }
        long rtt = streams.rttNs;
        long estimate = path.allocation().downlinkEstimateBps();
        return new EndpointStatsView(endpoint.id(), endpoint.displayName(), transport.isSrtpReady(),
                transport.ice().selectedPair(), transport.srtpProfileName(), stats.bitrateInBps(), stats.bitrateOutBps(),
                stats.rtpPacketsIn + stats.rtcpPacketsIn, stats.rtpPacketsOut + stats.rtcpPacketsOut,
                stats.rtpBytesIn + stats.rtcpBytesIn, stats.rtpBytesOut + stats.rtcpBytesOut,
                rtt < 0 ? null : rtt / 1e6, estimate < 0 ? null : (double) estimate, stats.transportCcFeedbackIn, inbound,
                outbound);
    }

    /** Subscriptions' reported loss, for the bridge-wide outgoing loss gauge. */
    synchronized void collectReportedLoss(double[] sumAndCount) {
        for (Subscription sub : negotiation.subscriptions()) {
            if (sub.packetsSent > 0) {
                sumAndCount[0] += sub.reportedFractionLost;
                sumAndCount[1] += 1;
            }
        }
    }
}
