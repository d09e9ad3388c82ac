package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

/**
 * A reusable iterator over an RTCP compound packet (RFC 3550 §6.1). Each sub-packet header is
 * validated (version 2, length within the remaining bytes) before it is exposed; iteration stops
 * at the first inconsistency and {@link #malformed()} reports it. No allocation. What a sub-packet
 * means is read by the class of its message type ({@link SenderReport}, {@link Nack}, …), each given
 * the buffer, {@link #offset()} and {@link #length()}.
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

    /** Absolute offset of the current sub-packet in the buffer. */
    public int offset() {
        return current;
    }

    /** Length of the current sub-packet in bytes (header included). */
    public int length() {
        return currentLength;
    }

    public int senderSsrc() {
        return currentLength >= 8 ? ByteIo.readInt(buf, current + 4) : 0;
    }

    /** Writes the common header: version 2, no padding, {@code count} (or FMT), type and the length of {@code bytes}. */
    static void writeHeader(byte[] buf, int off, int countOrFormat, int packetType, int bytes) {
        buf[off] = (byte) (0x80 | (countOrFormat & 0x1F));
        buf[off + 1] = (byte) packetType;
        ByteIo.writeU16(buf, off + 2, bytes / 4 - 1);
    }

    /** The packet type of the sub-packet at {@code off}. */
    static int packetType(byte[] buf, int off) {
        return buf[off + 1] & 0xFF;
    }

    /** The count or FMT field of the sub-packet at {@code off}. */
    static int countOrFormat(byte[] buf, int off) {
        return buf[off] & 0x1F;
    }
}
