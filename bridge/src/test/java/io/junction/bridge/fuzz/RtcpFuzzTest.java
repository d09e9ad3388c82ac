package io.junction.bridge.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.junction.bridge.rtcp.Bye;
import io.junction.bridge.rtcp.Fir;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.rtcp.Pli;
import io.junction.bridge.rtcp.ReceiverReport;
import io.junction.bridge.rtcp.Remb;
import io.junction.bridge.rtcp.ReportBlock;
import io.junction.bridge.rtcp.RtcpCompound;
import io.junction.bridge.rtcp.Sdes;
import io.junction.bridge.rtcp.SenderReport;
import io.junction.bridge.rtcp.TransportCcFeedback;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of the RTCP compound walker and every message view the bridge reads. Each
 * message the walker yields is copied into an array of exactly its length, so any read past the
 * message throws; transport-cc feedback is parsed, written back and parsed again.
 */
class RtcpFuzzTest {
    @FuzzTest
    void compound(byte[] data) {
        byte[] buf = data.clone();
        RtcpCompound c = new RtcpCompound();
        if (!c.wrap(buf, 0, buf.length)) {
            return;
        }
        int messages = 0;
        while (c.next()) {
            int off = c.offset();
            int len = c.length();
            assertTrue(off >= 0 && len >= 4 && off + len <= buf.length, "message inside the datagram");
            assertTrue(++messages <= buf.length / 4, "the walker advances");
            byte[] one = Arrays.copyOfRange(buf, off, off + len);
            readEverything(one, len);
        }
    }

    /** Reads every field the bridge's RTCP handlers read, as they do: only after the message's {@code is}. */
    static long readEverything(byte[] m, int len) {
        long sink = 0;
        if (SenderReport.is(m, 0, len)) {
            sink += SenderReport.senderSsrc(m, 0) + SenderReport.ntp(m, 0) + SenderReport.rtpTimestamp(m, 0)
                    + SenderReport.packetCount(m, 0) + SenderReport.octetCount(m, 0);
            for (int i = 0; i < SenderReport.reportBlockCount(m, 0, len); i++) {
                sink += block(m, SenderReport.reportBlockOffset(0, i));
            }
        }
        if (ReceiverReport.is(m, 0, len)) {
            sink += ReceiverReport.senderSsrc(m, 0);
            for (int i = 0; i < ReceiverReport.reportBlockCount(m, 0, len); i++) {
                sink += block(m, ReceiverReport.reportBlockOffset(0, i));
            }
        }
        if (Sdes.is(m, 0, len)) {
            sink += Sdes.firstChunkSsrc(m, 0) + Sdes.findCname(m, 0, len);
        }
        if (Bye.is(m, 0, len)) {
            for (int i = 0; i < Bye.ssrcCount(m, 0, len); i++) {
                sink += Bye.ssrc(m, 0, i);
            }
        }
        if (Nack.is(m, 0, len)) {
            sink += Nack.mediaSsrc(m, 0);
            for (int i = 0; i < Nack.itemCount(len); i++) {
                int item = Nack.item(m, 0, i);
                for (int k = 0; k < 17; k++) {
                    sink += Nack.lostSequence(item, k);
                }
            }
        }
        if (Pli.is(m, 0, len)) {
            sink += Pli.mediaSsrc(m, 0);
        }
        if (Fir.is(m, 0, len)) {
            for (int i = 0; i < Fir.entryCount(len); i++) {
                sink += Fir.entrySsrc(m, 0, i) + Fir.entrySequence(m, 0, i);
            }
        }
        if (Remb.is(m, 0, len)) {
            sink += Remb.bitrate(m, 0);
            for (int i = 0; i < Remb.ssrcCount(m, 0, len); i++) {
                sink += Remb.ssrc(m, 0, i);
            }
        }
        if (TransportCcFeedback.is(m, 0, len)) {
            transportCcRoundTrip(m, len);
        }
        return sink;
    }

    private static long block(byte[] m, int at) {
        return ReportBlock.ssrc(m, at) + ReportBlock.fractionLost(m, at) + ReportBlock.cumulativeLost(m, at)
                + ReportBlock.extendedHighestSequence(m, at) + ReportBlock.jitter(m, at) + ReportBlock.lastSr(m, at)
                + ReportBlock.delaySinceLastSr(m, at);
    }

    private static final long WRITABLE_US = (1L << 23) * 64_000;

    /** Parse → write → parse gives the same packets and arrival times (when the times are writable). */
    private static void transportCcRoundTrip(byte[] m, int len) {
        List<long[]> first = new ArrayList<>();
        if (!TransportCcFeedback.parse(m, 0, len, (seq, received, us) -> first.add(new long[] {seq, received ? us : -1}))) {
            return;
        }
        if (first.isEmpty() || first.stream().anyMatch(p -> p[1] < -1 || p[1] >= WRITABLE_US)
                || first.stream().noneMatch(p -> p[1] >= 0)) {
            // Times before the reference origin cannot be written back (the writer takes them for "lost"),
            // and the 24-bit reference time the writer puts first wraps after 2^23 × 64 ms (~6 days).
            return;
        }
        long[] arrivals = new long[first.size()];
        for (int i = 0; i < arrivals.length; i++) {
            arrivals[i] = first.get(i)[1];
        }
        byte[] out = new byte[TransportCcFeedback.maxLength(arrivals.length)];
        int n = TransportCcFeedback.write(out, 0, 1, 2, (int) first.get(0)[0], arrivals, arrivals.length, 0);
        if (n < 0) {
            return; // a delta that needs more than 16 bits relative to the rounded reference time
        }
        List<long[]> second = new ArrayList<>();
        assertTrue(TransportCcFeedback.parse(out, 0, n, (seq, received, us) -> second.add(new long[] {seq, received ? us : -1})),
                "our own feedback parses");
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i)[0], second.get(i)[0], "sequence number " + i);
            assertEquals(first.get(i)[1], second.get(i)[1], "arrival time of packet " + i);
        }
    }
}
