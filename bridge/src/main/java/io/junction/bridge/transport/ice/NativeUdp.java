package io.junction.bridge.transport.ice;

import io.junction.bridge.transport.NativeLibrary;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The media port's UDP sends without ice4j: {@code sendto(2)} and {@code sendmmsg(2)} on a duplicate
 * of the media socket's descriptor, from the Java array (JNI, {@code bridge/src/main/c/junction_udp.c}).
 * Errors come back as {@code -errno}; nothing here blocks ({@code MSG_DONTWAIT}).
 *
 * <p>A destination is a 20-byte record ({@link #DEST}): family 4 or 6, a spare byte, the port
 * big-endian, then the address (IPv4 in the first four of sixteen bytes).
 */
final class NativeUdp {
    static final int DEST = 20;
    /** The most datagrams one {@link #sendMessages} takes. */
    static final int MAX_BATCH = 64;
    static final int EAGAIN = 11;
    static final int EIO = 5;
    static final int EINVAL = 22;
    static final int ENOENT = 2;

    static {
        NativeLibrary.problem(); // loads the library, once
    }

    private NativeUdp() {
    }

    /** Null when native sends can be used, else why not. */
    static String problem() {
        if (!Boolean.parseBoolean(System.getProperty("junction.native-send", "true"))) {
            return "turned off (-Djunction.native-send=false)";
        }
        return NativeLibrary.problem();
    }

    /** Null when the data path may read its own connected sockets ({@link NativeReceiver}), else why not. */
    static String receiveProblem() {
        if (!Boolean.parseBoolean(System.getProperty("junction.native-receive", "true"))) {
            return "turned off (-Djunction.native-receive=false)";
        }
        return problem();
    }

    /**
     * Writes the destination record of {@code address} at {@code out[at]}; for an IPv6 socket
     * ({@code v6}) an IPv4 address is written IPv4-mapped ({@code ::ffff:a.b.c.d}), as the kernel
     * wants it there.
     */
    static void writeDestination(InetSocketAddress address, boolean v6, byte[] out, int at) {
        InetAddress a = address.getAddress();
        byte[] raw = a.getAddress();
        java.util.Arrays.fill(out, at, at + DEST, (byte) 0);
        out[at + 2] = (byte) (address.getPort() >>> 8);
        out[at + 3] = (byte) address.getPort();
        if (a instanceof Inet4Address && v6) {
            out[at] = 6;
            out[at + 14] = (byte) 0xFF;
            out[at + 15] = (byte) 0xFF;
            System.arraycopy(raw, 0, out, at + 16, 4);
        } else {
            out[at] = (byte) (a instanceof Inet4Address ? 4 : 6);
            System.arraycopy(raw, 0, out, at + 4, raw.length);
        }
    }

    /** The record of a local address to look a socket up by ({@link #openBound}): IPv4 as IPv4. */
    static byte[] local(InetSocketAddress address) {
        byte[] d = new byte[DEST];
        writeDestination(address, false, d, 0);
        return d;
    }

    /** A close-on-exec duplicate of this process's UDP socket bound to {@code local}, or -errno (-ENOENT: none). */
    static native int openBound(byte[] local);

    /** 6 for an IPv6 socket, 4 for IPv4, or -errno. */
    static native int family(int fd);

    static native void close(int fd);

    /**
     * Sets DF on the IPv4 datagrams {@code fd} sends (IPv4-mapped ones too), without path-MTU
     * discovery (IP_PMTUDISC_PROBE): the kernel writes IP ID 0 instead of drawing one per datagram,
     * and never fragments. 0 or -errno.
     */
    static native int dontFragment(int fd);

    /**
     * Asks for a send buffer of {@code bytes} (SO_SNDBUF, capped by the kernel at net.core.wmem_max)
     * when {@code bytes} > 0; returns the socket's SO_SNDBUF afterwards (the kernel reports twice what
     * it granted), or -errno.
     */
    static native int sendBuffer(int fd, int bytes);

    /**
     * 0 when the kernel offers UDP generic segmentation offload ({@code UDP_SEGMENT}, Linux 4.18+) on
     * {@code fd}, else -errno: a kernel without it would send a {@link #sendMessages} message of several
     * as one datagram.
     */
    static native int segmentation(int fd);

    /** Sends without UDP checksums (SO_NO_CHECK) when {@code on}: the kernel then refuses GSO sends (-EINVAL). For tests. */
    static native int noChecksum(int fd, boolean on);

    /** The socket's IP_MTU_DISCOVER mode (3: IP_PMTUDISC_PROBE), or -errno. For tests. */
    static native int mtuDiscovery(int fd);

    /** One datagram to the destination record at {@code dests[destOff]}: bytes sent or -errno. */
    static native int sendTo(int fd, byte[] buf, int off, int len, byte[] dests, int destOff);

    /**
     * Up to {@link #MAX_BATCH} datagrams in one {@code sendmmsg(2)}, without blocking. Datagram {@code i} is
     * {@code lens[i]} bytes at {@code offs[i]} of {@code data}, to the record at {@code dests[destOffs[i]]};
     * they go in messages: message {@code m} ({@code firstMsg <= m < firstMsg + msgCount})
     * is the {@code msgSegs[m]} datagrams {@code order[msgFirst[m]]}, {@code order[msgFirst[m] + 1]}, ...,
     * all to the first one's destination. A message of several goes as one UDP GSO send
     * ({@code UDP_SEGMENT}): all but its last datagram as long as its first, the last no longer; the kernel
     * passes it through IP and UDP once and cuts it into those datagrams at the device. How many messages
     * (the first ones) were sent, or -errno when none (-EINVAL: the first is bad; a device without
     * checksum offload refuses a message of several with -EIO, a route whose MTU is smaller than its
     * segments with -EINVAL). Ask {@link #segmentation} first.
     */
    static native int sendMessages(int fd, byte[] data, int[] offs, int[] lens, byte[] dests, int[] destOffs,
            int[] order, int[] msgFirst, int[] msgSegs, int firstMsg, int msgCount);

    /**
     * A non-blocking UDP socket bound to {@code local} (a record, as {@link #local}) with SO_REUSEADDR and
     * SO_REUSEPORT and connected to {@code remote}, IPv6 when {@code v6} (IPv4 addresses then IPv4-mapped):
     * its descriptor, or -errno. {@code rcvbuf}: SO_RCVBUF in bytes, 0 for the default. Datagrams from
     * other remotes that reached it before it was connected are discarded; how many goes to {@code strays[0]}.
     */
    static native int openConnected(byte[] local, byte[] remote, boolean v6, int rcvbuf, int[] strays);

    /** An epoll set with an eventfd in it: {epoll fd, eventfd} written to {@code out}; 0 or -errno. */
    static native int epollCreate(int[] out);

    /** Adds {@code fd} to the set with {@code token} (>= 0), or removes it ({@code token} < 0): 0 or -errno. */
    static native int epollControl(int ep, int fd, int token);

    /** Wakes the thread waiting in {@link #receive} on the set whose eventfd is {@code ev}. */
    static native void wake(int ev);

    /**
     * Waits up to {@code timeoutMs} for readable sockets, then reads them without blocking: datagram
     * {@code i} at {@code data[i * slot]}, {@code lens[i]} bytes (-1: cut, longer than a slot), from the
     * socket added with {@code tokens[i]}, sent from the address and port in the record at
     * {@code sources[i * DEST]} (as {@link #local} writes one; all zero when unknown); at most
     * {@code slots}. Returns how many, 0 on a timeout or a {@link #wake}, or -errno.
     */
    static native int receive(int ep, int ev, int timeoutMs, byte[] data, int slot, int slots, int[] lens, int[] tokens,
                              byte[] sources);

    /** Connects a socket of {@link #openConnected} to another remote (queued datagrams stay): 0 or -errno. For tests. */
    static native int connectTo(int fd, byte[] remote, boolean v6);
}
