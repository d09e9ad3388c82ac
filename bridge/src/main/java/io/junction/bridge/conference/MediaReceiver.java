package io.junction.bridge.conference;

import io.junction.bridge.forward.NackRequester;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtp.RtcpCompound;
import io.junction.bridge.rtp.RtcpWriter;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.rtp.Rtx;
import io.junction.bridge.sdp.CodecCatalog;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.srtp.SrtpSession;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketHandler;
import io.junction.bridge.worker.PacketPool;

/**
 * The receive path of one endpoint, on its packet worker: SRTP/SRTCP unprotect, then RTP is fanned
 * out to the subscribers of the track it belongs to (one copy each, queued to the subscriber's
 * worker) and RTCP is terminated (keyframe requests are relayed to the publisher, throttled).
 */
final class MediaReceiver implements PacketHandler {
    /** Header extension ids the bridge offers (same on every m-line, as BUNDLE requires). */
    static final int EXT_MID = 4;
    static final int EXT_TRANSPORT_CC = 3;

    private final MediaSession session;
    private final EndpointTransport transport;
    private final MediaCounters counters;
    private final PacketPool pool;
    private final MediaCore core;
    private final RtpPacket rtp = new RtpPacket();
    private final RtcpCompound rtcp = new RtcpCompound();
    private final io.junction.bridge.stats.EndpointStats stats;
    private final io.junction.bridge.stats.ConferenceCounters conferenceCounters;
    private final io.junction.bridge.cc.TransportCcRecorder transportCc = new io.junction.bridge.cc.TransportCcRecorder();
    private volatile SourceTrack audioMidTrack;
    private volatile SourceTrack videoMidTrack;

    MediaReceiver(MediaSession session, EndpointTransport transport, MediaCore core) {
        this.session = session;
        this.transport = transport;
        this.core = core;
        this.counters = core.counters();
        this.pool = core.pool();
        this.stats = session.stats;
        this.conferenceCounters = session.endpoint().conference().mediaCounters();
    }

    void registerMid(String mid, SourceTrack track) {
        if (MediaSession.PUBLISH_AUDIO_MID.equals(mid)) {
            audioMidTrack = track;
        } else if (MediaSession.PUBLISH_VIDEO_MID.equals(mid)) {
            videoMidTrack = track;
        }
    }

    static final long RECEIVER_REPORT_INTERVAL_NS = 1_000_000_000L;
    /** How often missing packets are looked at for NACKing (retries are spaced by the RTT). */
    static final long NACK_CHECK_INTERVAL_NS = 5_000_000L;
    private long lastNackCheckNs;
    /** Sequence numbers to NACK, then packed NACK items (at most 64 per message). */
    private final int[] nackScratch = new int[64];
    private final int[] reportedSsrcs = new int[2];
    private long lastReceiverReportNs;

    /** Most packets kept while DTLS finishes (the client may send before the bridge installed its keys). */
    private static final int MAX_PENDING = 512;
    /** SRTP that arrived before the keys: replayed once they are installed. Worker-owned. */
    private final java.util.ArrayDeque<Packet> pendingUntilKeys = new java.util.ArrayDeque<>();

    @Override
    public void handle(Packet p) {
        SrtpSession srtp = transport.srtp();
        if (srtp == null) {
            // Chromium starts sending (media and bandwidth probes) as soon as its side of DTLS is done,
            // which can be a little before our keys are installed: keep those packets briefly.
            if (pendingUntilKeys.size() < MAX_PENDING && !transport.isClosed()) {
                pendingUntilKeys.add(p);
            } else {
                drop(p, DropReason.NOT_CONNECTED);
            }
            return;
        }
        if (EndpointTransport.isRtcp(p.buf, p.off, p.len)) {
            int n = srtp.unprotectRtcp(p.buf, p.off, p.len);
            if (n < 0) {
                drop(p, EndpointTransport.srtpDropReason(n));
                return;
            }
            p.len = n;
            tap(true, p);
            handleRtcp(p);
        } else {
            int n = srtp.unprotectRtp(p.buf, p.off, p.len);
            if (n < 0) {
                drop(p, EndpointTransport.srtpDropReason(n));
                return;
            }
            p.len = n;
            tap(false, p);
            handleRtp(p);
        }
    }

