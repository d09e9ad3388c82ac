package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Generic NACK (RFC 4585 §6.2.1): RTPFB, FMT 1. Each FCI item names a lost packet (PID) and, in a
 * bitmask, which of the 16 packets after it are lost too. The bridge answers subscribers' NACKs from
 * its retransmission cache and sends its own to publishers.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  FMT=1  |  PT=RTPFB=205 |          length               |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 * |            PID                |             BLP               |  (one or more)
 * </pre>
 */
public final class Nack {
    public static final int FMT = 1;

    private Nack() {}

    public static boolean is(byte[] buf, int off, int len) {
        return len >= 16 && RtcpCompound.packetType(buf, off) == RtcpCompound.RTPFB
                && RtcpCompound.countOrFormat(buf, off) == FMT;
    }

    public static int mediaSsrc(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 8);
    }

    public static int itemCount(int len) {
        return (len - 12) / 4;
    }

    /** Item {@code i} as {@code PID << 16 | BLP}. */
    public static int item(byte[] buf, int off, int i) {
        return ByteIo.readInt(buf, off + 12 + 4 * i);
    }

    /**
     * Lost sequence number {@code k} (0..16) of an item: k = 0 is the PID, k > 0 is PID + k when bit
     * k - 1 of the BLP is set, else -1.
     */
    public static int lostSequence(int item, int k) {
        int pid = item >>> 16;
        if (k == 0) {
            return pid;
        }
        return (item & (1 << (k - 1))) != 0 ? (pid + k) & 0xFFFF : -1;
    }

    /** Writes a NACK with {@code count} items given as {@code PID << 16 | BLP}; returns its length. */
    public static int write(byte[] buf, int off, int senderSsrc, int mediaSsrc, int[] items, int count) {
        RtcpCompound.writeHeader(buf, off, FMT, RtcpCompound.RTPFB, 12 + 4 * count);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, mediaSsrc);
        for (int i = 0; i < count; i++) {
            ByteIo.writeInt(buf, off + 12 + 4 * i, items[i]);
        }
        return 12 + 4 * count;
    }
}
