/*
 * Junction's UDP sends on the media port: sendto(2) and sendmmsg(2) (with UDP GSO) on a duplicate of the media
 * socket's descriptor, straight from the Java array (no Java allocation, no lock). Used by
 * NativeUdp.java once ICE has selected a pair; ice4j keeps its own socket for ICE and for reading.
 *
 * A destination is 20 bytes: [0] 4 or 6, [1] unused, [2..3] port (big-endian), [4..19] the address
 * (IPv4 in [4..7]). An IPv6 socket (Java's default, also for IPv4 addresses) takes IPv4
 * destinations IPv4-mapped: NativeUdp.java writes them so.
 *
 * The receive side (NativeReceiver.java): once ICE has selected a UDP pair, a socket of our own is
 * bound to the same local address and port (SO_REUSEADDR + SO_REUSEPORT) and connected to the
 * remote, so the kernel delivers that remote's datagrams to it instead of to ice4j's socket (a
 * connected socket matches more of the 4-tuple). Reader threads wait on an epoll set of such
 * sockets and read them with recvmmsg(2) into one Java array.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define FN(name) Java_io_junction_bridge_transport_ice_NativeUdp_##name
#define DEST 20
#define MAX_BATCH 64
#define MAX_DATAGRAM 65536
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_MAX_SEGMENTS
#define UDP_MAX_SEGMENTS 64
#endif

static socklen_t to_sockaddr(const unsigned char *d, struct sockaddr_storage *ss) {
    memset(ss, 0, sizeof(struct sockaddr_in6));
    int port = (d[2] << 8) | d[3];
    if (d[0] == 4) {
        struct sockaddr_in *a = (struct sockaddr_in *) ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        memcpy(&a->sin_addr, d + 4, 4);
        return sizeof(struct sockaddr_in);
    }
    if (d[0] == 6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        memcpy(&a->sin6_addr, d + 4, 16);
        return sizeof(struct sockaddr_in6);
    }
    return 0;
}

/* Rewrites an IPv4 destination record in place as its IPv4-mapped IPv6 record (for an IPv6 socket). */
static void to_mapped(unsigned char *d) {
    unsigned char m[DEST];
    memset(m, 0, DEST);
    m[0] = 6;
    memcpy(m + 2, d + 2, 2);
    m[14] = m[15] = 0xFF;
    memcpy(m + 16, d + 4, 4);
    memcpy(d, m, DEST);
}

/* The address and port of a bound socket as a destination record (IPv4-mapped IPv6 as IPv4). */
static int to_record(const struct sockaddr_storage *a, unsigned char *d) {
    memset(d, 0, DEST);
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *) a;
        d[0] = 4;
        memcpy(d + 2, &x->sin_port, 2);
        memcpy(d + 4, &x->sin_addr, 4);
        return 1;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) a;
        memcpy(d + 2, &x->sin6_port, 2);
        if (IN6_IS_ADDR_V4MAPPED(&x->sin6_addr)) {
            d[0] = 4;
            memcpy(d + 4, ((const unsigned char *) &x->sin6_addr) + 12, 4);
        } else {
            d[0] = 6;
            memcpy(d + 4, &x->sin6_addr, 16);
        }
        return 1;
    }
    return 0;
}

/*
 * Finds a UDP socket of this process bound to the local address in `local` (a destination record;
 * an IPv6 socket bound to an IPv4-mapped address matches the IPv4 record)
 * and returns a close-on-exec duplicate of it, or -errno (-ENOENT: none). Every socket bound there
 * is equivalent for sending: they share the source address and port.
 */
JNIEXPORT jint JNICALL FN(openBound)(JNIEnv *env, jclass cls, jbyteArray local) {
    unsigned char want[DEST];
    if ((*env)->GetArrayLength(env, local) != DEST) {
        return -EINVAL;
    }
    (*env)->GetByteArrayRegion(env, local, 0, DEST, (jbyte *) want);
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        return -errno;
    }
    int found = -ENOENT;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end != 0 || end == e->d_name || fd == dirfd(dir)) {
            continue;
        }
        struct stat st;
        int type = 0;
        socklen_t tl = sizeof(type);
        if (fstat((int) fd, &st) != 0 || !S_ISSOCK(st.st_mode)
                || getsockopt((int) fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_DGRAM) {
            continue;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        unsigned char have[DEST];
        if (getsockname((int) fd, (struct sockaddr *) &ss, &sl) != 0 || !to_record(&ss, have)
                || memcmp(have, want, DEST) != 0) {
            continue;
        }
        found = fcntl((int) fd, F_DUPFD_CLOEXEC, 3);
        if (found < 0) {
            found = -errno;
        }
        break;
    }
    closedir(dir);
    return found;
}