    private void tap(boolean isRtcp, Packet p) {
        io.junction.bridge.stats.PacketTap t = core.tap();
        if (t != null) {
            t.onPacket(session.endpoint().id(), isRtcp, p.buf, p.off, p.len);
        }
    }

    /** On the worker, right after the SRTP keys were installed: process what arrived before them. */
    void keysInstalled() {
        Packet p;
        while ((p = pendingUntilKeys.poll()) != null) {
            handle(p);
        }
    }

    /** On the worker, when the session closes: release what is still waiting. */
    void releasePending() {
        Packet p;
        while ((p = pendingUntilKeys.poll()) != null) {
            drop(p, DropReason.NOT_CONNECTED);
        }
    }

    private void drop(Packet p, DropReason reason) {
        counters.drop(reason);
        pool.release(p);
    }

    private void handleRtp(Packet p) {
        if (!rtp.wrap(p.buf, p.off, p.len)) {
            drop(p, DropReason.RTP_MALFORMED);
            return;
        }
        stats.rtpPacketsIn++;
        stats.rtpBytesIn += p.len;
        int twccAt = rtp.findExtension(EXT_TRANSPORT_CC);
        if (twccAt >= 0 && rtp.extensionLength() == 2) {
            transportCc.record(io.junction.bridge.rtp.ByteIo.readU16(p.buf, twccAt), p.receivedNs);
            if (transportCc.due(p.receivedNs)) {
                sendTransportCcFeedback(p.receivedNs);
            }
        }
        if (p.receivedNs - lastReceiverReportNs >= RECEIVER_REPORT_INTERVAL_NS) {
            sendReceiverReport(p.receivedNs);
        }
        int ssrc = rtp.ssrc();
        SourceTrack track = session.tracksBySsrc.get(ssrc);
        if (track == null) {
            track = learnFromMid(ssrc);
            if (track == null) {
                drop(p, DropReason.UNKNOWN_SSRC);
                return;
            }
        }
        NackRequester nacks = track.nackRequester();
        NackRequester.Arrival arrival = NackRequester.Arrival.IN_ORDER;
        if (ssrc == track.rtxSsrc() && ssrc != track.primarySsrc()) {
            if (nacks == null) {
                drop(p, DropReason.UNKNOWN_SSRC); // RTX on a kind the bridge does not repair
                return;
            }
            arrival = restoreRtx(p, track);
            if (arrival == null) {
                return; // dropped and counted
            }
        } else if (nacks != null && nacks.onPacket(rtp.sequenceNumber(), p.receivedNs) == NackRequester.Arrival.DUPLICATE) {
            // A copy of a packet we already have (a late original after its RTX repair): never forward twice.
            drop(p, DropReason.RTP_DUPLICATE);
            return;
        }
        boolean recovered = arrival == NackRequester.Arrival.RECOVERED;
        int kind = track.kind().ordinal();
        stats.bytesInByKind[kind] += p.len;
        counters.rtpPacketsIn[kind].increment();
        counters.rtpBytesIn[kind].add(p.len);
        conferenceCounters.packetsIn.increment();
        conferenceCounters.bytesIn.add(p.len);
        if (recovered) {
            track.receiveStats().onRecovered(p.len);
        } else {
            int lost = track.receiveStats().onPacket(rtp.sequenceNumber(), rtp.timestamp(), p.receivedNs, p.len);
            if (lost > 0) {
                counters.rtpLostIn[kind].add(lost);
            }
        }
        if (nacks != null && nacks.needsAttention() && p.receivedNs - lastNackCheckNs >= NACK_CHECK_INTERVAL_NS) {
            lastNackCheckNs = p.receivedNs;
            sendNacks(track, nacks, p.receivedNs);
        }
        Subscription[] subs = track.subscriptions();
        for (Subscription sub : subs) {
            if (!sub.isActive()) {
                continue;
            }
            MediaSession subscriber = (MediaSession) sub.subscriberContext();
            Packet copy = pool.take();
            copy.copyFrom(p);
            copy.handler = subscriber.sender.forwardHandler;
            copy.context = sub;
            subscriber.forward(copy);
        }
        pool.release(p);
    }

