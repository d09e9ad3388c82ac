package io.junction.bridge.forward;

import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * The last packets forwarded on one stream, as the subscriber received them (rewritten, before
 * SRTP), so NACKs can be answered with RTX. A ring indexed by the outgoing sequence number: at most
 * {@link #CAPACITY} packets (≈ 400 KiB) per video subscription, and entries older than
 * {@link #MAX_AGE_NS} are not served. Owned by the subscriber's packet worker; evicted packets go
 * back to the pool.
 */
public final class RetransmissionCache {
    public static final int CAPACITY = 256;
    public static final long MAX_AGE_NS = 1_000_000_000L;
    private static final int MASK = CAPACITY - 1;

    private final PacketPool pool;
    private final Packet[] packets = new Packet[CAPACITY];
    private final int[] seqs = new int[CAPACITY];
    private final long[] storedNs = new long[CAPACITY];

    public RetransmissionCache(PacketPool pool) {
        this.pool = pool;
    }

    /** Keeps a copy of a forwarded packet under its outgoing sequence number. */
    public void put(Packet source, int seq, long nowNs) {
        int i = seq & MASK;
        Packet slot = packets[i];
        if (slot == null) {
            slot = pool.take();
            packets[i] = slot;
        }
        slot.copyFrom(source);
        seqs[i] = seq;
        storedNs[i] = nowNs;
    }

    /** The packet sent as {@code seq}, or null when it was never cached, was overwritten or is too old. */
    public Packet get(int seq, long nowNs) {
        int i = seq & MASK;
        Packet p = packets[i];
        if (p == null || seqs[i] != seq || nowNs - storedNs[i] > MAX_AGE_NS) {
            return null;
        }
        return p;
    }

    /** Returns every cached packet to the pool. */
    public void clear() {
        for (int i = 0; i < CAPACITY; i++) {
            if (packets[i] != null) {
                pool.release(packets[i]);
                packets[i] = null;
            }
        }
    }
}