/* 6 when the socket is IPv6 (IPv4 destinations must then be written IPv4-mapped), 4 when IPv4, -errno. */
JNIEXPORT jint JNICALL FN(family)(JNIEnv *env, jclass cls, jint fd) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *) &ss, &sl) != 0) {
        return -errno;
    }
    return ss.ss_family == AF_INET6 ? 6 : 4;
}

/*
 * Sets the don't-fragment bit on the IPv4 datagrams `fd` sends (IPv4-mapped ones too, on an IPv6
 * socket), without path-MTU discovery: IP_PMTUDISC_PROBE. The kernel then writes IP ID 0 instead of
 * drawing a fresh ID per datagram from its shared, hashed counters (__ip_select_ident: 1.7-2.5 % of
 * the bridge's CPU in 5 x (4 + 4) profiles), and never fragments. A datagram larger than the outgoing
 * device's MTU fails with EMSGSIZE rather than going out in fragments; the bridge's datagrams stay
 * near 1 200 bytes, as WebRTC's do. 0 or -errno.
 */
JNIEXPORT jint JNICALL FN(dontFragment)(JNIEnv *env, jclass cls, jint fd) {
    int probe = IP_PMTUDISC_PROBE;
    return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe)) == 0 ? 0 : -errno;
}

/*
 * Asks for a send buffer of `bytes` (SO_SNDBUF; the kernel caps it at net.core.wmem_max and
 * doubles it for its bookkeeping) when bytes > 0; returns the socket's SO_SNDBUF afterwards, or
 * -errno. On a real interface a datagram stays charged to the socket until the card has sent it,
 * so one fan-out burst larger than the buffer makes sendmmsg refuse the rest (EAGAIN).
 */
JNIEXPORT jint JNICALL FN(sendBuffer)(JNIEnv *env, jclass cls, jint fd, jint bytes) {
    if (bytes > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) != 0) {
        return -errno;
    }
    int now = 0;
    socklen_t nl = sizeof(now);
    return getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &now, &nl) == 0 ? now : -errno;
}

/*
 * 0 when the kernel knows UDP generic segmentation offload (UDP_SEGMENT, Linux 4.18+) on `fd`, else
 * -errno (ENOPROTOOPT). Asked before the first GSO send: a kernel without it would ignore the
 * control message and send the segments as one datagram.
 */
JNIEXPORT jint JNICALL FN(segmentation)(JNIEnv *env, jclass cls, jint fd) {
    int size = 0;
    socklen_t sl = sizeof(size);
    return getsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, &sl) == 0 ? 0 : -errno;
}

/* Sends without UDP checksums (SO_NO_CHECK) when `on`: the kernel then refuses GSO sends with EINVAL. For tests. */
JNIEXPORT jint JNICALL FN(noChecksum)(JNIEnv *env, jclass cls, jint fd, jboolean on) {
    int v = on ? 1 : 0;
    return setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &v, sizeof(v)) == 0 ? 0 : -errno;
}

/* The socket's IP_MTU_DISCOVER mode (IP_PMTUDISC_*), or -errno. For tests. */
JNIEXPORT jint JNICALL FN(mtuDiscovery)(JNIEnv *env, jclass cls, jint fd) {
    int mode = 0;
    socklen_t ml = sizeof(mode);
    return getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &mode, &ml) == 0 ? mode : -errno;
}

JNIEXPORT void JNICALL FN(close)(JNIEnv *env, jclass cls, jint fd) {
    close(fd);
}

