package io.junction.bridge.transport.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.junction.bridge.rtp.Fixtures;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Junction's own SRTP ({@link OpenSslSrtp}) against an independent implementation, jitsi-srtp (the
 * one the bridge used before, and which browsers' libsrtp talks to), in both directions, and against
 * RFC 3711's key derivation vectors; replay, rollover, forged packets and allocation.
 */
class OpenSslSrtpTest {
    private static final int HEAD = 16;
    private static final int TAIL = 64;

    @BeforeAll
    static void nativeLibrary() {
        // The build makes the library on Linux (gcc and libcrypto.so.3 are on every machine the tests
        // run on); elsewhere the bridge runs on jitsi-srtp and there is nothing to test here.
        assumeTrue(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"));
        assertTrue(OpenSsl.available(), "native SRTP library: " + OpenSsl.problem());
    }

    private static SrtpSession ours(SrtpProfile p, byte[] km, boolean server) {
        return new SrtpSession(p, km, server, true, SrtpSession.NATIVE);
    }

    private static SrtpSession jitsi(SrtpProfile p, byte[] km, boolean server) {
        return new SrtpSession(p, km, server, true, "OpenSSL");
    }

    private static byte[] keys(SrtpProfile p, long seed) {
        byte[] k = new byte[p.keyingMaterialLength()];
        new Random(seed).nextBytes(k);
        return k;
    }

    /** RFC 3711 Appendix B.3: the AES-CM key derivation. */
    @Test
    void keyDerivationMatchesRfc3711() {
        HexFormat hex = HexFormat.of();
        byte[] masterKey = hex.parseHex("e1f97a0d3e018be0d64fa32c06de4139");
        byte[] masterSalt = hex.parseHex("0ec675ad498afeebb6960b3aabe6");
        assertEquals("c61e7a93744f39ee10734afe3ff7a087", hex.formatHex(OpenSslSrtp.kdf(masterKey, masterSalt, 0, 16)));
        assertEquals("30cbbc08863d8c85d49db34a9ae1", hex.formatHex(OpenSslSrtp.kdf(masterKey, masterSalt, 2, 14)));
        assertEquals("cebe321f6ff7716b6fd4ab49af256a156d38baa4",
                hex.formatHex(OpenSslSrtp.kdf(masterKey, masterSalt, 1, 20)));
    }

    /** An RTP packet with CSRCs and a header extension (the part GCM authenticates but does not encrypt). */
    private static byte[] rtp(Random r, int seq, int ssrc, int payload) {
        byte[] p = new byte[12 + 8 + 12 + payload];
        p[0] = (byte) (0x80 | 0x10 | 2);
        p[1] = 96;
        p[2] = (byte) (seq >> 8);
        p[3] = (byte) seq;
        r.nextBytes(Arrays.copyOfRange(p, 4, 8));
        p[8] = (byte) (ssrc >> 24);
        p[9] = (byte) (ssrc >> 16);
        p[10] = (byte) (ssrc >> 8);
        p[11] = (byte) ssrc;
        byte[] rest = new byte[p.length - 12];
        r.nextBytes(rest);
        System.arraycopy(rest, 0, p, 12, rest.length);
        p[20] = (byte) 0xBE;
        p[21] = (byte) 0xDE;
        p[22] = 0;
        p[23] = 2;
        return p;
    }

    /**
     * Every packet one side protects, the other unprotects to the same bytes: about 70 000 packets on
     * each of three interleaved SSRCs, each crossing the sequence number wrap (so its rollover counter
     * changes), some sent twice and some out of order, both directions, both profiles, ours against
     * jitsi-srtp either way.
     */
    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rtpInteroperatesWithJitsiSrtpAcrossRollover(SrtpProfile profile) {
        byte[] km = keys(profile, 1);
        check(profile, ours(profile, km, false), jitsi(profile, km, true));
        check(profile, jitsi(profile, km, false), ours(profile, km, true));
        check(profile, ours(profile, km, true), jitsi(profile, km, false));
        check(profile, jitsi(profile, km, true), ours(profile, km, false));
    }

    private static void check(SrtpProfile profile, SrtpSession sender, SrtpSession receiver) {
        Random r = new Random(7);
        int tag = profile == SrtpProfile.AEAD_AES_128_GCM ? 16 : 10;
        // three streams interleaved in runs, as a receiver's audio, video and RTX come: more streams
        // than a side keeps at hand, each crossing the wrap at another time, so that for long
        // stretches their rollover counters differ while their sequence numbers are far apart
        int[] ssrcs = {0x12345678, 0xCAFEBABE, 0x0BADF00D};
        int[] seqs = {65_000, 20_000, 64_200};
        int[] wraps = new int[3];
        byte[] held = null;
        int heldLen = 0;
        int k = 0;
        for (int i = 0; i < 3 * 70_000; i++) {
            if (r.nextInt(4) == 0) {
                k = r.nextInt(ssrcs.length);
            }
            byte[] plain = rtp(r, seqs[k], ssrcs[k], 20 + r.nextInt(200));
            byte[] buf = Fixtures.withRoom(plain, HEAD, TAIL);
            int n = sender.protectRtp(buf, HEAD, plain.length);
            assertEquals(plain.length + tag, n, "protect " + i + " stream " + k + " seq " + seqs[k]);
            assertFalse(Arrays.equals(plain, Arrays.copyOfRange(buf, HEAD, HEAD + plain.length)));
            if (i % 1000 == 17 && held == null) {
                held = buf;          // delivered after the next packet: out of order
                heldLen = n;
            } else {
                byte[] copy = buf.clone();
                assertEquals(plain.length, receiver.unprotectRtp(buf, HEAD, n), "packet " + i);
                assertArrayEquals(plain, Arrays.copyOfRange(buf, HEAD, HEAD + plain.length));
                if (i % 5000 == 3) {
                    assertEquals(SrtpSession.ERR_REPLAY, receiver.unprotectRtp(copy, HEAD, n), "a replay");
                }
                if (held != null) {
                    assertTrue(receiver.unprotectRtp(held, HEAD, heldLen) > 0, "late packet " + i);
                    held = null;
                }
            }
            seqs[k] = (seqs[k] + 1) & 0xFFFF;
            if (seqs[k] == 0) {
                wraps[k]++;
            }
        }
        assertTrue(wraps[0] > 0 && wraps[1] > 0 && wraps[2] > 0, "every stream wrapped: " + Arrays.toString(wraps));
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rtcpInteroperatesWithJitsiSrtp(SrtpProfile profile) {
        byte[] km = keys(profile, 2);
        byte[] plain = Fixtures.get("rtcp-sr-sdes-remb");
        SrtpSession[][] pairs = {
            {ours(profile, km, false), jitsi(profile, km, true)},
            {jitsi(profile, km, false), ours(profile, km, true)},
            {ours(profile, km, true), jitsi(profile, km, false)},
            {jitsi(profile, km, true), ours(profile, km, false)},
        };
        for (SrtpSession[] pair : pairs) {
            for (int i = 0; i < 50; i++) {
                byte[] buf = Fixtures.withRoom(plain, HEAD, TAIL);
                int n = pair[0].protectRtcp(buf, HEAD, plain.length);
                assertEquals(plain.length + 4 + (profile == SrtpProfile.AEAD_AES_128_GCM ? 16 : 10), n);
                byte[] replay = buf.clone();
                assertEquals(plain.length, pair[1].unprotectRtcp(buf, HEAD, n));
                assertArrayEquals(plain, Arrays.copyOfRange(buf, HEAD, HEAD + plain.length));
                assertEquals(SrtpSession.ERR_REPLAY, pair[1].unprotectRtcp(replay, HEAD, n));
            }
        }
    }

    /** Forged packets (random SSRCs, right shape, no keys) fail authentication and leave no per-stream state. */
    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void forgedPacketsLeaveNoState(SrtpProfile profile) {
        OpenSslSrtp s = (OpenSslSrtp) ours(profile, keys(profile, 3), true).implementation();
        Random r = new Random(4);
        for (int i = 0; i < 10_000; i++) {
            byte[] p = Fixtures.withRoom(rtp(r, r.nextInt(0x10000), r.nextInt(), 100), HEAD, TAIL);
            assertEquals(SrtpSession.ERR_AUTH, s.unprotectRtp(p, HEAD, 12 + 20 + 100));
            byte[] c = new byte[100];
            r.nextBytes(c);
            c[0] = (byte) 0x80;
            c[1] = (byte) 200;
            assertEquals(SrtpSession.ERR_AUTH, s.unprotectRtcp(c, 0, 60));
        }
        assertEquals(0, s.knownStreams());
    }

    /** Lengths, offsets and header fields that do not fit are refused before the native call, never read past. */
    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void malformedInputIsRefused(SrtpProfile profile) {
        PacketProtection s = ours(profile, keys(profile, 5), true).implementation();
        byte[] b = new byte[64];
        b[0] = (byte) 0x9F; // 15 CSRCs: 72 bytes of header
        assertEquals(SrtpSession.ERR_INVALID, s.unprotectRtp(b, 0, 64));
        assertEquals(SrtpSession.ERR_INVALID, s.protectRtp(b, 0, 40));
        b[0] = (byte) 0x90; // an extension whose length runs past the packet
        b[14] = (byte) 0xFF;
        assertEquals(SrtpSession.ERR_INVALID, s.unprotectRtp(b, 0, 60));
        assertEquals(SrtpSession.ERR_INVALID, s.protectRtp(b, 0, 30));
        b[0] = (byte) 0x80;
        assertEquals(SrtpSession.ERR_INVALID, s.unprotectRtp(b, 50, 60), "runs past the array");
        assertEquals(SrtpSession.ERR_INVALID, s.unprotectRtp(b, -1, 30));
        assertEquals(SrtpSession.ERR_INVALID, s.protectRtp(b, 0, 60), "no room for the tag");
        assertEquals(SrtpSession.ERR_INVALID, s.protectRtp(b, -4, 30));
        assertEquals(SrtpSession.ERR_INVALID, s.protectRtp(b, 50, 30), "runs past the array");
        assertEquals(SrtpSession.ERR_INVALID, s.unprotectRtcp(b, 0, 8));
        assertEquals(SrtpSession.ERR_INVALID, s.unprotectRtcp(b, 40, 30));
        assertEquals(SrtpSession.ERR_INVALID, s.protectRtcp(b, 0, 53), "no room for tag and index");
    }

    /** The point of the native path: nothing allocated per packet, protect and unprotect, RTP and RTCP. */
    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void allocatesNothingPerPacket(SrtpProfile profile) {
        byte[] km = keys(profile, 6);
        SrtpSession client = ours(profile, km, false);
        SrtpSession server = ours(profile, km, true);
        byte[] plain = Fixtures.get("vp8");
        byte[] rtcp = Fixtures.get("rtcp-sr-sdes-remb");
        byte[] buf = new byte[plain.length + HEAD + TAIL];
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int seq = 0;
        long before = 0;
        int packets = 50_000;
        for (int i = -20_000; i < packets; i++) {
            if (i == 0) {
                before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            }
            System.arraycopy(plain, 0, buf, HEAD, plain.length);
            buf[HEAD + 2] = (byte) (seq >> 8);
            buf[HEAD + 3] = (byte) seq;
            seq = (seq + 1) & 0xFFFF;
            int n = client.protectRtp(buf, HEAD, plain.length);
            if (server.unprotectRtp(buf, HEAD, n) != plain.length) {
                throw new AssertionError("round trip failed at " + i);
            }
            System.arraycopy(rtcp, 0, buf, HEAD, rtcp.length);
            n = server.protectRtcp(buf, HEAD, rtcp.length);
            if (client.unprotectRtcp(buf, HEAD, n) != rtcp.length) {
                throw new AssertionError("RTCP round trip failed at " + i);
            }
        }
        double perPacket = (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / (double) packets;
        System.out.printf("native SRTP %s: %.3f bytes allocated per RTP+RTCP round trip%n", profile, perPacket);
        assertTrue(perPacket < 0.5, perPacket + " bytes per packet");
    }
}
