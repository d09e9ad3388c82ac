package io.junction.bridge.transport.ice;

import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.MediaCounters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.ice4j.TransportAddress;
import org.ice4j.ice.harvest.SinglePortUdpHarvester;
import org.ice4j.util.Buffer;

/**
 * ice4j's single-port harvester with a gate in front of its per-source state. ice4j creates a
 * socket object (and its bookkeeping) for every new source address that sends a STUN binding
 * request naming a live local ufrag, before anyone checks the request's MESSAGE-INTEGRITY, and
 * keeps it for the agent's life: anyone who knows a ufrag (every participant knows its own) could
 * make the bridge hold state for thousands of source ports. Here a first packet from a new source
 * is accepted only when
 * <ul>
 *   <li>it is a STUN message whose MESSAGE-INTEGRITY verifies with the local password of the ufrag
 *       it names (RFC 8489 §14.5, short-term credentials), and</li>
 *   <li>the ufrag has fewer than {@link #MAX_SOURCES_PER_UFRAG} sources already (a client has a
 *       few candidates; ICE restarts bring new ufrags).</li>
 * </ul>
 * Anything else is a counted drop ({@code stun_unauthenticated}, {@code stun_source_limit}) and
 * leaves no state. Datagrams from sources already accepted go straight to ice4j, as before.
 */
final class VerifyingUdpHarvester extends SinglePortUdpHarvester {
    static final int MAX_SOURCES_PER_UFRAG = 16;
    private static final int MESSAGE_INTEGRITY = 0x0008;
    private static final int MAGIC_COOKIE = 0x2112A442;

    private final Map<String, Credentials> credentials;
    private final MediaCounters counters;

    /** A live agent's local password and how many sources ice4j has accepted for its ufrag. */
    static final class Credentials {
        final byte[] password;
        final AtomicInteger sources = new AtomicInteger();

        Credentials(String password) {
            this.password = password.getBytes(StandardCharsets.UTF_8);
        }
    }

    VerifyingUdpHarvester(TransportAddress address, Map<String, Credentials> credentials, MediaCounters counters)
            throws IOException {
        super(address);
        this.credentials = credentials;
        this.counters = counters;
    }

    @Override
    protected MySocket maybeAcceptNewSession(Buffer buf, InetSocketAddress remoteAddress, String ufrag) {
        Credentials c = ufrag == null ? null : credentials.get(ufrag);
        if (c == null || !verifies(buf.getBuffer(), buf.getOffset(), buf.getLength(), c.password)) {
            counters.drop(DropReason.STUN_UNAUTHENTICATED);
            return null;
        }
        if (c.sources.get() >= MAX_SOURCES_PER_UFRAG) {
            counters.drop(DropReason.STUN_SOURCE_LIMIT);
            return null;
        }
        MySocket s = super.maybeAcceptNewSession(buf, remoteAddress, ufrag);
        if (s != null) {
            c.sources.incrementAndGet();
        }
        return s;
    }

    /**
     * Whether {@code msg} is a STUN message with a MESSAGE-INTEGRITY attribute that verifies with
     * {@code key}: HMAC-SHA1 over the message up to the attribute, with the header's length field
     * counting up to the end of the attribute (RFC 8489 §14.5). Reads nothing outside the message.
     */
    static boolean verifies(byte[] msg, int off, int len, byte[] key) {
        if (len < 20 || (msg[off] & 0xC0) != 0 || ByteIo.readInt(msg, off + 4) != MAGIC_COOKIE) {
            return false;
        }
        int bodyLength = ByteIo.readU16(msg, off + 2);
        if ((bodyLength & 3) != 0 || 20 + bodyLength > len) {
            return false;
        }
        int end = off + 20 + bodyLength;
        int at = off + 20;
        while (at + 4 <= end) {
            int type = ByteIo.readU16(msg, at);
            int length = ByteIo.readU16(msg, at + 2);
            int next = at + 4 + ((length + 3) & ~3);
            if (next > end) {
                return false;
            }
            if (type == MESSAGE_INTEGRITY) {
                if (length != 20) {
                    return false;
                }
                try {
                    Mac mac = Mac.getInstance("HmacSHA1");
                    mac.init(new SecretKeySpec(key, "HmacSHA1"));
                    int lengthToIntegrity = (at + 24) - (off + 20);
                    mac.update(msg, off, 2);
                    mac.update((byte) (lengthToIntegrity >> 8));
                    mac.update((byte) lengthToIntegrity);
                    mac.update(msg, off + 4, at - (off + 4));
                    byte[] expected = mac.doFinal();
                    return MessageDigest.isEqual(expected, java.util.Arrays.copyOfRange(msg, at + 4, at + 24));
                } catch (GeneralSecurityException e) {
                    return false;
                }
            }
            at = next;
        }
        return false;
    }
}