/* One datagram, without blocking: the bytes sent, or -errno (-EAGAIN when the send buffer is full). */
JNIEXPORT jint JNICALL FN(sendTo)(JNIEnv *env, jclass cls, jint fd, jbyteArray array, jint off, jint len,
                                  jbyteArray dests, jint destOff) {
    struct sockaddr_storage ss;
    unsigned char d[DEST];
    if (destOff < 0 || destOff > (*env)->GetArrayLength(env, dests) - DEST) {
        return -EINVAL;
    }
    (*env)->GetByteArrayRegion(env, dests, destOff, DEST, (jbyte *) d);
    socklen_t sl = to_sockaddr(d, &ss);
    if (sl == 0) {
        return -EAFNOSUPPORT;
    }
    if (off < 0 || len < 0 || len > MAX_DATAGRAM || off > (*env)->GetArrayLength(env, array) - len) {
        return -EINVAL;
    }
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, array, NULL);
    if (buf == NULL) {
        return -ENOMEM;
    }
    ssize_t n = sendto(fd, buf + off, (size_t) len, MSG_DONTWAIT, (struct sockaddr *) &ss, sl);
    int err = errno;
    (*env)->ReleasePrimitiveArrayCritical(env, array, buf, JNI_ABORT);
    return n < 0 ? -err : (jint) n;
}

/*
 * Up to MAX_BATCH datagrams in one sendmmsg(2), without blocking, as messages: datagram i is lens[i]
 * bytes at offs[i] in `data`, to the destination record at dests[destOffs[i]]; several to one
 * destination may go in one message: UDP generic segmentation offload (UDP_SEGMENT, Linux 4.18+). Message m (firstMsg <= m <
 * firstMsg + msgCount) is the msgSegs[m] datagrams order[msgFirst[m]], order[msgFirst[m] + 1], ... in
 * that order, all to the destination of the first; with more than one, all but the last are as long
 * as the first and the last no longer: the kernel builds one datagram of their bytes, passes it
 * through its IP and UDP layers once and cuts it into segments of the first one's length at the
 * device (in the card, where it offers USO; on loopback at the receiving socket). Returns how many
 * messages (the first ones) were sent, or -errno when none (-EINVAL: the first one is bad; a
 * device without checksum offload refuses a message of several with EIO, a route whose MTU is
 * smaller than its segments with EINVAL). Like the kernel, it stops before a bad message and sends
 * the ones before it. Call segmentation() first: a kernel without UDP GSO would ignore the control
 * message and send a message of several as one datagram.
 */
