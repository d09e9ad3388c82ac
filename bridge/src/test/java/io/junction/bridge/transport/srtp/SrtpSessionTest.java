package io.junction.bridge.transport.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.Fixtures;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** SRTP/SRTCP between a client-side and a server-side session built from the same DTLS export. */
class SrtpSessionTest {
    private static final int HEAD = 32;
    private static final int TAIL = 64;

    private static byte[] keys(SrtpProfile p) {
        byte[] k = new byte[p.keyingMaterialLength()];
        new SecureRandom().nextBytes(k);
        return k;
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void clientToServerRoundTripAndFailures(SrtpProfile profile) {
        byte[] km = keys(profile);
        SrtpSession client = new SrtpSession(profile, km, false);
        SrtpSession server = new SrtpSession(profile, km, true);
        byte[] plain = Fixtures.get("vp8");
        byte[] buf = Fixtures.withRoom(plain, HEAD, TAIL);
        int n = client.protectRtp(buf, HEAD, plain.length);
        assertEquals(plain.length + (profile == SrtpProfile.AEAD_AES_128_GCM ? 16 : 10), n);
        assertTrue(!Arrays.equals(plain, Arrays.copyOfRange(buf, HEAD, HEAD + plain.length)), "payload is encrypted");
        byte[] replay = Arrays.copyOf(buf, buf.length);
        byte[] tampered = Arrays.copyOf(buf, buf.length);
        tampered[HEAD + 40] ^= 1;

        assertEquals(SrtpSession.ERR_AUTH, server.unprotectRtp(tampered, HEAD, n));
        int m = server.unprotectRtp(buf, HEAD, n);
        assertEquals(plain.length, m);
        assertArrayEquals(plain, Arrays.copyOfRange(buf, HEAD, HEAD + m));
        assertEquals(SrtpSession.ERR_REPLAY, server.unprotectRtp(replay, HEAD, n));

        // The server's direction uses the other keys: the client decrypts what the server sends.
        byte[] down = Fixtures.withRoom(plain, HEAD, TAIL);
        down[HEAD + 2] ^= 0x40; // another sequence number, so the replay window does not mask the check
        plain[2] ^= 0x40;
        int d = server.protectRtp(down, HEAD, plain.length);
        assertEquals(SrtpSession.ERR_AUTH, server.unprotectRtp(Arrays.copyOf(down, down.length), HEAD, d),
                "a session cannot decrypt its own direction");
        assertEquals(plain.length, client.unprotectRtp(down, HEAD, d));
        assertArrayEquals(plain, Arrays.copyOfRange(down, HEAD, HEAD + plain.length));
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void srtcpRoundTrip(SrtpProfile profile) {
        byte[] km = keys(profile);
        SrtpSession client = new SrtpSession(profile, km, false);
        SrtpSession server = new SrtpSession(profile, km, true);
        byte[] plain = Fixtures.get("rtcp-sr-sdes-remb");
        byte[] buf = Fixtures.withRoom(plain, HEAD, TAIL);
        int n = client.protectRtcp(buf, HEAD, plain.length);
        assertTrue(n > plain.length);
        byte[] tampered = Arrays.copyOf(buf, buf.length);
        tampered[HEAD + 20] ^= 0x40;
        assertEquals(SrtpSession.ERR_AUTH, server.unprotectRtcp(tampered, HEAD, n));
        int m = server.unprotectRtcp(buf, HEAD, n);
        assertEquals(plain.length, m);
        assertArrayEquals(plain, Arrays.copyOfRange(buf, HEAD, HEAD + m));
    }

    @Test
    void refusesBuffersWithoutTailRoomAndGarbage() {
        SrtpProfile profile = SrtpProfile.AEAD_AES_128_GCM;
        SrtpSession s = new SrtpSession(profile, keys(profile), true);
        byte[] plain = Fixtures.get("opus");
        assertEquals(SrtpSession.ERR_INVALID, s.protectRtp(plain.clone(), 0, plain.length), "no tail room");
        byte[] junk = new byte[200];
        new SecureRandom().nextBytes(junk);
        junk[0] = (byte) 0x80;
        assertTrue(s.unprotectRtp(junk, 0, 100) < 0);
        assertTrue(s.unprotectRtcp(junk, 0, 100) < 0);
        assertEquals(SrtpSession.ERR_INVALID, s.unprotectRtp(junk, 0, 5));
    }

    @Test
    void allocationPerPacketIsMeasured() {
        SrtpProfile profile = SrtpProfile.AEAD_AES_128_GCM;
        byte[] km = keys(profile);
        SrtpSession client = new SrtpSession(profile, km, false);
        SrtpSession server = new SrtpSession(profile, km, true);
        byte[] plain = Fixtures.get("vp8");
        byte[] buf = Fixtures.withRoom(plain, HEAD, TAIL);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int seq = 0;
        for (int i = 0; i < 20_000; i++) {
            seq = roundTrip(client, server, plain, buf, seq);
        }
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        int packets = 50_000;
        for (int i = 0; i < packets; i++) {
            seq = roundTrip(client, server, plain, buf, seq);
        }
        long perPacket = (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / packets;
        System.out.println("SRTP protect+unprotect allocation: " + perPacket + " bytes/packet (" + SrtpSession.cipherFactory() + ")");
        assertTrue(perPacket < 2048, perPacket + " bytes per packet");
    }

    private static int roundTrip(SrtpSession client, SrtpSession server, byte[] plain, byte[] buf, int seq) {
        System.arraycopy(plain, 0, buf, HEAD, plain.length);
        buf[HEAD + 2] = (byte) (seq >> 8);
        buf[HEAD + 3] = (byte) seq;
        int n = client.protectRtp(buf, HEAD, plain.length);
        int m = server.unprotectRtp(buf, HEAD, n);
        if (m != plain.length) {
            throw new AssertionError("round trip failed: " + m);
        }
        return (seq + 1) & 0xFFFF;
    }
}
