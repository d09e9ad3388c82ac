package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Consent-check answers from the RFC 5769 test vectors (a binding request as an ICE agent sends it,
 * with its known password, and the XOR-MAPPED-ADDRESS encodings of the sample responses), checked
 * independently (HMAC-SHA1, CRC-32) and by ice4j's decoder; requests for another ufrag, with a bad
 * signature, or malformed, get no answer.
 */
class StunResponderTest {
    /** RFC 5769 §2.1: USERNAME "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt". */
    static final byte[] SAMPLE_REQUEST = HexFormat.of().parseHex(
            "000100582112a442b7e7a701bc34d686fa87dfae"
            + "80220010" + "5354554e207465737420636c69656e74" // SOFTWARE "STUN test client"
            + "002400046e0001ff"
            + "80290008932ff9b151263b36"
            + "000600096576746a3a68367659202020"
            + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
            + "80280004e57a3bcf");
    static final byte[] PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.US_ASCII);

    /** The answer to the sample request from {@code address}:32853, of {@code expectedLength} bytes. */
    private static byte[] answerFrom(String address, int expectedLength) throws Exception {
        StunResponder r = new StunResponder();
        InetSocketAddress mapped = new InetSocketAddress(InetAddress.getByName(address), 32853);
        int n = r.answer(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length, "evtj", PASSWORD, mapped);
        assertEquals(expectedLength, n);
        return Arrays.copyOf(r.out, n);
    }

    @Test
    void answersTheSampleRequestWithAVerifiableResponse() throws Exception {
        byte[] out = answerFrom("192.0.2.1", 20 + 12 + 24 + 8);
        int n = out.length;
        assertEquals(0x0101, ((out[0] & 0xFF) << 8) | (out[1] & 0xFF), "binding success");
        assertEquals(n - 20, ((out[2] & 0xFF) << 8) | (out[3] & 0xFF), "message length");
        assertArrayEquals(Arrays.copyOfRange(SAMPLE_REQUEST, 4, 20), Arrays.copyOfRange(out, 4, 20), "cookie and transaction id");
        // RFC 5769 §2.2's XOR-MAPPED-ADDRESS for 192.0.2.1:32853 with this transaction id
        assertArrayEquals(HexFormat.of().parseHex("0020000800 01a147e112a643".replace(" ", "")), Arrays.copyOfRange(out, 20, 32));
        checkIntegrityAndFingerprint(out, 32);
        // and ice4j reads it: the mapped address back
        org.ice4j.message.Message m = org.ice4j.message.Message.decode(out, 0, n);
        org.ice4j.attribute.XorMappedAddressAttribute x = (org.ice4j.attribute.XorMappedAddressAttribute)
                m.getAttribute(org.ice4j.attribute.Attribute.XOR_MAPPED_ADDRESS);
        assertEquals(new org.ice4j.TransportAddress(InetAddress.getByName("192.0.2.1"), 32853, org.ice4j.Transport.UDP),
                x.getAddress(m.getTransactionID()));
    }

    @Test
    void anIpv6RemoteGetsTheSampleIpv6Encoding() throws Exception {
        byte[] out = answerFrom("2001:db8:1234:5678:11:2233:4455:6677", 20 + 24 + 24 + 8);
        // RFC 5769 §2.3 (same transaction id)
        assertArrayEquals(HexFormat.of().parseHex("00200014" + "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9"),
                Arrays.copyOfRange(out, 20, 44));
        checkIntegrityAndFingerprint(out, 44);
    }

    @Test
    void answersOnlyRequestsForItsUfragSignedWithItsPassword() {
        StunResponder r = new StunResponder();
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5000);
        assertEquals(-1, r.answer(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length, "evt", PASSWORD, remote), "a prefix of the ufrag");
        assertEquals(-1, r.answer(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length, "h6vY", PASSWORD, remote), "the remote ufrag");
        assertEquals(-1, r.answer(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length, "evtj",
                "VOkJxbRl1RmTxUk/WvJxBx".getBytes(StandardCharsets.US_ASCII), remote), "another password");
        byte[] tampered = SAMPLE_REQUEST.clone();
        tampered[46] ^= 1; // the PRIORITY value, covered by the integrity
        assertEquals(-1, r.answer(tampered, 0, tampered.length, "evtj", PASSWORD, remote), "changed after signing");
        byte[] response = SAMPLE_REQUEST.clone();
        response[0] = 0x01; // 0x0101, a binding success response (ice4j's consent answers land on the connected socket too)
        assertEquals(-1, r.answer(response, 0, response.length, "evtj", PASSWORD, remote), "not a request");
        // at an offset inside a bigger buffer it still answers
        byte[] framed = new byte[SAMPLE_REQUEST.length + 100];
        System.arraycopy(SAMPLE_REQUEST, 0, framed, 37, SAMPLE_REQUEST.length);
        assertTrue(r.answer(framed, 37, SAMPLE_REQUEST.length, "evtj", PASSWORD, remote) > 0);
    }

    /**
     * A consent check's answer on the packet worker, as `IceTransport` makes it (the endpoint's keyed MAC
     * and the remote's address bytes kept): verified and answered without allocating.
     */
    @Test
    void answeringAllocatesNothing() throws Exception {
        StunResponder r = new StunResponder();
        HmacSha1 keyed = StunResponder.keyed(PASSWORD);
        byte[] address = InetAddress.getByName("192.0.2.1").getAddress();
        byte[] first = null;
        for (int i = 0; i < 20_000; i++) { // warm
            int n = r.answer(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length, "evtj", keyed, address, 32853);
            if (first == null) {
                first = Arrays.copyOf(r.out, n);
            }
        }
        assertArrayEquals(answerFrom("192.0.2.1", first.length), first, "the same answer as with the password itself");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        int answered = 0;
        for (int i = 0; i < 50_000; i++) {
            answered += r.answer(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length, "evtj", keyed, address, 32853) > 0 ? 1 : 0;
        }
        long bytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertEquals(50_000, answered);
        assertTrue(bytes < 1024, bytes + " bytes allocated by 50 000 answers");
    }

    @Test
    void malformedMessagesGetNoAnswerAndNoException() {
        StunResponder r = new StunResponder();
        InetSocketAddress remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5000);
        for (int cut = 0; cut < SAMPLE_REQUEST.length; cut++) {
            assertEquals(-1, r.answer(SAMPLE_REQUEST, 0, cut, "evtj", PASSWORD, remote), "cut at " + cut);
        }
        Random random = new Random(5769);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = SAMPLE_REQUEST.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            int n = r.answer(b, 0, b.length, "evtj", PASSWORD, remote);
            // only changes outside what the integrity covers (the FINGERPRINT) may still be answered
            assertTrue(n < 0 || Arrays.equals(b, 0, 100, SAMPLE_REQUEST, 0, 100), "answered a changed request");
        }
    }

    /** MESSAGE-INTEGRITY at {@code at} verifies with the password, FINGERPRINT after it has the right CRC. */
    private static void checkIntegrityAndFingerprint(byte[] out, int at) throws Exception {
        assertEquals(0x0008, ((out[at] & 0xFF) << 8) | (out[at + 1] & 0xFF));
        byte[] signed = Arrays.copyOf(out, at);
        int lengthWithIntegrity = at + 24 - 20;
        signed[2] = (byte) (lengthWithIntegrity >>> 8);
        signed[3] = (byte) lengthWithIntegrity;
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(PASSWORD, "HmacSHA1"));
        assertArrayEquals(mac.doFinal(signed), Arrays.copyOfRange(out, at + 4, at + 24), "MESSAGE-INTEGRITY");
        int fp = at + 24;
        assertEquals(0x8028, ((out[fp] & 0xFF) << 8) | (out[fp + 1] & 0xFF));
        CRC32 crc = new CRC32();
        crc.update(out, 0, fp);
        int expected = (int) crc.getValue() ^ 0x5354554E;
        int actual = java.nio.ByteBuffer.wrap(out, fp + 4, 4).getInt();
        assertEquals(expected, actual, "FINGERPRINT");
    }
}