JNIEXPORT jint JNICALL FN(sendMessages)(JNIEnv *env, jclass cls, jint fd, jbyteArray data, jintArray offsArray,
                                        jintArray lensArray, jbyteArray dests, jintArray destOffsArray,
                                        jintArray orderArray, jintArray msgFirstArray, jintArray msgSegsArray,
                                        jint firstMsg, jint msgCount) {
    if (msgCount <= 0 || msgCount > MAX_BATCH || firstMsg < 0
            || (*env)->GetArrayLength(env, msgFirstArray) - msgCount < firstMsg
            || (*env)->GetArrayLength(env, msgSegsArray) - msgCount < firstMsg) {
        return -EINVAL;
    }
    jsize datagrams = (*env)->GetArrayLength(env, offsArray);
    if (datagrams > MAX_BATCH || (*env)->GetArrayLength(env, lensArray) < datagrams
            || (*env)->GetArrayLength(env, destOffsArray) < datagrams) {
        return -EINVAL;
    }
    jsize orderLen = (*env)->GetArrayLength(env, orderArray);
    if (orderLen > MAX_BATCH) {
        orderLen = MAX_BATCH;
    }
    jint offs[MAX_BATCH], lens[MAX_BATCH], destOffs[MAX_BATCH], order[MAX_BATCH], first[MAX_BATCH], segs[MAX_BATCH];
    (*env)->GetIntArrayRegion(env, offsArray, 0, datagrams, offs);
    (*env)->GetIntArrayRegion(env, lensArray, 0, datagrams, lens);
    (*env)->GetIntArrayRegion(env, destOffsArray, 0, datagrams, destOffs);
    (*env)->GetIntArrayRegion(env, orderArray, 0, orderLen, order);
    (*env)->GetIntArrayRegion(env, msgFirstArray, firstMsg, msgCount, first);
    (*env)->GetIntArrayRegion(env, msgSegsArray, firstMsg, msgCount, segs);
    struct sockaddr_storage addrs[MAX_BATCH];
    struct iovec iov[MAX_BATCH];
    struct mmsghdr msgs[MAX_BATCH];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } control[MAX_BATCH];
    jsize destsLen = (*env)->GetArrayLength(env, dests);
    jsize dataLen = (*env)->GetArrayLength(env, data);
    unsigned char *d = (*env)->GetPrimitiveArrayCritical(env, dests, NULL);
    if (d == NULL) {
        return -ENOMEM;
    }
    /* the messages before the first bad one go; a bad first one is the call's error */
    int valid = 0, used = 0;
    for (; valid < msgCount; valid++) {
        int m = valid, n = segs[m], at = first[m];
        if (n < 1 || n > UDP_MAX_SEGMENTS || at < 0 || at > orderLen - n || used + n > MAX_BATCH) {
            break;
        }
        int lead = order[at];
        if (lead < 0 || lead >= datagrams) {
            break;
        }
        socklen_t sl = destOffs[lead] >= 0 && destOffs[lead] <= destsLen - DEST ? to_sockaddr(d + destOffs[lead], &addrs[m]) : 0;
        int ok = sl != 0;
        long total = 0;
        for (int k = 0; ok && k < n; k++) {
            int i = order[at + k];
            ok = i >= 0 && i < datagrams && offs[i] >= 0 && lens[i] >= 0 && lens[i] <= MAX_DATAGRAM
                    && offs[i] <= dataLen - lens[i] && (n == 1 || (k < n - 1 ? lens[i] == lens[lead] : lens[i] <= lens[lead]))
                    && (n == 1 || lens[lead] > 0);
            total += ok ? lens[i] : 0;
        }
        if (!ok || total > MAX_DATAGRAM) {
            break;
        }
        memset(&msgs[m].msg_hdr, 0, sizeof(struct msghdr));
        msgs[m].msg_hdr.msg_name = &addrs[m];
        msgs[m].msg_hdr.msg_namelen = sl;
        msgs[m].msg_hdr.msg_iov = &iov[used];
        msgs[m].msg_hdr.msg_iovlen = (size_t) n;
        if (n > 1) {
            memset(&control[m], 0, sizeof(control[m]));
            msgs[m].msg_hdr.msg_control = control[m].buf;
            msgs[m].msg_hdr.msg_controllen = sizeof(control[m].buf);
            struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[m].msg_hdr);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t size = (uint16_t) lens[lead];
            memcpy(CMSG_DATA(c), &size, sizeof(size));
        }
        used += n;
    }
    (*env)->ReleasePrimitiveArrayCritical(env, dests, d, JNI_ABORT);
    if (valid == 0) {
        return -EINVAL;
    }
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, data, NULL);
    if (buf == NULL) {
        return -ENOMEM;
    }
    for (int m = 0, v = 0; m < valid; m++) {
        for (int k = 0; k < segs[m]; k++, v++) {
            int i = order[first[m] + k];
            iov[v].iov_base = buf + offs[i];
            iov[v].iov_len = (size_t) lens[i];
        }
    }
    int n = sendmmsg(fd, msgs, (unsigned int) valid, MSG_DONTWAIT);
    int err = errno;
    (*env)->ReleasePrimitiveArrayCritical(env, data, buf, JNI_ABORT);
    return n < 0 ? -err : n;
}

/*
 * A non-blocking, close-on-exec UDP socket bound to `local` and connected to `remote` (destination
 * records), in the family of the media socket (v6: an IPv6 socket, IPv4 addresses IPv4-mapped), or
 * -errno. SO_REUSEADDR lets it share ice4j's address and port; SO_REUSEPORT puts an IPv6 socket at
 * the end of the kernel's lookup chain, so in the instant between bind and connect it does not take
 * datagrams meant for ice4j's socket (the earlier socket wins a tie; should one still land here, it
 * is discarded and counted in strays[0]). rcvbuf: SO_RCVBUF in bytes (0: default).
 */
static int same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
    if (a->ss_family != b->ss_family) {
        return 0;
    }
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *) a, *y = (const struct sockaddr_in *) b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) a, *y = (const struct sockaddr_in6 *) b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

