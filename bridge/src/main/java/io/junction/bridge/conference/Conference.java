package io.junction.bridge.conference;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import io.junction.bridge.forward.SourceTrack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of endpoints whose media is forwarded to each other. Membership changes are control-plane
 * operations serialised on this object; readers (REST, stats) see a concurrent map.
 */
public final class Conference {
    private static final Logger LOG = LoggerFactory.getLogger(Conference.class);

    private final String id;
    private final String name;
    private final Instant createdAt;
    private final Bridge bridge;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    /** Copies of {@link #endpoints} and the viewers, replaced under this monitor on every change: the forwarding tick reads them without allocating. */
    private volatile Endpoint[] participantArray = new Endpoint[0];
    private volatile Endpoint[] viewerArray = new Endpoint[0];
    /** WHEP viewers: endpoints that play the stage, kept apart from the participants. */
    private final Map<String, Endpoint> viewers = new ConcurrentHashMap<>();
    /**
     * Relay endpoints: one per other bridge that serves this conference too, receiving what this
     * bridge's own participants publish (never what reached this bridge over a relay). Not participants.
     */
    private final Map<String, Endpoint> relays = new ConcurrentHashMap<>();
    private volatile Endpoint[] relayArray = new Endpoint[0];
    /** The receiving ends of relays from other bridges, by bridge id. */
    private final Map<String, RelayLink> links = new ConcurrentHashMap<>();
    /** {@link #links}' values, replaced when one opens or closes (read by the forwarding tick). */
    private volatile RelayLink[] linkArray = new RelayLink[0];
    /** Made here for a conference another bridge holds (its id and name): this bridge's part of it. */
    private volatile boolean mirror;
    /** Participants served here (not remote), under this monitor: the conference is idle without them. */
    private int localEndpoints;
    /** The participant an operator put on stage for viewers (null: the dominant speaker). */
    private volatile String stage;
    private final List<ConferenceListener> listeners = new CopyOnWriteArrayList<>();
    private volatile long emptySinceMs;
    private volatile boolean ended;
    private final io.junction.bridge.stats.ConferenceCounters mediaCounters = new io.junction.bridge.stats.ConferenceCounters();
    private final io.junction.bridge.stats.ConferenceRates rates =
            new io.junction.bridge.stats.ConferenceRates(mediaCounters, System.nanoTime());

    /** The packet worker every endpoint of this conference runs on (chosen at the first media session). */
    private io.junction.bridge.worker.PacketWorker worker;

    /**
     * The conference's packet worker. All its endpoints share one worker, as a mediasoup router lives
     * in one worker: forwarding inside a conference then never crosses threads (no queue hand-off, no
     * wake-up), and conferences spread over the workers.
     */
    synchronized io.junction.bridge.worker.PacketWorker packetWorker(MediaCore core) {
        if (worker == null) {
            worker = core.workers().assign();
        }
        return worker;
    }

    /**
     * Where a new endpoint's RTP is protected and sent: null (on the conference's worker), unless
     * {@code -Djunction.spread-sends-after=N} is set and the conference has more than N endpoints:
     * then each new one gets another worker in turn, so one large conference (a live stream to
     * hundreds) protects and sends on every core while its forwarding decisions stay on one thread.
     * Off by default: on this project's 2-core test box, shared with the load generator, the hand-off
     * cost more than it gave (docs/performance.md, "One conference on several cores").
     */
    synchronized io.junction.bridge.worker.PacketWorker sendWorker(MediaCore core) {
        int after = SPREAD_SENDS_AFTER;
        java.util.List<io.junction.bridge.worker.PacketWorker> all = core.workers().all();
        if (after < 0 || all.size() < 2 || endpoints.size() + viewers.size() <= after) {
            return null;
        }
        io.junction.bridge.worker.PacketWorker own = packetWorker(core);
        io.junction.bridge.worker.PacketWorker w = own;
        for (int i = 0; i < all.size() && w == own; i++) { // the others, in turn
            w = all.get(Math.floorMod(nextSendWorker++, all.size()));
        }
        return w;
    }

