package io.junction.bridge.conference;

import io.junction.bridge.forward.Projection;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtp.RtcpWriter;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.srtp.SrtpSession;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketHandler;
import io.junction.bridge.worker.PacketPool;
import io.junction.bridge.worker.PacketWorker;

/**
 * The send path toward one endpoint, on its packet worker: forwarded RTP is rewritten for this
 * subscriber (SSRC, sequence number, timestamp; the publisher's mid/rid/transport-cc extensions
 * erased), SRTP-protected with this endpoint's keys and sent; keyframe requests (PLI) to this
 * endpoint as a publisher are written and sent here too.
 */
final class MediaSender {
    static final int EXT_TRANSPORT_CC = 3;
    static final int EXT_RID = 10;
    static final int EXT_REPAIRED_RID = 11;
    /** The downlink estimate never goes below this (audio and the lowest layer still get through). */
    static final long MIN_ESTIMATE_BPS = 100_000;

    final PacketHandler forwardHandler = this::forward;
    final PacketHandler pliHandler = p -> sendKeyframeRequest(p, false);
    final PacketHandler firHandler = p -> sendKeyframeRequest(p, true);
    final PacketHandler senderReportHandler = this::sendSenderReport;

    private final EndpointTransport transport;
    private final MediaCounters counters;
    private final MediaCore core;
    private final PacketPool pool;
    private final RtpPacket rtp = new RtpPacket();

    private final io.junction.bridge.stats.EndpointStats stats;

    private final io.junction.bridge.stats.ConferenceCounters conferenceCounters;

    /**
     * The downlink estimate toward this endpoint (GCC on its transport-cc feedback), null when the
     * bridge does not estimate. Worker only.
     */
    final io.junction.bridge.cc.DownlinkEstimator estimator;
    /** The next transport-wide sequence number stamped on a packet to this endpoint. Worker only. */
    private int transportSeq;

    MediaSender(EndpointTransport transport, MediaCore core, io.junction.bridge.stats.EndpointStats stats,
                io.junction.bridge.stats.ConferenceCounters conferenceCounters) {
        var f = core.config().forwarding();
        this.estimator = f.estimateDownlink()
                ? new io.junction.bridge.cc.DownlinkEstimator(f.startBitrateBps(), MIN_ESTIMATE_BPS, f.maxBitrateBps())
                : null;
        this.stats = stats;
        this.conferenceCounters = conferenceCounters;
        this.transport = transport;
        this.counters = core.counters();
        this.core = core;
        this.pool = core.pool();
    }

    private void forward(Packet p) {
        Subscription sub = (Subscription) p.context;
        SrtpSession srtp = transport.srtp();
        if (srtp == null || sub.isRemoved() || !rtp.wrap(p.buf, p.off, p.len)) {
            pool.release(p);
            return;
        }
        if ((p.flags & Packet.FLAG_PROJECTED) == 0) {
            Projection projection = sub.projection();
            int inSsrc = rtp.ssrc();
            boolean newSource = projection.isNewSource(inSsrc);
            rtp.setSequenceNumber(projection.rewriteSeq(inSsrc, rtp.sequenceNumber(), p.receivedNs));
            rtp.setTimestamp(projection.rewriteTs(rtp.timestamp(), newSource, p.receivedNs));
        }
        rtp.setSsrc(sub.outSsrc());
        rtp.eraseExtension(MediaReceiver.EXT_MID);
        rtp.eraseExtension(EXT_RID);
        rtp.eraseExtension(EXT_REPAIRED_RID);
        int tcc = stampTransportSeq();
        if (sub.outRtxSsrc() != 0) {
            if (sub.retransmissions == null) {
                sub.retransmissions = new io.junction.bridge.forward.RetransmissionCache(pool);
            }
            sub.retransmissions.put(p, rtp.sequenceNumber(), p.receivedNs);
        }
        int n = srtp.protectRtp(p.buf, p.off, p.len);
        if (n < 0) {
            counters.sendErrors.increment();
            pool.release(p);
            return;
        }
        p.len = n;
        if (transport.send(p.buf, p.off, p.len)) {
            sent(tcc, n, -1);
            sub.packetsSent++;
            sub.bytesSent += n;
            int kind = sub.source().kind().ordinal();
            stats.rtpPacketsOut++;
            stats.rtpBytesOut += n;
            stats.bytesOutByKind[kind] += n;
            counters.rtpForwarded.increment();
            counters.rtpPacketsOut[kind].increment();
            counters.rtpBytesOut[kind].add(n);
            conferenceCounters.packetsOut.increment();
            conferenceCounters.bytesOut.add(n);
            wireSent(n);
        }
        pool.release(p);
    }

