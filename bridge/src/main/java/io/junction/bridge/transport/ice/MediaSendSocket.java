package io.junction.bridge.transport.ice;

/**
 * Sends from one local address of the media port without ice4j: a duplicate of ice4j's socket
 * descriptor for that address (same source address and port, so the remote sees the ICE pair it
 * checked), written with {@code sendto(2)}/{@code sendmmsg(2)} through {@link NativeUdp}. No lock:
 * the kernel serialises concurrent sends on one UDP socket. ice4j keeps reading its socket and
 * doing ICE; only the data path's sends come here.
 */
final class MediaSendSocket implements AutoCloseable {
    private static final int EBADF = 9;
    private final int fd;
    /** An IPv6 socket: IPv4 destinations go IPv4-mapped. */
    private final boolean v6;
    /** 0, or the errno that refused DF ({@link NativeUdp#dontFragment}). */
    private final int dontFragmentError;
    private volatile boolean closed;

    private MediaSendSocket(int fd, boolean v6, int dontFragmentError) {
        this.fd = fd;
        this.v6 = v6;
        this.dontFragmentError = dontFragmentError;
    }

    /** The send socket for the UDP socket of this process bound to {@code local}, or an exception saying why not. */
    static MediaSendSocket open(java.net.InetSocketAddress local) throws java.io.IOException {
        int fd = NativeUdp.openBound(NativeUdp.local(local));
        if (fd < 0) {
            throw new java.io.IOException("no UDP socket bound to " + local + " found (errno " + -fd + ")");
        }
        int family = NativeUdp.family(fd);
        if (family < 0) {
            NativeUdp.close(fd);
            throw new java.io.IOException("the UDP socket bound to " + local + " has no address (errno " + -family + ")");
        }
        // DF without path-MTU discovery: IP ID 0 instead of one drawn per datagram (see NativeUdp).
        // Only an optimisation: a socket that refuses it sends as before, which the media port logs.
        // -Djunction.dont-fragment=false leaves Linux's default (fragmentable, an IP ID each), for
        // clients behind a hop whose MTU is smaller than the bridge's largest datagrams.
        int df = Boolean.parseBoolean(System.getProperty("junction.dont-fragment", "true")) ? NativeUdp.dontFragment(fd) : 0;
        NativeUdp.sendBuffer(fd, Ice4jSetup.SEND_BUFFER_BYTES); // capped at net.core.wmem_max: the media port warns when low
        return new MediaSendSocket(fd, family == 6, df < 0 ? -df : 0);
    }

    /** The socket's send buffer as the kernel reports it (twice what it granted), or -errno. */
    int sendBufferBytes() {
        return NativeUdp.sendBuffer(fd, 0);
    }

    /** 0 when the socket sets DF on its IPv4 datagrams ({@link NativeUdp#dontFragment}), else the errno that refused it. */
    int dontFragmentError() {
        return dontFragmentError;
    }

    /** The socket's IP_MTU_DISCOVER mode, or -errno. For tests. */
    int mtuDiscovery() {
        return NativeUdp.mtuDiscovery(fd);
    }

    /** Whether the socket is IPv6 (IPv4 addresses go IPv4-mapped). */
    boolean isV6() {
        return v6;
    }

    /** The destination record of {@code remote} for this socket. */
    byte[] destination(java.net.InetSocketAddress remote) {
        byte[] d = new byte[NativeUdp.DEST];
        writeDestination(remote, d, 0);
        return d;
    }

    /** Writes the destination record of {@code remote} for this socket at {@code out[at]}. */
    void writeDestination(java.net.InetSocketAddress remote, byte[] out, int at) {
        NativeUdp.writeDestination(remote, v6, out, at);
    }

    /** One datagram to the destination record {@code dest}: bytes sent or -errno. Never blocks. */
    int send(byte[] buf, int off, int len, byte[] dest) {
        return send(buf, off, len, dest, 0);
    }

    /** One datagram to the destination record at {@code dests[destOff]}: bytes sent or -errno. Never blocks. */
    int send(byte[] buf, int off, int len, byte[] dests, int destOff) {
        if (closed) {
            return -EBADF;
        }
        return NativeUdp.sendTo(fd, buf, off, len, dests, destOff);
    }

    /** {@link NativeUdp#sendBatch} on this socket, from datagram 0. */
    int sendBatch(byte[] data, int[] offs, int[] lens, byte[] dests, int[] destOffs, int count) {
        return sendBatch(data, offs, lens, dests, destOffs, 0, count);
    }

    /** {@link NativeUdp#sendBatch} on this socket. */
    int sendBatch(byte[] data, int[] offs, int[] lens, byte[] dests, int[] destOffs, int first, int count) {
        if (closed) {
            return -EBADF;
        }
        return NativeUdp.sendBatch(fd, data, offs, lens, dests, destOffs, first, count);
    }

    /** After the packet workers stopped: a send racing with this could reach a reused descriptor. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NativeUdp.close(fd);
        }
    }
}