    private int nextSendWorker;
    static final int SPREAD_SENDS_AFTER = Integer.getInteger("junction.spread-sends-after", -1);

    private final ConferenceForwarding forwarding;
    /** The video codecs this conference offers, in order of preference (configured or set at creation). */
    private final List<String> videoCodecs;
    /** What publishers are offered now: {@link #videoCodecs} that every participant decodes. */
    private volatile List<String> publishVideoCodecs;

    /**
     * {@code videoCodecs}: this conference's codecs in order of preference, canonical and checked
     * ({@link io.junction.bridge.BridgeConfig#checkVideoCodecs}, done by {@link Bridge#createConference});
     * null: the bridge's configured ones.
     */
    Conference(String id, String name, Instant createdAt, Bridge bridge, long nowMs, List<String> videoCodecs) {
        this.id = id;
        this.name = name == null ? "" : name;
        this.createdAt = createdAt;
        this.bridge = bridge;
        this.emptySinceMs = nowMs;
        this.forwarding = new ConferenceForwarding(this, bridge.media());
        this.videoCodecs = videoCodecs == null ? bridge.config().forwarding().videoCodecs() : videoCodecs;
        this.publishVideoCodecs = this.videoCodecs;
    }

    /** The video codecs this conference offers, in order of preference. */
    public List<String> videoCodecs() {
        return videoCodecs;
    }

    /**
     * What publishers may send now: the conference's codecs that every participant that answered can
     * decode, in order; all of them when no codec suits everyone (each then decodes what it can).
     */
    public List<String> publishVideoCodecs() {
        return publishVideoCodecs;
    }

    /**
     * A participant told what it decodes (its answer; a viewer: its offer), or left: recomputes what publishers may send, and
     * when that changed, offers every participant again (publishers then fall back or return to a
     * preferred codec).
     */
    void videoCodecsChanged() {
        List<String> next;
        synchronized (this) {
            List<String> common = new java.util.ArrayList<>(videoCodecs);
            java.util.List<Endpoint> all = new java.util.ArrayList<>(endpoints.values());
            all.addAll(viewers.values()); // a WHEP viewer decodes only what its offer took
            for (Endpoint e : all) {
                MediaSession m = e.mediaSession();
                java.util.Set<String> decodes = m == null ? null : m.decodableVideoCodecs();
                if (decodes != null) {
                    common.retainAll(decodes);
                }
            }
            next = common.isEmpty() ? videoCodecs : List.copyOf(common);
            if (next.equals(publishVideoCodecs)) {
                return;
            }
            LOG.info("video codecs for publishers conference={} codecs={} (was {})", id, next, publishVideoCodecs);
            publishVideoCodecs = next;
        }
        for (Endpoint e : endpoints.values()) {
            MediaSession m = e.mediaSession();
            if (m != null) {
                m.requestOffer();
            }
        }
    }

    /** Speech activity and layer allocation of this conference (runs on its packet worker). */
    ConferenceForwarding forwarding() {
        return forwarding;
    }

    /** Endpoint ids by speech activity, dominant speaker first (immutable snapshot). */
    List<String> speakerRanking() {
        return forwarding.ranking();
    }

    /** The current dominant speaker, or null before anyone spoke. */
    public String dominantSpeaker() {
        return forwarding.dominantSpeaker();
    }

    /** Control timer: schedules a forwarding tick on the conference's worker. */
    void tick() {
        io.junction.bridge.worker.PacketWorker w;
        synchronized (this) {
            w = worker;
        }
        if (w != null && !ended) {
            w.execute(() -> forwarding.tick(System.nanoTime()));
        }
    }

    /** Tells the listeners (signaling) that an endpoint's announced mute state changed. */
    void muteChanged(Endpoint endpoint) {
        if (ended || endpoints.get(endpoint.id()) != endpoint) {
            return;
        }
        for (ConferenceListener l : listeners) {
            l.endpointMuteChanged(endpoint);
        }
    }

