package io.junction.loadtest;

/**
 * Sequence continuity of one forwarded stream, as a receiver sees it (RFC 3550 A.3 style): the
 * extended highest sequence number, packets received, and from them the packets expected and lost.
 * Written by one receive thread; read (racily, for progress and reports) by others.
 */
final class SeqTracker {
    final boolean audio;
    private volatile long first = -1;
    private volatile long highest = -1;
    private volatile long received;
    private volatile long duplicatesOrLate;
    private long reportedExpected;
    private long reportedReceived;

    SeqTracker(boolean audio) {
        this.audio = audio;
    }

    void received(int seq16) {
        if (highest < 0) {
            first = seq16;
            highest = seq16;
            received = 1;
            return;
        }
        int delta = (short) (seq16 - (int) (highest & 0xFFFF));
        long ext = highest + delta;
        if (delta > 0) {
            highest = ext;
        } else {
            duplicatesOrLate++;
        }
        received++;
    }

    long expected() {
        return highest < 0 ? 0 : highest - first + 1;
    }

    long received() {
        return received;
    }

    long lost() {
        return expected() - received;
    }

    long late() {
        return duplicatesOrLate;
    }

    long highestExtended() {
        return Math.max(0, highest);
    }

    int fractionLostSinceLastReport() {
        long e = expected();
        long r = received;
        long de = e - reportedExpected;
        long dr = r - reportedReceived;
        reportedExpected = e;
        reportedReceived = r;
        return de <= 0 || dr >= de ? 0 : (int) ((de - dr) * 256 / de);
    }
}