JNIEXPORT jint JNICALL FN(openConnected)(JNIEnv *env, jclass cls, jbyteArray localArray, jbyteArray remoteArray,
                                         jboolean v6, jint rcvbuf, jintArray strays) {
    if ((*env)->GetArrayLength(env, localArray) != DEST || (*env)->GetArrayLength(env, remoteArray) != DEST
            || (*env)->GetArrayLength(env, strays) < 1) {
        return -EINVAL;
    }
    unsigned char local[DEST], remote[DEST];
    (*env)->GetByteArrayRegion(env, localArray, 0, DEST, (jbyte *) local);
    (*env)->GetByteArrayRegion(env, remoteArray, 0, DEST, (jbyte *) remote);
    struct sockaddr_storage la, ra;
    socklen_t ll = to_sockaddr(local, &la), rl = to_sockaddr(remote, &ra);
    if (ll == 0 || rl == 0 || ((struct sockaddr *) &la)->sa_family != ((struct sockaddr *) &ra)->sa_family
            || (!v6 && local[0] == 6)) {
        return -EINVAL;
    }
    int family = v6 ? AF_INET6 : AF_INET;
    if (v6 && local[0] == 4) {
        /* IPv4 on an IPv6 socket: both addresses IPv4-mapped */
        to_mapped(local);
        to_mapped(remote);
        ll = to_sockaddr(local, &la);
        rl = to_sockaddr(remote, &ra);
    }
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0
            || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0
            || (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0)
            || bind(fd, (struct sockaddr *) &la, ll) != 0
            || connect(fd, (struct sockaddr *) &ra, rl) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    /*
     * Whatever another remote sent in the instant between bind and connect is not this pair's:
     * discarded here (and counted), so it never reaches the endpoint. What the remote itself sent
     * stays queued. This cannot catch everything: a datagram the kernel matched to this socket just
     * before connect may be queued only after this loop (on another core, or when softirqs run late
     * on a busy machine), or sit behind one of the remote's. So receive() also reports each
     * datagram's source, and the reader drops what is not from the remote.
     */
    jint dropped = 0;
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        char b;
        if (recvfrom(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT, (struct sockaddr *) &from, &fl) < 0
                || same_address(&from, &ra)) {
            break;
        }
        if (recv(fd, &b, 1, MSG_DONTWAIT) < 0) {
            break;
        }
        dropped++;
    }
    (*env)->SetIntArrayRegion(env, strays, 0, 1, &dropped);
    return fd;
}

/*
 * Connects `fd` (a socket of openConnected) to another remote, IPv4-mapped when `v6`: 0 or -errno.
 * What is already queued stays queued: the tests use it to put another remote's datagram in a
 * connected socket, as the race described in openConnected does.
 */
JNIEXPORT jint JNICALL FN(connectTo)(JNIEnv *env, jclass cls, jint fd, jbyteArray remoteArray, jboolean v6) {
    if ((*env)->GetArrayLength(env, remoteArray) != DEST) {
        return -EINVAL;
    }
    unsigned char remote[DEST];
    (*env)->GetByteArrayRegion(env, remoteArray, 0, DEST, (jbyte *) remote);
    if (v6 && remote[0] == 4) {
        to_mapped(remote);
    }
    struct sockaddr_storage ra;
    socklen_t rl = to_sockaddr(remote, &ra);
    if (rl == 0) {
        return -EINVAL;
    }
    return connect(fd, (struct sockaddr *) &ra, rl) == 0 ? 0 : -errno;
}

/* An epoll instance with an eventfd in it (token -1) to wake its waiter: {epfd, evfd} in out[0..1], 0 or -errno. */
JNIEXPORT jint JNICALL FN(epollCreate)(JNIEnv *env, jclass cls, jintArray out) {
    if ((*env)->GetArrayLength(env, out) < 2) {
        return -EINVAL;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        return -errno;
    }
    int ev = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ev < 0) {
        int err = errno;
        close(ep);
        return -err;
    }
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t) -1};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) != 0) {
        int err = errno;
        close(ev);
        close(ep);
        return -err;
    }
    jint fds[2] = {ep, ev};
    (*env)->SetIntArrayRegion(env, out, 0, 2, fds);
    return 0;
}

