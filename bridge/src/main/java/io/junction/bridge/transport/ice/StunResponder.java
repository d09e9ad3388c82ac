package io.junction.bridge.transport.ice;

import static io.junction.bridge.rtp.ByteIo.readInt;
import static io.junction.bridge.rtp.ByteIo.readU16;
import static io.junction.bridge.rtp.ByteIo.writeInt;
import static io.junction.bridge.rtp.ByteIo.writeU16;

import java.net.InetSocketAddress;
import java.util.zip.CRC32;

/**
 * Answers the STUN binding requests that reach the data path's own connected sockets
 * ({@link NativeReceiver}) instead of ice4j's: once a pair is selected, these are the client's consent
 * checks (RFC 7675), which keep the pair alive in the browser. A request is answered only when it is a
 * well-formed binding request (RFC 8489) whose USERNAME starts with the endpoint's local ufrag and whose
 * MESSAGE-INTEGRITY verifies with the endpoint's local password (RFC 8445 §7.3); the success response
 * carries XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT. Anything else is left unanswered.
 *
 * <p>One instance per packet worker (it keeps its output buffer); not thread-safe. The keyed MAC is the
 * endpoint's own ({@link #keyed}), made once, and the remote's address bytes the caller's, so answering
 * allocates nothing.
 */
final class StunResponder {
    static final int MAGIC = 0x2112A442;
    private static final int HEADER = 20;
    private static final int BINDING_REQUEST = 0x0001;
    private static final int BINDING_SUCCESS = 0x0101;
    private static final int USERNAME = 0x0006;
    private static final int MESSAGE_INTEGRITY = 0x0008;
    private static final int XOR_MAPPED_ADDRESS = 0x0020;
    private static final int FINGERPRINT = 0x8028;
    private static final int FINGERPRINT_XOR = 0x5354554E;

    private final CRC32 crc = new CRC32();
    private final byte[] scratch = new byte[20];
    /** The last response made by {@link #answer}. */
    final byte[] out = new byte[HEADER + 24 + 24 + 8];

    /** An HMAC-SHA1 keyed with {@code password}, for {@link #answer}: made once per endpoint. */
    static HmacSha1 keyed(byte[] password) {
        return new HmacSha1(password);
    }

    /** Whether a datagram looks like STUN (RFC 7983: first byte 0–3) rather than DTLS or RTP. */
    static boolean isStun(byte[] buf, int off, int len) {
        return len >= HEADER && (buf[off] & 0xFF) < 4;
    }

    /**
     * The success response to the binding request in {@code buf[off, off + len)} from {@code remote}, written
     * to {@link #out}: its length, or -1 when the message is not a binding request for {@code localUfrag}
     * signed with {@code localPassword} (or is malformed).
     */
    int answer(byte[] buf, int off, int len, String localUfrag, byte[] localPassword, InetSocketAddress remote) {
        return answer(buf, off, len, localUfrag, keyed(localPassword), remote.getAddress().getAddress(), remote.getPort());
    }

    /**
     * As above with {@code keyed} ({@link #keyed} of the local password) and the remote as its address's
     * bytes (4 for IPv4, 16 for IPv6) and port: nothing is allocated.
     */
    int answer(byte[] buf, int off, int len, String localUfrag, HmacSha1 keyed, byte[] remoteAddress, int remotePort) {
        if (len < HEADER || len > 1500 || (len & 3) != 0 || readU16(buf, off) != BINDING_REQUEST
                || readInt(buf, off + 4) != MAGIC || readU16(buf, off + 2) != len - HEADER) {
            return -1;
        }
        boolean userOk = false;
        int at = off + HEADER;
        int end = off + len;
        while (at + 4 <= end) {
            int type = readU16(buf, at);
            int length = readU16(buf, at + 2);
            if (at + 4 + length > end) {
                return -1;
            }
            if (type == USERNAME) {
                userOk = usernameMatches(buf, at + 4, length, localUfrag);
            } else if (type == MESSAGE_INTEGRITY) {
                break;
            }
            at += 4 + ((length + 3) & ~3);
        }
        // the signature checked as the media port's STUN gate checks it
        if (!userOk || !VerifyingUdpHarvester.verifies(buf, off, len, keyed, scratch)) {
            return -1;
        }
        return respond(buf, off, keyed, remoteAddress, remotePort);
    }

    private int respond(byte[] request, int off, HmacSha1 keyed, byte[] address, int port) {
        byte[] o = out;
        writeU16(o, 0, BINDING_SUCCESS);
        writeInt(o, 4, MAGIC);
        System.arraycopy(request, off + 8, o, 8, 12); // transaction id
        int at = HEADER;
        boolean v4 = address.length == 4;
        writeU16(o, at, XOR_MAPPED_ADDRESS);
        writeU16(o, at + 2, v4 ? 8 : 20);
        o[at + 4] = 0;
        o[at + 5] = (byte) (v4 ? 1 : 2);
        writeU16(o, at + 6, port ^ (MAGIC >>> 16));
        for (int i = 0; i < address.length; i++) {
            o[at + 8 + i] = (byte) (address[i] ^ o[4 + i]); // XOR with the cookie, then the transaction id
        }
        at += 4 + (v4 ? 8 : 20);
        writeU16(o, 2, at - HEADER + 24);
        keyed.update(o, 0, at);
        writeU16(o, at, MESSAGE_INTEGRITY);
        writeU16(o, at + 2, 20);
        keyed.doFinal(o, at + 4);
        at += 24;
        writeU16(o, 2, at - HEADER + 8);
        crc.reset();
        crc.update(o, 0, at);
        writeU16(o, at, FINGERPRINT);
        writeU16(o, at + 2, 4);
        writeInt(o, at + 4, (int) crc.getValue() ^ FINGERPRINT_XOR);
        return at + 8;
    }

    /** USERNAME is "local-ufrag:remote-ufrag" for checks the client sends to the bridge. */
    private static boolean usernameMatches(byte[] buf, int at, int length, String localUfrag) {
        int n = localUfrag.length();
        if (length <= n || buf[at + n] != ':') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = localUfrag.charAt(i); // ICE's ufrag characters are ASCII (RFC 8839 ice-char)
            if (c > 0x7F || buf[at + i] != (byte) c) {
                return false;
            }
        }
        return true;
    }
}
