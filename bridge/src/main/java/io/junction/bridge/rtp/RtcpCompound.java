package io.junction.bridge.rtp;

/**
 * A reusable iterator over an RTCP compound packet (RFC 3550 §6.1). Each sub-packet header is
 * validated (version 2, length within the remaining bytes) before it is exposed; iteration stops
 * at the first inconsistency and {@link #malformed()} reports it. No allocation.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P| RC/FMT  |      PT       |      length (32-bit words - 1)  |
 * |                  SSRC of packet sender                          |
 * |                  (type-specific; feedback: SSRC of media source)|
 * </pre>
 */
public final class RtcpCompound {
    public static final int SR = 200;
    public static final int RR = 201;
    public static final int SDES = 202;
    public static final int BYE = 203;
    public static final int APP = 204;
    /** Transport-layer feedback (RFC 4585): FMT 1 generic NACK, FMT 15 transport-cc. */
    public static final int RTPFB = 205;
    /** Payload-specific feedback (RFC 4585/5104): FMT 1 PLI, FMT 4 FIR, FMT 15 REMB (AFB). */
    public static final int PSFB = 206;

    private byte[] buf;
    private int end;
    private int next;
    private int current;
    private int currentLength;
    private boolean malformed;

    /** Starts iterating; false when the buffer cannot hold even one RTCP header. */
    public boolean wrap(byte[] buf, int off, int len) {
        this.buf = buf;
        this.next = off;
        this.end = off + len;
        this.current = -1;
        this.malformed = false;
        return len >= 4 && ((buf[off] & 0xC0) == 0x80);
    }

    /** Advances to the next valid sub-packet. */
    public boolean next() {
        if (next + 4 > end) {
            if (next != end) {
                malformed = true;
            }
            return false;
        }
        if ((buf[next] & 0xC0) != 0x80) {
            malformed = true;
            return false;
        }
        int bytes = 4 * (ByteIo.readU16(buf, next + 2) + 1);
        if (next + bytes > end) {
            malformed = true;
            return false;
        }
        current = next;
        currentLength = bytes;
        next += bytes;
        return true;
    }

    /** True when iteration stopped on an invalid or truncated sub-packet. */
    public boolean malformed() {
        return malformed;
    }

    public int packetType() {
        return buf[current + 1] & 0xFF;
    }

    /** The 5-bit count / feedback message type field. */
    public int countOrFormat() {
        return buf[current] & 0x1F;
    }

    public int offset() {
        return current;
    }

    public int length() {
        return currentLength;
    }

    public int senderSsrc() {
        return currentLength >= 8 ? ByteIo.readInt(buf, current + 4) : 0;
    }

    public boolean isPli() {
        return packetType() == PSFB && countOrFormat() == 1 && currentLength >= 12;
    }

    public boolean isFir() {
        return packetType() == PSFB && countOrFormat() == 4 && currentLength >= 20;
    }

    public boolean isNack() {
        return packetType() == RTPFB && countOrFormat() == 1 && currentLength >= 16;
    }

    public boolean isTransportCc() {
        return packetType() == RTPFB && countOrFormat() == 15 && currentLength >= 20;
    }

    public boolean isRemb() {
        return packetType() == PSFB && countOrFormat() == 15 && currentLength >= 20
                && buf[current + 12] == 'R' && buf[current + 13] == 'E' && buf[current + 14] == 'M'
                && buf[current + 15] == 'B';
    }

    /** REMB: the bitrate in bits per second (exponent and mantissa decoded). Only valid when {@link #isRemb()}. */
    public long rembBitrate() {
        int exp = (buf[current + 17] & 0xFF) >>> 2;
        long mantissa = ((buf[current + 17] & 0x03L) << 16) | ((buf[current + 18] & 0xFFL) << 8) | (buf[current + 19] & 0xFFL);
        return exp > 46 ? Long.MAX_VALUE : mantissa << exp;
    }

    /** SR and RR: the number of report blocks present (bounded by the packet length). */
    public int reportBlockCount() {
        int type = packetType();
        int first = type == SR ? 28 : type == RR ? 8 : -1;
        if (first < 0) {
            return 0;
        }
        return Math.max(0, Math.min(countOrFormat(), (currentLength - first) / 24));
    }

    /**
     * Absolute offset of report block {@code i} of an SR/RR (RFC 3550 §6.4.1):
     * SSRC(4) | fraction lost(1) cumulative lost(3) | ext. highest seq(4) | jitter(4) | LSR(4) | DLSR(4).
     */
    public int reportBlockOffset(int i) {
        return current + (packetType() == SR ? 28 : 8) + 24 * i;
    }

    /** Feedback messages (RFC 4585 §6.1): the SSRC of the media source the feedback is about. */
    public int feedbackMediaSsrc() {
        return ByteIo.readInt(buf, current + 8);
    }

    /** Generic NACK (RFC 4585 §6.2.1): the number of PID/BLP items. */
    public int nackItemCount() {
        return (currentLength - 12) / 4;
    }

    /**
     * Generic NACK item {@code i} as {@code PID << 16 | BLP}: packet PID is lost, and PID + k + 1 for
     * every bit k set in the bitmask of following lost packets.
     */
    public int nackItem(int i) {
        return ByteIo.readInt(buf, current + 12 + 4 * i);
    }

    /** FIR (RFC 5104 §4.3.1): the SSRC of the first FCI entry (the media sender SSRC field is unused). */
    public int firFirstEntrySsrc() {
        return ByteIo.readInt(buf, current + 12);
    }

    /** FIR: the command sequence number of the first FCI entry. */
    public int firFirstEntrySequence() {
        return buf[current + 16] & 0xFF;
    }
}
