package io.junction.bridge.pipeline;

import io.junction.bridge.cc.TransportCcRecorder;
import io.junction.bridge.forward.KeyframeSource;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.NackRequester;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.rtcp.Fir;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.rtcp.Pli;
import io.junction.bridge.rtcp.ReceiverReport;
import io.junction.bridge.rtcp.Remb;
import io.junction.bridge.rtcp.ReportBlock;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.stats.ReceiveStreamStats;
import io.junction.bridge.transport.PacketTransport;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketHandler;
import io.junction.bridge.worker.PacketPool;
import io.junction.bridge.worker.PacketWorker;

/**
 * The RTCP the bridge sends to one endpoint as a publisher, on its packet worker: receiver reports
 * (with a REMB holding the configured cap), transport-cc feedback (every ~50 ms while it sends, so
 * its send-side estimator can grow), NACKs for missing packets, and keyframe requests (PLI or FIR)
 * from any subscriber, as this track's {@link KeyframeSource}.
 */
final class PublisherFeedback implements KeyframeSource {
    static final long RECEIVER_REPORT_INTERVAL_NS = 1_000_000_000L;
    /** {@code MediaKind.values()} once: each call copies the array. */
    private static final MediaKind[] KINDS = MediaKind.values();

    private final PacketTransport transport;
    private final EndpointStreams streams;
    private final EndpointStats stats;
    private final MediaCounters counters;
    private final PacketPool pool;
    private final PacketWorker worker;
    private final long maxPublisherBitrateBps;
    private final TransportCcRecorder transportCc = new TransportCcRecorder();
    private final int[] reportedSsrcs = new int[16];
    /** Sequence numbers to NACK, then packed NACK items (at most 64 per message). */
    private final int[] nackScratch = new int[64];
    private long lastReceiverReportNs;
    /** Runs a queued keyframe request: the packet holds the media SSRC (4 bytes) and a FIR flag (1 byte). */
    private final PacketHandler keyframeRequestHandler = this::sendKeyframeRequest;

    PublisherFeedback(PacketTransport transport, EndpointStreams streams, EndpointStats stats, PathContext ctx,
                      PacketWorker worker) {
        this.transport = transport;
        this.streams = streams;
        this.stats = stats;
        this.counters = ctx.counters();
        this.pool = ctx.pool();
        this.worker = worker;
        this.maxPublisherBitrateBps = ctx.config().maxPublisherBitrateBps();
    }

    /** A packet stamped with transport-wide number {@code seq} arrived; sends feedback when due. */
    void onTransportSequence(int seq, long nowNs) {
        transportCc.record(seq, nowNs);
        if (transportCc.due(nowNs)) {
            sendTransportCcFeedback(nowNs);
        }
    }

    /** Per received RTP packet: a receiver report when one is due. */
    void maybeReport(long nowNs) {
        if (nowNs - lastReceiverReportNs >= RECEIVER_REPORT_INTERVAL_NS) {
            sendReceiverReport(nowNs);
        }
    }

    private void sendTransportCcFeedback(long nowNs) {
        Packet out = pool.take();
        try {
            SourceTrack video = streams.published(MediaKind.VIDEO);
            SourceTrack audio = streams.published(MediaKind.AUDIO);
            int mediaSsrc = video != null ? anySsrc(video) : audio != null ? audio.primarySsrc() : 0;
            int n = transportCc.writeFeedback(out.buf, out.off, transport.rtcpSsrc(), mediaSsrc, nowNs);
            if (n > 0 && transport.sendRtcp(out.buf, out.off, n, stats)) {
                counters.transportCcFeedbackSent.increment();
            }
        } finally {
            pool.release(out);
        }
    }

    private static int anySsrc(SourceTrack t) {
        for (SourceEncoding e : t.encodings()) {
            if (e.ssrc() != 0) {
                return e.ssrc();
            }
        }
        return 0;
    }

    /** Report blocks and SSRCs written into the receiver report being built (worker only). */
    private int blocks;
    private int ssrcCount;
    /** Where the next report of a relay's tracks starts, so more than 31 encodings are each reported in turn. */
    private int relayedReportStart;

    /** Appends a report block per encoding of {@code t} that has received packets; returns the new end. */
    private int reportBlocks(SourceTrack t, Packet out, int at, long nowNs) {
        for (SourceEncoding e : t.encodings()) {
            ReceiveStreamStats rs = e.receiveStats();
            if (e.ssrc() == 0 || rs.packets == 0 || blocks == ReceiverReport.MAX_BLOCKS) {
                continue;
            }
            at += ReportBlock.write(out.buf, at, e.ssrc(), rs.fractionLostSinceLastReport(), rs.cumulativeLost(),
                    rs.extendedHighestSeq(), rs.jitterUnits(), rs.lastSrNtpMiddle(), rs.delaySinceLastSr(nowNs));
            blocks++;
            if (ssrcCount < reportedSsrcs.length) {
                reportedSsrcs[ssrcCount++] = e.ssrc(); // the REMB's SSRC list (a browser's 3 layers at most)
            }
        }
        return at;
    }

