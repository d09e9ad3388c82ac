package io.junction.bridge.pipeline;

import io.junction.bridge.cc.DownlinkEstimator;
import io.junction.bridge.forward.Projection;
import io.junction.bridge.forward.RetransmissionCache;
import io.junction.bridge.forward.StreamProjection;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtcp.Bye;
import io.junction.bridge.rtcp.ReceiverReport;
import io.junction.bridge.rtcp.Sdes;
import io.junction.bridge.rtcp.SenderReport;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.stats.ConferenceCounters;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.PacketTransport;
import io.junction.bridge.transport.srtp.PacketProtection;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * The send stage toward one endpoint, on its packet worker. A forwarded packet arrives as a copy
 * whose payload is final (video: sequence number, timestamp, picture ids already projected by the
 * fan-out); here it gets the subscriber's SSRC (audio: also its sequence number and timestamp), this
 * leg's transport-wide sequence number (at the offset the receive side found, no re-parse), a place
 * in the retransmission cache, SRTP protection, and goes out. Sender reports and BYEs for the
 * subscriptions are written here too. The primitives ({@link #protectAndSend}, the transport-wide
 * numbering, the downlink estimator) are shared with {@link Retransmitter} and {@link Prober}.
 *
 * <p>Pacing hook: every packet to this endpoint leaves through {@link #protectAndSend} or
 * {@link #forward}; a pacer would queue there.
 */
public final class Sender {
    /** The downlink estimate never goes below this (audio and the lowest layer still get through). */
    static final long MIN_ESTIMATE_BPS = 100_000;

    private final PacketTransport transport;
    private final MediaCounters counters;
    private final PacketPool pool;
    private final EndpointStats stats;
    private final ConferenceCounters conferenceCounters;
    /** The downlink estimate toward this endpoint (GCC on its transport-cc feedback), null when the bridge does not estimate. Worker only. */
    private final DownlinkEstimator estimator;
    /** The next transport-wide sequence number stamped on a packet to this endpoint. Worker only. */
    private int transportSeq;
    /** A receiver that chose its own numbering (a WHEP viewer): how to renumber what goes to it; null for the rest. */
    private volatile EgressMap egressMap;
    /** Parses packets for {@link #egressMap}; worker only. */
    private final io.junction.bridge.rtp.RtpPacket egressView = new io.junction.bridge.rtp.RtpPacket();

    /**
     * Where this endpoint's RTP is protected and sent when that is not the endpoint's own worker
     * (a receiver of a large conference: its sends spread over the other cores), or null: here, at
     * once. Everything else of this stage (numbering, the retransmission cache, the estimator's record,
     * the statistics) stays on the endpoint's worker; the send worker only protects (it alone then uses
     * the outgoing SRTP context) and sends.
     */
    private final io.junction.bridge.worker.PacketWorker sendWorker;
    /** This endpoint's own worker (queues to {@link #sendWorker} wake it once per burst). */
    private final io.junction.bridge.worker.PacketWorker ownWorker;
    private final io.junction.bridge.worker.PacketHandler protectAndSendHere = this::protectAndSendQueued;

    Sender(PacketTransport transport, PathContext ctx, EndpointStats stats, ConferenceCounters conferenceCounters,
           io.junction.bridge.worker.PacketWorker ownWorker, io.junction.bridge.worker.PacketWorker sendWorker) {
        this.ownWorker = ownWorker;
        this.sendWorker = ownWorker == null || sendWorker == ownWorker ? null : sendWorker;
        var f = ctx.config().forwarding();
        this.estimator = f.estimateDownlink()
                ? new DownlinkEstimator(f.startBitrateBps(), MIN_ESTIMATE_BPS, f.maxBitrateBps())
                : null;
        this.transport = transport;
        this.counters = ctx.counters();
        this.pool = ctx.pool();
        this.stats = stats;
        this.conferenceCounters = conferenceCounters;
    }

    /** Control plane, before media flows: renumber everything to this endpoint with {@code map}. */
    public void setEgressMap(EgressMap map) {
        egressMap = map;
    }

    /**
     * Worker: renumbers an outgoing RTP packet for a receiver with its own numbering; false when the
     * packet must not go (a codec it did not negotiate; counted). Right before SRTP: what was cached
     * for retransmission keeps the bridge's numbering.
     */
    private boolean egress(byte[] buf, int off, int len) {
        EgressMap map = egressMap;
        if (map == null) {
            return true;
        }
        if (!egressView.wrap(buf, off, len) || !map.apply(egressView)) {
            counters.viewerCodecDrops.increment();
            return false;
        }
        return true;
    }

    /** The downlink estimator, or null when the bridge does not estimate. */
    public DownlinkEstimator estimator() {
        return estimator;
    }

    PacketTransport transport() {
        return transport;
    }

    EndpointStats stats() {
        return stats;
    }

    /** Sends one forwarded packet of {@code sub}; takes ownership of {@code p}. */
    void forward(Subscription sub, Packet p) {
        PacketProtection srtp = transport.srtp();
        if (srtp == null || sub.isRemoved()) {
            pool.release(p);
            return;
        }
        byte[] b = p.buf;
        int at = p.off;
        if ((p.flags & Packet.FLAG_PROJECTED) == 0) {
            Projection projection = sub.projection();
            int inSsrc = ByteIo.readInt(b, at + 8);
            boolean newSource = projection.isNewSource(inSsrc);
            ByteIo.writeU16(b, at + 2, projection.rewriteSeq(inSsrc, ByteIo.readU16(b, at + 2), p.receivedNs));
            ByteIo.writeInt(b, at + 4, projection.rewriteTs(ByteIo.readInt(b, at + 4), newSource, p.receivedNs));
        }
        ByteIo.writeInt(b, at + 8, sub.outSsrc());
        int tcc = -1;
        if (p.tccOffset >= 0) {
            tcc = nextTransportSeq();
            ByteIo.writeU16(b, at + p.tccOffset, tcc);
        }
        if (sub.outRtxSsrc() != 0) {
            if (sub.retransmissions == null) {
                sub.retransmissions = new RetransmissionCache(pool);
            }
            sub.retransmissions.put(p, ByteIo.readU16(b, at + 2), p.receivedNs);
        }
        if (!egress(b, at, p.len)) {
            pool.release(p);
            return;
        }
        if (sendWorker != null) {
            // counted here, as sent (what the send worker fails to send is a send error of its own)
            int n = p.len + srtp.rtpOverhead();
            sent(tcc, n, -1);
            if (toSendWorker(p, tcc)) {
                forwarded(sub, n);
            }
            return;
        }
        int n = srtp.protectRtp(b, at, p.len);
        if (n < 0) {
            counters.sendErrors.increment();
            pool.release(p);
            return;
        }
        if (transport.send(b, at, n)) {
            sent(tcc, n, -1);
            forwarded(sub, n);
        }
        pool.release(p);
    }

    /** One forwarded packet of {@code n} bytes (SRTP size) went, or was queued to go, to {@code sub}'s receiver. */
    private void forwarded(Subscription sub, int n) {
        sub.packetsSent++;
        sub.bytesSent += n;
        int kind = sub.source().kind().ordinal();
        stats.rtpPacketsOut++;
        stats.rtpBytesOut += n;
        stats.bytesOutByKind[kind] += n;
        counters.rtpPacketsOut[kind].increment();
        counters.rtpBytesOut[kind].add(n);
        conferenceCounters.packetsOut.increment();
        conferenceCounters.bytesOut.add(n);
        wireSent(n);
    }

    /**
     * Queues the finished (unprotected) RTP packet {@code p}, transport-wide number {@code tcc} or -1,
     * to the send worker; false when its queue is full (released there, counted as a drop here).
     * The estimator learns the time it really left from the send worker.
     */
    private boolean toSendWorker(Packet p, int tcc) {
        p.handler = protectAndSendHere;
        p.transportSeq = tcc;
        if (!ownWorker.offerAfterDrain(sendWorker, p)) {
            counters.drop(io.junction.bridge.stats.DropReason.QUEUE_FULL);
            return false;
        }
        return true;
    }

    /** On the send worker: protects and sends a packet queued by {@link #forward} or {@link #protectAndSend}. */
    private void protectAndSendQueued(Packet p) {
        try {
            PacketProtection srtp = transport.srtp();
            int n = srtp == null ? -1 : srtp.protectRtp(p.buf, p.off, p.len);
            if (n < 0) {
                counters.sendErrors.increment();
            } else if (transport.send(p.buf, p.off, n) && p.transportSeq >= 0 && estimator != null) {
                estimator.onPacketLeft(p.transportSeq, System.nanoTime());
            }
        } finally {
            pool.release(p);
        }
    }

    /**
     * Protects the RTP packet of {@code n} bytes at {@code buf[off]} and sends it; when it went out,
     * tells the estimator (transport-wide number {@code tcc}, -1 when not stamped; probe cluster or
     * -1) and counts it. Returns the protected length, or -1.
     */
    int protectAndSend(PacketProtection srtp, byte[] buf, int off, int n, int tcc, int probeCluster) {
        if (!egress(buf, off, n)) {
            return -1;
        }
        int len;
        if (sendWorker != null) {
            len = n + srtp.rtpOverhead();
            sent(tcc, len, probeCluster);
            Packet q = pool.take();
            q.copyFrom(buf, off, n);
            if (!toSendWorker(q, tcc)) {
                return -1;
            }
        } else {
            len = srtp.protectRtp(buf, off, n);
            if (len <= 0 || !transport.send(buf, off, len)) {
                return -1;
            }
            sent(tcc, len, probeCluster);
        }
        stats.rtpPacketsOut++;
        stats.rtpBytesOut += len;
        wireSent(len);
        return len;
    }

    /** Any RTP datagram of {@code len} bytes (media, RTX, padding) went out to this endpoint. */
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

    int nextTransportSeq() {
        int seq = transportSeq;
        transportSeq = (transportSeq + 1) & 0xFFFF;
        return seq;
    }

    /**
     * Re-issues a publisher's sender report for one subscription: the subscriber-side SSRC, the RTP
     * timestamp moved by the projection's offset, this stream's own packet and octet counts, plus an
     * SDES CNAME shared by the publisher's audio and video. {@code p} holds NTP(8) RTP(4) source SSRC(4).
     */
    void sendSenderReport(Subscription sub, Packet p) {
        StreamProjection projection = sub.streamProjection();
        int sourceSsrc = ByteIo.readInt(p.buf, p.off + 12);
        if (!transport.isSrtpReady() || sub.isRemoved() || !projection.started() || projection.sourceSsrc() != sourceSsrc) {
            pool.release(p);
            return;
        }
        long ntp = ((long) ByteIo.readInt(p.buf, p.off) << 32) | (ByteIo.readInt(p.buf, p.off + 4) & 0xFFFFFFFFL);
        int rtpTs = ByteIo.readInt(p.buf, p.off + 8) + projection.tsDelta();
        int at = p.off;
        int n = SenderReport.write(p.buf, at, sub.outSsrc(), ntp, rtpTs, sub.packetsSent, sub.bytesSent);
        n += Sdes.writeCname(p.buf, at + n, sub.outSsrc(), sub.source().cnameBytes());
        if (transport.sendRtcp(p.buf, at, n, stats)) {
            sub.lastSrNtpMiddle = (int) (ntp >>> 16);
            sub.lastSrSentNs = System.nanoTime();
            counters.senderReportsSent.increment();
        }
        pool.release(p);
    }

    /**
     * The forwarded track stopped: a BYE for its subscriber-side SSRCs (behind an empty RR, as a
     * compound must start with a report), so the receiver ends the stream at once.
     */
    public void sendBye(Subscription sub) {
        if (!transport.isSrtpReady() || sub.packetsSent == 0) {
            return;
        }
        Packet out = pool.take();
        try {
            int n = ReceiverReport.writeHeader(out.buf, out.off, transport.rtcpSsrc(), 0);
            n += sub.outRtxSsrc() != 0
                    ? Bye.write(out.buf, out.off + n, sub.outSsrc(), sub.outRtxSsrc())
                    : Bye.write(out.buf, out.off + n, sub.outSsrc());
            if (transport.sendRtcp(out.buf, out.off, n, stats)) {
                counters.byeSent.increment();
            }
        } finally {
            pool.release(out);
        }
    }

    /** On this worker: frees a removed subscription's retransmission cache. */
    public static void releaseRetransmissions(Subscription sub) {
        if (sub.retransmissions != null) {
            sub.retransmissions.clear();
            sub.retransmissions = null;
        }
    }
}
