package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Picture Loss Indication (RFC 4585 §6.3.1): PSFB, FMT 1, no FCI. The receiver lost picture data
 * and asks the media source for a keyframe.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|  FMT=1  |  PT=PSFB=206  |          length=2             |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 * </pre>
 */
public final class Pli {
    public static final int FMT = 1;
    public static final int LENGTH = 12;

    private Pli() {}

    public static boolean is(byte[] buf, int off, int len) {
        return len >= LENGTH && RtcpCompound.packetType(buf, off) == RtcpCompound.PSFB
                && RtcpCompound.countOrFormat(buf, off) == FMT;
    }

    public static int mediaSsrc(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 8);
    }

    public static int write(byte[] buf, int off, int senderSsrc, int mediaSsrc) {
        RtcpCompound.writeHeader(buf, off, FMT, RtcpCompound.PSFB, LENGTH);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, mediaSsrc);
        return LENGTH;
    }
}
