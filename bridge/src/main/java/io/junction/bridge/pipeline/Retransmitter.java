package io.junction.bridge.pipeline;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.forward.RetransmissionCache;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.rtp.Rtx;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.srtp.PacketProtection;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * Answers one endpoint's NACKs (RFC 4585) with RTX (RFC 4588) from the subscriptions'
 * retransmission caches, within a share of the downlink estimate; what it cannot answer makes the
 * bridge ask the publisher for a keyframe instead. On the endpoint's packet worker.
 */
final class Retransmitter {
    /**
     * Retransmissions may use this share of the downlink estimate: a token bucket filled at that rate
     * holding at most {@link #RTX_BURST_NS} of it (so the repair of a keyframe's few lost packets goes
     * out at once, while a NACK storm into a full link does not).
     */
    static final double RTX_SHARE = 0.5;
    static final long RTX_BURST_NS = 250_000_000L;
    /** After a NACK the bridge cannot answer, ask for a keyframe at most this often per subscription. */
    static final long UNREPAIRABLE_KEYFRAME_INTERVAL_NS = 1_000_000_000L;

    private final Sender sender;
    private final MediaCounters counters;
    private final PacketPool pool;
    private final RtpPacket rtp = new RtpPacket();
    private double rtxTokens = Double.NaN;
    private long rtxTokensAtNs;

    Retransmitter(Sender sender, PathContext ctx) {
        this.sender = sender;
        this.counters = ctx.counters();
        this.pool = ctx.pool();
    }

    /**
     * Answers a subscriber's NACK for {@code seq} with an RTX retransmission from the cache. Unknown
     * or too old sequence numbers are counted, never forwarded upstream.
     */
    void retransmit(Subscription sub, int seq, long nowNs) {
        PacketProtection srtp = sender.transport().srtp();
        RetransmissionCache cache = sub.retransmissions;
        Packet original = cache == null ? null : cache.get(seq, nowNs);
        if (srtp == null || original == null || !rtp.wrap(original.buf, original.off, original.len)) {
            counters.nackMissing.increment();
            unrepairable(sub, nowNs);
            return;
        }
        int rtxPt = CodecCatalog.rtxPayloadType(rtp.payloadType());
        if (rtxPt < 0) {
            counters.nackMissing.increment();
            return;
        }
        if (!rtxBudget(original.len, nowNs)) {
            // Retransmitting into a link that is already full only makes the loss worse.
            counters.rtxThrottled.increment();
            unrepairable(sub, nowNs);
            return;
        }
        Packet out = pool.take();
        try {
            sub.rtxSeq = (sub.rtxSeq + 1) & 0xFFFF;
            int n = Rtx.write(rtp, out.buf, out.off, sub.outRtxSsrc(), sub.rtxSeq, rtxPt);
            int tcc = -1;
            if (original.tccOffset >= 0) { // the RTX header is the original's: same place
                tcc = sender.nextTransportSeq();
                ByteIo.writeU16(out.buf, out.off + original.tccOffset, tcc);
            }
            int protectedLength = sender.protectAndSend(srtp, out.buf, out.off, n, tcc, -1);
            if (protectedLength > 0) {
                counters.rtxSent.increment();
                counters.rtxBytesSent.add(protectedLength);
            }
        } finally {
            pool.release(out);
        }
    }

    /** True when {@code bytes} more of retransmission fit the budget. */
    private boolean rtxBudget(int bytes, long nowNs) {
        var estimator = sender.estimator();
        if (estimator == null) {
            return true;
        }
        double rateBytesPerNs = estimator.estimateBps() * RTX_SHARE / 8 / 1e9;
        double cap = Math.max(3 * 1500, rateBytesPerNs * RTX_BURST_NS);
        rtxTokens = Double.isNaN(rtxTokens) ? cap : Math.min(cap, rtxTokens + rateBytesPerNs * (nowNs - rtxTokensAtNs));
        rtxTokensAtNs = nowNs;
        if (rtxTokens < bytes) {
            return false;
        }
        rtxTokens -= bytes;
        return true;
    }

    /**
     * The subscriber misses a packet the bridge cannot resend: it will not decode until the next
     * keyframe, so ask the publisher for one of the layer this subscriber gets (rather than waiting for
     * the subscriber's own PLI, which Chromium sends only after seconds of NACKing).
     */
    private void unrepairable(Subscription sub, long nowNs) {
        if (nowNs - sub.lastUnrepairableKeyframeNs < UNREPAIRABLE_KEYFRAME_INTERVAL_NS) {
            return;
        }
        SourceEncoding decoded = sub.decodedEncoding();
        if (decoded != null) {
            sub.lastUnrepairableKeyframeNs = nowNs;
            counters.keyframesForUnrepairable.increment();
            decoded.requestKeyframe(nowNs, false);
        }
    }
}