/* Adds fd to the epoll set with `token` (>= 0), or removes it (token < 0): 0 or -errno. */
JNIEXPORT jint JNICALL FN(epollControl)(JNIEnv *env, jclass cls, jint ep, jint fd, jint token) {
    if (token < 0) {
        return epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : -errno;
    }
    /* the event carries the fd (upper half) and the Java side's token (lower half) */
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = ((uint64_t) (uint32_t) fd << 32) | (uint32_t) token};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) == 0 ? 0 : -errno;
}

/* Wakes the thread waiting in receive() on this eventfd. */
JNIEXPORT void JNICALL FN(wake)(JNIEnv *env, jclass cls, jint ev) {
    uint64_t one = 1;
    ssize_t n = write(ev, &one, sizeof(one));
    (void) n;
}

#define MAX_EVENTS 64

/*
 * Waits up to timeoutMs for any socket of the epoll set to be readable (or the eventfd), then reads
 * what the ready sockets hold with recvmmsg(2), without blocking, into `data`: datagram i in the slot
 * at i * slot, lens[i] bytes (-1: longer than the slot, cut), from the socket of tokens[i]. At most
 * `slots` datagrams (the rest stay queued: epoll is level-triggered). Returns the number read, 0 on
 * a timeout or a wake-up, or -errno. Waiting happens outside the array's critical region.
 */
JNIEXPORT jint JNICALL FN(receive)(JNIEnv *env, jclass cls, jint ep, jint ev, jint timeoutMs, jbyteArray data,
                                   jint slot, jint slots, jintArray lensArray, jintArray tokensArray,
                                   jbyteArray sourcesArray) {
    if (slot <= 0 || slots <= 0 || slots > MAX_BATCH * 4 || (*env)->GetArrayLength(env, lensArray) < slots
            || (*env)->GetArrayLength(env, tokensArray) < slots
            || (*env)->GetArrayLength(env, sourcesArray) < slots * DEST
            || (jlong) (*env)->GetArrayLength(env, data) < (jlong) slot * slots) {
        return -EINVAL;
    }
    struct epoll_event events[MAX_EVENTS];
    int ready = epoll_wait(ep, events, MAX_EVENTS, timeoutMs);
    if (ready < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    int sockets = 0;
    for (int i = 0; i < ready; i++) {
        if (events[i].data.u64 == (uint64_t) -1) {
            uint64_t v;
            ssize_t n = read(ev, &v, sizeof(v));
            (void) n;
        } else {
            events[sockets++] = events[i];
        }
    }
    if (sockets == 0) {
        return 0;
    }
    jint lens[MAX_BATCH * 4], tokens[MAX_BATCH * 4];
    unsigned char sources[MAX_BATCH * 4 * DEST];
    struct iovec iov[MAX_BATCH];
    struct mmsghdr msgs[MAX_BATCH];
    struct sockaddr_storage names[MAX_BATCH];
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, data, NULL);
    if (buf == NULL) {
        return -ENOMEM;
    }
    int got = 0;
    for (int s = 0; s < sockets && got < slots; s++) {
        int token = (int) (uint32_t) events[s].data.u64;
        int fd = (int) (events[s].data.u64 >> 32);
        int room = slots - got;
        if (room > MAX_BATCH) {
            room = MAX_BATCH;
        }
        for (int i = 0; i < room; i++) {
            iov[i].iov_base = buf + (size_t) (got + i) * slot;
            iov[i].iov_len = (size_t) slot;
            memset(&msgs[i].msg_hdr, 0, sizeof(struct msghdr));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &names[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        }
        int n = recvmmsg(fd, msgs, (unsigned int) room, MSG_DONTWAIT, NULL);
        for (int i = 0; i < n; i++) {
            lens[got + i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (jint) msgs[i].msg_len;
            tokens[got + i] = token;
            /* who sent it: a connected socket can still hold a datagram of another remote (below) */
            if (!to_record(&names[i], sources + (size_t) (got + i) * DEST)) {
                memset(sources + (size_t) (got + i) * DEST, 0, DEST);
            }
        }
        if (n > 0) {
            got += n;
        }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, data, buf, 0);
    if (got > 0) {
        (*env)->SetIntArrayRegion(env, lensArray, 0, got, lens);
        (*env)->SetIntArrayRegion(env, tokensArray, 0, got, tokens);
        (*env)->SetByteArrayRegion(env, sourcesArray, 0, got * DEST, (const jbyte *) sources);
    }
    return got;
}
