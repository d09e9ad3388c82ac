package io.junction.bridge.transport.ice;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The little STUN (RFC 5389) an ICE-controlled agent needs: binding requests with USERNAME, PRIORITY,
 * ICE-CONTROLLED, MESSAGE-INTEGRITY and FINGERPRINT, and success responses with XOR-MAPPED-ADDRESS.
 * Incoming messages are checked for type and transaction id only. The load generator's clients send
 * their checks with it, and a bridge its first check toward another bridge's relay endpoint
 * ({@link MediaPort#sendFrom}). The bridge answers checks with {@link StunResponder} (or ice4j).
 */
public final class StunMessages {
    public static final int BINDING_REQUEST = 0x0001;
    public static final int BINDING_SUCCESS = 0x0101;
    private static final int MAGIC = 0x2112A442;
    private static final int ATTR_USERNAME = 0x0006;
    private static final int ATTR_MESSAGE_INTEGRITY = 0x0008;
    private static final int ATTR_XOR_MAPPED_ADDRESS = 0x0020;
    private static final int ATTR_PRIORITY = 0x0024;
    private static final int ATTR_ICE_CONTROLLED = 0x8029;
    private static final int ATTR_ICE_CONTROLLING = 0x802A;
    private static final int ATTR_USE_CANDIDATE = 0x0025;
    private static final int ATTR_FINGERPRINT = 0x8028;

    private StunMessages() {}

    public static boolean isStun(byte[] b, int len) {
        return len >= 20 && (b[0] & 0xC0) == 0 && ByteBuffer.wrap(b, 4, 4).getInt() == MAGIC;
    }

    public static int type(byte[] b) {
        return ((b[0] & 0xFF) << 8) | (b[1] & 0xFF);
    }

    /** A binding request from the controlled side; returns its length in {@code out}. */
    public static int bindingRequest(byte[] out, String username, String remotePassword, long tieBreaker) {
        return bindingRequest(out, username, remotePassword, tieBreaker, false, false);
    }

    /**
     * A binding request; from the controlling side (a client that made the offer: WHEP) with
     * {@code nominate} it nominates the pair (USE-CANDIDATE), as the bridge, controlled, waits for;
     * once connected, consent checks (RFC 7675) go without it, as browsers send them.
     */
    public static int bindingRequest(byte[] out, String username, String remotePassword, long tieBreaker, boolean controlling,
                              boolean nominate) {
        ByteBuffer bb = ByteBuffer.wrap(out);
        header(bb, BINDING_REQUEST, randomTransactionId());
        byte[] user = username.getBytes(StandardCharsets.UTF_8);
        attribute(bb, ATTR_USERNAME, user);
        attribute(bb, ATTR_PRIORITY, ByteBuffer.allocate(4).putInt(0x6E7F1EFF).array());
        if (controlling) {
            attribute(bb, ATTR_ICE_CONTROLLING, ByteBuffer.allocate(8).putLong(tieBreaker).array());
            if (nominate) {
                attribute(bb, ATTR_USE_CANDIDATE, new byte[0]);
            }
        } else {
            attribute(bb, ATTR_ICE_CONTROLLED, ByteBuffer.allocate(8).putLong(tieBreaker).array());
        }
        return finish(bb, remotePassword);
    }

    /** A success response to {@code request}, integrity-protected with our own password. */
    public static int bindingSuccess(byte[] out, byte[] request, InetSocketAddress from, String localPassword) {
        ByteBuffer bb = ByteBuffer.wrap(out);
        byte[] tid = new byte[12];
        System.arraycopy(request, 8, tid, 0, 12);
        header(bb, BINDING_SUCCESS, tid);
        byte[] ip = from.getAddress().getAddress();
        ByteBuffer a = ByteBuffer.allocate(4 + ip.length);
        a.put((byte) 0).put((byte) (ip.length == 4 ? 1 : 2)).putShort((short) (from.getPort() ^ (MAGIC >>> 16)));
        byte[] mask = ByteBuffer.allocate(16).putInt(MAGIC).put(tid).array();
        for (int i = 0; i < ip.length; i++) {
            a.put((byte) (ip[i] ^ mask[i]));
        }
        attribute(bb, ATTR_XOR_MAPPED_ADDRESS, a.array());
        return finish(bb, localPassword);
    }

    private static byte[] randomTransactionId() {
        byte[] tid = new byte[12];
        ThreadLocalRandom.current().nextBytes(tid);
        return tid;
    }

    private static void header(ByteBuffer bb, int type, byte[] tid) {
        bb.putShort((short) type).putShort((short) 0).putInt(MAGIC).put(tid);
    }

    private static void attribute(ByteBuffer bb, int type, byte[] value) {
        bb.putShort((short) type).putShort((short) value.length).put(value);
        while ((bb.position() & 3) != 0) {
            bb.put((byte) 0);
        }
    }

    /** Appends MESSAGE-INTEGRITY (key = password, RFC 5389 short-term) and FINGERPRINT. */
    private static int finish(ByteBuffer bb, String password) {
        byte[] b = bb.array();
        int miAt = bb.position();
        setLength(b, miAt + 24 - 20);
        byte[] hmac;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(password.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            mac.update(b, 0, miAt);
            hmac = mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        attribute(bb, ATTR_MESSAGE_INTEGRITY, hmac);
        int fpAt = bb.position();
        setLength(b, fpAt + 8 - 20);
        CRC32 crc = new CRC32();
        crc.update(b, 0, fpAt);
        attribute(bb, ATTR_FINGERPRINT, ByteBuffer.allocate(4).putInt((int) crc.getValue() ^ 0x5354554E).array());
        return bb.position();
    }

    private static void setLength(byte[] b, int len) {
        b[2] = (byte) (len >>> 8);
        b[3] = (byte) len;
    }
}
