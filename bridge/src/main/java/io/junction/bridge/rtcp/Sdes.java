package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * Source description (RFC 3550 §6.5): chunks of items per SSRC, of which the bridge writes and reads
 * the CNAME (item type 1), the name that ties a participant's audio and video together for lip sync.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    SC   |  PT=SDES=202  |             length            |
 * |                          SSRC/CSRC_1                          |
 * |    CNAME=1    |     length    | user and domain name        ...
 * |  ... more items, then a null item, padded to 32 bits          |
 * |                          SSRC/CSRC_2  ...                     |
 * </pre>
 */
public final class Sdes {
    public static final int CNAME = 1;

    private Sdes() {}

    public static boolean is(byte[] buf, int off, int len) {
        return len >= 8 && RtcpCompound.packetType(buf, off) == RtcpCompound.SDES;
    }

    /** The SSRC of the first chunk. */
    public static int firstChunkSsrc(byte[] buf, int off) {
        return ByteIo.readInt(buf, off + 4);
    }

    /**
     * Absolute offset of the first chunk's CNAME item (its type byte; the value's length is the next
     * byte, the value follows), or -1 when the first chunk has none or its items overrun the packet.
     */
    public static int findCname(byte[] buf, int off, int len) {
        int end = off + len;
        int at = off + 8;
        while (at + 2 <= end && buf[at] != 0) {
            int itemLength = buf[at + 1] & 0xFF;
            if (at + 2 + itemLength > end) {
                return -1;
            }
            if (buf[at] == CNAME) {
                return at;
            }
            at += 2 + itemLength;
        }
        return -1;
    }

    /** Writes one chunk with a CNAME item (at most 255 bytes), padded to 32 bits; returns the length. */
    public static int writeCname(byte[] buf, int off, int ssrc, byte[] cname) {
        int len = Math.min(cname.length, 255);
        int at = off + 8;
        buf[at++] = CNAME;
        buf[at++] = (byte) len;
        System.arraycopy(cname, 0, buf, at, len);
        at += len;
        buf[at++] = 0; // end of the item list
        while ((at - off) % 4 != 0) {
            buf[at++] = 0;
        }
        RtcpCompound.writeHeader(buf, off, 1, RtcpCompound.SDES, at - off);
        ByteIo.writeInt(buf, off + 4, ssrc);
        return at - off;
    }
}
