package io.junction.bridge.codec;

/**
 * A big-endian bit reader over {@code buf[from, end)} for the codec headers the bridge reads bit by
 * bit (H.264 SPS, AV1 sequence header, dependency descriptor). Reading past the end yields zeros and
 * sets {@link #overrun} instead of failing, so a parser reads straight on and checks once. Reusable
 * ({@link #reset}): one per codec instance, nothing allocated per packet.
 */
final class BitReader {
    private byte[] buf;
    private int bit;
    private int endBit;
    /** A read went past the end (every later read gives 0). */
    boolean overrun;

    /** Reads {@code buf[from, end)} from its first bit. Returns this. */
    BitReader reset(byte[] buf, int from, int end) {
        this.buf = buf;
        this.bit = from * 8;
        this.endBit = end * 8;
        this.overrun = false;
        return this;
    }

    /** The absolute position of the next bit in the buffer (byte index * 8 + bit). */
    int position() {
        return bit;
    }

    /** f(n) / u(n): the next {@code n} bits (at most 32) as an unsigned value. */
    int u(int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            if (bit >= endBit) {
                overrun = true;
                return 0;
            }
            v = (v << 1) | ((buf[bit >>> 3] >>> (7 - (bit & 7))) & 1);
            bit++;
        }
        return (int) v;
    }

    /** ue(v) (H.264 Exp-Golomb) / uvlc() (AV1): leading zeros, a one, then as many bits. */
    int ue() {
        int zeros = 0;
        while (u(1) == 0) {
            if (overrun || ++zeros > 31) {
                overrun = true;
                return 0;
            }
        }
        return (int) ((1L << zeros) - 1 + u(zeros));
    }

    /** se(v) (H.264): a signed Exp-Golomb value. */
    int se() {
        int k = ue();
        return (k & 1) != 0 ? (k + 1) / 2 : -(k / 2);
    }

    /** ns(n) (dependency descriptor): a non-symmetric unsigned value below {@code n}. */
    int ns(int n) {
        int w = 0;
        for (int x = n; x != 0; x >>= 1) {
            w++;
        }
        int m = (1 << w) - n;
        int v = u(w - 1);
        if (v < m) {
            return v;
        }
        return (v << 1) - m + u(1);
    }
}

