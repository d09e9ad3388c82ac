package io.junction.api.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.junction.api.config.JunctionConfig;
import io.junction.bridge.conference.Bridge;
import io.junction.bridge.conference.Conference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.util.JedisURIHelper;
import redis.clients.jedis.params.SetParams;

/**
 * This bridge's membership in a cluster kept in Redis, and the placement decisions that need it.
 *
 * <p>Keys (all under {@code junction:}):
 * <ul>
 *   <li>{@code bridges} — a set of the ids of every bridge that has registered;</li>
 *   <li>{@code bridge:<id>} — the {@link Member} as JSON, written at every heartbeat with a time to
 *       live of {@code cluster.ttl}: a bridge that stops writing drops out when it expires (its id
 *       leaves the set the next time someone lists the members);</li>
 *   <li>{@code conference:<id>} — the id of the bridge that holds the conference, claimed when it is
 *       created and refreshed at every heartbeat with the same time to live;</li>
 *   <li>{@code room:<name>} — an open room (joined by name, the demo page's): {@code <bridge id> <conference
 *       id>}, claimed by the first bridge that creates it (SET NX), refreshed likewise.</li>
 * </ul>
 *
 * <p>A conference lives on one bridge: the admin API of any bridge places an endpoint by sending the
 * request to the bridge that holds its conference, and places a new conference on itself unless it
 * is draining or full (then on the least loaded bridge, of the requested region when there is one).
 * Redis unreachable: what runs here goes on; what needs another bridge fails with
 * {@link ClusterUnavailableException} (the API answers 503) until Redis answers again. Relaying one
 * conference between bridges is not built yet (see docs/architecture.md, "Cluster").
 *
 * <p>The heartbeat runs on the housekeeping thread; reads run on HTTP threads (Jedis' pool is
 * thread-safe).
 */
