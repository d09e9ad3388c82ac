package io.junction.bridge.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.cc.TransportCcRecorder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.Fixtures;
import org.junit.jupiter.api.Test;

class TransportCcFeedbackTest {
    record Reported(int seq, boolean received, long arrivalUs) {}

    private static List<Reported> parse(byte[] buf, int off, int len) {
        List<Reported> out = new ArrayList<>();
        assertTrue(TransportCcFeedback.parse(buf, off, len, (s, r, t) -> out.add(new Reported(s, r, t))));
        return out;
    }

    @Test
    void runOfSmallDeltasIsOneRunLengthChunk() {
        long[] arrivals = new long[20];
        for (int i = 0; i < 20; i++) {
            arrivals[i] = 128_000 + i * 1000L; // 1 ms apart: small deltas of 4 units
        }
        byte[] b = new byte[200];
        int n = TransportCcFeedback.write(b, 0, 1, 2, 100, arrivals, 20, 7);
        // header: af cd len | sender | media | base 0064 | count 0014 | ref 000002 | fb count 07
        assertEquals("afcd", HexFormat.of().formatHex(b, 0, 2), "V=2, P=1 (padded), FMT=15, PT=205");
        assertEquals("00640014", HexFormat.of().formatHex(b, 12, 16));
        assertEquals("00000207", HexFormat.of().formatHex(b, 16, 20));
        assertEquals("2014", HexFormat.of().formatHex(b, 20, 22), "run length chunk: symbol 1 (small), 20 packets");
        assertEquals(0, b[22] & 0xFF, "first delta: arrival equals the reference time");
        assertEquals(4, b[23] & 0xFF, "1 ms = 4 × 250 µs");
        assertEquals(20 + 2 + 20 + 2, n, "padded to 32 bits");
        assertEquals(0xaf, b[0] & 0xFF, "padding bit set");
        assertEquals(2, b[n - 1] & 0xFF, "padding count in the last byte");
        assertEquals(n / 4 - 1, ByteIo.readU16(b, 2));
    }

    @Test
    void lossesUseOneBitVectorAndLargeDeltasTwoBitVector() {
        long[] a = {64_000, -1, 64_500, 64_750, -1, -1, 65_000, 65_250, 65_500, 65_750, 66_000, 66_250, 66_500, 66_750};
        byte[] b = new byte[200];
        TransportCcFeedback.write(b, 0, 1, 2, 0, a, a.length, 0);
        // 1-bit vector: T=1 S=0 | symbols 1 0 1 1 0 0 1 1 1 1 1 1 1 1 → 1010 1100 1111 1111
        assertEquals("acff", HexFormat.of().formatHex(b, 20, 22));

        long[] big = {64_000, 64_250, 164_000, 164_250};
        int n = TransportCcFeedback.write(b, 0, 1, 2, 65535, big, big.length, 0);
        // 2-bit vector: 1 1 | 01 01 10 01 00 00 00 → 1101 0110 0100 0000
        assertEquals("d640", HexFormat.of().formatHex(b, 20, 22));
        assertEquals(0, b[22]);
        assertEquals(1, b[23]);
        assertEquals(399, ByteIo.readU16(b, 24), "99.75 ms as a large (16-bit) delta");
        List<Reported> r = parse(b, 0, n);
        assertEquals(List.of(new Reported(65535, true, 64_000), new Reported(0, true, 64_250),
                new Reported(1, true, 164_000), new Reported(2, true, 164_250)), r, "wraps from 65535 to 0");
    }

    @Test
    void negativeDeltasForReorderedPacketsRoundTrip() {
        long[] a = {1_000_000, 999_500, 1_000_250};
        byte[] b = new byte[100];
        int n = TransportCcFeedback.write(b, 0, 1, 2, 10, a, 3, 0);
        List<Reported> r = parse(b, 0, n);
        assertEquals(999_500, r.get(1).arrivalUs() - 0, "negative delta decoded");
    }

