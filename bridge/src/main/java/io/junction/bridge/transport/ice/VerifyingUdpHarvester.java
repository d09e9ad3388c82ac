package io.junction.bridge.transport.ice;

import io.junction.bridge.limit.TokenBucket;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.MediaCounters;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
 * leaves no state. Each ufrag has a verification budget ({@link #VERIFICATION_BURST}, then
 * {@link #VERIFICATIONS_PER_SECOND}); beyond it requests are dropped unverified ({@code stun_rate_limited}). Datagrams from sources already accepted go straight to ice4j, as before.
 */
final class VerifyingUdpHarvester extends SinglePortUdpHarvester {
    static final int MAX_SOURCES_PER_UFRAG = 16;
    private static final int MESSAGE_INTEGRITY = 0x0008;
    private static final int MAGIC_COOKIE = 0x2112A442;

    private final Map<String, Credentials> credentials;
    private final MediaCounters counters;

    /**
     * How many first requests from new sources one ufrag may have verified: a burst, then this many a
     * second. A client needs one per candidate (and a few retransmissions); a flood of forged requests
     * naming a ufrag would otherwise cost an HMAC each on the media port's only reader thread (at
     * 150 000 a second it fell behind, the kernel dropped datagrams and a call beside it lost 0.3 %).
     */
    static final int VERIFICATION_BURST = 64;
    static final int VERIFICATIONS_PER_SECOND = 64;

    /** A live agent's local password, how many sources ice4j has accepted for its ufrag, and its verification budget. */
    static final class Credentials {
        final byte[] password;
        final AtomicInteger sources = new AtomicInteger();
        /** Shared by the harvesters (one reader thread per local address) that see this ufrag. */
        final TokenBucket verifications = new TokenBucket(VERIFICATION_BURST, VERIFICATIONS_PER_SECOND, System.nanoTime());

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
        if (c != null && !c.verifications.tryTake(System.nanoTime())) {
            counters.drop(DropReason.STUN_RATE_LIMITED);
            return null;
        }
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
        return verifies(msg, off, len, new HmacSha1(key), new byte[HmacSha1.LENGTH]);
    }

    /**
     * As above with {@code keyed}, an HMAC-SHA1 keyed with the key (left ready for the next message), and
     * {@code scratch} (20 bytes) for the computed value: nothing is allocated.
     */
    static boolean verifies(byte[] msg, int off, int len, HmacSha1 keyed, byte[] scratch) {
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
                int lengthToIntegrity = (at + 24) - (off + 20);
                keyed.update(msg, off, 2);
                keyed.update((byte) (lengthToIntegrity >> 8));
                keyed.update((byte) lengthToIntegrity);
                keyed.update(msg, off + 4, at - (off + 4));
                keyed.doFinal(scratch, 0);
                int diff = 0; // constant time
                for (int i = 0; i < 20; i++) {
                    diff |= scratch[i] ^ msg[at + 4 + i];
                }
                return diff == 0;
            }
            at = next;
        }
        return false;
    }
}
