package io.junction.bridge.conference;

import io.junction.bridge.BridgeConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge: the registry of conferences and the entry point the control plane talks to.
 * Conference creation and removal are serialised on this object so limits hold under concurrency.
 */
public final class Bridge {
    private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);

    private final BridgeConfig config;
    private final Clock clock;
    private final Map<String, Conference> conferences = new ConcurrentHashMap<>();
    /** Conferences created by {@link #openRoom}, by name; admin-created conferences are never here. */
    private final Map<String, Conference> openRooms = new ConcurrentHashMap<>();
    private final AtomicInteger endpointCount = new AtomicInteger();
    private final AtomicInteger viewerCount = new AtomicInteger();
    private volatile boolean draining;
    private final MediaCore media;
    private final io.junction.bridge.stats.BridgeMetrics metrics;

    /** Opens the media port (UDP) and starts the packet workers. */
    public Bridge(BridgeConfig config, MeterRegistry registry, Clock clock) throws java.io.IOException {
        this.config = config;
        this.clock = clock;
        this.media = new MediaCore(config);
        this.metrics = new io.junction.bridge.stats.BridgeMetrics(registry, media.counters(), media.workers().all());
        io.micrometer.core.instrument.FunctionCounter.builder("junction.media.socket.drops", media,
                        m -> Math.max(0, io.junction.bridge.transport.ice.UdpSocketStats.drops(m.port().port())))
                .description("Datagrams the kernel dropped at the media socket because its receive buffer was full (Linux)")
                .register(registry);
        Gauge.builder("junction.media.socket.receive.queue", media,
                        m -> Math.max(0, io.junction.bridge.transport.ice.UdpSocketStats.receiveQueueBytes(m.port().port())))
                .description("Bytes waiting in the media socket's receive queue (Linux)").baseUnit("bytes")
                .register(registry);
        Gauge.builder("junction.viewers", viewerCount, AtomicInteger::get)
                .description("WHEP viewers playing a conference's stage (not counted in junction_endpoints)")
                .register(registry);
        Gauge.builder("junction.packet.pool.outstanding", media, m -> m.pool().outstanding())
                .description("Pool packets taken and not yet given back: in flight, queued, or held by retransmission caches")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("junction.packet.pool.allocated", media, m -> m.pool().allocatedTotal())
                .description("Packet buffers (1596 bytes each) allocated since start (the start-up preallocation included): flat in steady calls")
                .register(registry);
        Gauge.builder("junction.ice.agents", media, m -> m.port().liveAgents())
                .description("ICE agents alive (one per endpoint that has connected its signaling)")
                .register(registry);
        Gauge.builder("junction.conferences", conferences, Map::size)
                .description("Conferences currently on this bridge")
                .register(registry);
        Gauge.builder("junction.endpoints", endpointCount, AtomicInteger::get)
                .description("Endpoints currently on this bridge")
                .register(registry);
        long tickNs = ConferenceForwarding.TICK_NS;
        media.control().scheduleAtFixedRate(() -> {
            for (Conference c : conferences.values()) {
                c.tick();
            }
        }, tickNs, tickNs, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public BridgeConfig config() {
        return config;
    }

    public MediaCore media() {
        return media;
    }

    /** The UDP port media arrives on (the configured one, or the one picked for port 0). */
    public int mediaPort() {
        return media.port().port();
    }

    Instant now() {
        return clock.instant();
    }

    long nowMs() {
        return clock.millis();
    }

    public boolean isDraining() {
        return draining;
    }

    public int endpointCount() {
        return endpointCount.get();
    }

    public int conferenceCount() {
        return conferences.size();
    }

    /** WHEP viewers in every conference. */
    public int viewerCount() {
        return viewerCount.get();
    }

    void viewerCountChanged(int delta) {
        viewerCount.addAndGet(delta);
    }

    void endpointCountChanged(int delta) {
        endpointCount.addAndGet(delta);
    }

    void checkAcceptingEndpoints() throws LimitExceededException {
        if (draining) {
            throw new LimitExceededException(LimitExceededException.Kind.DRAINING, "the bridge is shutting down");
        }
    }

    /** Creates a conference; {@code name} may be null or empty. */
    public Conference createConference(String name) throws LimitExceededException {
        return createConference(name, null);
    }

    /**
     * Creates a conference offering {@code videoCodecs} in that order of preference (null: the
     * configured ones; an unknown name throws IllegalArgumentException).
     */
    public Conference createConference(String name, List<String> videoCodecs) throws LimitExceededException {
        List<String> codecs = videoCodecs == null ? null : io.junction.bridge.BridgeConfig.checkVideoCodecs(videoCodecs);
        Conference conference;
        synchronized (this) {
            checkAcceptingEndpoints();
            if (conferences.size() >= config.maxConferences()) {
                throw new LimitExceededException(LimitExceededException.Kind.MAX_CONFERENCES,
                        "the bridge has reached max-conferences (" + config.maxConferences() + ")");
            }
            String id;
            do {
                id = Ids.next();
            } while (conferences.containsKey(id));
            conference = new Conference(id, name, now(), this, nowMs(), codecs);
            conferences.put(id, conference);
            metrics.conferenceAdded(id, conference, c -> ((Conference) c).endpointCount(),
                    conference.mediaCounters(), conference.rates());
        }
        LOG.info("conference created conference={} name={}", conference.id(), LogSafe.quote(conference.name()));
        return conference;
    }

    /**
     * The open room with this name, created when missing (the demo's anonymous joins). Open rooms
     * are a namespace of their own: a conference created through {@link #createConference} is never
     * returned here, even when it has the same name, so an anonymous caller cannot enter it. At most
     * {@code maxOpenRooms} open rooms exist at once, so anonymous callers cannot take every
     * conference slot from the admin API.
     */
    /** The open room called {@code name}, if it exists (nothing is created). */
    public java.util.Optional<Conference> existingOpenRoom(String name) {
        Conference c = name == null ? null : openRooms.get(name);
        return c == null || c.isEnded() ? java.util.Optional.empty() : java.util.Optional.of(c);
    }

    public Conference openRoom(String name, int maxOpenRooms) throws LimitExceededException {
        synchronized (this) {
            Conference existing = openRooms.get(name);
            if (existing != null && !existing.isEnded()) {
                return existing;
            }
            if (openRooms.size() >= maxOpenRooms) {
                throw new LimitExceededException(LimitExceededException.Kind.MAX_CONFERENCES,
                        "the bridge has reached its limit of open rooms (" + maxOpenRooms + ")");
            }
            Conference created = createConference(name);
            openRooms.put(name, created);
            return created;
        }
    }

    /**
     * This bridge's part of open room {@code name}, whose conference {@code id} another bridge of the
     * cluster holds: a conference under the same id and name (made when missing, marked
     * {@link Conference#isMirror}) that this bridge's participants join and that relays connect to the
     * holder's. Returns the existing one when there is one.
     */
    public Conference mirrorOpenRoom(String name, String id, int maxOpenRooms) throws LimitExceededException {
        return mirror(id, name, maxOpenRooms);
    }

    /**
     * This bridge's part of conference {@code id} (named {@code name}), which another bridge of the
     * cluster holds: as {@link #mirrorOpenRoom}, for a conference made through the admin API.
     */
    public Conference mirrorConference(String id, String name) throws LimitExceededException {
        return mirror(id, name, -1);
    }

    /** {@code maxOpenRooms} &lt; 0: not an open room. */
    private Conference mirror(String id, String name, int maxOpenRooms) throws LimitExceededException {
        boolean room = maxOpenRooms >= 0;
        Conference conference;
        synchronized (this) {
            Conference existing = room ? openRooms.get(name) : null;
            if (existing != null && !existing.isEnded()) {
                return existing;
            }
            existing = conferences.get(id);
            if (existing != null && !existing.isEnded()) {
                return existing;
            }
            checkAcceptingEndpoints();
            if ((room && openRooms.size() >= maxOpenRooms) || conferences.size() >= config.maxConferences()) {
                throw new LimitExceededException(LimitExceededException.Kind.MAX_CONFERENCES,
                        "the bridge has reached its limit of " + (room ? "open rooms or " : "") + "conferences");
            }
            conference = new Conference(id, name, now(), this, nowMs(), null);
            conference.markMirror();
            conferences.put(id, conference);
            if (room) {
                openRooms.put(name, conference);
            }
            metrics.conferenceAdded(id, conference, c -> ((Conference) c).endpointCount(),
                    conference.mediaCounters(), conference.rates());
        }
        LOG.info("conference mirrored conference={} name={}", id, LogSafe.quote(name));
        return conference;
    }

    /** Whether this conference was created as an open room. */
    public boolean isOpenRoom(Conference conference) {
        return conference.name() != null && openRooms.get(conference.name()) == conference;
    }

    public Optional<Conference> conference(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(conferences.get(id));
    }

    public Collection<Conference> conferences() {
        return List.copyOf(conferences.values());
    }

    /** Ends a conference and disconnects its endpoints; false when unknown. */
    public boolean removeConference(String id, RemovalReason reason) {
        Conference conference;
        synchronized (this) {
            conference = id == null ? null : conferences.remove(id);
            if (conference == null) {
                return false;
            }
            if (conference.name() != null) {
                openRooms.remove(conference.name(), conference);
            }
            metrics.conferenceRemoved(id, conference.rates());
        }
        conference.end(reason);
        return true;
    }

    public io.junction.bridge.stats.BridgeMetrics metrics() {
        return metrics;
    }

    /** Samples rates (bridge, conferences, endpoints, streams). Run on a timer about once a second. */
    public void sampleStats() {
        long nowNs = System.nanoTime();
        double[] reportedLoss = new double[2];
        double[] sums = new double[io.junction.bridge.stats.ConferenceRates.COUNT];
        synchronized (metrics) { // readers use metrics.consistently: they see one whole sample
            for (Conference c : conferences.values()) {
                c.sample(nowNs, reportedLoss, metrics.jitter(), metrics.rtt(), sums);
            }
            metrics.sample(nowNs, reportedLoss, sums);
        }
    }

    /**
     * Expires endpoints whose media went silent for the consent timeout, and endpoints that never
     * connected and were created more than {@code unconnectedMaxAge} ago (the caller passes the
     * join-token lifetime: after it the client cannot connect any more; without this a conference of
     * abandoned endpoints would never become empty and never expire). Run on a timer.
     */
    public int expireInactiveEndpoints(Duration unconnectedMaxAge) {
        long nowNs = System.nanoTime();
        long timeoutNs = config.iceConsentTimeout().toNanos();
        Instant unconnectedBefore = now().minus(unconnectedMaxAge);
        int n = 0;
        for (Conference c : conferences.values()) {
            n += c.expireInactiveEndpoints(nowNs, timeoutNs, config.iceConnectTimeout(), unconnectedBefore);
        }
        return n;
    }

    /** Expires conferences that have been empty for the configured timeout. Run on a timer. */
    public int expireIdleConferences() {
        long nowMs = nowMs();
        long timeoutMs = config.emptyConferenceTimeout().toMillis();
        int expired = 0;
        for (Conference c : conferences.values()) {
            if (c.isIdle(nowMs, timeoutMs) && removeConference(c.id(), RemovalReason.EXPIRED)) {
                expired++;
            }
        }
        return expired;
    }

    /** Stops accepting conferences and endpoints; existing ones keep running until {@link #shutdown()}. */
    public void drain() {
        if (!draining) {
            draining = true;
            LOG.info("bridge draining: no new conferences or endpoints accepted");
        }
    }

    /** Drains and ends every conference. */
    public void shutdown() {
        drain();
        for (Conference c : conferences.values()) {
            removeConference(c.id(), RemovalReason.SHUTDOWN);
        }
        media.close();
        LOG.info("bridge stopped");
    }
}
