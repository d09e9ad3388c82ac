package io.junction.bridge.transport.ice;

import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.MediaCounters;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side of ICE-TCP (RFC 6544 passive candidates), in front of ice4j. ice4j's own TCP
 * listener keeps every accepted connection until it has sent a first datagram, with no time limit
 * and no limit per peer: anyone could hold thousands of the bridge's file descriptors with idle
 * connections. This one accepts on the media TCP port, and a connection is handed to ice4j (which
 * then runs ICE on it exactly as before) only when its first RFC 4571 frame arrives within
 * {@link #FIRST_CHECK_TIMEOUT_MS} and is a STUN request whose MESSAGE-INTEGRITY verifies with the
 * password of the live ufrag it names, within that ufrag's source limit and verification budget
 * (the same gate as the UDP port's, {@link VerifyingUdpHarvester}). Until then a connection costs a
 * small buffer, and there are at most {@link #MAX_PENDING} of them, {@link #MAX_PENDING_PER_ADDRESS}
 * per peer address. Refused connections are counted ({@code junction_ice_tcp_refused_connections_total};
 * bad first checks also under the STUN drop reasons). One thread, one selector.
 */
final class IceTcpListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IceTcpListener.class);
    /** Connections that have not yet sent a verified first check, in all. */
    static final int MAX_PENDING = 256;
    /** ... and from one peer address (a browser opens one per candidate pair, rarely more than two). */
    static final int MAX_PENDING_PER_ADDRESS = 8;
    /** How long a new connection may take to send its first check (a browser sends it at once). */
    static final long FIRST_CHECK_TIMEOUT_MS = 5_000;
    /** Largest first frame accepted: a binding request is about 100–200 bytes. */
    static final int MAX_FIRST_FRAME = 1024;
    private static final int USERNAME = 0x0006;
    private static final int BINDING_REQUEST = 0x0001;

    /** Takes a connection whose first check verified; ice4j owns the socket from then on. */
    interface Handoff {
        void accept(Socket socket, String ufrag, DatagramPacket firstCheck) throws IOException;
    }

    private static final class Pending {
        final SocketChannel channel;
        final InetAddress peer;
        final long deadlineNs;
        final ByteBuffer buf = ByteBuffer.allocate(2 + MAX_FIRST_FRAME).limit(2);

        Pending(SocketChannel channel, InetAddress peer, long deadlineNs) {
            this.channel = channel;
            this.peer = peer;
            this.deadlineNs = deadlineNs;
        }
    }

    private final Selector selector;
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final Map<String, VerifyingUdpHarvester.Credentials> credentials;
    private final MediaCounters counters;
    private final Handoff handoff;
    private final Map<InetAddress, Integer> pendingPerPeer = new HashMap<>();
    private int pending;
    private final Thread thread;
    private volatile boolean closed;

    IceTcpListener(List<InetSocketAddress> binds, Map<String, VerifyingUdpHarvester.Credentials> credentials,
                   MediaCounters counters, Handoff handoff) throws IOException {
        this.credentials = credentials;
        this.counters = counters;
        this.handoff = handoff;
        this.selector = Selector.open();
        try {
            for (InetSocketAddress a : binds) {
                ServerSocketChannel s = ServerSocketChannel.open();
                servers.add(s);
                s.bind(a, 128);
                s.configureBlocking(false);
                s.register(selector, SelectionKey.OP_ACCEPT);
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        this.thread = new Thread(this::run, "ice-tcp-listener");
        thread.setDaemon(true);
        thread.start();
    }

    /** Connections waiting for their first check (for tests and stats). */
    int pendingConnections() {
        return pending;
    }

    private void run() {
        List<Pending> ready = new ArrayList<>();
        while (!closed) {
            try {
                selector.select(250);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        acceptAll((ServerSocketChannel) key.channel());
                    } else if (key.isReadable()) {
                        Pending p = (Pending) key.attachment();
                        if (read(p, key)) {
                            ready.add(p);
                        }
                    }
                }
                expire(System.nanoTime());
                if (!ready.isEmpty()) {
                    selector.selectNow(); // deregisters the cancelled keys: the channels may block again
                    for (Pending p : ready) {
                        handOff(p);
                    }
                    ready.clear();
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.warn("ice-tcp listener: {}", e.toString());
                }
            }
        }
        for (SelectionKey k : selector.keys()) {
            closeQuietly(k.channel());
        }
        closeQuietly(selector);
    }

    private void acceptAll(ServerSocketChannel server) throws IOException {
        SocketChannel c;
        while ((c = server.accept()) != null) {
            InetAddress peer = ((InetSocketAddress) c.getRemoteAddress()).getAddress();
            int fromPeer = pendingPerPeer.getOrDefault(peer, 0);
            if (pending >= MAX_PENDING || fromPeer >= MAX_PENDING_PER_ADDRESS) {
                counters.iceTcpRefused.increment();
                closeQuietly(c);
                continue;
            }
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ,
                    new Pending(c, peer, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FIRST_CHECK_TIMEOUT_MS)));
            pendingPerPeer.put(peer, fromPeer + 1);
            pending++;
        }
    }

    /**
     * Reads what arrived; true when the first frame is complete (its key then cancelled). Reads the
     * 2-byte length, then exactly that frame: what the client sent after it stays in the socket for ice4j.
     */
    private boolean read(Pending p, SelectionKey key) {
        try {
            if (p.channel.read(p.buf) < 0) {
                drop(p, key);
                return false;
            }
            if (p.buf.limit() == 2 && p.buf.position() == 2) {
                int frame = ByteIo.readU16(p.buf.array(), 0);
                if (frame < 20 || frame > MAX_FIRST_FRAME) {
                    counters.drop(DropReason.STUN_UNAUTHENTICATED);
                    drop(p, key);
                    return false;
                }
                p.buf.limit(2 + frame);
                if (p.channel.read(p.buf) < 0) {
                    drop(p, key);
                    return false;
                }
            }
            if (p.buf.position() < p.buf.limit() || p.buf.limit() == 2) {
                return false;
            }
            key.cancel();
            return true;
        } catch (IOException e) {
            drop(p, key);
            return false;
        }
    }

    private void handOff(Pending p) {
        release(p);
        byte[] msg = java.util.Arrays.copyOfRange(p.buf.array(), 2, p.buf.position());
        String ufrag = localUfrag(msg);
        VerifyingUdpHarvester.Credentials c = ufrag == null ? null : credentials.get(ufrag);
        if (c != null && !c.verifications.tryTake(System.nanoTime())) {
            counters.drop(DropReason.STUN_RATE_LIMITED);
            closeQuietly(p.channel);
            return;
        }
        if (c == null || !VerifyingUdpHarvester.verifies(msg, 0, msg.length, c.password)) {
            counters.drop(DropReason.STUN_UNAUTHENTICATED);
            closeQuietly(p.channel);
            return;
        }
        if (c.sources.get() >= VerifyingUdpHarvester.MAX_SOURCES_PER_UFRAG) {
            counters.drop(DropReason.STUN_SOURCE_LIMIT);
            closeQuietly(p.channel);
            return;
        }
        try {
            p.channel.configureBlocking(true);
            Socket socket = p.channel.socket();
            DatagramPacket first = new DatagramPacket(msg, msg.length, socket.getRemoteSocketAddress());
            handoff.accept(socket, ufrag, first);
            c.sources.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            LOG.debug("ice-tcp connection from {} not taken: {}", p.peer, e.toString());
            counters.iceTcpRefused.increment();
            closeQuietly(p.channel);
        }
    }

    private void expire(long nowNs) {
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Pending p && nowNs - p.deadlineNs > 0) {
                counters.iceTcpRefused.increment();
                drop(p, key);
            }
        }
    }

    private void drop(Pending p, SelectionKey key) {
        key.cancel();
        release(p);
        closeQuietly(p.channel);
    }

    private void release(Pending p) {
        pending--;
        pendingPerPeer.computeIfPresent(p.peer, (k, v) -> v > 1 ? v - 1 : null);
    }

    /**
     * The local ufrag a binding request names: its USERNAME is "local:remote" (RFC 8445 §7.2.2), the
     * bridge's own ufrag first. Null when {@code msg} is no binding request or has no USERNAME.
     */
    static String localUfrag(byte[] msg) {
        if (msg.length < 20 || ByteIo.readU16(msg, 0) != BINDING_REQUEST) {
            return null;
        }
        int end = Math.min(msg.length, 20 + ByteIo.readU16(msg, 2));
        int at = 20;
        while (at + 4 <= end) {
            int type = ByteIo.readU16(msg, at);
            int length = ByteIo.readU16(msg, at + 2);
            if (at + 4 + length > end) {
                return null;
            }
            if (type == USERNAME) {
                String u = new String(msg, at + 4, length, StandardCharsets.UTF_8);
                int colon = u.indexOf(':');
                return colon > 0 ? u.substring(0, colon) : null;
            }
            at += 4 + ((length + 3) & ~3);
        }
        return null;
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Stops listening and closes the connections still waiting for a first check (the thread does it). */
    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel s : servers) {
            closeQuietly(s);
        }
        if (thread == null) {
            closeQuietly(selector); // the constructor failed: no thread runs
        } else {
            selector.wakeup();
        }
    }
}
