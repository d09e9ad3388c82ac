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
    /**
     * Whether sends may put several datagrams to one destination in one UDP GSO message
     * ({@link NativeUdp#sendMessages}): when the kernel has it, unless {@code -Djunction.udp-gso=false};
     * off for good once a device refuses one (EIO: no checksum offload).
     */
    private volatile boolean segmentation;
    /** Why segmentation is off: the errno of the kernel's answer or of a refused GSO message; 0 when on or turned off. */
    private volatile int segmentationError;
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
        MediaSendSocket socket = new MediaSendSocket(fd, family == 6, df < 0 ? -df : 0);
        if (Boolean.parseBoolean(System.getProperty("junction.udp-gso", "true"))) {
            int gso = NativeUdp.segmentation(fd);
            socket.segmentation = gso == 0;
            socket.segmentationError = gso < 0 ? -gso : 0;
        }
        return socket;
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

    /** {@link NativeUdp#noChecksum} on this socket: 0 or -errno. For tests. */
    int noChecksum(boolean on) {
        return NativeUdp.noChecksum(fd, on);
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

    /** {@link NativeUdp#sendMessages} on this socket. */
    int sendMessages(byte[] data, int[] offs, int[] lens, byte[] dests, int[] destOffs, int[] order, int[] msgFirst,
                     int[] msgSegs, int firstMsg, int msgCount) {
        if (closed) {
            return -EBADF;
        }
        return NativeUdp.sendMessages(fd, data, offs, lens, dests, destOffs, order, msgFirst, msgSegs, firstMsg, msgCount);
    }

    /** Whether several datagrams to one destination may go as one UDP GSO message. */
    boolean segmentation() {
        return segmentation;
    }

    /** Sends each datagram on its own from now on: a device refused a GSO message with {@code errno}. */
    void segmentationRefused(int errno) {
        if (segmentation) {
            segmentation = false;
            segmentationError = errno;
            org.slf4j.LoggerFactory.getLogger(MediaSendSocket.class).warn(
                    "UDP segmentation offload refused (errno {}): each datagram goes on its own", errno);
        }
    }

    /**
     * 0, or why segmentation is off: the errno with which the kernel answered the question at start-up
     * (the media port logs it) or refused a GSO message.
     */
    int segmentationError() {
        return segmentationError;
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