public final class Cluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    private static final String PREFIX = "junction:";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JunctionConfig.Cluster config;
    private final Bridge bridge;
    private final String id;
    private final Supplier<String> publicUrl;
    private final Supplier<String> adminUrl;
    private final JedisPooled redis;
    private final com.sun.management.OperatingSystemMXBean os = osBean();
    private volatile boolean redisUp;
    /** Bridges listed at the last heartbeat (this one included), for the metrics. */
    private volatile int lastMemberCount;
    private volatile boolean closed;

    /**
     * @param publicUrl, adminUrl how others reach this bridge (asked at each heartbeat: the ports are
     *                  known only once the servers are bound)
     */
    public Cluster(JunctionConfig.Cluster config, Bridge bridge, Supplier<String> publicUrl, Supplier<String> adminUrl) {
        this.config = config;
        this.bridge = bridge;
        this.id = config.bridgeId().isEmpty() ? "bridge-" + Long.toHexString(new java.security.SecureRandom().nextLong())
                : config.bridgeId();
        this.publicUrl = publicUrl;
        this.adminUrl = adminUrl;
        int timeoutMs = (int) Math.min(2000, config.heartbeat().toMillis());
        java.net.URI uri = java.net.URI.create(config.redis());
        this.redis = new JedisPooled(JedisURIHelper.getHostAndPort(uri), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMs).socketTimeoutMillis(timeoutMs)
                .user(JedisURIHelper.getUser(uri)).password(JedisURIHelper.getPassword(uri))
                .database(JedisURIHelper.getDBIndex(uri)).ssl(JedisURIHelper.isRedisSSLScheme(uri)).build());
    }

    private volatile Relays relays;

    /** The relays of conferences that span bridges (set once, right after construction). */
    public void setRelays(Relays relays) {
        this.relays = relays;
    }

    public Relays relays() {
        return relays;
    }

    public String id() {
        return id;
    }

    public String region() {
        return config.region();
    }

    /** Bridges of the cluster at the last heartbeat (0 before one succeeded). */
    public int memberCount() {
        return lastMemberCount;
    }

    /** Whether the last conversation with Redis succeeded. */
    public boolean redisUp() {
        return redisUp;
    }

    /** Heartbeats from now on, every {@code cluster.heartbeat}, on {@code executor}. */
    public void start(ScheduledExecutorService executor) {
        heartbeat();
        long ms = config.heartbeat().toMillis();
        executor.scheduleWithFixedDelay(this::heartbeat, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** This bridge as it would register now. */
    public Member self() {
        double cpu = os == null ? -1 : os.getProcessCpuLoad();
        return new Member(id, config.region(), publicUrl.get(), adminUrl.get(),
                bridge.isDraining() ? "draining" : "up", bridge.endpointCount(), bridge.conferenceCount(),
                (long) bridge.metrics().bitrateOutBps(), Double.isNaN(cpu) ? -1 : cpu, config.maxEndpoints(),
                System.currentTimeMillis());
    }

    /** Writes this bridge's record and refreshes its conferences' claims; notes whether Redis answered. */
    public void heartbeat() {
        if (closed) {
            return;
        }
        try {
            long ttl = config.ttl().toMillis();
            redis.set(PREFIX + "bridge:" + id, JSON.writeValueAsString(self()), SetParams.setParams().px(ttl));
            redis.sadd(PREFIX + "bridges", id);
            for (Conference c : bridge.conferences()) {
                if (c.isMirror() || c.isRelayed()) {
                    String key = PREFIX + "serving:" + c.id();
                    redis.sadd(key, id);
                    redis.pexpire(key, ttl);
                }
                if (c.isMirror()) {
                    continue; // another bridge holds it: its claims are that bridge's
                }
                redis.set(PREFIX + "conference:" + c.id(), id, SetParams.setParams().px(ttl));
                if (bridge.isOpenRoom(c)) {
                    redis.set(PREFIX + "room:" + c.name(), id + " " + c.id(), SetParams.setParams().px(ttl));
                }
            }
            if (!redisUp) {
                LOG.info("cluster: registered as {} in {} (region '{}')", id, redactedUrl(), config.region());
            }
            redisUp = true;
            try {
                lastMemberCount = members().size();
            } catch (ClusterUnavailableException e) {
                // noted in redisUp
            }
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            if (redisUp) {
                LOG.warn("cluster: Redis at {} unreachable ({}); calls go on, cross-bridge placement is off until it answers",
                        redactedUrl(), e.toString());
            }
            redisUp = false;
        }
    }

    /** Every bridge that has heart-beaten within the TTL, this one included, by id. */
    public List<Member> members() throws ClusterUnavailableException {
        try {
            List<Member> out = new ArrayList<>();
            for (String m : redis.smembers(PREFIX + "bridges")) {
                String json = redis.get(PREFIX + "bridge:" + m);
                if (json == null) {
                    redis.srem(PREFIX + "bridges", m); // expired: it stopped heart-beating
                    continue;
                }
                try {
                    out.add(JSON.readValue(json, Member.class));
                } catch (java.io.IOException e) {
                    LOG.warn("cluster: unreadable record of bridge {} ignored", m.replaceAll("[^A-Za-z0-9._-]", "?"));
                }
            }
            out.sort(Comparator.comparing(Member::id));
            redisUp = true;
            return out;
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
    }

    /** The live bridge that holds conference {@code conferenceId}, if another one does. */
    public Optional<Member> holderOf(String conferenceId) throws ClusterUnavailableException {
        String holder;
        try {
            holder = redis.get(PREFIX + "conference:" + conferenceId);
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
        if (holder == null || holder.equals(id)) {
            return Optional.empty();
        }
        return liveMember(holder);
    }

    /**
     * Notes that this bridge serves part of conference {@code conferenceId} and returns the other live
     * bridges that do (the holder {@code holderId} always among them): the ones to relay with.
     */
    public List<Member> joinServing(String conferenceId, String holderId) throws ClusterUnavailableException {
        String key = PREFIX + "serving:" + conferenceId;
        java.util.Set<String> ids;
        try {
            redis.sadd(key, id, holderId);
            redis.pexpire(key, config.ttl().toMillis());
            ids = redis.smembers(key);
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
        List<Member> out = new ArrayList<>();
        for (Member m : members()) {
            if (!m.id().equals(id) && ids.contains(m.id())) {
                out.add(m);
            }
        }
        return out;
    }

    /** The live bridge {@code bridgeId}, if it heart-beat within the TTL. */
    public Optional<Member> member(String bridgeId) throws ClusterUnavailableException {
        return liveMember(bridgeId);
    }

    /** The live bridge {@code bridgeId}, if it heart-beat within the TTL. */
    private Optional<Member> liveMember(String bridgeId) throws ClusterUnavailableException {
        return members().stream().filter(m -> m.id().equals(bridgeId)).findFirst();
    }

    /** Notes that Redis failed; the exception to throw for it. */
    private ClusterUnavailableException unreachable(RuntimeException e) {
        redisUp = false;
        return new ClusterUnavailableException("the cluster's Redis is unreachable: " + e.getMessage(), e);
    }

    /** Where open room {@code name} is: the live bridge and its conference id, when another bridge holds it. */
    public record RoomPlace(Member bridge, String conferenceId) {}

    public Optional<RoomPlace> roomHolder(String name) throws ClusterUnavailableException {
        String v;
        try {
            v = redis.get(PREFIX + "room:" + name);
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
        return place(v);
    }

    /**
     * Claims open room {@code name} for this bridge's conference {@code conferenceId} unless another
     * bridge has it: then where it is (this bridge should let its own go).
     */
    public Optional<RoomPlace> claimRoom(String name, String conferenceId) throws ClusterUnavailableException {
        try {
            String key = PREFIX + "room:" + name;
            String mine = id + " " + conferenceId;
            String set = redis.set(key, mine, SetParams.setParams().nx().px(config.ttl().toMillis()));
            if ("OK".equals(set)) {
                claim(conferenceId);
                return Optional.empty();
            }
            Optional<RoomPlace> other = place(redis.get(key));
            if (other.isEmpty()) { // its holder is gone: take it over
                redis.set(key, mine, SetParams.setParams().px(config.ttl().toMillis()));
                claim(conferenceId);
            }
            return other;
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
    }

    /** "bridge conference" as a place, when that bridge is another live one. */
    private Optional<RoomPlace> place(String v) throws ClusterUnavailableException {
        if (v == null) {
            return Optional.empty();
        }
        int sp = v.indexOf(' ');
        if (sp <= 0) {
            return Optional.empty();
        }
        String holder = v.substring(0, sp);
        if (holder.equals(id)) {
            return Optional.empty();
        }
        String conferenceId = v.substring(sp + 1);
        return liveMember(holder).map(m -> new RoomPlace(m, conferenceId));
    }

    /** Notes that this bridge holds {@code conferenceId} (best effort: without Redis the next heartbeat does it). */
    public void claim(String conferenceId) {
        try {
            redis.set(PREFIX + "conference:" + conferenceId, id, SetParams.setParams().px(config.ttl().toMillis()));
        } catch (RuntimeException e) {
            redisUp = false;
        }
    }

    /** Forgets that this bridge holds {@code conferenceId} (it ended here). */
    public void release(String conferenceId) {
        try {
            String key = PREFIX + "conference:" + conferenceId;
            if (id.equals(redis.get(key))) {
                redis.del(key);
            }
        } catch (RuntimeException e) {
            redisUp = false;
        }
    }

    /**
     * Where a new conference of {@code region} (empty: any) goes; empty: here. Here when this bridge
     * takes it (not draining, not full, of that region or none asked); else the least loaded available
     * bridge of that region; else here when this bridge is available (no bridge of the region is); else
     * the least loaded available bridge anywhere; else here (and the creation here says why it cannot).
     */
    public Optional<Member> placement(String region) throws ClusterUnavailableException {
        boolean available = self().available();
        boolean anyRegion = region == null || region.isEmpty();
        if (available && (anyRegion || region.equals(config.region()))) {
            return Optional.empty();
        }
        List<Member> others = members().stream().filter(m -> !m.id().equals(id) && m.available()).toList();
        Comparator<Member> byLoad = Comparator.comparingDouble(Member::load).thenComparing(Member::id);
        if (!anyRegion) {
            Optional<Member> inRegion = others.stream().filter(m -> region.equals(m.region())).min(byLoad);
            if (inRegion.isPresent()) {
                return inRegion;
            }
        }
        return available ? Optional.empty() : others.stream().min(byLoad);
    }

    /** Leaves the cluster at once (its record and claims deleted), as a clean shutdown does. */
    @Override
    public void close() {
        closed = true;
        try {
            redis.del(PREFIX + "bridge:" + id);
            redis.srem(PREFIX + "bridges", id);
            for (Conference c : bridge.conferences()) {
                release(c.id());
                if (bridge.isOpenRoom(c) && (id + " " + c.id()).equals(redis.get(PREFIX + "room:" + c.name()))) {
                    redis.del(PREFIX + "room:" + c.name());
                }
            }
        } catch (RuntimeException e) {
            // Redis gone: the record expires by itself
        }
        redis.close();
    }

    /** The Redis URL without a password, for logs. */
    private String redactedUrl() {
        return config.redis().replaceAll("//[^@/]*@", "//***@");
    }

    private static com.sun.management.OperatingSystemMXBean osBean() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean b ? b : null;
    }
}
