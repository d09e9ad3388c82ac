package io.junction.bridge.rtcp;

import io.junction.bridge.rtp.ByteIo;

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

    /** True when the sub-packet at {@code off} of {@code len} bytes is a transport-cc feedback with its fixed part. */
    public static boolean is(byte[] buf, int off, int len) {
        return len >= 20 && RtcpCompound.packetType(buf, off) == RtcpCompound.RTPFB
                && RtcpCompound.countOrFormat(buf, off) == FMT;
    }

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
        return write(buf, off, senderSsrc, mediaSsrc, baseSeq, arrivalUs, count, feedbackCount, new int[count],
                new int[count]);
    }

    /** As {@link #write(byte[], int, int, int, int, long[], int, int)}, with scratch arrays of at least {@code count} (no allocation). */
    public static int write(byte[] buf, int off, int senderSsrc, int mediaSsrc, int baseSeq, long[] arrivalUs,
                            int count, int feedbackCount, int[] symbols, int[] deltas) {
        int firstReceived = 0;
        while (firstReceived < count && arrivalUs[firstReceived] < 0) {
            firstReceived++;
        }
        if (count <= 0 || firstReceived == count) {
            return -1; // nothing received: nothing to report
        }
        long referenceTime = Math.floorDiv(arrivalUs[firstReceived], REFERENCE_UNIT_US);
        long previousUs = referenceTime * REFERENCE_UNIT_US;
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
     * and visits every reported packet. Returns false when it is truncated or inconsistent; the whole
     * message is checked before the first visit, so a false return means nothing was visited. Allocates
     * nothing: the chunks are walked twice, once to validate and size the delta list, once to visit.
     */
    public static boolean parse(byte[] buf, int off, int len, Visitor visitor) {
        if (off < 0 || len < 20 || off > buf.length - len
                || (buf[off] & 0x1F) != FMT || (buf[off + 1] & 0xFF) != RtcpCompound.RTPFB) {
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
        int chunksStart = off + 20;
        int deltasStart = validateChunks(buf, chunksStart, end, count);
        if (deltasStart < 0) {
            return false;
        }
        int at = chunksStart;
        int deltaAt = deltasStart;
        int n = 0;
        long timeUs = (long) ref * REFERENCE_UNIT_US;
        while (n < count) {
            int chunk = ByteIo.readU16(buf, at);
            at += 2;
            int symbols = (chunk & 0x8000) == 0 ? Math.min(chunk & MAX_RUN, count - n)
                    : Math.min((chunk & 0x4000) == 0 ? 14 : 7, count - n);
            for (int k = 0; k < symbols; k++) {
                int symbol = symbolAt(chunk, k);
                int seq = (base + n) & 0xFFFF;
                if (symbol == 0) {
                    visitor.packet(seq, false, -1);
                } else if (symbol == 1) {
                    timeUs += (buf[deltaAt++] & 0xFF) * DELTA_UNIT_US;
                    visitor.packet(seq, true, timeUs);
                } else {
                    timeUs += (short) ByteIo.readU16(buf, deltaAt) * DELTA_UNIT_US;
                    deltaAt += 2;
                    visitor.packet(seq, true, timeUs);
                }
                n++;
            }
        }
        return true;
    }

    /**
     * Walks the status chunks of {@code count} packets from {@code at} and returns where the receive
     * deltas start, or -1 when a chunk or the deltas it announces run past {@code end} or a symbol is
     * the reserved value 3.
     */
    private static int validateChunks(byte[] buf, int at, int end, int count) {
        int n = 0;
        int deltaBytes = 0;
        while (n < count) {
            if (at + 2 > end) {
                return -1;
            }
            int chunk = ByteIo.readU16(buf, at);
            at += 2;
            if ((chunk & 0x8000) == 0) {
                int symbol = (chunk >> 13) & 3;
                int run = Math.min(chunk & MAX_RUN, count - n);
                if (symbol == 3 && run > 0) {
                    return -1;
                }
                deltaBytes += symbol * run; // symbol 1: one byte each, symbol 2: two bytes each
                n += run;
            } else {
                int symbols = Math.min((chunk & 0x4000) == 0 ? 14 : 7, count - n);
                for (int k = 0; k < symbols; k++) {
                    int symbol = symbolAt(chunk, k);
                    if (symbol == 3) {
                        return -1;
                    }
                    deltaBytes += symbol;
                }
                n += symbols;
            }
        }
        return at + deltaBytes <= end ? at : -1;
    }

    /** The status symbol of the {@code k}-th packet a chunk describes. */
    private static int symbolAt(int chunk, int k) {
        if ((chunk & 0x8000) == 0) {
            return (chunk >> 13) & 3;
        }
        if ((chunk & 0x4000) == 0) {
            return (chunk >> (13 - k)) & 1;
        }
        return (chunk >> (2 * (6 - k))) & 3;
    }
}
