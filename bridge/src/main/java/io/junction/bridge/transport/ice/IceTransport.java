package io.junction.bridge.transport.ice;

import java.beans.PropertyChangeEvent;
import java.io.IOException;
import org.ice4j.ice.Agent;
import org.ice4j.ice.CandidatePair;
import org.ice4j.ice.Component;
import org.ice4j.ice.IceMediaStream;
import org.ice4j.ice.IceProcessingState;
import org.ice4j.ice.KeepAliveStrategy;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.Buffer;
import org.ice4j.util.BufferPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ICE for one endpoint: a controlled full-ICE ice4j {@link Agent} with one stream and one component
 * (BUNDLE + rtcp-mux), its candidates on the shared {@link MediaPort}. Peer-reflexive remote
 * candidates are learned from the browser's checks, so no remote candidates are needed.
 *
 * <p>Received non-STUN datagrams arrive on ice4j's single listener thread through
 * {@link Listener#onDatagram}; the listener must not block and must not keep {@code buf}.
 */
public final class IceTransport implements AutoCloseable, NativeReceiver.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(IceTransport.class);

    /** Callbacks; the state ones run on ice4j threads. */
    public interface Listener {
        void onDatagram(byte[] buf, int off, int len, long receivedNs);

        void onIceConnected(String selectedPair);

        void onIceFailed(String reason);

        /**
         * The remote's check (a binding request carrying this endpoint's credentials, its integrity
         * verified) arrived at {@code receivedNs}: the endpoint is alive even when it sends nothing
         * else (a receive-only client in a room where nobody sends yet). On the endpoint's worker when
         * it reads the pair's own socket, on an ice4j thread otherwise (ICE-TCP, before selection).
         */
        default void onConsentCheck(long receivedNs) {
        }
    }

    private final Agent agent;
    private final IceMediaStream stream;
    private final Component component;
    private final Listener listener;
    private final String name;
    private volatile boolean connected;
    private volatile boolean closed;
    private final MediaPort port;
    private final byte[] localPasswordBytes;
    private final String localUfrag;
    /** HMAC-SHA1 keyed with the local password, for consent checks (made on first use, on the endpoint's worker). */
    private HmacSha1 consentMac;
    /** The remote {@link #consentAddress} was taken from (its identity): the selected pair's, fixed while it lasts. */
    private java.net.InetSocketAddress consentRemote;
    /** The consent checks' remote address as bytes, for the answers' XOR-MAPPED-ADDRESS (worker only). */
    private byte[] consentAddress;
    private final io.junction.bridge.worker.PacketWorker worker;
    /** STUN on the connected socket checked per second, at most (a burst of 20, then 10 a second). */
    private final io.junction.bridge.limit.TokenBucket stunBudget =
            new io.junction.bridge.limit.TokenBucket(20, 10, System.nanoTime());
    /** The selected pair's connected socket, once ICE completed over UDP with native receive; else null. */
    private volatile NativeReceiver.Registration receiving;

    /** @param worker the packet worker that handles this endpoint's packets (and reads its connected socket) */
    public IceTransport(MediaPort port, String name, Listener listener, io.junction.bridge.worker.PacketWorker worker)
            throws IOException {
        this(port, name, listener, worker, null);
    }

    /** A harvester of this agent's own (a relay's port, see {@link MediaPort#ownPort}), closed with it; else null. */
    private final SinglePortUdpHarvester own;

    /**
     * @param own null: the media port's candidates (browsers, relay endpoints); else this agent's
     *            only candidate's port (the connecting side of a relay), closed with the agent
     */
    public IceTransport(MediaPort port, String name, Listener listener, io.junction.bridge.worker.PacketWorker worker,
                        SinglePortUdpHarvester own) throws IOException {
        this.own = own;
        this.name = name;
        this.worker = worker;
        this.listener = listener;
        this.port = port;
        this.agent = new Agent() {
            // every binding request ice4j's STUN stack accepted for this agent (it checked
            // MESSAGE-INTEGRITY): ICE checks, and consent checks on a pair ice4j still reads
            @Override
            protected boolean incomingCheckReceived(org.ice4j.TransportAddress remote, org.ice4j.TransportAddress local,
                                                    long priority, String remoteUfrag, String localUfrag,
                                                    boolean useCandidate) {
                boolean accepted = super.incomingCheckReceived(remote, local, priority, remoteUfrag, localUfrag, useCandidate);
                if (!closed) {
                    IceTransport.this.listener.onConsentCheck(System.nanoTime());
                }
                return accepted;
            }
        };
        // The bridge is the offerer and runs full ICE, so it is the controlling agent (RFC 8445 §6.1.1);
        // Chromium, the answerer, is controlled and the bridge nominates the pair.
        agent.setControlling(true);
        agent.setUseDynamicPorts(false);
        agent.setTrickling(false);
        for (SinglePortUdpHarvester h : own != null ? java.util.List.of(own) : port.harvesters()) {
            agent.addCandidateHarvester(h);
        }
        if (own == null && port.tcpHarvester() != null) {
            agent.addCandidateHarvester(port.tcpHarvester());
        }
        this.stream = agent.createMediaStream("media-" + name);
        this.component = agent.createComponent(stream, KeepAliveStrategy.SELECTED_ONLY, false);
        component.setBufferCallback(this::onBuffer);
        agent.addStateChangeListener(this::onStateChange);
        // Only STUN requests signed with this password open per-source state for this ufrag.
        port.register(agent.getLocalUfrag(), agent.getLocalPassword());
        this.localPasswordBytes = agent.getLocalPassword().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.localUfrag = agent.getLocalUfrag();
    }

    private void onBuffer(Buffer b) {
        try {
            if (!closed) {
                listener.onDatagram(b.getBuffer(), b.getOffset(), b.getLength(), System.nanoTime());
            }
        } finally {
            BufferPool.returnBuffer.invoke(b);
        }
    }

    private void onStateChange(PropertyChangeEvent e) {
        if (!Agent.PROPERTY_ICE_PROCESSING_STATE.equals(e.getPropertyName()) || closed) {
            return;
        }
        IceProcessingState oldState = (IceProcessingState) e.getOldValue();
        IceProcessingState newState = (IceProcessingState) e.getNewValue();
        LOG.debug("ice {} {} -> {}", name, oldState, newState);
        if (newState == IceProcessingState.COMPLETED && !connected) {
            connected = true;
            CandidatePair pair = component.getSelectedPair();
            if (pair != null && pair.getLocalCandidate().getTransport() == org.ice4j.Transport.TCP) {
                startTcpWriter(pair);
                startTcpReader(pair);
            } else if (pair != null) {
                startNativeReceive(pair);
            }
            listener.onIceConnected(selectedPair());
        } else if (newState == IceProcessingState.FAILED
                || (newState == IceProcessingState.TERMINATED && !connected)) {
            listener.onIceFailed("ice " + newState.toString().toLowerCase());
        }
    }

    /**
     * Over ICE-TCP, media does not come through the single-port UDP path's callback: one reader thread
     * per TCP endpoint reads the selected pair's socket (RFC 4571 framing undone by ice4j; STUN goes to
     * ice4j's own reader through its multiplexing socket) and hands each datagram on like the callback.
     * Blocking reads, on a thread of its own; it ends when the connection ends or the transport closes.
     */
    private void startTcpReader(CandidatePair pair) {
        org.ice4j.socket.IceSocketWrapper socket = pair.getIceSocketWrapper();
        Thread t = new Thread(() -> {
            byte[] buf = new byte[1500];
            java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
            while (!closed) {
                try {
                    p.setData(buf, 0, buf.length);
                    socket.receive(p);
                } catch (java.net.SocketTimeoutException e) {
                    continue;
                } catch (IOException | RuntimeException e) {
                    if (!closed) {
                        LOG.info("ice-tcp {}: connection ended while reading: {}", name, e.toString());
                    }
                    return;
                }
                if (!closed && p.getLength() > 0) {
                    listener.onDatagram(p.getData(), p.getOffset(), p.getLength(), System.nanoTime());
                }
            }
        }, "ice-tcp-read-" + name);
        t.setDaemon(true);
        t.start();
        LOG.info("ice {} connected over TCP {}", name, selectedPair());
    }

    /**
     * From now on the pair's datagrams reach a connected socket of the data path's own
     * ({@link NativeReceiver}) instead of ice4j's, and so do the client's consent checks: the bridge
     * answers those itself ({@link StunResponder}). Without the native library ice4j goes on reading.
     */
    private void startNativeReceive(CandidatePair pair) {
        org.ice4j.ice.LocalCandidate local = pair.getLocalCandidate();
        if (local.getBase() != null) {
            local = local.getBase();
        }
        NativeReceiver.Registration r = port.startReceiving(local.getTransportAddress(),
                pair.getRemoteCandidate().getTransportAddress(), this, worker);
        synchronized (this) {
            if (closed && r != null) {
                r.stop();
                return;
            }
            receiving = r;
        }
    }

    /** A datagram read by a {@link NativeReceiver} from the selected pair's remote; on the endpoint's packet worker. */
    @Override
    public void onNativeDatagram(byte[] buf, int off, int len, long receivedNs, java.net.InetSocketAddress remote,
                          StunResponder stun) {
        if (closed) {
            return;
        }
        if (!StunResponder.isStun(buf, off, len)) {
            listener.onDatagram(buf, off, len, receivedNs);
            return;
        }
        // a browser checks consent every few seconds; a flood (spoofing the remote's address) costs at
        // most this many HMACs a second
        if (!stunBudget.tryTake(receivedNs)) {
            port.countStun(false);
            return;
        }
        if (consentMac == null) {
            consentMac = StunResponder.keyed(localPasswordBytes);
        }
        if (remote != consentRemote) {
            consentRemote = remote;
            consentAddress = remote.getAddress().getAddress();
        }
        int n = stun.answer(buf, off, len, localUfrag, consentMac, consentAddress, remote.getPort());
        if (n < 0) {
            // responses to ice4j's own consent checks land here too: ice4j only notes their time
            port.countStun(false);
            return;
        }
        listener.onConsentCheck(receivedNs);
        try {
            send(stun.out, 0, n);
            port.countStun(true);
        } catch (IOException e) {
            LOG.debug("consent answer to {} not sent: {}", remote, e.getMessage());
        }
    }

    /** Whether the selected pair is read on the data path's own socket. */
    public boolean readsNatively() {
        NativeReceiver.Registration r = receiving;
        return r != null && !r.closed;
    }

    public String localUfrag() {
        return agent.getLocalUfrag();
    }

    public String localPassword() {
        return agent.getLocalPassword();
    }

    /**
     * Which side controls ICE (RFC 8445 §6.1.1): the bridge when it made the offer (the default), the
     * client when it did (WHIP). Before {@link #start}.
     */
    public void setControlling(boolean controlling) {
        agent.setControlling(controlling);
    }

    /**
     * Knocks at a remote UDP candidate from the media port with a binding request as the controlled
     * agent (see {@link MediaPort#sendFrom}); after {@link #start}, which set the remote password.
     */
    public void knock(String address, int port, String remoteUfrag, String remotePassword) {
        byte[] b = new byte[256];
        int n = StunMessages.bindingRequest(b, remoteUfrag + ":" + localUfrag, remotePassword,
                java.util.concurrent.ThreadLocalRandom.current().nextLong());
        java.net.InetSocketAddress to = new java.net.InetSocketAddress(address, port);
        if (own != null) {
            MediaPort.sendFrom(own, to, b, n);
        } else {
            this.port.sendFrom(to, b, n);
        }
    }

    /** Starts connectivity checks with the remote credentials from the client's answer. */
    public void start(String remoteUfrag, String remotePassword) {
        stream.setRemoteUfrag(remoteUfrag);
        stream.setRemotePassword(remotePassword);
        if (!agent.isStarted()) {
            agent.startConnectivityEstablishment();
        }
    }

    public boolean isConnected() {
        return connected;
    }

    /** Whether any connectivity check from the client (signed with this agent's password) has arrived. */
    public boolean checkArrived() {
        return port.verifiedCheckArrived(agent.getLocalUfrag());
    }

    /** Sends a datagram on the selected pair; safe from any thread, never blocks on the network. */
    public void send(byte[] buf, int off, int len) throws IOException {
        TcpFramedWriter w = tcpWriter;
        if (w != null) {
            // over TCP a write may block on a slow reader: never on the packet worker. The writer thread
            // sends it; a full queue (or a failed connection) drops it, counted by the writer and by
            // the caller as a send error.
            if (!w.offer(buf, off, len)) {
                throw TCP_QUEUE_FULL;
            }
            return;
        }
        if (closed) {
            throw CLOSED;
        }
        Route r = route;
        CandidatePair pair = component.getSelectedPair();
        if (r == null || r.pair != pair) {
            r = route(pair);
        }
        if (r.socket == null) {
            component.send(buf, off, len);
            return;
        }
        SendBatch batch = SendBatch.current();
        if (batch != null) {
            batch.add(r.socket, buf, off, len, r.destination);
            return;
        }
        int n = r.socket.send(buf, off, len, r.destination);
        port.countSend(n);
        if (n < 0) {
            throw n == -NativeUdp.EAGAIN ? SOCKET_BUFFER_FULL : SEND_FAILED;
        }
    }

    /**
     * Where the data path sends for a selected pair: the media port's native send socket of the
     * pair's local base and the remote address as a destination record; no socket (ice4j sends)
     * when there is no pair yet, over TCP, or without the native library. Replaced when ICE
     * selects another pair.
     */
    private record Route(CandidatePair pair, MediaSendSocket socket, byte[] destination) {
    }

    private volatile Route route;

    private Route route(CandidatePair pair) {
        MediaSendSocket socket = null;
        byte[] destination = null;
        if (pair != null && pair.getLocalCandidate().getTransport() == org.ice4j.Transport.UDP) {
            org.ice4j.ice.LocalCandidate local = pair.getLocalCandidate();
            if (local.getBase() != null) {
                local = local.getBase();
            }
            socket = port.sendSocket(local.getTransportAddress());
            destination = socket == null ? null : socket.destination(pair.getRemoteCandidate().getTransportAddress());
        }
        Route r = new Route(pair, socket, destination);
        route = r;
        return r;
    }

    /** True once {@link #close} ran: sends are refused (an endpoint leaving while others still forward to it). */
    public boolean isClosed() {
        return closed;
    }

    /** Thrown (preallocated, no stack trace) on a send after {@link #close}: nothing goes to a closed endpoint. */
    private static final IOException CLOSED = stackless("ICE transport closed");

    /** Thrown (preallocated, no stack trace) when the kernel refused a datagram. */
    private static final IOException SEND_FAILED = stackless("the kernel refused the datagram");

    /** Thrown (preallocated, no stack trace) when the socket's send buffer was full. */
    private static final IOException SOCKET_BUFFER_FULL = stackless("the media socket's send buffer is full");

    /** An exception thrown often on the send path: made once, without a stack trace. */
    private static IOException stackless(String message) {
        return new IOException(message) {
            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        };
    }

    /** Thrown (preallocated, no stack trace) when an ICE-TCP datagram is dropped. */
    private static final IOException TCP_QUEUE_FULL = stackless("ICE-TCP send queue full or connection failed");

    /** Datagrams waiting for the TCP writer (at most this many; about a second of video). */
    static final int TCP_QUEUE = 512;
    /** Set when the selected pair is TCP: sends go through its writer thread. */
    private volatile TcpFramedWriter tcpWriter;

    /** Whether the selected pair is ICE-TCP. */
    public boolean overTcp() {
        return tcpWriter != null;
    }

    private void startTcpWriter(CandidatePair pair) {
        java.nio.channels.SocketChannel channel = pair.getIceSocketWrapper().getTCPSocket().getChannel();
        tcpWriter = new TcpFramedWriter(channel, TCP_QUEUE, name, port.tcpDrops());
    }

    /** "local ↔ remote" of the selected pair, or "none". */
    public String selectedPair() {
        CandidatePair p = component.getSelectedPair();
        if (p == null) {
            return "none";
        }
        return p.getLocalCandidate().getTransportAddress() + " <-> " + p.getRemoteCandidate().getTransportAddress();
    }

    @Override
    public void close() {
        NativeReceiver.Registration r;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            r = receiving;
            receiving = null;
        }
        if (r != null) {
            r.stop();
        }
        TcpFramedWriter w = tcpWriter;
        if (w != null) {
            w.close();
        }
        port.unregister(agent.getLocalUfrag());
        try {
            agent.free();
        } catch (RuntimeException e) {
            LOG.debug("agent free failed for {}", name, e);
        }
        if (own != null) {
            own.close();
        }
    }
}
