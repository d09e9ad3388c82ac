package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.forward.NackRequester.Arrival;
import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtcp.RtcpCompound;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.rtp.Rtx;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class NackRequesterTest {
    private static final long MS = 1_000_000L;
    private final int[] out = new int[64];

    private int[] due(NackRequester r, long nowNs, long rttNs) {
        int n = r.collectDue(nowNs, rttNs, out);
        return Arrays.copyOf(out, n);
    }

    @Test
    void gapsAreNackedAtOnceThenAgainAfterAboutOneRoundTrip() {
        NackRequester r = new NackRequester();
        long t = 1_000 * MS;
        r.onPacket(10, t);
        r.onPacket(11, t);
        assertEquals(Arrival.IN_ORDER, r.onPacket(14, t));
        assertArrayEquals(new int[] {12, 13}, due(r, t, 40 * MS));
        assertArrayEquals(new int[0], due(r, t + 20 * MS, 40 * MS), "not again before the round trip is over");
        assertArrayEquals(new int[] {12, 13}, due(r, t + 51 * MS, 40 * MS), "retried after rtt * 1.25");
        assertEquals(Arrival.RECOVERED, r.onPacket(13, t + 60 * MS), "the repair is recognised");
        assertEquals(Arrival.DUPLICATE, r.onPacket(13, t + 61 * MS), "a second copy is not");
        assertEquals(Arrival.DUPLICATE, r.onPacket(11, t + 61 * MS), "nor a packet that was never missing");
        assertArrayEquals(new int[] {12}, due(r, t + 200 * MS, 40 * MS));
        assertEquals(0, r.takeGivenUp());
    }

    @Test
    void givesUpAfterTheTriesBoundAndAsksForAKeyframe() {
        NackRequester r = new NackRequester();
        r.onPacket(1, 0);
        r.onPacket(3, 0);
        int sent = 0;
        for (int i = 0; i < 30; i++) {
            sent += due(r, i * 30 * MS, 20 * MS).length;
        }
        assertEquals(NackRequester.MAX_TRIES, sent);
        assertEquals(0, r.missingCount());
        assertEquals(1, r.takeGivenUp());
        assertEquals(0, r.takeGivenUp(), "reported once");
    }

    @Test
    void givesUpOnPacketsTooOldToMatter() {
        NackRequester r = new NackRequester();
        r.onPacket(1, 0);
        r.onPacket(3, 0);
        assertArrayEquals(new int[] {2}, due(r, 0, 400 * MS));
        assertArrayEquals(new int[0], due(r, NackRequester.MAX_AGE_NS + 1, 400 * MS));
        assertEquals(1, r.takeGivenUp());
    }

    @Test
    void sequenceNumbersWrapAround() {
        NackRequester r = new NackRequester();
        r.onPacket(65533, 0);
        r.onPacket(2, 0);
        assertArrayEquals(new int[] {65534, 65535, 0, 1}, due(r, 0, -1), "ascending across the wrap");
        assertEquals(Arrival.RECOVERED, r.onPacket(65535, MS));
        assertEquals(Arrival.RECOVERED, r.onPacket(0, MS));
        assertArrayEquals(new int[] {65534, 1}, due(r, 200 * MS, -1));
    }

    @Test
    void aGapTooLargeToRepairIsGivenUpAtOnce() {
        NackRequester r = new NackRequester();
        r.onPacket(100, 0);
        r.onPacket(100 + NackRequester.CAPACITY + 10, 0);
        assertEquals(0, r.missingCount());
        assertTrue(r.needsAttention(), "nothing to NACK, but the give-up still has to reach the owner");
        assertEquals(NackRequester.CAPACITY + 9, r.takeGivenUp());
        assertFalse(r.needsAttention());
        assertArrayEquals(new int[0], due(r, 0, -1));
    }

    @Test
    void nackItemsCoverExactlyTheMissingPacketsWhenParsedBack() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            int start = random.nextInt(0x10000);
            TreeSet<Long> missing = new TreeSet<>();
            int[] seqs = new int[64];
            int n = 0;
            long ext = start;
            while (n < 64 && missing.size() < 64) {
                ext += 1 + random.nextInt(random.nextBoolean() ? 3 : 40);
                missing.add(ext);
                seqs[n++] = (int) (ext & 0xFFFF);
            }
            int items = NackRequester.packItems(seqs, n);
            byte[] b = new byte[12 + 4 * 64];
            int len = Nack.write(b, 0, 1, 2, seqs, items);
            RtcpCompound c = new RtcpCompound();
            assertTrue(c.wrap(b, 0, len) && c.next() && Nack.is(b, c.offset(), c.length()));
            TreeSet<Integer> parsed = new TreeSet<>();
            for (int k = 0; k < Nack.itemCount(c.length()); k++) {
                int pid = Nack.item(b, c.offset(), k) >>> 16;
                parsed.add(pid);
                for (int bit = 0; bit < 16; bit++) {
                    if ((Nack.item(b, c.offset(), k) & (1 << bit)) != 0) {
                        parsed.add((pid + bit + 1) & 0xFFFF);
                    }
                }
            }
            TreeSet<Integer> expected = new TreeSet<>();
            missing.forEach(x -> expected.add((int) (x & 0xFFFF)));
            assertEquals(expected, parsed, "round " + round);
        }
    }

    @Test
    void rtxIsRestoredToTheOriginalPacketInPlace() {
        byte[] vp8 = Fixtures.get("vp8");
        RtpPacket original = new RtpPacket();
        original.wrap(vp8, 0, vp8.length);
        byte[] buf = new byte[4000];
        int at = 100;
        int n = Rtx.write(original, buf, at, 0x0BADCAFE, 4242, 97);
        RtpPacket view = new RtpPacket();
        assertTrue(view.wrap(buf, at, n));
        int newOff = Rtx.restore(view, original.ssrc(), 96);
        assertEquals(at + 2, newOff);
        assertEquals(vp8.length, view.length());
        assertArrayEquals(vp8, Arrays.copyOfRange(buf, newOff, newOff + vp8.length), "byte for byte the original");
    }

    @Test
    void chromiumsPaddingOnlyRtxProbeCarriesNothingToRestore() {
        byte[] probe = Fixtures.get("rtx"); // captured from Chromium: P bit set, 0 payload bytes
        RtpPacket view = new RtpPacket();
        assertTrue(view.wrap(probe, 0, probe.length));
        assertEquals(97, view.payloadType());
        assertEquals(-1, Rtx.restore(view, 1, 96));
    }
}
