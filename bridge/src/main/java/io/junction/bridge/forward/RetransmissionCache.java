package io.junction.bridge.forward;

import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * The last packets forwarded on one stream, as the subscriber received them (rewritten, before
 * SRTP), so NACKs can be answered with RTX. A ring indexed by the outgoing sequence number: at most
 * {@link #CAPACITY} packets (≈ 400 KiB) per video subscription, and entries older than
 * {@link #MAX_AGE_NS} are not served. Each put also returns the oldest packets to the pool once
 * they are too old to be served (oldest first), so a stream holds about one second of packets (≈ 60 at 500 kbit/s)
 * instead of a full ring: the load generator measured 4.3 MiB of heap per endpoint in a 10-person
 * call with full rings, and G1 pauses grew with that live set. Owned by the subscriber's packet
 * worker.
 */
public final class RetransmissionCache {
    public static final int CAPACITY = 256;
    public static final long MAX_AGE_NS = 1_000_000_000L;
    private static final int MASK = CAPACITY - 1;

    private final PacketPool pool;
    private final Packet[] packets = new Packet[CAPACITY];
    private final int[] seqs = new int[CAPACITY];
    private final long[] storedNs = new long[CAPACITY];
    /** The sequence number of the oldest packet that may still be held, or -1 before the first put. */
    private int oldest = -1;
    /** Expired packets kept for the next puts, so steady state never touches the shared pool. */
    private final Packet[] spare = new Packet[8];
    private int spares;

    public RetransmissionCache(PacketPool pool) {
        this.pool = pool;
    }

    /** Keeps a copy of a forwarded packet under its outgoing sequence number. */
    public void put(Packet source, int seq, long nowNs) {
        releaseExpired(seq, nowNs);
        int i = seq & MASK;
        Packet slot = packets[i];
        if (slot == null) {
            slot = spares > 0 ? spare[--spares] : pool.take();
            spare[spares] = null;
            packets[i] = slot;
        }
        slot.copyFrom(source);
        seqs[i] = seq;
        storedNs[i] = nowNs;
    }

    /**
     * Gives back the oldest packets that no NACK can ask for any more (older than {@link #MAX_AGE_NS}),
     * walking from the oldest sequence number towards {@code seq}: at most 4 slots per put, so a put
     * stays O(1) and the ring shrinks back within 64 puts after a burst.
     */
    private void releaseExpired(int seq, long nowNs) {
        if (oldest < 0 || ((seq - oldest) & 0xFFFF) >= 0x8000) {
            oldest = seq; // first packet, or a jump backwards: start over from here
            return;
        }
        if (((seq - oldest) & 0xFFFF) >= CAPACITY) {
            oldest = (seq - CAPACITY + 1) & 0xFFFF; // those slots are being overwritten anyway
        }
        for (int k = 0; k < 4 && oldest != seq; k++) {
            int j = oldest & MASK;
            Packet q = packets[j];
            if (q != null && seqs[j] == oldest) {
                if (nowNs - storedNs[j] <= MAX_AGE_NS) {
                    return; // the oldest is still useful, so is everything newer
                }
                if (spares < spare.length) {
                    spare[spares++] = q;
                } else {
                    pool.release(q);
                }
                packets[j] = null;
            }
            oldest = (oldest + 1) & 0xFFFF;
        }
    }

    /** Packets held, spares included (for tests). */
    public int size() {
        int n = spares;
        for (Packet p : packets) {
            if (p != null) {
                n++;
            }
        }
        return n;
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
        for (int i = 0; i < spares; i++) {
            pool.release(spare[i]);
            spare[i] = null;
        }
        spares = 0;
        oldest = -1;
    }
}
