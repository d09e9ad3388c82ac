package io.junction.bridge.transport.srtp;

/**
 * Which of the last {@link #SIZE} packet indexes of one stream arrived (RFC 3711 §3.3.2), for SRTP
 * (48-bit index) and SRTCP (31-bit index). A bitmap indexed by index modulo the size: accepting a
 * packet clears the bits it moves the window past. Allocation-free after construction.
 */
final class ReplayWindow {
    /** Indexes this far behind the highest one are too old (libwebrtc's receivers use 128; jitsi 64). */
    static final int SIZE = 1024;
    private final long[] bits = new long[SIZE / 64];
    private long highest = -1;

    /** Whether {@code index} arrived before or is too old to tell. */
    boolean rejects(long index) {
        if (highest < 0 || index > highest) {
            return false;
        }
        if (highest - index >= SIZE) {
            return true;
        }
        int slot = (int) (index & (SIZE - 1));
        return (bits[slot >>> 6] & (1L << slot)) != 0;
    }

    /** Records {@code index}, which passed {@link #rejects} and authentication. */
    void accept(long index) {
        if (highest < 0 || index - highest >= SIZE) {
            java.util.Arrays.fill(bits, 0);
            highest = index;
        } else if (index > highest) {
            for (long i = highest + 1; i < index; i++) {
                int slot = (int) (i & (SIZE - 1));
                bits[slot >>> 6] &= ~(1L << slot);
            }
            highest = index;
        }
        int slot = (int) (index & (SIZE - 1));
        bits[slot >>> 6] |= 1L << slot;
    }

    long highest() {
        return highest;
    }
}
