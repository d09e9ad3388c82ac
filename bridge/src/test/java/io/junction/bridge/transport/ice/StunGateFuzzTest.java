package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.ice4j.attribute.MessageIntegrityAttribute;

/**
 * Coverage-guided fuzzing of the STUN gate ({@link VerifyingUdpHarvester#verifies}), the first code
 * that reads a datagram from an unknown source on the media port.
 *
 * <p>Invariants: any bytes give the same answer wherever they sit in a larger buffer with different
 * bytes around them (nothing is read outside the datagram); a STUN message with fuzzed attributes,
 * signed by ice4j's own MESSAGE-INTEGRITY code with the password, passes; the same message with any
 * one bit flipped before the integrity value, or checked with another password, does not.
 */
class StunGateFuzzTest {
    private static final int MAGIC_COOKIE = 0x2112A442;

    @FuzzTest
    void gate(FuzzedDataProvider in) {
        byte[] key = in.consumeBytes(in.consumeInt(1, 64));
        if (key.length == 0) {
            key = new byte[] {'p'}; // the input ran out; an ICE password is never empty
        }
        if (in.consumeBoolean()) {
            byte[] any = in.consumeRemainingAsBytes();
            assertEquals(verifiesAt(any, (byte) 0x00, 0, key), verifiesAt(any, (byte) 0xFF, 37, key), "reads outside the datagram");
            return;
        }
        byte[] signed = signedMessage(in, key);
        assertTrue(verifiesAt(signed, (byte) 0x5A, 11, key), "a correctly signed message was refused");
        byte[] wrongKey = Arrays.copyOf(key, key.length + 1);
        wrongKey[key.length] = 'x'; // not 0: HMAC pads short keys with zeros, so K and K||0 are one key
        assertFalse(VerifyingUdpHarvester.verifies(signed, 0, signed.length, wrongKey), "passed with another password");
        int bit = in.consumeInt(0, (signed.length - 20) * 8 - 1); // any bit before the HMAC value
        byte[] flipped = signed.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        assertFalse(VerifyingUdpHarvester.verifies(flipped, 0, flipped.length, key), "passed with bit " + bit + " flipped");
    }

    /**
     * The consent-check responder ({@link StunResponder#answer}) on the same inputs: it never throws,
     * answers the same wherever the bytes sit, answers only messages the gate verifies, and what it
     * answers is a success response to that transaction that verifies with the same password.
     */
    @FuzzTest
    void responder(FuzzedDataProvider in) {
        byte[] key = in.consumeBytes(in.consumeInt(1, 64));
        if (key.length == 0) {
            key = new byte[] {'p'};
        }
        boolean signed = in.consumeBoolean();
        // USERNAME "uf:remote" first (the bridge's ufrag), then fuzzed attributes, signed
        byte[] username = {0, 6, 0, 9, 'u', 'f', ':', 'r', 'e', 'm', 'o', 't', 'e', 0, 0, 0};
        byte[] msg = signed ? signedMessage(in, key, username) : in.consumeRemainingAsBytes();
        if (signed && msg.length > 21) {
            msg[0] = 0; // a binding request, often
            msg[1] = 1;
        }
        String ufrag = "uf";
        java.net.InetSocketAddress remote = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 5004);
        StunResponder r = new StunResponder();
        byte[] framed = new byte[msg.length + 50];
        Arrays.fill(framed, (byte) 0xA5);
        System.arraycopy(msg, 0, framed, 17, msg.length);
        int n = r.answer(msg, 0, msg.length, ufrag, key, remote);
        byte[] first = n > 0 ? Arrays.copyOf(r.out, n) : null;
        int m = r.answer(framed, 17, msg.length, ufrag, key, remote);
        assertEquals(n, m, "reads outside the message");
        if (n < 0) {
            return;
        }
        assertArrayEquals(first, Arrays.copyOf(r.out, m));
        assertTrue(VerifyingUdpHarvester.verifies(msg, 0, msg.length, key), "answered a message the gate refuses");
        assertEquals(0x0101, ((first[0] & 0xFF) << 8) | (first[1] & 0xFF));
        assertArrayEquals(Arrays.copyOfRange(msg, 4, 20), Arrays.copyOfRange(first, 4, 20), "cookie and transaction id");
        assertTrue(VerifyingUdpHarvester.verifies(first, 0, first.length, key), "the answer is signed with the password");
        if (signed && msg[0] == 0 && msg[1] == 1) {
            int bit = in.consumeInt(0, (msg.length - 20) * 8 - 1); // any bit before the HMAC value
            byte[] flipped = msg.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertEquals(-1, r.answer(flipped, 0, flipped.length, ufrag, key, remote), "answered with bit " + bit + " flipped");
        }
    }

    private static boolean verifiesAt(byte[] msg, byte around, int offset, byte[] key) {
        byte[] buf = new byte[offset + msg.length + 29];
        Arrays.fill(buf, around);
        System.arraycopy(msg, 0, buf, offset, msg.length);
        return VerifyingUdpHarvester.verifies(buf, offset, msg.length, key);
    }

    /** A binding-like message: fuzzed type and attributes, then MESSAGE-INTEGRITY computed by ice4j. */
    private static byte[] signedMessage(FuzzedDataProvider in, byte[] key) {
        return signedMessage(in, key, new byte[0]);
    }

    /** As above, {@code first} (whole attributes) before the fuzzed ones. */
    private static byte[] signedMessage(FuzzedDataProvider in, byte[] key, byte[] first) {
        ByteArrayOutputStream attrs = new ByteArrayOutputStream();
        attrs.writeBytes(first);
        for (int n = in.consumeInt(0, 6); n > 0; n--) {
            int type = in.consumeInt(0, 0xFFFF);
            if (type == 0x0008) {
                type = 0x0006; // the one MESSAGE-INTEGRITY comes last
            }
            byte[] value = in.consumeBytes(in.consumeInt(0, 64));
            attrs.write(type >> 8);
            attrs.write(type);
            attrs.write(value.length >> 8);
            attrs.write(value.length);
            attrs.writeBytes(value);
            attrs.writeBytes(new byte[(4 - value.length % 4) % 4]);
        }
        byte[] body = attrs.toByteArray();
        byte[] msg = new byte[20 + body.length + 24];
        int type = in.consumeInt(0, 0x3FFF);
        msg[0] = (byte) (type >> 8);
        msg[1] = (byte) type;
        int length = body.length + 24;
        msg[2] = (byte) (length >> 8);
        msg[3] = (byte) length;
        msg[4] = (byte) (MAGIC_COOKIE >>> 24);
        msg[5] = (byte) (MAGIC_COOKIE >>> 16);
        msg[6] = (byte) (MAGIC_COOKIE >>> 8);
        msg[7] = (byte) MAGIC_COOKIE;
        byte[] txid = in.consumeBytes(12);
        System.arraycopy(txid, 0, msg, 8, txid.length);
        System.arraycopy(body, 0, msg, 20, body.length);
        int at = 20 + body.length;
        msg[at + 1] = 0x08;
        msg[at + 3] = 20;
        byte[] hmac = MessageIntegrityAttribute.calculateHmacSha1(msg, 0, at, key);
        System.arraycopy(hmac, 0, msg, at + 4, 20);
        return msg;
    }
}