    /**
     * A publisher's RTX packet (RFC 4588), turned back into the packet it carries, in place, when the
     * bridge does not have that packet yet: a repair of a known gap (RECOVERED), or a packet newer than
     * any received, whose original was lost before its gap could be seen (Chromium's probes resend
     * recent packets on RTX). Padding-only probes and copies of packets the bridge has are dropped and
     * counted (null).
     */
    private NackRequester.Arrival restoreRtx(Packet p, SourceTrack track) {
        int primaryPt = CodecCatalog.aptOf(rtp.payloadType());
        int newOff = primaryPt < 0 || track.primarySsrc() == 0 ? -1 : Rtx.restore(rtp, track.primarySsrc(), primaryPt);
        if (newOff < 0) {
            drop(p, DropReason.RTX_PADDING);
            return null;
        }
        p.len -= newOff - p.off;
        p.off = newOff;
        NackRequester.Arrival arrival = track.nackRequester().onPacket(rtp.sequenceNumber(), p.receivedNs);
        if (arrival == NackRequester.Arrival.DUPLICATE) {
            drop(p, DropReason.RTX_REDUNDANT);
            return null;
        }
        if (arrival == NackRequester.Arrival.RECOVERED) {
            counters.rtxRecovered.increment();
            counters.rtxRecoveredBytes.add(p.len + 2);
            counters.repairDelayNs.add(track.nackRequester().lastRepairDelayNs());
        }
        return arrival;
    }

    /** NACKs toward the publisher: the missing packets due for a (re)try; a keyframe when repair gave up. */
    private void sendNacks(SourceTrack track, NackRequester nacks, long nowNs) {
        int due = nacks.collectDue(nowNs, session.rttNs, nackScratch);
        int givenUp = nacks.takeGivenUp();
        if (givenUp > 0) {
            counters.lossGivenUp.add(givenUp);
            requestKeyframe(track, nowNs, core);
        }
        if (due == 0 || !transport.isSrtpReady()) {
            return;
        }
        int items = NackRequester.packItems(nackScratch, due);
        Packet out = pool.take();
        try {
            int n = RtcpWriter.writeNack(out.buf, out.off, transport.rtcpSsrc(), track.primarySsrc(), nackScratch, items);
            if (transport.sendRtcp(out.buf, out.off, n, stats)) {
                counters.nackSent.increment();
                counters.nackSentPackets.add(due);
            }
        } finally {
            pool.release(out);
        }
    }

    /**
     * Unknown SSRC: the mid header extension tells which publish m-line it belongs to (Chromium sends
     * it on the first packets). Learning happens on this worker; the table is republished.
     */
    private SourceTrack learnFromMid(int ssrc) {
        int midOff = rtp.findExtension(EXT_MID);
        if (midOff < 0 || rtp.extensionLength() != 1) {
            return null;
        }
        byte mid = p_byte(midOff);
        SourceTrack t = mid == '0' ? audioMidTrack : mid == '1' ? videoMidTrack : null;
        if (t == null) {
            return null;
        }
        if (CodecCatalog.aptOf(rtp.payloadType()) >= 0) {
            // An RTX stream (often the first thing Chromium sends: padding probes)
            if (t.rtxSsrc() != 0 || t.primarySsrc() == ssrc) {
                return null;
            }
            t.setRtxSsrc(ssrc);
        } else if (t.primarySsrc() != 0) {
            return null;
        } else {
            t.setPrimarySsrc(ssrc);
        }
        session.tracksBySsrc = session.tracksBySsrc.with(ssrc, t);
        return t;
    }

    private byte p_byte(int absoluteOffset) {
        return rtp.buffer()[absoluteOffset];
    }

