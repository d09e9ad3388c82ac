package io.junction.bridge.transport.ice;

import io.junction.bridge.BridgeConfig;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.ice4j.Transport;
import org.ice4j.TransportAddress;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one UDP port every endpoint shares: an ice4j {@link SinglePortUdpHarvester} per local address
 * (all on the same port), which demultiplexes first packets by STUN USERNAME ufrag and later ones by
 * remote address. Also computes the candidates the bridge advertises, including public addresses
 * of static 1:1 NAT mappings.
 */
public final class MediaPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MediaPort.class);

    private final List<SinglePortUdpHarvester> harvesters = new ArrayList<>();
    /** ICE-TCP (passive) on media.tcp-port, or null when off. */
    private final org.ice4j.ice.harvest.TcpHarvester tcpHarvester;
    /** Accepts ICE-TCP connections and hands verified ones to {@link #tcpHarvester}; null when off. */
    private final IceTcpListener tcpListener;
    private final int tcpPort;
    private final java.util.Map<String, VerifyingUdpHarvester.Credentials> credentials = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<LocalCandidateInfo> candidates = new ArrayList<>();
    private final int port;
    private final io.junction.bridge.stats.MediaCounters counters;
    /** Per harvester's local address: the data path's send socket; empty when sends go through ice4j. */
    private final java.util.Map<TransportAddress, MediaSendSocket> sendSockets = new java.util.HashMap<>();
    /** Per packet worker, the connected sockets it reads; empty when ice4j reads everything. */
    private final java.util.Map<io.junction.bridge.worker.PacketWorker, NativeReceiver> receivers =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String receivePath = "media receives: ice4j";
    /** How the data path sends, for the log and the banner. */
    private final String sendPath;
    /** Where the advertised public address came from (for the banner and /v1/stats); empty when none. */
    private String publicAddressSource = "";

    /** @param counters where first packets refused by the STUN gate are counted ({@link VerifyingUdpHarvester}) */
    public MediaPort(BridgeConfig config, io.junction.bridge.stats.MediaCounters counters) throws IOException {
        this.counters = counters;
        Ice4jSetup.configure();
        List<InetAddress> addresses = localAddresses(config);
        if (addresses.isEmpty()) {
            throw new IOException("no usable local address for media (configure junction.media.addresses)");
        }
        int boundPort = config.mediaPort();
        if (boundPort != 0) {
            for (InetAddress a : addresses) {
                requireFree(a, boundPort);
            }
        }
        for (InetAddress a : addresses) {
            SinglePortUdpHarvester h = new VerifyingUdpHarvester(new TransportAddress(a, boundPort, Transport.UDP),
                    credentials, counters);
            harvesters.add(h);
            // With port 0 the first harvester picks a free port and the others follow it.
            boundPort = h.getLocalAddress().getPort();
        }
        this.port = boundPort;
        this.sendPath = openSendSockets();
        if (config.mediaTcpPort() > 0) {
            List<TransportAddress> tcpAddresses = new ArrayList<>();
            for (InetAddress a : addresses) {
                requireFreeTcp(a, config.mediaTcpPort());
                tcpAddresses.add(new TransportAddress(a, config.mediaTcpPort(), Transport.TCP));
            }
            ListeningTcpHarvester h = new ListeningTcpHarvester(tcpAddresses);
            List<java.net.InetSocketAddress> binds = new ArrayList<>();
            for (TransportAddress a : tcpAddresses) {
                binds.add(new java.net.InetSocketAddress(a.getAddress(), a.getPort()));
            }
            tcpHarvester = h;
            tcpListener = new IceTcpListener(binds, credentials, counters, h::take);
            tcpPort = config.mediaTcpPort();
        } else {
            tcpHarvester = null;
            tcpListener = null;
            tcpPort = 0;
        }
        int localPref = 65535;
        int foundation = 1;
        for (SinglePortUdpHarvester h : harvesters) {
            String local = h.getLocalAddress().getHostAddress();
            candidates.add(new LocalCandidateInfo(String.valueOf(foundation++), priority(126, localPref), local, port,
                    "host", null, 0));
            localPref -= 16;
        }
        List<String> publics = new ArrayList<>();
        for (BridgeConfig.StaticMapping m : config.staticMappings()) {
            for (SinglePortUdpHarvester h : harvesters) {
                if (h.getLocalAddress().getHostAddress().equals(InetAddress.getByName(m.localAddress()).getHostAddress())) {
                    publics.add(m.publicAddress() + "|" + h.getLocalAddress().getHostAddress());
                }
            }
        }
        String publicIp = config.publicIp();
        if (publicIp.equals("auto") && !harvesters.isEmpty()) {
            InetAddress from = harvesters.get(0).getLocalAddress().getAddress();
            StunDiscovery.Result found = StunDiscovery.discover(from, config.stunServers(), 1000);
            if (found == null) {
                publicIp = "";
                publicAddressSource = "public-ip = auto: no STUN server answered (" + String.join(", ", config.stunServers()) + ")";
                LOG.warn("media.public-ip = auto: no STUN server answered ({}); advertising local addresses only",
                        config.stunServers());
            } else {
                publicIp = found.address();
                publicAddressSource = "public address from STUN " + found.server();
                LOG.info("media.public-ip = auto: {} (from STUN {}, asked from {})", found.address(), found.server(),
                        from.getHostAddress());
            }
        } else if (!publicIp.isEmpty()) {
            publicAddressSource = "public address configured";
        }
        if (!publicIp.isEmpty() && harvesters.size() > 0
                && !publicIp.equals(harvesters.get(0).getLocalAddress().getHostAddress())) {
            publics.add(publicIp + "|" + harvesters.get(0).getLocalAddress().getHostAddress());
        }
        if (tcpHarvester != null) {
            // below every UDP candidate (host and public): TCP only when UDP does not get through
            int tcpPref = 65535;
            for (SinglePortUdpHarvester h : harvesters) {
                candidates.add(new LocalCandidateInfo(String.valueOf(foundation++), priority(90, tcpPref),
                        h.getLocalAddress().getHostAddress(), tcpPort, "host", null, 0, true));
                tcpPref -= 16;
            }
        }
        int srflxPref = 65535;
        for (String pm : publics) {
            String[] parts = pm.split("\\|");
            candidates.add(new LocalCandidateInfo(String.valueOf(foundation++), priority(100, srflxPref), parts[0], port,
                    "srflx", parts[1], port));
            if (tcpHarvester != null) {
                // the public twin of the TCP candidate (a 1:1 NAT forwards the TCP port too)
                candidates.add(new LocalCandidateInfo(String.valueOf(foundation++), priority(80, srflxPref), parts[0],
                        tcpPort, "srflx", parts[1], tcpPort, true));
            }
            srflxPref -= 16;
        }
        LOG.info("media port udp/{} on {} advertising {}; {}", port, addresses, candidates, sendPath);
        long rmemMax = UdpSocketStats.receiveBufferMax();
        long wmemMax = UdpSocketStats.sendBufferMax();
        if ((rmemMax >= 0 && rmemMax < Ice4jSetup.RECEIVE_BUFFER_BYTES)
                || (!sendSockets.isEmpty() && wmemMax >= 0 && wmemMax < Ice4jSetup.SEND_BUFFER_BYTES)) {
            LOG.warn("net.core.rmem_max is {} KiB and net.core.wmem_max {} KiB: the media socket gets those instead of the "
                    + "{} KiB receive and {} KiB send buffers it asks for; under load the kernel drops datagrams it "
                    + "receives (junction_media_socket_drops_total) and refuses sends (junction_send_errors_total). "
                    + "Raise them: sysctl -w net.core.rmem_max={} net.core.wmem_max={}", rmemMax / 1024, wmemMax / 1024,
                    Ice4jSetup.RECEIVE_BUFFER_BYTES / 1024, Ice4jSetup.SEND_BUFFER_BYTES / 1024,
                    Ice4jSetup.RECEIVE_BUFFER_BYTES, Ice4jSetup.SEND_BUFFER_BYTES);
        }
    }

    /**
     * The data path's send sockets, one per harvester, when the native library is there; without it
     * (or when one cannot be found) every send goes through ice4j as before.
     */
    private String openSendSockets() {
        String problem = NativeUdp.problem();
        if (problem == null) {
            try {
                for (SinglePortUdpHarvester h : harvesters) {
                    TransportAddress a = h.getLocalAddress();
                    MediaSendSocket send = MediaSendSocket.open(new java.net.InetSocketAddress(a.getAddress(), a.getPort()));
                    sendSockets.put(a, send);
                    if (send.dontFragmentError() != 0) {
                        LOG.warn("media socket {}: could not set DF (IP_PMTUDISC_PROBE, errno {}); its IPv4 sends draw an IP ID each",
                                a, send.dontFragmentError());
                    }
                    if (send.segmentationError() != 0) {
                        LOG.info("media socket {}: no UDP segmentation offload (UDP_SEGMENT, errno {}); each datagram goes on its own",
                                a, send.segmentationError());
                    }
                }
                return "media sends: native sendto/sendmmsg";
            } catch (IOException e) {
                sendSockets.values().forEach(MediaSendSocket::close);
                sendSockets.clear();
                problem = e.getMessage();
            }
        }
        LOG.info("media sends through ice4j's socket: native sends not available ({})", problem);
        return "media sends: ice4j (" + problem + ")";
    }

    /**
     * Lets each packet worker read the connected sockets of the endpoints it serves (it waits on them
     * instead of parking), when the native library is there and sends are native (the connected
     * sockets take the send sockets' family). Else ice4j goes on reading everything.
     */
    public void readOn(List<io.junction.bridge.worker.PacketWorker> workers) {
        String problem = sendSockets.isEmpty() ? "sends go through ice4j" : NativeUdp.receiveProblem();
        if (problem == null) {
            try {
                for (io.junction.bridge.worker.PacketWorker w : workers) {
                    receivers.put(w, new NativeReceiver(w.name(), counters));
                }
                receivers.forEach((w, r) -> w.setPoller(r));
                receivePath = "media receives: each packet worker reads its endpoints' connected sockets (recvmmsg)";
                LOG.info(receivePath);
                return;
            } catch (IOException e) {
                receivers.values().forEach(NativeReceiver::close);
                receivers.clear();
                problem = e.getMessage();
            }
        }
        receivePath = "media receives: ice4j (" + problem + ")";
        LOG.info(receivePath);
    }

    /** How the data path receives, for the banner. */
    public String receivePath() {
        return receivePath;
    }

    /**
     * Starts reading the selected pair {@code local} (its base) ↔ {@code remote} on a connected socket of
     * its own for {@code owner}, on {@code worker} (the one that handles its packets): the registration, or null when ice4j goes on reading (no native
     * receive, or the socket could not be opened: logged).
     */
    NativeReceiver.Registration startReceiving(TransportAddress local, TransportAddress remote, NativeReceiver.Sink owner,
                                               io.junction.bridge.worker.PacketWorker worker) {
        MediaSendSocket send = sendSockets.get(local);
        NativeReceiver r = worker == null ? null : receivers.get(worker);
        if (r == null || send == null) {
            return null;
        }
        try {
            return r.register(new java.net.InetSocketAddress(local.getAddress(), local.getPort()),
                    new java.net.InetSocketAddress(remote.getAddress(), remote.getPort()), send.isV6(), owner);
        } catch (IOException e) {
            LOG.warn("ice4j goes on reading {} -> {}: {}", local, remote, e.getMessage());
            return null;
        }
    }

    /** A STUN message on a connected socket: answered (a consent check) or ignored. */
    void countStun(boolean answered) {
        (answered ? counters.stunAnswered : counters.stunIgnored).increment();
    }

    /** Whether the data path reads its own connected sockets once a pair is selected. */
    public boolean receivesNatively() {
        return !receivers.isEmpty();
    }

    /** The send socket for a selected pair whose local base is {@code local}, or null (send through ice4j). */
    MediaSendSocket sendSocket(TransportAddress local) {
        return sendSockets.get(local);
    }

    /** One native sendto returned {@code result} (bytes, or -errno). */
    void countSend(int result) {
        counters.sendCalls.increment();
        if (result >= 0) {
            counters.sendCallDatagrams.increment();
        }
    }

    /** Whether the data path sends through the native send sockets. */
    public boolean sendsNatively() {
        return !sendSockets.isEmpty();
    }

    /** "media sends: native sendto/sendmmsg", or how it sends instead and why. */
    public String sendPath() {
        return sendPath;
    }

    /**
     * Fails when another socket holds {@code address:port}. A plain bind (no {@code SO_REUSEPORT})
     * is refused by the kernel while any socket, with or without the option, is bound there.
     */
    static void requireFree(InetAddress address, int port) throws PortInUseException {
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(null)) {
            probe.setReuseAddress(false);
            probe.bind(new java.net.InetSocketAddress(address, port));
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).contains("in use")) {
                throw new PortInUseException("media port udp/" + port + " on " + address.getHostAddress() + " is in use");
            }
            throw new PortInUseException("media port udp/" + port + " on " + address.getHostAddress()
                    + " cannot be bound: " + e.getMessage());
        }
    }

    static void requireFreeTcp(InetAddress address, int port) throws PortInUseException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(address, port));
        } catch (IOException e) {
            throw new PortInUseException("media port tcp/" + port + " on " + address.getHostAddress()
                    + (String.valueOf(e.getMessage()).contains("in use") ? " is in use" : " cannot be bound: " + e.getMessage()));
        }
    }

    /**
     * ice4j's ICE-TCP harvester, for the candidates it gathers and for running ICE on the connections
     * {@link IceTcpListener} hands it; it listens on nothing itself. ice4j's constructor passes the
     * addresses through the overridable {@code addLocalAddresses} filter (which drops loopback) and
     * then starts listening on what passed: keeping nothing there leaves ice4j's listener idle, and
     * the addresses are added afterwards for the candidates.
     *
     * <p>This once added the addresses afterwards and called {@code init()} again: that started a
     * second read thread on ice4j's selector (each thread's select then hid new connections from the
     * other for up to 7.5 s, ice4j's select timeout: ICE over TCP took 1.8, 9 or 18 s, and beyond the
     * DTLS timeout under load) and, for a non-loopback address, bound the port twice.
     */
    private static final class ListeningTcpHarvester extends org.ice4j.ice.harvest.TcpHarvester {
        ListeningTcpHarvester(List<TransportAddress> addresses) throws IOException {
            super(addresses, false);
            localAddresses.addAll(addresses);
        }

        @Override
        protected void addLocalAddresses(List<TransportAddress> addresses) {
            // nothing for ice4j's own listener to bind
        }

        /** A connection whose first check verified: ice4j runs ICE on it from now on. */
        void take(java.net.Socket socket, String ufrag, java.net.DatagramPacket firstCheck) throws IOException {
            acceptSession(socket, ufrag, firstCheck);
        }
    }

    /** The ICE-TCP harvester, or null when media.tcp-port is 0. */
    org.ice4j.ice.harvest.TcpHarvester tcpHarvester() {
        return tcpHarvester;
    }

    /** Counts datagrams an ICE-TCP connection could not take (writer queue full, connection failed). */
    java.util.concurrent.atomic.LongAdder tcpDrops() {
        return counters.iceTcpSendDrops;
    }

    /** The ICE-TCP port, 0 when off. */
    public int tcpPort() {
        return tcpPort;
    }

    /** RFC 8445 §5.1.2.1 candidate priority for component 1. */
    static long priority(int typePreference, int localPreference) {
        return ((long) typePreference << 24) + ((long) localPreference << 8) + (256 - 1);
    }

    static List<InetAddress> localAddresses(BridgeConfig config) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        if (!config.advertisedAddresses().isEmpty()) {
            for (String a : config.advertisedAddresses()) {
                out.add(InetAddress.getByName(a));
            }
            return out;
        }
        InetAddress bind = InetAddress.getByName(config.mediaBindAddress());
        if (!bind.isAnyLocalAddress()) {
            out.add(bind);
            return out;
        }
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback() || nif.isVirtual()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isMulticastAddress()) {
                        continue;
                    }
                    if (a instanceof Inet4Address || a instanceof Inet6Address) {
                        out.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            throw new IOException("cannot list network interfaces", e);
        }
        if (out.isEmpty()) {
            // A machine without a network (offline, a container or namespace with only lo): the
            // bridge still starts, for clients on this machine.
            LOG.warn("no network interface has an address: media on 127.0.0.1 only, for clients on this machine");
            out.add(InetAddress.getLoopbackAddress());
        }
        return out;
    }

    public int port() {
        return port;
    }

    /** A live ICE agent's local credentials: STUN requests signed with them may open per-source state. */
    void register(String ufrag, String password) {
        credentials.put(ufrag, new VerifyingUdpHarvester.Credentials(password));
    }

    void unregister(String ufrag) {
        credentials.remove(ufrag);
    }

    /** Whether a connectivity check signed with this ufrag's password has arrived from any source. */
    boolean verifiedCheckArrived(String ufrag) {
        VerifyingUdpHarvester.Credentials c = credentials.get(ufrag);
        return c != null && c.sources.get() > 0;
    }

    /** ICE agents alive on this port: one per live ufrag. */
    public int liveAgents() {
        return credentials.size();
    }

    public List<SinglePortUdpHarvester> harvesters() {
        return harvesters;
    }

    /**
     * Sends one datagram from the media port (its first UDP address of {@code to}'s family) to
     * {@code to}: the first connectivity check toward another bridge. ice4j's single-port candidates
     * send only to a remote that has written to them first (they are made for browsers, which check
     * first), and a bridge waits for checks too, so a bridge that connects to another one's relay
     * endpoint knocks first; the other bridge's answer and its own triggered check then open the pair
     * on both ports as a browser's check would. False when no socket could send it.
     */
    public boolean sendFrom(java.net.InetSocketAddress to, byte[] buf, int len) {
        boolean v6 = to.getAddress() instanceof java.net.Inet6Address;
        for (SinglePortUdpHarvester h : harvesters) {
            if ((h.getLocalAddress().getAddress() instanceof java.net.Inet6Address) == v6) {
                return sendFrom(h, to, buf, len);
            }
        }
        return false;
    }

    /** ice4j's socket of a harvester, which it keeps private (null when this ice4j has no such field). */
    private static final java.lang.reflect.Field HARVESTER_SOCKET = harvesterSocketField();

    private static java.lang.reflect.Field harvesterSocketField() {
        try {
            java.lang.reflect.Field f = org.ice4j.ice.harvest.AbstractUdpListener.class.getDeclaredField("receiveSocket");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Sends one datagram from harvester {@code h}'s socket (ice4j keeps it private: read by reflection). */
    static boolean sendFrom(SinglePortUdpHarvester h, java.net.InetSocketAddress to, byte[] buf, int len) {
        if (HARVESTER_SOCKET == null) {
            LOG.debug("send from {} to {}: ice4j's harvester socket is out of reach", h.getLocalAddress(), to);
            return false;
        }
        try {
            java.net.DatagramSocket socket = (java.net.DatagramSocket) HARVESTER_SOCKET.get(h);
            socket.send(new java.net.DatagramPacket(buf, 0, len, to));
            return true;
        } catch (ReflectiveOperationException | RuntimeException | IOException e) {
            LOG.debug("send from {} to {} failed", h.getLocalAddress(), to, e);
            return false;
        }
    }

    /**
     * A UDP port of its own on the media port's address that reaches {@code towards}, for one relay
     * from another bridge: ice4j maps each remote address to one ICE agent, so two bridges' media
     * ports could carry only one ICE session between them; the connecting side takes a port per relay.
     */
    public SinglePortUdpHarvester ownPort(java.net.InetAddress towards) throws IOException {
        boolean v6 = towards instanceof java.net.Inet6Address;
        java.net.InetAddress pick = null;
        for (SinglePortUdpHarvester h : harvesters) {
            java.net.InetAddress a = h.getLocalAddress().getAddress();
            if ((a instanceof java.net.Inet6Address) != v6) {
                continue;
            }
            // loopback toward loopback, an interface's address toward anything else (the kernel would
            // not route a loopback source to another host)
            if (pick == null || (a.isLoopbackAddress() == towards.isLoopbackAddress()
                    && pick.isLoopbackAddress() != towards.isLoopbackAddress())) {
                pick = a;
            }
        }
        if (pick == null) {
            throw new IOException("the media port has no " + (v6 ? "IPv6" : "IPv4") + " address");
        }
        return new SinglePortUdpHarvester(new TransportAddress(pick, 0, org.ice4j.Transport.UDP));
    }

    /** "public address configured", "public address from STUN host:port", why STUN failed, or empty. */
    public String publicAddressSource() {
        return publicAddressSource;
    }

    public List<LocalCandidateInfo> candidates() {
        return List.copyOf(candidates);
    }

    @Override
    public void close() {
        receivers.values().forEach(NativeReceiver::close);
        sendSockets.values().forEach(MediaSendSocket::close);
        harvesters.forEach(SinglePortUdpHarvester::close);
        if (tcpListener != null) {
            tcpListener.close();
        }
        if (tcpHarvester != null) {
            tcpHarvester.close();
        }
    }
}