    /** Control thread: tells the listeners (signaling) who speaks now. */
    void dominantSpeakerChanged(String endpointId) {
        if (ended || !endpoints.containsKey(endpointId)) {
            return;
        }
        LOG.debug("dominant speaker conference={} endpoint={}", id, endpointId);
        for (ConferenceListener l : listeners) {
            l.dominantSpeakerChanged(this, endpointId);
        }
    }

    public String id() {
        return id;
    }

    Bridge bridge() {
        return bridge;
    }

    /** RTP bytes and packets received from and sent to this conference's endpoints. */
    public io.junction.bridge.stats.ConferenceCounters mediaCounters() {
        return mediaCounters;
    }

    public String name() {
        return name;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public boolean isEnded() {
        return ended;
    }

    /** The endpoints currently in the conference, in no particular order. */
    public Collection<Endpoint> endpoints() {
        return List.copyOf(endpoints.values());
    }

    public int endpointCount() {
        return endpoints.size();
    }

    public Optional<Endpoint> endpoint(String endpointId) {
        return endpointId == null ? Optional.empty() : Optional.ofNullable(endpoints.get(endpointId));
    }

    public void addListener(ConferenceListener listener) {
        listeners.add(listener);
    }

    public void removeListener(ConferenceListener listener) {
        listeners.remove(listener);
    }

    /** Participants and viewers now (a new list): what has a media session to expire, sample or end. */
    private List<Endpoint> endpointsAndViewers() {
        List<Endpoint> all = new ArrayList<>(endpoints.values());
        all.addAll(viewers.values());
        all.addAll(relays.values());
        return all;
    }

    /** The participants now, as an array the caller must not change (the forwarding tick's view, no copy). */
    Endpoint[] participantArray() {
        return participantArray;
    }

    /** The viewers now, as {@link #participantArray}. */
    Endpoint[] viewerArray() {
        return viewerArray;
    }

    /** The relay endpoints now, as {@link #participantArray}. */
    Endpoint[] relayArray() {
        return relayArray;
    }

    // ---------------------------------------------------------------- relays between bridges

    /**
     * Adds a relay endpoint for bridge {@code peer} (at most one: an existing one is replaced): the
     * other bridge connects to it as a client would and receives, as ordinary subscriptions, every
     * track this bridge's own participants publish. It is not a participant: not listed, not
     * announced, not ranked, outside {@code max-endpoints}.
     */
    public Endpoint addRelay(String peer) throws LimitExceededException {
        Endpoint relay;
        Endpoint previous = null;
        synchronized (this) {
            if (ended) {
                throw new LimitExceededException(LimitExceededException.Kind.DRAINING, "conference has ended");
            }
            for (Endpoint r : relays.values()) {
                if (r.relayPeer().equals(peer)) {
                    previous = r;
                }
            }
            String relayId;
            do {
                relayId = Ids.next();
            } while (endpoints.containsKey(relayId) || viewers.containsKey(relayId) || relays.containsKey(relayId));
            relay = new Endpoint(relayId, this, "relay to " + peer, bridge.now(), false, peer, null);
            relays.put(relayId, relay);
            relayArray = relays.values().toArray(new Endpoint[0]);
        }
        if (previous != null) {
            removeEndpoint(previous.id(), RemovalReason.REMOVED);
        }
        LOG.info("relay endpoint created conference={} endpoint={} peer={}", id, relay.id(), peer);
        return relay;
    }

    void markMirror() {
        mirror = true;
    }

    /** Whether another bridge holds this conference and this is this bridge's part of it (see {@link Bridge#mirrorOpenRoom}). */
    public boolean isMirror() {
        return mirror;
    }

    /** Whether relays connect this conference to other bridges (either way). */
    public boolean isRelayed() {
        return !relays.isEmpty() || !links.isEmpty();
    }

    /** The participants served by this bridge (not the remote ones). */
    public int localEndpointCount() {
        synchronized (this) {
            return localEndpoints;
        }
    }

    /** A relay endpoint by id. */
    public Optional<Endpoint> relay(String relayId) {
        return relayId == null ? Optional.empty() : Optional.ofNullable(relays.get(relayId));
    }

    /** The relay endpoints (one per bridge this one relays to). */
    public Collection<Endpoint> relays() {
        return List.copyOf(relays.values());
    }

    private boolean removeRelay(String relayId, RemovalReason reason) {
        Endpoint relay;
        synchronized (this) {
            relay = relays.remove(relayId);
            if (relay == null) {
                return false;
            }
            relayArray = relays.values().toArray(new Endpoint[0]);
            relay.markRemoved(reason);
            if (localEndpoints == 0 && viewers.isEmpty()) {
                emptySinceMs = bridge.nowMs();
            }
        }
        LOG.info("relay endpoint removed conference={} endpoint={} peer={} reason={}", id, relayId, relay.relayPeer(),
                reason.wireName());
        relay.closeMedia();
        return true;
    }

    /**
     * The receiving end of the relay from bridge {@code peer}, made when missing: it answers the offers
     * of that bridge's relay endpoint for us ({@link RelayLink#answer}) and brings that bridge's
     * participants into this conference as remote participants.
     */
    public RelayLink openRelayFrom(String peer) throws java.io.IOException {
        synchronized (this) {
            if (ended) {
                throw new java.io.IOException("conference has ended");
            }
            RelayLink existing = links.get(peer);
            if (existing != null && !existing.isClosed()) {
                return existing;
            }
            RelayLink link = new RelayLink(this, peer, bridge.media());
            links.put(peer, link);
            linkArray = links.values().toArray(new RelayLink[0]);
            return link;
        }
    }

    /** The receiving ends of relays from other bridges. */
    public Collection<RelayLink> relayLinks() {
        return List.copyOf(links.values());
    }

    /** Control thread: the link from {@code link.peer()} closed; its participants leave. */
    void relayLinkClosed(RelayLink link) {
        synchronized (this) {
            links.remove(link.peer(), link);
            linkArray = links.values().toArray(new RelayLink[0]);
        }
        for (Endpoint e : endpoints.values()) {
            if (e.isRemote() && e.remoteBridge().equals(link.peer())) {
                removeEndpoint(e.id(), RemovalReason.DISCONNECTED);
            }
        }
    }

    /**
     * Adds participant {@code endpointId} of the bridge behind {@code link} (its own id, so every bridge
     * names it alike), or returns it when it is here already. Announced like one who joined here.
     */
    Endpoint addRemoteEndpoint(String endpointId, String displayName, RelayLink link) {
        Endpoint endpoint;
        synchronized (this) {
            Endpoint existing = endpoints.get(endpointId);
            if (existing != null || ended) {
                return existing;
            }
            endpoint = new Endpoint(endpointId, this, displayName, bridge.now(), false, null, link);
            endpoints.put(endpointId, endpoint);
            participantArray = endpoints.values().toArray(new Endpoint[0]);
            forwarding.endpointAdded(endpointId);
        }
        LOG.info("remote endpoint added conference={} endpoint={} bridge={}", id, endpointId, link.peer());
        for (ConferenceListener l : listeners) {
            l.endpointAdded(endpoint);
        }
        return endpoint;
    }

    /** Worker, with the forwarding tick: each relay link's keep-alive. */
    void tickLinks(long nowNs) {
        for (RelayLink l : linkArray) { // a snapshot: no iterator per tick
            l.tick(nowNs);
        }
    }

    /** The viewers (WHEP) now, in no particular order. */
    public Collection<Endpoint> viewers() {
        return List.copyOf(viewers.values());
    }

    public int viewerCount() {
        return viewers.size();
    }

    public Optional<Endpoint> viewer(String viewerId) {
        return viewerId == null ? Optional.empty() : Optional.ofNullable(viewers.get(viewerId));
    }

    /**
     * The participant viewers see (set by the operator), or null: then viewers see the dominant speaker
     * (the best-ranked one that sends video).
     */
    public String stage() {
        return stage;
    }

    /** Puts {@code endpointId} on stage for viewers (null: back to the dominant speaker). */
    public void setStage(String endpointId) {
        stage = endpointId;
        LOG.info("stage conference={} endpoint={}", id, endpointId);
    }

    /**
     * Adds a WHEP viewer: an endpoint that plays the stage. It is not a participant: the listeners are
     * not told, it is not in {@link #endpoints()}, and it counts against {@code maxViewers} instead of
     * {@code max-endpoints}.
     */
    public Endpoint addViewer(String displayName, int maxViewers) throws LimitExceededException {
        Endpoint viewer;
        synchronized (this) {
            if (ended) {
                throw new LimitExceededException(LimitExceededException.Kind.DRAINING, "conference has ended");
            }
            bridge.checkAcceptingEndpoints();
            if (viewers.size() >= maxViewers) {
                throw new LimitExceededException(LimitExceededException.Kind.MAX_ENDPOINTS,
                        "conference " + id + " has reached its viewer limit (" + maxViewers + ")");
            }
            String viewerId;
            do {
                viewerId = Ids.next();
            } while (endpoints.containsKey(viewerId) || viewers.containsKey(viewerId));
            viewer = new Endpoint(viewerId, this, displayName, bridge.now(), true);
            viewers.put(viewerId, viewer);
            viewerArray = viewers.values().toArray(new Endpoint[0]);
            bridge.viewerCountChanged(+1);
        }
        LOG.info("viewer created conference={} viewer={}", id, viewer.id());
        return viewer;
    }

    /** Removes a viewer; false when it was not (or no longer) here. */
    private boolean removeViewer(String viewerId, RemovalReason reason) {
        Endpoint viewer;
        synchronized (this) {
            viewer = viewerId == null ? null : viewers.remove(viewerId);
            if (viewer == null) {
                return false;
            }
            viewerArray = viewers.values().toArray(new Endpoint[0]);
            viewer.markRemoved(reason);
            bridge.viewerCountChanged(-1);
            if (localEndpoints == 0 && viewers.isEmpty()) {
                emptySinceMs = bridge.nowMs();
            }
        }
        LOG.info("viewer removed conference={} viewer={} reason={}", id, viewerId, reason.wireName());
        viewer.closeMedia();
        videoCodecsChanged(); // one that could not decode a codec may have left
        return true;
    }

    /** Adds an endpoint, enforcing the per-conference limit and the bridge's draining state. */
    public Endpoint addEndpoint(String displayName) throws LimitExceededException {
        Endpoint endpoint;
        synchronized (this) {
            if (ended) {
                throw new LimitExceededException(LimitExceededException.Kind.DRAINING, "conference has ended");
            }
            bridge.checkAcceptingEndpoints();
            if (endpoints.size() >= bridge.config().maxEndpointsPerConference()) {
                throw new LimitExceededException(LimitExceededException.Kind.MAX_ENDPOINTS,
                        "conference " + id + " has reached max-endpoints ("
                                + bridge.config().maxEndpointsPerConference() + ")");
            }
            String endpointId;
            do {
                endpointId = Ids.next();
            } while (endpoints.containsKey(endpointId));
            endpoint = new Endpoint(endpointId, this, displayName, bridge.now());
            endpoints.put(endpointId, endpoint);
            localEndpoints++;
            participantArray = endpoints.values().toArray(new Endpoint[0]);
            forwarding.endpointAdded(endpointId);
            bridge.endpointCountChanged(+1);
        }
        LOG.info("endpoint created conference={} endpoint={} displayName={}", id, endpoint.id(),
                LogSafe.quote(endpoint.displayName()));
        for (ConferenceListener l : listeners) {
            l.endpointAdded(endpoint);
        }
        return endpoint;
    }

    /** Removes an endpoint (or a viewer); returns false when it was not (or no longer) here. */
    public boolean removeEndpoint(String endpointId, RemovalReason reason) {
        Endpoint endpoint;
        synchronized (this) {
            endpoint = endpointId == null ? null : endpoints.remove(endpointId);
            if (endpoint == null) {
                return removeViewer(endpointId, reason) || removeRelay(endpointId, reason);
            }
            participantArray = endpoints.values().toArray(new Endpoint[0]);
            endpoint.markRemoved(reason);
            forwarding.endpointRemoved(endpointId);
            if (!endpoint.isRemote()) {
                localEndpoints--;
                bridge.endpointCountChanged(-1);
            }
            if (stage != null && stage.equals(endpointId)) {
                stage = null;
            }
            if (localEndpoints == 0 && viewers.isEmpty()) {
                emptySinceMs = bridge.nowMs();
            }
        }
        LOG.info("endpoint removed conference={} endpoint={} reason={}", id, endpointId, reason.wireName());
        for (ConferenceListener l : listeners) {
            l.endpointRemoved(endpoint, reason);
        }
        List<SourceTrack> ended = endpoint.closeMedia();
        for (Endpoint other : receivers()) {
            MediaSession m = other.mediaSession();
            if (m != null) {
                for (SourceTrack t : ended) {
                    m.unsubscribe(t);
                }
            }
        }
        videoCodecsChanged(); // one that could not decode a codec may have left
        return true;
    }

    /**
     * An endpoint's media session started (its signaling attached): subscribe it to every track the
     * others already publish.
     */
    void mediaAttached(Endpoint endpoint) {
        MediaSession mine = endpoint.mediaSession();
        if (mine == null) {
            return;
        }
        List<SourceTrack> existing = new java.util.ArrayList<>();
        for (Endpoint other : endpoints.values()) {
            // a relay takes only what this bridge's own participants publish: relayed media never goes on
            if (other == endpoint || (endpoint.relayPeer() != null && other.isRemote())) {
                continue;
            }
            existing.addAll(other.publishedTracks());
        }
        mine.subscribeAll(existing);
    }

    /** An endpoint started publishing a track: every other endpoint with media subscribes to it. */
    void trackPublished(SourceTrack track) {
        LOG.info("track published conference={} endpoint={} kind={} ssrc={}", id, track.endpointId(),
                track.kind().sdpName(), Integer.toUnsignedString(track.primarySsrc()));
        Endpoint publisher = endpoints.get(track.endpointId());
        boolean relayed = publisher == null || publisher.isRemote();
        for (Endpoint other : receivers()) {
            if (other.id().equals(track.endpointId()) || (relayed && other.relayPeer() != null)) {
                continue;
            }
            MediaSession m = other.mediaSession();
            if (m != null) {
                m.subscribe(track);
            }
        }
    }

    /** The participants and the relay endpoints: every endpoint that subscribes to published tracks. */
    private List<Endpoint> receivers() {
        List<Endpoint> all = new ArrayList<>(endpoints.values());
        all.addAll(relays.values());
        return all;
    }

    /** A track stopped while its endpoint stays: every subscriber lets it go. */
    void trackEnded(SourceTrack track) {
        LOG.info("track ended conference={} endpoint={} kind={}", id, track.endpointId(), track.kind().sdpName());
        for (Endpoint other : receivers()) {
            MediaSession m = other.mediaSession();
            if (m != null && !other.id().equals(track.endpointId())) {
                m.unsubscribe(track);
            }
        }
    }

    /**
     * Expires endpoints gone quiet: with a media session, silent longer than the consent timeout;
     * without one (the client never connected), created before {@code unconnectedBefore}. Fails
     * endpoints whose ICE has not connected {@code iceConnectTimeout} after their answer.
     */
    int expireInactiveEndpoints(long nowNs, long timeoutNs, java.time.Duration iceConnectTimeout,
                                java.time.Instant unconnectedBefore) {
        int expired = 0;
        for (Endpoint e : endpointsAndViewers()) {
            MediaSession m = e.mediaSession();
            if (m != null && m.iceConnectTimedOut(nowNs, iceConnectTimeout.toNanos())) {
                m.failIceConnect(iceConnectTimeout);
                continue;
            }
            boolean gone = m != null ? m.isInactive(nowNs, timeoutNs) : e.createdAt().isBefore(unconnectedBefore);
            if (gone && removeEndpoint(e.id(), RemovalReason.EXPIRED)) {
                expired++;
            }
        }
        return expired;
    }

    /**
     * Samples every endpoint's rates and this conference's own ({@link ConferenceRates}, added to
     * {@code sums}); called about once a second by the stats sampler.
     */
    void sample(long nowNs, double[] reportedLoss, io.micrometer.core.instrument.DistributionSummary jitter,
                io.micrometer.core.instrument.DistributionSummary rtt, double[] sums) {
        for (Endpoint e : endpointsAndViewers()) {
            MediaSession m = e.mediaSession();
            if (m == null) {
                continue;
            }
            m.sample(nowNs);
            m.collectReportedLoss(reportedLoss);
            long rttNs = m.rttNs();
            if (rttNs >= 0) {
                rtt.record(rttNs / 1e9);
            }
            for (SourceTrack t : m.publishedTracks()) {
                for (io.junction.bridge.forward.SourceEncoding enc : t.encodings()) {
                    if (enc.receiveStats().packets > 0) {
                        jitter.record(enc.receiveStats().jitterSeconds());
                    }
                }
            }
        }
        for (RelayLink l : links.values()) {
            l.sample(nowNs);
        }
        rates.sample(nowNs, sums);
    }

    /** This conference's bit rates of the last sample (what each point counts: {@link io.junction.bridge.stats.ConferenceCounters}). */
    public io.junction.bridge.stats.ConferenceRates rates() {
        return rates;
    }

    /** RTP on the wire received from this conference's endpoints over the last sample, bit/s. */
    public double bitrateInBps() {
        return rates.bps(io.junction.bridge.stats.ConferenceRates.WIRE_IN);
    }

    /** RTP on the wire sent to this conference's endpoints over the last sample, bit/s. */
    public double bitrateOutBps() {
        return rates.bps(io.junction.bridge.stats.ConferenceRates.WIRE_OUT);
    }

    /**
     * True when the conference has had no endpoints of its own (participants served here, viewers) for
     * at least {@code timeoutMs}, and, unless it is a mirror, no relay to another bridge.
     */
    boolean isIdle(long nowMs, long timeoutMs) {
        synchronized (this) {
            // the holder of a conference that spans bridges stays while another bridge relays it: the
            // others' parts have no claim in the cluster of their own
            return localEndpoints == 0 && viewers.isEmpty() && (mirror || relays.isEmpty())
                    && nowMs - emptySinceMs >= timeoutMs;
        }
    }

    /** Removes every endpoint and marks the conference ended. Called by {@link Bridge}. */
    void end(RemovalReason reason) {
        List<Endpoint> toRemove;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            toRemove = endpointsAndViewers();
        }
        RemovalReason endpointReason = reason == RemovalReason.SHUTDOWN ? reason : RemovalReason.CONFERENCE_ENDED;
        for (Endpoint e : toRemove) {
            removeEndpoint(e.id(), endpointReason);
        }
        for (RelayLink l : links.values()) {
            l.close();
        }
        for (ConferenceListener l : listeners) {
            l.conferenceEnded(this, reason);
        }
        LOG.info("conference ended conference={} reason={}", id, reason.wireName());
    }

    @Override
    public String toString() {
        return "Conference[" + id + (name.isEmpty() ? "" : " '" + name + "'") + "]";
    }
}
