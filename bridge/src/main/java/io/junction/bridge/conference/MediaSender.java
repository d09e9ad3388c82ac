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

    final PacketHandler forwardHandler = this::forward;
    final PacketHandler pliHandler = p -> sendKeyframeRequest(p, false);
    final PacketHandler firHandler = p -> sendKeyframeRequest(p, true);
    final PacketHandler senderReportHandler = this::sendSenderReport;

    private final EndpointTransport transport;
    private final MediaCounters counters;
    private final PacketPool pool;
    private final RtpPacket rtp = new RtpPacket();

    private final io.junction.bridge.stats.EndpointStats stats;

    private final io.junction.bridge.stats.ConferenceCounters conferenceCounters;

    MediaSender(EndpointTransport transport, MediaCore core, io.junction.bridge.stats.EndpointStats stats,
                io.junction.bridge.stats.ConferenceCounters conferenceCounters) {
        this.stats = stats;
        this.conferenceCounters = conferenceCounters;
        this.transport = transport;
        this.counters = core.counters();
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
        rtp.eraseExtension(EXT_TRANSPORT_CC);
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
        }
        pool.release(p);
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
            return;
        }
        int rtxPt = io.junction.bridge.sdp.CodecCatalog.rtxPayloadType(rtp.payloadType());
        if (rtxPt < 0) {
            counters.nackMissing.increment();
            return;
        }
        Packet out = pool.take();
        try {
            sub.rtxSeq = (sub.rtxSeq + 1) & 0xFFFF;
            int n = io.junction.bridge.rtp.Rtx.write(rtp, out.buf, out.off, sub.outRtxSsrc(), sub.rtxSeq, rtxPt);
            int protectedLength = srtp.protectRtp(out.buf, out.off, n);
            if (protectedLength > 0 && transport.send(out.buf, out.off, protectedLength)) {
                stats.rtpPacketsOut++;
                stats.rtpBytesOut += protectedLength;
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