    @Test
    void randomReportsRoundTripToTheQuarterMillisecond() {
        Random rnd = new Random(9);
        for (int trial = 0; trial < 2000; trial++) {
            int count = 1 + rnd.nextInt(300);
            long[] a = new long[count];
            long t = 1_000_000_000L + rnd.nextInt(1_000_000);
            for (int i = 0; i < count; i++) {
                t += rnd.nextInt(10) == 0 ? rnd.nextInt(200_000) : rnd.nextInt(5_000);
                a[i] = rnd.nextInt(8) == 0 ? -1 : t;
            }
            if (a[0] < 0) {
                a[0] = 1_000_000_000L;
            }
            byte[] b = new byte[TransportCcFeedback.maxLength(count)];
            int base = rnd.nextInt(0x10000);
            int n = TransportCcFeedback.write(b, 0, 1, 2, base, a, count, trial);
            if (n < 0) {
                continue;
            }
            assertEquals(0, n % 4);
            List<Reported> r = parse(b, 0, n);
            assertEquals(count, r.size());
            for (int i = 0; i < count; i++) {
                assertEquals((base + i) & 0xFFFF, r.get(i).seq());
                assertEquals(a[i] >= 0, r.get(i).received());
                if (a[i] >= 0) {
                    long error = Math.abs(r.get(i).arrivalUs() - a[i]);
                    assertTrue(error < 250, "packet " + i + " off by " + error + " us (no drift across deltas)");
                }
            }
        }
    }

    @Test
    void truncatedFeedbackIsRejected() {
        long[] a = {64_000, 65_000, -1, 200_000};
        byte[] b = new byte[100];
        int n = TransportCcFeedback.write(b, 0, 1, 2, 5, a, 4, 0);
        for (int len = 0; len < n - 4; len++) {
            int l = len;
            assertTrue(!TransportCcFeedback.parse(b, 0, l, (s, r, t) -> { }) || l >= n - 3, "length " + len);
        }
    }

    @Test
    void recorderReportsEverySequenceNumberOnceAcrossWrapAndLoss() {
        TransportCcRecorder rec = new TransportCcRecorder();
        byte[] b = new byte[TransportCcFeedback.maxLength(TransportCcRecorder.MAX_PACKETS_PER_FEEDBACK)];
        List<Reported> all = new ArrayList<>();
        long now = 1_000_000_000L;
        int seq = 65000;
        for (int i = 0; i < 3000; i++) {
            now += 1_000_000;
            if (i % 10 != 3) {
                rec.record(seq & 0xFFFF, now);
            }
            seq++;
            if (rec.due(now)) {
                int n = rec.writeFeedback(b, 0, 1, 2, now);
                all.addAll(parse(b, 0, n));
            }
        }
        now += 100_000_000;
        while (rec.due(now)) {
            int n = rec.writeFeedback(b, 0, 1, 2, now);
            all.addAll(parse(b, 0, n));
            now += 100_000_000;
        }
        assertTrue(all.size() >= 2998, "reported " + all.size());
        for (int i = 1; i < all.size(); i++) {
            assertEquals((all.get(i - 1).seq() + 1) & 0xFFFF, all.get(i).seq(), "consecutive across feedbacks");
        }
        long lost = all.stream().filter(r -> !r.received()).count();
        assertEquals(300, lost, 2);
    }

    @Test
    void parseAllocatesNothingAndVisitsNothingWhenInvalid() {
        long[] a = new long[100];
        for (int i = 0; i < a.length; i++) {
            a[i] = i % 9 == 4 ? -1 : 200_000 + i * 3_000L + (i % 13 == 0 ? 90_000 : 0);
        }
        byte[] b = new byte[TransportCcFeedback.maxLength(a.length)];
        int n = TransportCcFeedback.write(b, 0, 1, 2, 65_500, a, a.length, 0);
        long[] visited = new long[1];
        TransportCcFeedback.Visitor v = (s, r, t) -> visited[0]++;
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            TransportCcFeedback.parse(b, 0, n, v);
        }
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++) {
            TransportCcFeedback.parse(b, 0, n, v);
        }
        long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes over 100k parses");
        visited[0] = 0;
        for (int len = 0; len < n - 3; len++) {
            TransportCcFeedback.parse(b, 0, len, v);
        }
        assertEquals(0, visited[0], "a truncated message is rejected before any packet is visited");
    }
}