    /**
     * Retransmissions may use this share of the downlink estimate: a token bucket filled at that rate
     * holding at most {@link #RTX_BURST_NS} of it (so the repair of a keyframe's few lost packets goes
     * out at once, while a NACK storm into a full link does not).
     */
    static final double RTX_SHARE = 0.5;
    static final long RTX_BURST_NS = 250_000_000L;
    private double rtxTokens = Double.NaN;
    private long rtxTokensAtNs;

    /** True when {@code bytes} more of retransmission fit the budget. */
    private boolean rtxBudget(int bytes, long nowNs) {
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

    /** After a NACK the bridge cannot answer, ask for a keyframe at most this often per subscription. */
    static final long UNREPAIRABLE_KEYFRAME_INTERVAL_NS = 1_000_000_000L;

    /**
     * The subscriber misses a packet the bridge cannot resend: it will not decode until the next
     * keyframe, so ask the publisher for one of the layer this subscriber gets (rather than waiting for
     * the subscriber's own PLI, which Chromium sends only after seconds of NACKing).
     */
    private void unrepairable(Subscription sub, long nowNs) {
        if (nowNs - sub.lastUnrepairableKeyframeNs < UNREPAIRABLE_KEYFRAME_INTERVAL_NS) {
            return;
        }
        io.junction.bridge.forward.SourceEncoding decoded = sub.decodedEncoding();
        if (decoded != null) {
            sub.lastUnrepairableKeyframeNs = nowNs;
            counters.keyframesForUnrepairable.increment();
            MediaReceiver.requestKeyframe(decoded, nowNs, core, false);
        }
    }

    /**
     * Writes the next transport-wide sequence number into the transport-cc extension of the packet
     * {@code rtp} is wrapped over (the publisher's value is meaningless on this leg). Returns it, or -1
     * when the packet has no such extension (then the estimator does not see it).
     */
    private int stampTransportSeq() {
        int at = rtp.findExtension(EXT_TRANSPORT_CC);
        if (at < 0 || rtp.extensionLength() != 2) {
            return -1;
        }
        int seq = nextTransportSeq();
        io.junction.bridge.rtp.ByteIo.writeU16(rtp.buffer(), at, seq);
        return seq;
    }

    private int nextTransportSeq() {
        int seq = transportSeq;
        transportSeq = (transportSeq + 1) & 0xFFFF;
        return seq;
    }

    /**
     * Protects the RTP packet of {@code n} bytes at {@code buf[off]} and sends it; when it went out,
     * tells the estimator (transport-wide number {@code tcc}, -1 when not stamped) and counts it in
     * this endpoint's stats. Returns the protected length, or -1.
     */
    private int protectAndSend(SrtpSession srtp, byte[] buf, int off, int n, int tcc, int probeCluster) {
        int len = srtp.protectRtp(buf, off, n);
        if (len <= 0 || !transport.send(buf, off, len)) {
            return -1;
        }
        sent(tcc, len, probeCluster);
        stats.rtpPacketsOut++;
        stats.rtpBytesOut += len;
        wireSent(len);
        return len;
    }

    /** Any RTP datagram of {@code len} bytes (media, RTX, padding) went out to this subscriber. */
    private void wireSent(int len) {
        counters.rtpWireBytesOut.add(len);
        conferenceCounters.wireBytesOut.add(len);
        conferenceCounters.wirePacketsOut.increment();
    }

    /** A packet stamped {@code seq} (-1: none) of {@code bytes} went out now. */
    private void sent(int seq, int bytes, int probeCluster) {
        if (seq >= 0 && estimator != null) {
            estimator.onPacketSent(seq, bytes, System.nanoTime(), probeCluster);
        }
    }

    /** Padding packets sent per pacing step of a probe. */
    static final int PROBE_BURST = 4;
    /** The smallest probe cluster (bytes). */
    static final int PROBE_MIN_BYTES = 8000;

    /**
     * Sends a probe cluster toward this endpoint: padding-only RTX packets on {@code sub}'s RTX SSRC
     * at about {@code targetBps} for {@code durationNs}, in bursts of {@link #PROBE_BURST} spread
     * evenly over the duration (scheduled by the media control thread, sent on this worker). The
     * estimator reads what the path delivered from the feedback.
     */
    void probe(Subscription sub, long targetBps, long durationNs, PacketWorker worker,
               java.util.concurrent.ScheduledExecutorService control, long nowNs) {
        if (estimator == null || sub.outRtxSsrc() == 0) {
            return;
        }
        int cluster = estimator.startProbeCluster(targetBps, nowNs);
        int packetBytes = 20 + io.junction.bridge.rtp.Rtx.PADDING_BYTES + 10;
        // at least PROBE_MIN_BYTES: a shaper's burst allowance must not be all a probe measures
        long totalPackets = Math.max(PROBE_MIN_BYTES / packetBytes, targetBps / 8 * durationNs / 1_000_000_000L / packetBytes);
        int steps = (int) Math.min(200, (totalPackets + PROBE_BURST - 1) / PROBE_BURST);
        long stepNs = Math.max(1_000_000L, durationNs / steps);
        counters.probeClusters.increment();
        for (int k = 0; k < steps; k++) {
            int n = (int) Math.min(PROBE_BURST, totalPackets - (long) k * PROBE_BURST);
            Runnable burst = () -> sendPadding(sub, cluster, n);
            if (k == 0) {
                burst.run();
            } else {
                control.schedule(() -> worker.execute(burst), k * stepNs, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        }
    }

    private void sendPadding(Subscription sub, int cluster, int count) {
        SrtpSession srtp = transport.srtp();
        if (srtp == null || sub.isRemoved()) {
            return;
        }
        Packet out = pool.take();
        try {
            for (int i = 0; i < count; i++) {
                sub.rtxSeq = (sub.rtxSeq + 1) & 0xFFFF;
                int seq = nextTransportSeq();
                int n = io.junction.bridge.rtp.Rtx.writePadding(out.buf, out.off, sub.outRtxSsrc(), sub.rtxSeq,
                        io.junction.bridge.sdp.CodecCatalog.PT_VP8_RTX, sub.video() != null ? sub.video().lastOutTs() : 0, EXT_TRANSPORT_CC, seq);
                int protectedLength = protectAndSend(srtp, out.buf, out.off, n, seq, cluster);
                if (protectedLength > 0) {
                    counters.probePacketsSent.increment();
                    counters.probeBytesSent.add(protectedLength);
                }
            }
        } finally {
            pool.release(out);
        }
    }

    /** This endpoint's transport-cc feedback about what the bridge sent it (worker). */
    void onTransportCcFeedback(byte[] buf, int off, int len, long nowNs) {
        if (estimator != null) {
            estimator.onFeedback(buf, off, len, nowNs);
        }
    }

    /**
     * Re-issues a publisher's sender report for one subscription: the subscriber-side SSRC, the RTP
     * timestamp moved by the projection's offset, this stream's own packet and octet counts, plus an
     * SDES CNAME shared by the publisher's audio and video. {@code p} holds NTP(8) RTP(4) source SSRC(4).
     */
    private void sendSenderReport(Packet p) {
        Subscription sub = (Subscription) p.context;
        io.junction.bridge.forward.StreamProjection projection = sub.streamProjection();
        int sourceSsrc = io.junction.bridge.rtp.ByteIo.readInt(p.buf, p.off + 12);
        if (!transport.isSrtpReady() || sub.isRemoved() || !projection.started() || projection.sourceSsrc() != sourceSsrc) {
            pool.release(p);
            return;
        }
        long ntp = ((long) io.junction.bridge.rtp.ByteIo.readInt(p.buf, p.off) << 32)
                | (io.junction.bridge.rtp.ByteIo.readInt(p.buf, p.off + 4) & 0xFFFFFFFFL);
        int rtpTs = io.junction.bridge.rtp.ByteIo.readInt(p.buf, p.off + 8) + projection.tsDelta();
        int at = p.off;
        int n = RtcpWriter.writeSr(p.buf, at, sub.outSsrc(), ntp, rtpTs, sub.packetsSent, sub.bytesSent);
        n += RtcpWriter.writeSdesCname(p.buf, at + n, sub.outSsrc(), sub.source().cnameBytes());
        if (transport.sendRtcp(p.buf, at, n, stats)) {
            sub.lastSrNtpMiddle = (int) (ntp >>> 16);
            sub.lastSrSentNs = System.nanoTime();
            counters.senderReportsSent.increment();
        }
        pool.release(p);
    }

    /**
     * Answers a subscriber's NACK for {@code seq} with an RTX retransmission from the cache (on this
     * endpoint's worker). Unknown or too old sequence numbers are counted, never forwarded upstream.
     */
    void retransmit(Subscription sub, int seq, long nowNs) {
        SrtpSession srtp = transport.srtp();
        io.junction.bridge.forward.RetransmissionCache cache = sub.retransmissions;
        Packet original = cache == null ? null : cache.get(seq, nowNs);
        if (srtp == null || original == null || !rtp.wrap(original.buf, original.off, original.len)) {
            counters.nackMissing.increment();
            unrepairable(sub, nowNs);
            return;
        }
        int rtxPt = io.junction.bridge.sdp.CodecCatalog.rtxPayloadType(rtp.payloadType());
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
            int n = io.junction.bridge.rtp.Rtx.write(rtp, out.buf, out.off, sub.outRtxSsrc(), sub.rtxSeq, rtxPt);
            int tcc = rtp.wrap(out.buf, out.off, n) ? stampTransportSeq() : -1;
            int protectedLength = protectAndSend(srtp, out.buf, out.off, n, tcc, -1);
            if (protectedLength > 0) {
                counters.rtxSent.increment();
                counters.rtxBytesSent.add(protectedLength);
            }
        } finally {
            pool.release(out);
        }
    }

    /**
     * The forwarded track stopped: a BYE for its subscriber-side SSRCs (behind an empty RR, as a
     * compound must start with a report), so the receiver ends the stream at once.
     */
    void sendBye(Subscription sub) {
        if (!transport.isSrtpReady() || sub.packetsSent == 0) {
            return;
        }
        Packet out = pool.take();
        try {
            int n = RtcpWriter.writeRrHeader(out.buf, out.off, transport.rtcpSsrc(), 0);
            n += sub.outRtxSsrc() != 0
                    ? RtcpWriter.writeBye(out.buf, out.off + n, sub.outSsrc(), sub.outRtxSsrc())
                    : RtcpWriter.writeBye(out.buf, out.off + n, sub.outSsrc());
            if (transport.sendRtcp(out.buf, out.off, n, stats)) {
                counters.byeSent.increment();
            }
        } finally {
            pool.release(out);
        }
    }

    /** A keyframe request to this endpoint as a publisher: PLI, or FIR with the source's next sequence number. */
    private void sendKeyframeRequest(Packet p, boolean fir) {
        io.junction.bridge.forward.SourceEncoding enc = (io.junction.bridge.forward.SourceEncoding) p.context;
        if (!transport.isSrtpReady() || enc.ssrc() == 0) {
            pool.release(p);
            return;
        }
        p.off = Packet.HEADROOM;
        p.len = fir
                ? RtcpWriter.writeFir(p.buf, p.off, transport.rtcpSsrc(), enc.ssrc(), enc.nextFirSequence())
                : RtcpWriter.writePli(p.buf, p.off, transport.rtcpSsrc(), enc.ssrc());
        if (transport.sendRtcp(p.buf, p.off, p.len, stats)) {
            counters.keyframeRequestsSent.increment();
            (fir ? counters.firSent : counters.pliSent).increment();
        }
        pool.release(p);
    }
}
