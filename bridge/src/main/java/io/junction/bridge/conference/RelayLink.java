package io.junction.bridge.conference;

import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.SsrcTable;
import io.junction.bridge.pipeline.MediaPath;
import io.junction.bridge.rtcp.ReceiverReport;
import io.junction.bridge.sdp.SdpException;
import io.junction.bridge.sdp.SessionDescription;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.transport.EndpointTransport;
import io.junction.bridge.transport.ice.IceTransport;
import io.junction.bridge.worker.PacketWorker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of a relay: this bridge's connection to another bridge's relay endpoint for the
 * same conference ({@link Conference#addRelay} over there). That endpoint is an ordinary subscriber of
 * the other bridge, so this side plays the client: it answers the other bridge's offers (one m-line per
 * forwarded track, with the SSRCs and the publishing endpoint's id), connects ICE to the candidates
 * they name (the other bridge controls and nominates), is the DTLS client, and brings each forwarded
 * track into the conference as a track of a <em>remote participant</em> (the other bridge's participant,
 * under its own id). From there the packet path is a publisher's: the same {@link MediaPath} receive
 * stages, so keyframe requests, NACKs, receiver reports and transport-cc feedback go back over the
 * relay and the other bridge's estimator and retransmitter work on it as on any receiver.
 *
 * <p>Threads: {@link #answer} and the participant calls on the control plane (the relay client's),
 * under this object's monitor; the packets on the conference's worker.
 */
public final class RelayLink implements IceTransport.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(RelayLink.class);
    private static final long KEEPALIVE_NS = 1_000_000_000L;

    /** A track the other bridge's offer says it forwards on m-line {@code mid}. */
    public record OfferedTrack(String mid, String endpointId, String kind, String trackId, String source) {}

    private record Mirrored(String mid, String endpointId, int ssrc, SourceTrack track) {}

    private final Conference conference;
    private final String peer;
    private final PacketWorker worker;
    private final EndpointTransport transport;
    private final MediaPath path;
    private final long sessionId = new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
    final EndpointStats stats = new EndpointStats();
    private final MediaCore core;

    // guarded by this
    private final Map<String, Mirrored> byMid = new HashMap<>();
    private final Map<String, String> names = new HashMap<>();
    private volatile boolean started;
    private volatile boolean closed;
    private long lastKeepaliveNs;

    RelayLink(Conference conference, String peer, MediaCore core) throws IOException {
        this.conference = conference;
        this.peer = peer;
        this.core = core;
        this.worker = conference.packetWorker(core);
        // a port of its own (the other bridge's media port tells ICE sessions apart by remote address)
        IceTransport ice = new IceTransport(core.port(), "relay-" + peer, this, worker,
                core.port().ownPort(java.net.InetAddress.getLoopbackAddress()));
        ice.setControlling(false); // the relay endpoint's bridge offers and controls, as it does for browsers
        this.transport = new EndpointTransport(core.transportResources(),
                "conference=" + conference.id() + " relay-from=" + peer, ice, worker, conference.mediaCounters(),
                (code, message) -> fail(message));
        this.path = new MediaPath("relay-" + peer, transport, worker, null, core.pathContext(), stats,
                conference.mediaCounters(), conference.forwarding());
        transport.onKeysInstalled(path.receive()::keysInstalled);
    }

    /** The id of the bridge this relay comes from. */
    public String peer() {
        return peer;
    }

    public String conferenceId() {
        return conference.id();
    }

    public boolean isClosed() {
        return closed;
    }

    /** The ICE pair the relay runs on ("local <-> remote"), or what ice4j says before one. */
    public String selectedPair() {
        return transport.selectedPair();
    }

    /** RTP received over this relay, bit/s (last sample), and packets lost on the way (cumulative). */
    public double bitrateInBps() {
        return stats.bitrateInBps();
    }

    public long packetsIn() {
        return stats.rtpPacketsIn;
    }

    /** Packets the relay lost (from the forwarded streams' sequence numbers), summed over its tracks. */
    public synchronized long packetsLost() {
        long lost = 0;
        for (Mirrored m : byMid.values()) {
            for (SourceEncoding e : m.track().encodings()) {
                lost += Math.max(0, e.receiveStats().cumulativeLost());
            }
        }
        return lost;
    }

    /** The other bridge's participants: names for the remote participants this link brings in. */
    public synchronized void participant(String endpointId, String displayName) {
        names.put(endpointId, displayName == null ? "" : displayName);
    }

    /** Participant {@code endpointId} of the other bridge left: it leaves here too. */
    public void participantLeft(String endpointId) {
        Endpoint e = conference.endpoint(endpointId).orElse(null);
        if (e != null && e.isRemote() && peer.equals(e.remoteBridge())) {
            conference.removeEndpoint(endpointId, RemovalReason.DISCONNECTED);
        }
    }

    /**
     * Answers the other bridge's offer {@code sdp}, whose forwarded m-lines {@code tracks} describes
     * (the signaling protocol's {@code tracks}: mid, publishing endpoint, kind, source). Tracks new in
     * it are published here as their endpoints' (the endpoint is added as a remote participant first);
     * tracks gone from it end. The first answer starts ICE (this side sends checks to the offer's
     * candidates) and the DTLS client.
     */
    public String answer(String sdp, List<OfferedTrack> tracks) throws AnswerException {
        SessionDescription d;
        try {
            d = SessionDescription.parse(sdp);
        } catch (SdpException e) {
            throw new AnswerException("bad-sdp", e.getMessage());
        }
        if (d.media().isEmpty()) {
            throw new AnswerException("bad-sdp", "the offer has no m-line");
        }
        SessionDescription.Media first = d.media().get(0);
        String ufrag = d.attribute(first, "ice-ufrag");
        String pwd = d.attribute(first, "ice-pwd");
        String fp = d.attribute(first, "fingerprint");
        if (ufrag == null || pwd == null || fp == null || !fp.regionMatches(true, 0, "sha-256 ", 0, 8)) {
            throw new AnswerException("bad-sdp", "the offer lacks ICE credentials or a SHA-256 fingerprint");
        }
        Map<String, OfferedTrack> trackByMid = new HashMap<>();
        for (OfferedTrack t : tracks) {
            trackByMid.put(t.mid(), t);
        }
        List<SourceTrack> created = new ArrayList<>();
        List<SourceTrack> ended = new ArrayList<>();
        String answer;
        synchronized (this) {
            if (closed) {
                throw new AnswerException("bad-message", "the relay is closed");
            }
            Map<String, Mirrored> next = new HashMap<>();
            for (SessionDescription.Media m : d.media()) {
                String mid = m.attribute("mid");
                OfferedTrack t = mid == null ? null : trackByMid.get(mid);
                int[] ssrcs = ssrcs(m);
                if (t == null || ssrcs[0] == 0 || !"sendonly".equals(m.direction())) {
                    continue;
                }
                Mirrored have = byMid.get(mid);
                if (have != null && have.ssrc() == ssrcs[0] && have.endpointId().equals(t.endpointId())) {
                    next.put(mid, have);
                    continue;
                }
                MediaKind kind = "video".equals(m.kind()) ? MediaKind.VIDEO : MediaKind.AUDIO;
                SourceTrack track = new SourceTrack(t.endpointId(), kind, t.trackId(), List.of(), ssrcs[0], ssrcs[1],
                        path.keyframes(), "screen".equals(t.source()));
                next.put(mid, new Mirrored(mid, t.endpointId(), ssrcs[0], track));
                created.add(track);
            }
            for (Mirrored old : byMid.values()) {
                if (next.get(old.mid()) != old) {
                    ended.add(old.track());
                }
            }
            byMid.clear();
            byMid.putAll(next);
            publishSsrcs();
            if (!started) {
                candidates.clear();
                for (String c : first.attributes("candidate")) {
                    addCandidate(c);
                }
                useReachingPort();
            }
            answer = writeAnswer(d);
            if (!started) {
                started = true;
                transport.startClient(ufrag, pwd, fp.substring(8).trim());
                remoteUfrag = ufrag;
                remotePassword = pwd;
                knock();
            }
        }
        for (SourceTrack t : ended) {
            t.end();
            Endpoint e = conference.endpoint(t.endpointId()).orElse(null);
            if (e != null && e.isRemote()) {
                List<SourceTrack> rest = new ArrayList<>(e.remoteTracks());
                rest.remove(t);
                e.setRemoteTracks(rest);
            }
            conference.trackEnded(t);
        }
        for (SourceTrack t : created) {
            String name;
            synchronized (this) {
                name = names.getOrDefault(t.endpointId(), "");
            }
            Endpoint e = conference.addRemoteEndpoint(t.endpointId(), name, this);
            if (e == null || !e.isRemote()) {
                continue; // the conference ended, or the id is a participant here (a loop): not taken
            }
            List<SourceTrack> mine = new ArrayList<>(e.remoteTracks());
            mine.add(t);
            e.setRemoteTracks(mine);
            conference.trackPublished(t);
        }
        return answer;
    }

    /** Under this monitor: the packet path's SSRC table from the mirrored tracks. */
    private void publishSsrcs() {
        SsrcTable<SourceEncoding> table = SsrcTable.empty();
        for (Mirrored m : byMid.values()) {
            SourceEncoding e = m.track().encodings()[0];
            table = table.with(e.ssrc(), e);
            if (e.rtxSsrc() != 0) {
                table = table.with(e.rtxSsrc(), e);
            }
        }
        path.streams().encodingsBySsrc = table;
        SourceTrack[] tracks = new SourceTrack[byMid.size()];
        int i = 0;
        for (Mirrored m : byMid.values()) {
            tracks[i++] = m.track();
        }
        path.streams().relayedTracks = tracks;
    }

    /** The primary SSRC of an m-line and its RTX SSRC (from {@code ssrc-group:FID}), 0 when absent. */
    private static int[] ssrcs(SessionDescription.Media m) {
        int primary = 0;
        int rtx = 0;
        for (String g : m.attributes("ssrc-group")) {
            String[] f = g.trim().split("\\s+");
            if (f.length == 3 && f[0].equals("FID")) {
                primary = (int) Long.parseLong(f[1]);
                rtx = (int) Long.parseLong(f[2]);
            }
        }
        if (primary == 0) {
            for (String a : m.attributes("ssrc")) {
                int sp = a.indexOf(' ');
                try {
                    primary = (int) Long.parseLong(sp < 0 ? a : a.substring(0, sp));
                    break;
                } catch (NumberFormatException ignored) {
                    // the offer's own writer never does this; the m-line is then left out
                }
            }
        }
        return new int[] {primary, rtx};
    }

    private void addCandidate(String c) {
        String[] f = c.trim().split("\\s+");
        // foundation component transport priority address port typ type ...
        if (f.length >= 8 && f[2].equalsIgnoreCase("udp") && f[1].equals("1")) {
            try {
                candidates.add(new java.net.InetSocketAddress(f[4], Integer.parseInt(f[5])));
            } catch (RuntimeException e) {
                LOG.debug("relay candidate skipped {}", c, e);
            }
        }
    }

    /**
     * Under this monitor, before ICE starts: when the other bridge is not on loopback, this side's port
     * moves to an interface address (made on loopback first, as the offer was not known yet).
     */
    private void useReachingPort() throws AnswerException {
        java.net.InetAddress towards = java.net.InetAddress.getLoopbackAddress();
        for (java.net.InetSocketAddress c : candidates) {
            if (c.getAddress() != null && !c.getAddress().isLoopbackAddress()) {
                towards = c.getAddress();
                break;
            }
        }
        if (towards.isLoopbackAddress()) {
            return;
        }
        try {
            IceTransport ice = new IceTransport(core.port(), "relay-" + peer, this, worker, core.port().ownPort(towards));
            ice.setControlling(false);
            transport.useIce(ice);
        } catch (IOException e) {
            throw new AnswerException("internal", "no port for the relay: " + e.getMessage());
        }
    }

    /** The other bridge's UDP candidates (from its offer) and ICE credentials; guarded by this. */
    private final List<java.net.InetSocketAddress> candidates = new ArrayList<>();
    private String remoteUfrag;
    private String remotePassword;

    /**
     * Until ICE connects: a binding request from our media port to each of the other bridge's
     * candidates (at the answer, then with every forwarding tick's keep-alive round, at most every
     * 500 ms). The other bridge's ICE agent answers and sends its triggered check, which ice4j here
     * answers; the other bridge, controlling, then nominates the pair.
     */
    private synchronized void knock() {
        if (closed || transport.ice().isConnected()) {
            return;
        }
        for (java.net.InetSocketAddress c : candidates) {
            transport.ice().knock(c.getHostString(), c.getPort(), remoteUfrag, remotePassword);
        }
    }

    private long lastKnockNs;

    /**
     * Under this monitor: the answer a browser would give, taking every forwarded m-line
     * ({@code recvonly}, every codec and header extension as offered, so the other bridge's packets need
     * no renumbering: both bridges number from the same catalog) and publishing nothing on its own
     * m-lines ({@code inactive}). DTLS client ({@code setup:active}).
     */
    private String writeAnswer(SessionDescription d) {
        StringBuilder sb = new StringBuilder(4096);
        line(sb, "v=0");
        line(sb, "o=- " + sessionId + " 2 IN IP4 0.0.0.0");
        line(sb, "s=-");
        line(sb, "t=0 0");
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (SessionDescription.Media m : d.media()) {
            bundle.append(' ').append(m.attribute("mid"));
        }
        line(sb, bundle.toString());
        if (d.sessionAttribute("extmap-allow-mixed") != null) {
            line(sb, "a=extmap-allow-mixed");
        }
        line(sb, "a=msid-semantic: WMS");
        boolean firstSection = true;
        for (SessionDescription.Media m : d.media()) {
            String mid = m.attribute("mid");
            boolean take = byMid.containsKey(mid);
            line(sb, "m=" + m.kind() + " 9 " + m.proto() + " " + String.join(" ", m.formats()));
            line(sb, "c=IN IP4 0.0.0.0");
            line(sb, "a=rtcp:9 IN IP4 0.0.0.0");
            line(sb, "a=ice-ufrag:" + transport.localUfrag());
            line(sb, "a=ice-pwd:" + transport.localPassword());
            line(sb, "a=fingerprint:sha-256 " + transport.localFingerprint());
            line(sb, "a=setup:active");
            line(sb, "a=mid:" + mid);
            for (String e : m.attributes("extmap")) {
                line(sb, "a=extmap:" + e);
            }
            line(sb, take ? "a=recvonly" : "a=inactive");
            line(sb, "a=rtcp-mux");
            line(sb, "a=rtcp-rsize");
            for (String name : List.of("rtpmap", "rtcp-fb", "fmtp")) {
                for (String v : m.attributes(name)) {
                    line(sb, "a=" + name + ":" + v);
                }
            }
            if (firstSection) {
                // none: the other bridge learns this side's address from its checks, as from a browser's
                line(sb, "a=end-of-candidates");
                firstSection = false;
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String l) {
        sb.append(l).append("\r\n");
    }

    /**
     * Remote participant {@code endpointId} left this conference (control plane): its tracks end and
     * their SSRCs are dropped. Returns them, for the conference to unsubscribe its receivers.
     */
    synchronized List<SourceTrack> endpointGone(String endpointId) {
        List<SourceTrack> out = new ArrayList<>();
        byMid.values().removeIf(m -> {
            if (m.endpointId().equals(endpointId)) {
                m.track().end();
                out.add(m.track());
                return true;
            }
            return false;
        });
        publishSsrcs();
        return out;
    }

    /**
     * Worker, every forwarding tick: once a second an empty receiver report, so the other bridge's
     * relay endpoint hears from us even when nothing is forwarded (its inactivity timeout counts
     * datagrams, and a controlled ICE agent sends no consent checks of its own).
     */
    void tick(long nowNs) {
        if (!closed && started && !transport.ice().isConnected() && nowNs - lastKnockNs >= 500_000_000L) {
            lastKnockNs = nowNs;
            core.control().execute(this::knock); // not on the worker: it sends through a socket call
        }
        if (closed || !transport.isSrtpReady() || nowNs - lastKeepaliveNs < KEEPALIVE_NS) {
            return;
        }
        lastKeepaliveNs = nowNs;
        byte[] rr = new byte[64];
        ReceiverReport.writeHeader(rr, 0, transport.rtcpSsrc(), 0);
        transport.sendRtcp(rr, 0, ReceiverReport.HEADER_LENGTH, stats);
    }

    /** Samples the rates (the stats timer, about once a second). */
    void sample(long nowNs) {
        stats.sample(nowNs);
    }

    // ---------------------------------------------------------------- ICE callbacks

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
        transport.iceConnected();
        LOG.info("relay ice connected conference={} from={} pair={}", conference.id(), peer, selectedPair);
    }

    @Override
    public void onIceFailed(String reason) {
        fail("ICE failed: " + reason);
    }

    private void fail(String why) {
        if (!closed) {
            LOG.info("relay failed conference={} from={}: {}", conference.id(), peer, why);
            close();
        }
    }

    /** Closes the relay: its remote participants leave this conference. Idempotent. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        transport.close();
        transport.ice().close();
        worker.execute(path.receive()::releasePending);
        conference.relayLinkClosed(this);
        LOG.info("relay closed conference={} from={}", conference.id(), peer);
    }

    @Override
    public String toString() {
        return "RelayLink[" + conference.id() + " from " + peer + "]";
    }
}