    private void handleRtcp(Packet p) {
        long nowNs = p.receivedNs;
        if (!rtcp.wrap(p.buf, p.off, p.len)) {
            drop(p, DropReason.RTCP_MALFORMED);
            return;
        }
        stats.rtcpPacketsIn++;
        stats.rtcpBytesIn += p.len;
        counters.rtcpReceived.increment();
        while (rtcp.next()) {
            int mediaSsrc;
            int type = rtcp.packetType();
            if (type == RtcpCompound.SR) {
                onSenderReport(p.buf, nowNs);
            }
            if (type == RtcpCompound.SR || type == RtcpCompound.RR) {
                readReportBlocks(p.buf, nowNs);
                continue;
            }
            if (rtcp.isNack()) {
                counters.nackReceived.increment();
                Subscription sub = session.subscriptionsByOutSsrc.get(rtcp.feedbackMediaSsrc());
                if (sub != null) {
                    int items = rtcp.nackItemCount();
                    for (int k = 0; k < items; k++) {
                        int item = rtcp.nackItem(k);
                        int pid = item >>> 16;
                        session.sender.retransmit(sub, pid, nowNs);
                        for (int bit = 0; bit < 16; bit++) {
                            if ((item & (1 << bit)) != 0) {
                                session.sender.retransmit(sub, (pid + bit + 1) & 0xFFFF, nowNs);
                            }
                        }
                    }
                }
                continue;
            }
            if (rtcp.isRemb()) {
                counters.rembReceived.increment();
                continue;
            }
            boolean fir = false;
            if (rtcp.isPli()) {
                counters.pliReceived.increment();
                mediaSsrc = rtcp.feedbackMediaSsrc();
            } else if (rtcp.isFir()) {
                counters.firReceived.increment();
                mediaSsrc = rtcp.firFirstEntrySsrc();
                fir = true;
            } else {
                counters.rtcpFeedbackDropped.increment();
                continue;
            }
            Subscription sub = session.subscriptionsByOutSsrc.get(mediaSsrc);
            if (sub != null) {
                requestKeyframe(sub.source(), nowNs, core, fir);
            }
        }
        if (rtcp.malformed()) {
            counters.drop(DropReason.RTCP_MALFORMED);
        }
        pool.release(p);
    }

    /**
     * Transport-wide congestion control feedback to this publisher (every ~50 ms while it sends), so
     * its send-side bandwidth estimator (GCC) sees the path and can raise its bitrate.
     */
    private void sendTransportCcFeedback(long nowNs) {
        Packet out = pool.take();
        try {
            SourceTrack video = session.track(io.junction.bridge.forward.MediaKind.VIDEO);
            SourceTrack audio = session.track(io.junction.bridge.forward.MediaKind.AUDIO);
            int mediaSsrc = video != null ? video.primarySsrc() : audio != null ? audio.primarySsrc() : 0;
            int n = transportCc.writeFeedback(out.buf, out.off, transport.rtcpSsrc(), mediaSsrc, nowNs);
            if (n > 0 && transport.sendRtcp(out.buf, out.off, n, stats)) {
                counters.transportCcFeedbackSent.increment();
            }
        } finally {
            pool.release(out);
        }
    }

    /**
     * A publisher's sender report: remembered for our receiver reports (LSR/DLSR) and passed on to each
     * subscriber, whose worker re-issues it under the subscriber-side SSRC with the rewritten timestamp,
     * keeping the publisher's NTP ↔ RTP relation so receivers can synchronise audio and video.
     */
    private void onSenderReport(byte[] buf, long nowNs) {
        int at = rtcp.offset();
        if (rtcp.length() < 28) {
            return;
        }
        SourceTrack track = session.tracksBySsrc.get(rtcp.senderSsrc());
        if (track == null || rtcp.senderSsrc() != track.primarySsrc()) {
            return;
        }
        long ntp = ((long) io.junction.bridge.rtp.ByteIo.readInt(buf, at + 8) << 32)
                | (io.junction.bridge.rtp.ByteIo.readInt(buf, at + 12) & 0xFFFFFFFFL);
        int rtpTs = io.junction.bridge.rtp.ByteIo.readInt(buf, at + 16);
        track.receiveStats().onSenderReport((int) (ntp >>> 16), nowNs);
        for (Subscription sub : track.subscriptions()) {
            if (!sub.isActive()) {
                continue;
            }
            MediaSession subscriber = (MediaSession) sub.subscriberContext();
            Packet c = pool.take();
            io.junction.bridge.rtp.ByteIo.writeInt(c.buf, c.off, (int) (ntp >>> 32));
            io.junction.bridge.rtp.ByteIo.writeInt(c.buf, c.off + 4, (int) ntp);
            io.junction.bridge.rtp.ByteIo.writeInt(c.buf, c.off + 8, rtpTs);
            io.junction.bridge.rtp.ByteIo.writeInt(c.buf, c.off + 12, rtcp.senderSsrc());
            c.len = 16;
            c.receivedNs = nowNs;
            c.handler = subscriber.sender.senderReportHandler;
            c.context = sub;
            subscriber.forward(c);
        }
    }

