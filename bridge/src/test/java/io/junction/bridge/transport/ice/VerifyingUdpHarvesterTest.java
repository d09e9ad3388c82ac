package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.BridgeConfig;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.MediaCounters;
import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class VerifyingUdpHarvesterTest {
    /** RFC 5769 §2.1: the sample binding request, USERNAME "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt". */
    private static final byte[] RFC5769_REQUEST = HexFormat.of().parseHex(
            "000100582112a442b7e7a701bc34d686fa87dfae"
                    + "802200105354554e207465737420636c69656e74"
                    + "002400046e0001ff"
                    + "80290008932ff9b151263b36"
                    + "000600096576746a3a683676592020200"
                    + "00800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
                    + "80280004e57a3bcf");
    private static final byte[] RFC5769_PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.UTF_8);

    @Test
    void verifiesTheRfc5769SampleRequestAndNothingElse() {
        assertTrue(VerifyingUdpHarvester.verifies(RFC5769_REQUEST, 0, RFC5769_REQUEST.length, RFC5769_PASSWORD));
        assertFalse(VerifyingUdpHarvester.verifies(RFC5769_REQUEST, 0, RFC5769_REQUEST.length,
                "wrong password".getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < RFC5769_REQUEST.length - 8; i++) { // every byte the integrity covers, and the integrity itself
            byte[] tampered = RFC5769_REQUEST.clone();
            tampered[i] ^= 0x01;
            assertFalse(VerifyingUdpHarvester.verifies(tampered, 0, tampered.length, RFC5769_PASSWORD), "byte " + i);
        }
        for (int len = 0; len < RFC5769_REQUEST.length; len += 7) {
            assertFalse(VerifyingUdpHarvester.verifies(RFC5769_REQUEST, 0, len, RFC5769_PASSWORD), "truncated to " + len);
        }
        byte[] embedded = new byte[RFC5769_REQUEST.length + 20];
        System.arraycopy(RFC5769_REQUEST, 0, embedded, 10, RFC5769_REQUEST.length);
        assertTrue(VerifyingUdpHarvester.verifies(embedded, 10, RFC5769_REQUEST.length, RFC5769_PASSWORD), "at an offset");
    }

    /** A binding request as an ICE client sends it: USERNAME, PRIORITY, MESSAGE-INTEGRITY with {@code password}. */
    private static byte[] bindingRequest(String username, String password) throws Exception {
        byte[] user = username.getBytes(StandardCharsets.UTF_8);
        int userPadded = (user.length + 3) & ~3;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int bodyToIntegrity = 4 + userPadded + 8 + 24;
        b.write(new byte[] {0x00, 0x01, (byte) (bodyToIntegrity >> 8), (byte) bodyToIntegrity, 0x21, 0x12, (byte) 0xA4, 0x42});
        byte[] tid = new byte[12];
        new java.security.SecureRandom().nextBytes(tid);
        b.write(tid);
        b.write(new byte[] {0x00, 0x06, 0x00, (byte) user.length});
        b.write(user);
        b.write(new byte[userPadded - user.length]);
        b.write(new byte[] {0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, (byte) 0xff}); // PRIORITY
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        byte[] signed = b.toByteArray();
        byte[] integrity = mac.doFinal(signed);
        b.write(new byte[] {0x00, 0x08, 0x00, 0x14});
        b.write(integrity);
        return b.toByteArray();
    }

    @Test
    void strangersLeaveNoStateAndOneUfragGetsABoundedNumberOfSources() throws Exception {
        MediaCounters counters = new MediaCounters();
        BridgeConfig config = BridgeConfig.loopbackDefaults(0);
        try (MediaPort port = new MediaPort(config, counters)) {
            IceTransport ice = new IceTransport(port, "victim", new IceTransport.Listener() {
                @Override
                public void onDatagram(byte[] buf, int off, int len, long receivedNs) { }

                @Override
                public void onIceConnected(String selectedPair) { }

                @Override
                public void onIceFailed(String reason) { }
            }, null);
            try {
                assertEquals(1, port.liveAgents());
                InetSocketAddress bridge = new InetSocketAddress(InetAddress.getLoopbackAddress(), port.port());
                int threadsBefore = Thread.activeCount();
                // 300 source ports that know the ufrag but not the password
                byte[] forged = bindingRequest(ice.localUfrag() + ":attacker", "not-the-password");
                List<DatagramSocket> sources = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                    s.send(new DatagramPacket(forged, forged.length, bridge));
                    sources.add(s);
                }
                long deadline = System.currentTimeMillis() + 5000;
                while (System.currentTimeMillis() < deadline && counters.drops(DropReason.STUN_UNAUTHENTICATED)
                        + counters.drops(DropReason.STUN_RATE_LIMITED) < 300) {
                    Thread.sleep(20);
                }
                long unauthenticated = counters.drops(DropReason.STUN_UNAUTHENTICATED);
                long rateLimited = counters.drops(DropReason.STUN_RATE_LIMITED);
                assertEquals(300, unauthenticated + rateLimited, "every forged request refused");
                // the verification budget: a burst of 64, then 64 a second (the 300 took well under a second)
                assertTrue(unauthenticated >= VerifyingUdpHarvester.VERIFICATION_BURST && unauthenticated < 150,
                        "HMACs computed for 300 forged requests: " + unauthenticated);
                assertTrue(Thread.activeCount() <= threadsBefore + 2,
                        "threads grew from " + threadsBefore + " to " + Thread.activeCount());
                Thread.sleep(500); // the budget refills (32 in half a second) for the participant below
                // a participant who knows the password may open only so many sources
                for (int i = 0; i < VerifyingUdpHarvester.MAX_SOURCES_PER_UFRAG + 4; i++) {
                    byte[] signed = bindingRequest(ice.localUfrag() + ":client", ice.localPassword());
                    sources.get(i).send(new DatagramPacket(signed, signed.length, bridge));
                }
                awaitDrops(counters, DropReason.STUN_SOURCE_LIMIT, 4);
                for (DatagramSocket s : sources) {
                    s.close();
                }
            } finally {
                ice.close();
            }
            assertEquals(0, port.liveAgents(), "a closed agent's ufrag is forgotten");
        }
    }

    private static void awaitDrops(MediaCounters counters, DropReason reason, long n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline && counters.drops(reason) < n) {
            Thread.sleep(20);
        }
        assertEquals(n, counters.drops(reason), reason.label());
    }
}
