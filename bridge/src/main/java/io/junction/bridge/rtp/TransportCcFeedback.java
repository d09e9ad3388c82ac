package io.junction.bridge.rtp;

/**
 * Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1): RTPFB, FMT 15. The bridge writes it for publishers so their send-side estimator (GCC) can
 * grow; tests and the downlink estimator read it.
 *
 * <pre>
 * |V=2|P|  FMT=15 |    PT=205     |           length              |
 * |                     SSRC of packet sender                     |
 * |                      SSRC of media source                     |
 * |      base sequence number     |      packet status count      |
 * |                 reference time                | fb pkt. count |
 * |          packet chunk         |         packet chunk          |  …
 * |         recv delta            |  recv delta   | zero padding  |  …
 * </pre>
 * Chunks: run length {@code 0 SS LLLLLLLLLLLLL}; status vector {@code 1 0 + 14 one-bit symbols} or
 * {@code 1 1 + 7 two-bit symbols}. Symbols: 0 not received, 1 received with a small delta (one
 * unsigned byte of 250 µs), 2 received with a large delta (two signed bytes). The reference time
 * counts 64 ms; the first delta is relative to it, the others to the previous received packet.
 */
public final class TransportCcFeedback {
    public static final int FMT = 15;
    public static final long DELTA_UNIT_US = 250;
    public static final long REFERENCE_UNIT_US = 64_000;
    private static final int MAX_RUN = 0x1FFF;

    private TransportCcFeedback() {}

    /** Visits the packets a feedback reports, in sequence order. */
    public interface Visitor {
        /** {@code arrivalUs} is relative to the reference time origin (reference time × 64 ms); -1 when lost. */
        void packet(int sequenceNumber, boolean received, long arrivalUs);
    }

    /**
     * Writes one feedback packet reporting {@code count} consecutive transport sequence numbers starting
     * at {@code baseSeq}. {@code arrivalUs[i]} is the arrival time of {@code baseSeq + i} in µs on the
     * receiver's clock, or -1 when it was not received. Returns the bytes written, or -1 when no packet
     * was received or a delta does not fit in 16 bits (the caller then reports fewer packets).
     *
     * @param buf at least {@link #maxLength(int)} bytes from {@code off}
     */
    public static int write(byte[] buf, int off, int senderSsrc, int mediaSsrc, int baseSeq, long[] arrivalUs,
                            int count, int feedbackCount) {
        int firstReceived = 0;
        while (firstReceived < count && arrivalUs[firstReceived] < 0) {
            firstReceived++;
        }
        if (count <= 0 || firstReceived == count) {
            return -1; // nothing received: nothing to report
        }
        long referenceTime = Math.floorDiv(arrivalUs[firstReceived], REFERENCE_UNIT_US);
        long previousUs = referenceTime * REFERENCE_UNIT_US;
        int[] symbols = new int[count];
        int[] deltas = new int[count];
        for (int i = 0; i < count; i++) {
            if (arrivalUs[i] < 0) {
                symbols[i] = 0;
                continue;
            }
            long delta = Math.floorDiv(arrivalUs[i] - previousUs, DELTA_UNIT_US);
            if (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
                return -1;
            }
            deltas[i] = (int) delta;
            symbols[i] = delta >= 0 && delta <= 255 ? 1 : 2;
            // The next delta is relative to this packet's time as the receiver will reconstruct it.
            previousUs += delta * DELTA_UNIT_US;
        }
        int at = off + 20;
        int i = 0;
        while (i < count) {
            int run = runLength(symbols, i, count);
            if (run >= 14 || i + run == count && run >= 7) {
                int len = Math.min(run, MAX_RUN);
                ByteIo.writeU16(buf, at, (symbols[i] << 13) | len);
                i += len;
            } else if (onlySmallOrLost(symbols, i, Math.min(count, i + 14))) {
                int v = 0x8000;
                for (int k = 0; k < 14; k++) {
                    if (i + k < count && symbols[i + k] == 1) {
                        v |= 1 << (13 - k);
                    }
                }
                ByteIo.writeU16(buf, at, v);
                i += 14;
            } else {
                int v = 0xC000;
                for (int k = 0; k < 7; k++) {
                    if (i + k < count) {
                        v |= symbols[i + k] << (2 * (6 - k));
                    }
                }
                ByteIo.writeU16(buf, at, v);
                i += 7;
            }
            at += 2;
        }
        for (int k = 0; k < count; k++) {
            if (symbols[k] == 1) {
                buf[at++] = (byte) deltas[k];
            } else if (symbols[k] == 2) {
                ByteIo.writeU16(buf, at, deltas[k]);
                at += 2;
            }
        }
        int length = at - off;
        int padding = (4 - length % 4) % 4;
        for (int k = 0; k < padding; k++) {
            buf[at++] = 0;
        }
        if (padding > 0) {
            buf[at - 1] = (byte) padding;
        }
        length = at - off;
        buf[off] = (byte) (0x80 | (padding > 0 ? 0x20 : 0) | FMT);
        buf[off + 1] = (byte) RtcpCompound.RTPFB;
        ByteIo.writeU16(buf, off + 2, length / 4 - 1);
        ByteIo.writeInt(buf, off + 4, senderSsrc);
        ByteIo.writeInt(buf, off + 8, mediaSsrc);
        ByteIo.writeU16(buf, off + 12, baseSeq & 0xFFFF);
        ByteIo.writeU16(buf, off + 14, count);
        int ref = (int) (referenceTime & 0xFFFFFF);
        buf[off + 16] = (byte) (ref >> 16);
        buf[off + 17] = (byte) (ref >> 8);
        buf[off + 18] = (byte) ref;
        buf[off + 19] = (byte) feedbackCount;
        return length;
    }