    /** One receiver report to this publisher about each stream it sends (RFC 3550 §6.4.2). */
    private void sendReceiverReport(long nowNs) {
        lastReceiverReportNs = nowNs;
        if (!transport.isSrtpReady()) {
            return;
        }
        Packet out = pool.take();
        try {
            int blocks = 0;
            int ssrcCount = 0;
            int at = out.off + 8;
            for (io.junction.bridge.forward.MediaKind kind : io.junction.bridge.forward.MediaKind.values()) {
                SourceTrack t = session.track(kind);
                if (t == null || t.primarySsrc() == 0 || t.receiveStats().packets == 0) {
                    continue;
                }
                var rs = t.receiveStats();
                at += io.junction.bridge.rtp.RtcpWriter.writeReportBlock(out.buf, at, t.primarySsrc(),
                        rs.fractionLostSinceLastReport(), rs.cumulativeLost(), rs.extendedHighestSeq(), rs.jitterUnits(),
                        rs.lastSrNtpMiddle(), rs.delaySinceLastSr(nowNs));
                blocks++;
                reportedSsrcs[ssrcCount++] = t.primarySsrc();
            }
            if (blocks == 0) {
                return;
            }
            io.junction.bridge.rtp.RtcpWriter.writeRrHeader(out.buf, out.off, transport.rtcpSsrc(), blocks);
            long cap = core.config().maxPublisherBitrateBps();
            if (cap > 0) {
                // The configured cap, for the browser's send-side estimator (it never sends above it).
                at += RtcpWriter.writeRemb(out.buf, at, transport.rtcpSsrc(), cap, reportedSsrcs, ssrcCount);
                counters.rembSent.increment();
            }
            if (transport.sendRtcp(out.buf, out.off, at - out.off, stats)) {
                counters.receiverReportsSent.increment();
            }
        } finally {
            pool.release(out);
        }
    }

    /** Receiver reports about streams the bridge sends this endpoint: outgoing loss, jitter, RTT. */
    private void readReportBlocks(byte[] buf, long nowNs) {
        int n = rtcp.reportBlockCount();
        for (int i = 0; i < n; i++) {
            int at = rtcp.reportBlockOffset(i);
            Subscription sub = session.subscriptionsByOutSsrc.get(io.junction.bridge.rtp.ByteIo.readInt(buf, at));
            if (sub == null) {
                continue;
            }
            sub.reportedFractionLost = (buf[at + 4] & 0xFF) / 256.0;
            int cumulative = io.junction.bridge.rtp.ByteIo.readU24(buf, at + 5);
            sub.reportedCumulativeLost = (cumulative << 8) >> 8; // signed 24-bit
            long jitterUnits = io.junction.bridge.rtp.ByteIo.readInt(buf, at + 12) & 0xFFFFFFFFL;
            sub.reportedJitterSeconds = jitterUnits / (sub.source().kind() == io.junction.bridge.forward.MediaKind.AUDIO
                    ? 48_000.0 : 90_000.0);
            int lsr = io.junction.bridge.rtp.ByteIo.readInt(buf, at + 16);
            long dlsrNs = (io.junction.bridge.rtp.ByteIo.readInt(buf, at + 20) & 0xFFFFFFFFL) * 1_000_000_000L / 65536;
            if (lsr != 0 && lsr == sub.lastSrNtpMiddle && sub.lastSrSentNs != 0) {
                long rtt = nowNs - sub.lastSrSentNs - dlsrNs;
                if (rtt >= 0) {
                    sub.rttNs = rtt;
                    session.rttNs = rtt;
                }
            }
        }
    }

    /** Asks the publisher of {@code track} for a keyframe (PLI), at most once per 200 ms per source. */
    static void requestKeyframe(SourceTrack track, long nowNs, MediaCore core) {
        requestKeyframe(track, nowNs, core, false);
    }

    /**
     * Asks the publisher of {@code track} for a keyframe, at most once per 200 ms per source whoever
     * asks: with a FIR (next sequence number of this source) when a subscriber asked with a FIR, else PLI.
     */
    static void requestKeyframe(SourceTrack track, long nowNs, MediaCore core, boolean fir) {
        if (track.isEnded() || !track.tryClaimKeyframeRequest(nowNs)) {
            return;
        }
        MediaSession publisher = (MediaSession) track.publisherContext();
        Packet p = core.pool().take();
        p.handler = fir ? publisher.sender.firHandler : publisher.sender.pliHandler;
        p.context = track;
        publisher.worker().offer(p);
    }
}
