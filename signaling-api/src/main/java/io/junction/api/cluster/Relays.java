package io.junction.api.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.bridge.conference.Bridge;
import io.junction.bridge.conference.Conference;
import io.junction.bridge.conference.Endpoint;
import io.junction.bridge.conference.RelayLink;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relays of this bridge's conferences that span bridges. Joining a conference another bridge
 * holds, this bridge makes its own part of it ({@link Bridge#mirrorOpenRoom}) and, for every other
 * bridge serving it (Redis {@code junction:serving:<id>}), asks that bridge through its admin API for a
 * relay endpoint ({@code POST /v1/conferences/<id>/relays}) and connects to it ({@link RelayClient});
 * the other bridge, asked, connects back the same way. So each pair of bridges of a conference has
 * two relays, one each way, each carrying only what its sender's own participants publish.
 *
 * <p>Every second the tallest video any local receiver wants is sent to the other bridges as the
 * relay's constraints, so a layer crosses only when someone here shows it.
 */
public final class Relays implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Relays.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster cluster;
    private final Bridge bridge;
    private final ClusterForwarder forwarder;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ExecutorService executor;
    /** By conference id and peer bridge id. */
    private final Map<String, RelayClient> clients = new ConcurrentHashMap<>();

    public Relays(Cluster cluster, Bridge bridge, ClusterForwarder forwarder, ExecutorService executor) {
        this.cluster = cluster;
        this.bridge = bridge;
        this.forwarder = forwarder;
        this.executor = executor;
    }

    /** Sends the relays' constraints and drops the clients of closed links, every second. */
    public void start(ScheduledExecutorService timer) {
        timer.scheduleWithFixedDelay(this::refresh, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * This bridge now serves part of {@code conference}, which bridge {@code holderId} holds: relays
     * with every other bridge that serves it. Fails (the caller joins the holder directly instead) when
     * none of them could be reached.
     */
    public void join(Conference conference, String holderId) throws ClusterUnavailableException, IOException {
        List<Member> peers = cluster.joinServing(conference.id(), holderId);
        IOException last = null;
        int opened = 0;
        for (Member peer : peers) {
            try {
                open(conference, peer, false);
                opened++;
            } catch (IOException e) {
                last = e;
                LOG.info("relay with {} for conference {} not opened: {}", peer.id(), conference.id(), e.getMessage());
            }
        }
        if (opened == 0 && last != null) {
            throw last;
        }
    }

    /**
     * Makes {@code mirror}, this bridge's part of a conference {@code holderId} holds, serve here:
     * true when it is relayed (already, or now). When no relay could be opened (false) or Redis does
     * not answer (thrown), a mirror with no participant of its own is let go at once.
     */
    public boolean serve(Conference mirror, String holderId) throws ClusterUnavailableException {
        if (mirror.isRelayed()) {
            return true;
        }
        try {
            join(mirror, holderId);
            return true;
        } catch (IOException e) {
            LOG.info("conference {}: no relay to bridge {} ({}); its holder serves the join", mirror.id(), holderId,
                    e.getMessage());
            letGoIfEmpty(mirror);
            return false;
        } catch (ClusterUnavailableException e) {
            letGoIfEmpty(mirror);
            throw e;
        }
    }

    private void letGoIfEmpty(Conference mirror) {
        if (mirror.localEndpointCount() == 0) {
            bridge.removeConference(mirror.id(), io.junction.bridge.conference.RemovalReason.REMOVED);
        }
    }

    /**
     * Bridge {@code peerId} asked for a relay endpoint here ({@code reply} false): connect back to it, so
     * its participants' media comes here too. In the background.
     */
    public void connectBack(Conference conference, String peerId) {
        executor.execute(() -> {
            try {
                Member peer = cluster.member(peerId).orElse(null);
                if (peer == null) {
                    LOG.info("relay back to {} for conference {}: that bridge is not in the cluster", peerId, conference.id());
                    return;
                }
                open(conference, peer, true);
            } catch (IOException | ClusterUnavailableException e) {
                LOG.info("relay back to {} for conference {} not opened: {}", peerId, conference.id(), e.getMessage());
            }
        });
    }

    /** Asks {@code peer} for a relay endpoint for us and connects to it. */
    private void open(Conference conference, Member peer, boolean reply) throws IOException {
        String key = conference.id() + "/" + peer.id();
        RelayClient existing = clients.get(key);
        if (existing != null && !existing.isClosed()) {
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("bridge", cluster.id());
        body.put("reply", reply);
        HttpResponse<String> r;
        try {
            r = forwarder.send(peer, "POST", "/v1/conferences/" + conference.id() + "/relays", body.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (r.statusCode() != 201) {
            throw new IOException("bridge " + peer.id() + " answered " + r.statusCode() + " " + r.body().trim());
        }
        JsonNode created = JSON.readTree(r.body());
        RelayLink link = conference.openRelayFrom(peer.id());
        RelayClient client = new RelayClient(link);
        clients.put(key, client);
        client.connect(http, created.path("signalingUrl").asText());
        LOG.info("relay from {} for conference {} connecting", peer.id(), conference.id());
    }

    private volatile io.micrometer.core.instrument.MeterRegistry registry;
    private final java.util.Set<String> meteredPeers = ConcurrentHashMap.newKeySet();

    /** Relay metrics per other bridge go to {@code registry} (registered when a relay with it first exists). */
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        this.registry = registry;
    }

    /** One relay direction with one other bridge, summed over conferences. */
    public record PeerRelay(String peer, double inBps, double outBps, long packetsIn, long packetsLost, int conferences) {}

    /** Relay traffic with each other bridge now (for metrics and {@code GET /v1/cluster}). */
    public List<PeerRelay> byPeer() {
        Map<String, double[]> sums = new java.util.TreeMap<>();
        for (Conference c : bridge.conferences()) {
            for (RelayLink l : c.relayLinks()) {
                double[] s = sums.computeIfAbsent(l.peer(), k -> new double[5]);
                s[0] += l.bitrateInBps();
                s[2] += l.packetsIn();
                s[3] += l.packetsLost();
                s[4]++;
            }
            for (Endpoint r : c.relays()) {
                double[] s = sums.computeIfAbsent(r.relayPeer(), k -> new double[5]);
                s[1] += r.stats().bitrateOutBps();
            }
        }
        List<PeerRelay> out = new java.util.ArrayList<>();
        sums.forEach((peer, s) -> out.add(new PeerRelay(peer, s[0], s[1], (long) s[2], (long) s[3], (int) s[4])));
        return out;
    }

    private double peerValue(String peer, java.util.function.ToDoubleFunction<PeerRelay> f) {
        for (PeerRelay p : byPeer()) {
            if (p.peer().equals(peer)) {
                return f.applyAsDouble(p);
            }
        }
        return 0;
    }

    private void meter(String peer) {
        io.micrometer.core.instrument.MeterRegistry r = registry;
        if (r == null || !meteredPeers.add(peer)) {
            return;
        }
        io.micrometer.core.instrument.Gauge.builder("junction.relay.bitrate.in", this, x -> x.peerValue(peer, PeerRelay::inBps))
                .tag("peer", peer).baseUnit("bits.per.second")
                .description("RTP received over relays from this bridge (all conferences), bit/s").register(r);
        io.micrometer.core.instrument.Gauge.builder("junction.relay.bitrate.out", this, x -> x.peerValue(peer, PeerRelay::outBps))
                .tag("peer", peer).baseUnit("bits.per.second")
                .description("RTP sent over relays to this bridge (all conferences), bit/s").register(r);
        io.micrometer.core.instrument.Gauge.builder("junction.relay.packets.lost", this, x -> x.peerValue(peer, PeerRelay::packetsLost))
                .tag("peer", peer)
                .description("Packets lost on the relays from this bridge (their conferences now), from sequence numbers").register(r);
        io.micrometer.core.instrument.Gauge.builder("junction.relay.packets.in", this, x -> x.peerValue(peer, PeerRelay::packetsIn))
                .tag("peer", peer)
                .description("RTP packets received over the relays from this bridge (their conferences now)").register(r);
    }

    /** The links of this bridge's conferences (for metrics and {@code GET /v1/cluster}). */
    public List<RelayClient> clients() {
        return List.copyOf(clients.values());
    }

    private void refresh() {
        try {
            clients.values().removeIf(RelayClient::isClosed);
            for (PeerRelay p : byPeer()) {
                meter(p.peer());
            }
            for (RelayClient c : clients.values()) {
                Conference conf = bridge.conference(c.link().conferenceId()).orElse(null);
                if (conf == null || conf.isEnded()) {
                    c.close();
                    continue;
                }
                c.sendConstraints(tallestWanted(conf), mostVideosWanted(conf));
            }
            // a peer that left the cluster (its record expired): its links go, and its participants with them
            if (!clients.isEmpty() && cluster.redisUp()) {
                java.util.Set<String> live = new java.util.HashSet<>();
                for (Member m : cluster.members()) {
                    live.add(m.id());
                }
                for (RelayClient c : clients.values()) {
                    if (!live.contains(c.link().peer())) {
                        LOG.info("relay from {}: that bridge left the cluster", c.link().peer());
                        c.close();
                    }
                }
            }
        } catch (ClusterUnavailableException e) {
            // Redis down: running relays go on
        } catch (RuntimeException e) {
            LOG.warn("relay refresh failed", e);
        }
    }

    /**
     * The most videos any participant served here wants ({@code lastN}; {@link RelayClient#RELAY_LAST_N}
     * when one takes the bridge's default or any number, or when none is here). The other bridge then
     * relays its best-ranked speakers' videos up to that many: a superset of what each receiver here
     * shows, as both bridges rank speakers from the same audio levels.
     */
    static int mostVideosWanted(Conference conference) {
        int max = -1;
        for (Endpoint e : conference.endpoints()) {
            if (e.isRemote()) {
                continue;
            }
            int n = e.constraints().lastN();
            if (n < 0) {
                return RelayClient.RELAY_LAST_N;
            }
            max = Math.max(max, n);
        }
        return max < 0 ? RelayClient.RELAY_LAST_N : max;
    }

    /** The tallest video any participant served here wants (-1: one of them takes any). */
    static int tallestWanted(Conference conference) {
        int max = 0;
        boolean any = false;
        for (Endpoint e : conference.endpoints()) {
            if (e.isRemote()) {
                continue;
            }
            any = true;
            int h = e.constraints().maxHeight();
            if (h < 0) {
                return -1;
            }
            max = Math.max(max, h);
        }
        return any ? max : -1;
    }

    @Override
    public void close() {
        for (RelayClient c : clients.values()) {
            c.close();
        }
        clients.clear();
    }
}