    /** An upper bound on {@link #write}'s output for {@code count} packets. */
    public static int maxLength(int count) {
        return 20 + 2 * count + 2 * count + 4;
    }

    private static int runLength(int[] symbols, int from, int count) {
        int i = from + 1;
        while (i < count && symbols[i] == symbols[from]) {
            i++;
        }
        return i - from;
    }

    private static boolean onlySmallOrLost(int[] symbols, int from, int to) {
        for (int i = from; i < to; i++) {
            if (symbols[i] == 2) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a feedback message (the sub-packet at {@code off}, {@code len} bytes including its header)
     * and visits every reported packet. Returns false when it is truncated or inconsistent.
     */
    public static boolean parse(byte[] buf, int off, int len, Visitor visitor) {
        return parse(buf, off, len, visitor, null);
    }

    /**
     * As {@link #parse(byte[], int, int, Visitor)}, decoding the status symbols into {@code scratch}
     * when it is large enough (no allocation per feedback), else into a new array.
     */
    public static boolean parse(byte[] buf, int off, int len, Visitor visitor, int[] scratch) {
        if (len < 20 || (buf[off] & 0x1F) != FMT || (buf[off + 1] & 0xFF) != RtcpCompound.RTPFB) {
            return false;
        }
        int end = off + len;
        if ((buf[off] & 0x20) != 0) {
            end -= buf[end - 1] & 0xFF;
        }
        int base = ByteIo.readU16(buf, off + 12);
        int count = ByteIo.readU16(buf, off + 14);
        int ref = ByteIo.readU24(buf, off + 16);
        ref = (ref << 8) >> 8; // signed 24-bit
        int[] symbols = scratch != null && scratch.length >= count ? scratch : new int[count];
        int at = off + 20;
        int n = 0;
        while (n < count) {
            if (at + 2 > end) {
                return false;
            }
            int chunk = ByteIo.readU16(buf, at);
            at += 2;
            if ((chunk & 0x8000) == 0) {
                int symbol = (chunk >> 13) & 3;
                int run = chunk & MAX_RUN;
                for (int k = 0; k < run && n < count; k++) {
                    symbols[n++] = symbol;
                }
            } else if ((chunk & 0x4000) == 0) {
                for (int k = 0; k < 14 && n < count; k++) {
                    symbols[n++] = (chunk >> (13 - k)) & 1;
                }
            } else {
                for (int k = 0; k < 7 && n < count; k++) {
                    symbols[n++] = (chunk >> (2 * (6 - k))) & 3;
                }
            }
        }
        long timeUs = (long) ref * REFERENCE_UNIT_US;
        for (int k = 0; k < count; k++) {
            int seq = (base + k) & 0xFFFF;
            if (symbols[k] == 0) {
                visitor.packet(seq, false, -1);
            } else if (symbols[k] == 1) {
                if (at + 1 > end) {
                    return false;
                }
                timeUs += (buf[at++] & 0xFF) * DELTA_UNIT_US;
                visitor.packet(seq, true, timeUs);
            } else if (symbols[k] == 2) {
                if (at + 2 > end) {
                    return false;
                }
                timeUs += (short) ByteIo.readU16(buf, at) * DELTA_UNIT_US;
                at += 2;
                visitor.packet(seq, true, timeUs);
            } else {
                return false;
            }
        }
        return true;
    }
}
