package io.junction.bridge.transport.ice;

import io.junction.bridge.stats.MediaCounters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;
import io.junction.bridge.worker.PacketWorker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data path's own UDP sockets of one packet worker, read by that worker. Once ICE has selected a
 * UDP pair, the endpoint's {@link IceTransport} opens a socket bound to the pair's local address and
 * port and connected to its remote ({@link NativeUdp#openConnected}); the kernel then delivers that
 * remote's datagrams to it rather than to ice4j's socket. The worker of the endpoint's conference
 * waits on the epoll set of its sockets instead of parking ({@link PacketWorker.Poller}) and reads
 * every ready one with one {@code recvmmsg(2)} into one array; each datagram is then handled right
 * there, on the thread that owns the endpoint: no reader thread, no queue, no wake-up in between, and
 * every worker reads its own share where ice4j has one thread per address.
 *
 * <p>Sockets are registered from any thread; they are removed and closed only on the worker, between
 * two reads, so a token or descriptor is never reused under a read.
 */
final class NativeReceiver implements PacketWorker.Poller, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NativeReceiver.class);
    /** Bytes per datagram slot: more than any datagram the data path takes (1 500). */
    static final int SLOT = 2048;
    static final int SLOTS = 64;

    /** Where a registered socket's datagrams go ({@link IceTransport}); called on the reader thread, must not block or keep {@code buf}. */
    interface Sink {
        void onNativeDatagram(byte[] buf, int off, int len, long receivedNs, InetSocketAddress remote, StunResponder stun);
    }

    /** One connected socket and the transport its datagrams go to. */
    final class Registration {
        final int fd;
        final int token;
        final Sink owner;
        final InetSocketAddress remote;
        /** The remote as the records {@link NativeUdp#receive} reports sources in. */
        final byte[] remoteRecord;
        volatile boolean closed;

        private Registration(int fd, int token, Sink owner, InetSocketAddress remote) {
            this.fd = fd;
            this.token = token;
            this.owner = owner;
            this.remote = remote;
            this.remoteRecord = NativeUdp.local(remote);
        }

        /** Stops reading this socket; the reader closes it before its next wait. Idempotent. */
        void stop() {
            if (!closed) {
                closed = true;
                closing.add(this);
                wake();
            }
        }
    }

    private final String name;
    private final MediaCounters counters;
    private final int ep;
    private final int ev;
    private volatile AtomicReferenceArray<Registration> table = new AtomicReferenceArray<>(64);
    /** Free tokens below {@link #nextToken}; guarded by this. */
    private final ArrayDeque<Integer> freeTokens = new ArrayDeque<>();
    private int nextToken;
    private int registered;
    private final ConcurrentLinkedQueue<Registration> closing = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;
    /** When the last receive error was logged (once a minute at most). */
    private long errorLoggedNs;
    private final byte[] data = new byte[SLOT * SLOTS];
    private final int[] lens = new int[SLOTS];
    private final int[] tokens = new int[SLOTS];
    private final byte[] sources = new byte[SLOTS * NativeUdp.DEST];
    private final StunResponder stun = new StunResponder();

    NativeReceiver(String name, MediaCounters counters) throws IOException {
        this.name = name;
        this.counters = counters;
        int[] fds = new int[2];
        int r = NativeUdp.epollCreate(fds);
        if (r < 0) {
            throw new IOException("epoll for " + name + " failed (errno " + -r + ")");
        }
        this.ep = fds[0];
        this.ev = fds[1];
    }

    /** Sockets being read. */
    synchronized int registered() {
        return registered;
    }

    /**
     * Opens a socket bound to {@code local} and connected to {@code remote} and starts reading it for
     * {@code owner}; {@code v6}: the media port's socket is IPv6 (addresses then go IPv4-mapped).
     */
    Registration register(InetSocketAddress local, InetSocketAddress remote, boolean v6, Sink owner)
            throws IOException {
        int[] strays = new int[1];
        int fd = NativeUdp.openConnected(NativeUdp.local(local), NativeUdp.local(remote), v6,
                Ice4jSetup.RECEIVE_BUFFER_BYTES, strays);
        counters.receiveStrays.add(strays[0]);
        if (fd < 0) {
            throw new IOException("could not open a socket " + local + " -> " + remote + " (errno " + -fd + ")");
        }
        return add(fd, remote, owner);
    }

    /** Starts reading the connected socket {@code fd} (now this reader's) for {@code owner}. */
    Registration add(int fd, InetSocketAddress remote, Sink owner) throws IOException {
        Registration reg;
        synchronized (this) {
            int token = freeTokens.isEmpty() ? nextToken++ : freeTokens.poll();
            AtomicReferenceArray<Registration> t = table;
            if (token >= t.length()) {
                AtomicReferenceArray<Registration> bigger = new AtomicReferenceArray<>(t.length() * 2);
                for (int i = 0; i < t.length(); i++) {
                    bigger.set(i, t.get(i));
                }
                table = bigger;
                t = bigger;
            }
            reg = new Registration(fd, token, owner, remote);
            t.set(token, reg);
            registered++;
        }
        int r = NativeUdp.epollControl(ep, fd, reg.token);
        if (r < 0) {
            reg.stop();
            throw new IOException("epoll add failed (errno " + -r + ")");
        }
        return reg;
    }

    @Override
    public int poll(int timeoutMs) {
        if (closed) {
            return 0;
        }
        int n = NativeUdp.receive(ep, ev, timeoutMs, data, SLOT, SLOTS, lens, tokens, sources);
        if (n > 0) {
            long now = System.nanoTime();
            counters.receiveCalls.increment();
            counters.receiveCallDatagrams.add(n);
            AtomicReferenceArray<Registration> t = table;
            for (int i = 0; i < n; i++) {
                Registration reg = t.get(tokens[i]);
                if (reg == null || reg.closed) {
                    continue;
                }
                if (!java.util.Arrays.equals(sources, i * NativeUdp.DEST, (i + 1) * NativeUdp.DEST,
                        reg.remoteRecord, 0, NativeUdp.DEST)) {
                    // another remote's, queued in the instant the socket was opened (see openConnected)
                    counters.receiveStrays.increment();
                    continue;
                }
                // a datagram cut to the slot is longer than any the data path takes: it is dropped there
                reg.owner.onNativeDatagram(data, i * SLOT, lens[i] < 0 ? SLOT : lens[i], now, reg.remote, stun);
            }
        } else if (n < 0) {
            long now = System.nanoTime();
            if (now - errorLoggedNs > 60_000_000_000L) {
                errorLoggedNs = now;
                LOG.warn("{}: receive failed (errno {})", name, -n);
            }
        }
        closeStopped();
        return Math.max(n, 0);
    }

    @Override
    public void wake() {
        if (!closed) {
            NativeUdp.wake(ev);
        }
    }

    private void closeStopped() {
        Registration c;
        while ((c = closing.poll()) != null) {
            NativeUdp.epollControl(ep, c.fd, -1);
            NativeUdp.close(c.fd);
            synchronized (this) {
                table.set(c.token, null);
                freeTokens.add(c.token);
                registered--;
            }
        }
    }

    /** Closes every socket (after the worker stopped: nothing reads them any more). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        AtomicReferenceArray<Registration> t = table;
        for (int i = 0; i < t.length(); i++) {
            Registration r = t.get(i);
            if (r != null) {
                r.closed = true;
                NativeUdp.close(r.fd);
            }
        }
        NativeUdp.close(ev);
        NativeUdp.close(ep);
    }
}
