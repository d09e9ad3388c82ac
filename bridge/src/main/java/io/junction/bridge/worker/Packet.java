package io.junction.bridge.worker;

/**
 * A pooled packet buffer with head room and tail room. Exactly one owner at a time: whoever takes
 * it from the {@link PacketPool} either hands it on (a worker queue, a cache) or releases it.
 *
 * <p>Tail room is not optional: AES-GCM SRTP writes its 16-byte tag after the payload (see
 * docs/architecture.md, "SRTP buffers"), and RTX adds two bytes of OSN in front of the payload.
 */
public final class Packet {
    public static final int HEADROOM = 32;
    public static final int MAX_DATAGRAM = 1500;
    public static final int TAILROOM = 64;
    public static final int CAPACITY = HEADROOM + MAX_DATAGRAM + TAILROOM;

    public final byte[] buf = new byte[CAPACITY];
    public int off = HEADROOM;
    public int len;
    /** Monotonic receive time of the datagram this packet came from (System.nanoTime). */
    public long receivedNs;
    /** Who processes this packet on the worker it is queued to. */
    public PacketHandler handler;
    /**
     * RTP only: where the transport-wide sequence number (2 bytes) sits, relative to {@link #off}, or
     * -1 without one. Found once by the receive side; the send side writes its own number there.
     */
    public int tccOffset = -1;
    /** A packet queued to a send worker: the transport-wide number it carries (0-65535), or -1. */
    public int transportSeq = -1;
    /** Handler-specific flags (e.g. "this is a keyframe start"). */
    public int flags;
    /** Forwarded video whose sequence number and timestamp were already rewritten for its subscriber. */
    public static final int FLAG_PROJECTED = 1;

    boolean pooled;

    /** Copies {@code len} bytes into this packet at the standard head room. */
    public void copyFrom(byte[] src, int srcOff, int length) {
        System.arraycopy(src, srcOff, buf, HEADROOM, length);
        off = HEADROOM;
        len = length;
        tccOffset = -1;
    }

    /** Copies another packet's bytes, receive time, flags and RTP facts (not its handler). */
    public void copyFrom(Packet other) {
        copyFrom(other.buf, other.off, other.len);
        receivedNs = other.receivedNs;
        flags = other.flags;
        tccOffset = other.tccOffset;
    }

    void reset() {
        off = HEADROOM;
        len = 0;
        receivedNs = 0;
        handler = null;
        tccOffset = -1;
        transportSeq = -1;
        flags = 0;
    }
}
