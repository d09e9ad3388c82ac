/*
 * Junction's UDP sends on the media port: sendto(2) and sendmmsg(2) on a duplicate of the media
 * socket's descriptor, straight from the Java array (no Java allocation, no lock). Used by
 * NativeUdp.java once ICE has selected a pair; ice4j keeps its own socket for ICE and for reading.
 *
 * A destination is 20 bytes: [0] 4 or 6, [1] unused, [2..3] port (big-endian), [4..19] the address
 * (IPv4 in [4..7]). An IPv6 socket (Java's default, also for IPv4 addresses) takes IPv4
 * destinations IPv4-mapped: NativeUdp.java writes them so.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define FN(name) Java_io_junction_bridge_transport_ice_NativeUdp_##name
#define DEST 20
#define MAX_BATCH 64
#define MAX_DATAGRAM 65536

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
 * Up to MAX_BATCH datagrams in one sendmmsg(2), without blocking: for first <= i < first + count,
 * datagram i is lens[i] bytes at offs[i] in `data`, to the destination record at dests[destOffs[i]]. Returns how many were sent
 * (the first ones), or -errno when the first could not be (-EINVAL: its record or range is bad).
 * Like the kernel, it stops before a bad datagram and sends the ones before it.
 */
JNIEXPORT jint JNICALL FN(sendBatch)(JNIEnv *env, jclass cls, jint fd, jbyteArray data, jintArray offsArray,
                                     jintArray lensArray, jbyteArray dests, jintArray destOffsArray, jint first,
                                     jint count) {
    if (count <= 0 || count > MAX_BATCH || first < 0) {
        return -EINVAL;
    }
    if ((*env)->GetArrayLength(env, offsArray) - count < first || (*env)->GetArrayLength(env, lensArray) - count < first
            || (*env)->GetArrayLength(env, destOffsArray) - count < first) {
        return -EINVAL;
    }
    jint offs[MAX_BATCH], lens[MAX_BATCH], destOffs[MAX_BATCH];
    (*env)->GetIntArrayRegion(env, offsArray, first, count, offs);
    (*env)->GetIntArrayRegion(env, lensArray, first, count, lens);
    (*env)->GetIntArrayRegion(env, destOffsArray, first, count, destOffs);
    struct sockaddr_storage addrs[MAX_BATCH];
    struct iovec iov[MAX_BATCH];
    struct mmsghdr msgs[MAX_BATCH];
    jsize destsLen = (*env)->GetArrayLength(env, dests);
    jsize dataLen = (*env)->GetArrayLength(env, data);
    unsigned char *d = (*env)->GetPrimitiveArrayCritical(env, dests, NULL);
    if (d == NULL) {
        return -ENOMEM;
    }
    /* the datagrams before the first bad one go; a bad first one is the call's error */
    int valid = 0;
    for (; valid < count; valid++) {
        int i = valid;
        socklen_t sl = destOffs[i] >= 0 && destOffs[i] <= destsLen - DEST ? to_sockaddr(d + destOffs[i], &addrs[i]) : 0;
        if (sl == 0 || offs[i] < 0 || lens[i] < 0 || lens[i] > MAX_DATAGRAM || offs[i] > dataLen - lens[i]) {
            break;
        }
        memset(&msgs[i].msg_hdr, 0, sizeof(struct msghdr));
        msgs[i].msg_hdr.msg_name = &addrs[i];
        msgs[i].msg_hdr.msg_namelen = sl;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    (*env)->ReleasePrimitiveArrayCritical(env, dests, d, JNI_ABORT);
    if (valid == 0) {
        return -EINVAL;
    }
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, data, NULL);
    if (buf == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < valid; i++) {
        iov[i].iov_base = buf + offs[i];
        iov[i].iov_len = (size_t) lens[i];
    }
    int n = sendmmsg(fd, msgs, (unsigned int) valid, MSG_DONTWAIT);
    int err = errno;
    (*env)->ReleasePrimitiveArrayCritical(env, data, buf, JNI_ABORT);
    return n < 0 ? -err : n;
}