    /** One receiver report to this publisher about each stream it sends (RFC 3550 §6.4.2). */
    private void sendReceiverReport(long nowNs) {
        lastReceiverReportNs = nowNs;
        if (!transport.isSrtpReady()) {
            return;
        }
        Packet out = pool.take();
        try {
            blocks = 0;
            ssrcCount = 0;
            int at = out.off + ReceiverReport.HEADER_LENGTH;
            SourceTrack[] relayed = streams.relayedTracks;
            if (relayed.length > 0) {
                // a relay from another bridge: every track it forwards (up to an RR's 31 blocks, in turn)
                for (int i = 0; i < relayed.length; i++) {
                    at = reportBlocks(relayed[(i + relayedReportStart) % relayed.length], out, at, nowNs);
                }
                relayedReportStart = (relayedReportStart + ReceiverReport.MAX_BLOCKS) % relayed.length;
            } else {
                for (MediaKind kind : KINDS) {
                    SourceTrack t = streams.published(kind);
                    if (t != null) {
                        at = reportBlocks(t, out, at, nowNs);
                    }
                }
            }
            if (blocks == 0) {
                return;
            }
            ReceiverReport.writeHeader(out.buf, out.off, transport.rtcpSsrc(), blocks);
            if (maxPublisherBitrateBps > 0) {
                // The configured cap, for the browser's send-side estimator (it never sends above it).
                at += Remb.write(out.buf, at, transport.rtcpSsrc(), maxPublisherBitrateBps, reportedSsrcs, ssrcCount);
                counters.rembSent.increment();
            }
            if (transport.sendRtcp(out.buf, out.off, at - out.off, stats)) {
                counters.receiverReportsSent.increment();
            }
        } finally {
            pool.release(out);
        }
    }

    /** NACKs toward the publisher: the missing packets due for a (re)try; a keyframe when repair gave up. */
    void sendNacks(SourceEncoding enc, NackRequester nacks, long nowNs) {
        int due = nacks.collectDue(nowNs, streams.rttNs, nackScratch);
        int givenUp = nacks.takeGivenUp();
        if (givenUp > 0) {
            counters.lossGivenUp.add(givenUp);
            enc.requestKeyframe(nowNs, false);
        }
        if (due == 0 || !transport.isSrtpReady()) {
            return;
        }
        int items = NackRequester.packItems(nackScratch, due);
        Packet out = pool.take();
        try {
            int n = Nack.write(out.buf, out.off, transport.rtcpSsrc(), enc.ssrc(), nackScratch, items);
            if (transport.sendRtcp(out.buf, out.off, n, stats)) {
                counters.nackSent.increment();
                counters.nackSentPackets.add(due);
            }
        } finally {
            pool.release(out);
        }
    }

    /** Any thread (already throttled by {@link SourceEncoding#requestKeyframe}): queued to this worker. */
    @Override
    public void requestKeyframe(SourceEncoding encoding, boolean fir) {
        Packet p = pool.take();
        ByteIo.writeInt(p.buf, p.off, encoding.ssrc());
        p.buf[p.off + 4] = (byte) (fir ? 1 : 0);
        p.len = 5;
        p.handler = keyframeRequestHandler;
        worker.offer(p);
    }

    /** A keyframe request to this endpoint as a publisher: PLI, or FIR with the source's next sequence number. */
    private void sendKeyframeRequest(Packet p) {
        int ssrc = ByteIo.readInt(p.buf, p.off);
        boolean fir = p.buf[p.off + 4] != 0;
        SourceEncoding enc = streams.encodingsBySsrc.get(ssrc);
        if (!transport.isSrtpReady() || ssrc == 0 || enc == null) {
            pool.release(p);
            return;
        }
        p.off = Packet.HEADROOM;
        p.len = fir
                ? Fir.write(p.buf, p.off, transport.rtcpSsrc(), ssrc, enc.nextFirSequence())
                : Pli.write(p.buf, p.off, transport.rtcpSsrc(), ssrc);
        if (transport.sendRtcp(p.buf, p.off, p.len, stats)) {
            counters.keyframeRequestsSent.increment();
            (fir ? counters.firSent : counters.pliSent).increment();
        }
        pool.release(p);
    }
}
