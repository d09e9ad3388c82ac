package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Full Intra Request (RFC 5104 §4.3.1): PSFB, FMT 4. The media source SSRC field is unused (0); each
 * FCI entry names a target SSRC and a command sequence number, and the target acts on each new number
 * once (a retransmitted FIR keeps its number).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  FMT=4  |  PT=PSFB=206  |          length               |
 * |                  SSRC of packet sender                        |
 * |             SSRC of media source (unused) = 0                 |
 * |                              SSRC                             |  (one or more
 * | Seq nr.       |    Reserved = 0                               |   entries)
 * </pre>
 */
public final class Fir {
    public static final int FMT = 4;
    public static final int LENGTH = 20;

    private Fir() {}

    public static boolean is(byte[] buf, int off, int len) {
        return len >= LENGTH && RtcpCompound.packetType(buf, off) == RtcpCompound.PSFB
                && RtcpCompound.countOrFormat(buf, off) == FMT;
    }

    public static int entryCount(int len) {
        return (len - 12) / 8;
    }

    public static int entrySsrc(byte[] buf, int off, int i) {
        return ByteIo.readInt(buf, off + 12 + 8 * i);
    }

    public static int entrySequence(byte[] buf, int off, int i) {
        return buf[off + 16 + 8 * i] & 0xFF;
    }

    /** A FIR with one entry; returns 20. */
    public static int write(byte[] buf, int off, int senderSsrc, int targetSsrc, int sequenceNumber) {
        RtcpCompound.writeHeader(buf, off, FMT, RtcpCompound.PSFB, LENGTH);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, 0);
        ByteIo.writeInt(buf, off + 12, targetSsrc);
        ByteIo.writeInt(buf, off + 16, (sequenceNumber & 0xFF) << 24);
        return LENGTH;
    }
}
