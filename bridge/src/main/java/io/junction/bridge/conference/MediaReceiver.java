package io.junction.bridge.conference;

import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.NackRequester;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtp.RtcpCompound;
import io.junction.bridge.rtp.RtcpWriter;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.rtp.Rtx;
import io.junction.bridge.rtp.Vp8Descriptor;
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
    private final Vp8Descriptor vp8 = new Vp8Descriptor();
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
    private final int[] reportedSsrcs = new int[16];
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
                dropUnprotected(p, DropReason.NOT_CONNECTED);
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
            rtpWireLen = p.len;
            stats.rtpPacketsIn++;
            stats.rtpBytesIn += rtpWireLen;
            int n = srtp.unprotectRtp(p.buf, p.off, p.len);
            if (n < 0) {
                dropRtp(p, EndpointTransport.srtpDropReason(n));
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
            dropUnprotected(p, DropReason.NOT_CONNECTED);
        }
    }

    /**
     * Size as received (SRTP) of the RTP packet being handled: every byte count of the receive side is
     * of this size, so that what the wire brought = what was accepted + what was dropped.
     */
    private int rtpWireLen;

    private void drop(Packet p, DropReason reason) {
        counters.drop(reason);
        pool.release(p);
    }

    /** Drops the RTP packet being handled, counting its bytes as received. */
    private void dropRtp(Packet p, DropReason reason) {
        counters.dropRtp(reason, rtpWireLen);
        pool.release(p);
    }

    /** Drops a packet still as received (RTP bytes counted as such; RTCP by packet). */
    private void dropUnprotected(Packet p, DropReason reason) {
        counters.dropDatagram(reason, !EndpointTransport.isRtcp(p.buf, p.off, p.len), p.len);
        pool.release(p);
    }

    private void handleRtp(Packet p) {
        if (!rtp.wrap(p.buf, p.off, p.len)) {
            dropRtp(p, DropReason.RTP_MALFORMED);
            return;
        }
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
        SourceEncoding enc = session.encodingsBySsrc.get(ssrc);
        if (enc == null) {
            enc = learnSsrc(ssrc);
            if (enc == null) {
                dropRtp(p, DropReason.UNKNOWN_SSRC);
                return;
            }
        }
        SourceTrack track = enc.track();
        NackRequester nacks = enc.nackRequester();
        NackRequester.Arrival arrival = NackRequester.Arrival.IN_ORDER;
        if (ssrc == enc.rtxSsrc() && ssrc != enc.ssrc()) {
            if (nacks == null) {
                dropRtp(p, DropReason.UNKNOWN_SSRC); // RTX on a kind the bridge does not repair
                return;
            }
            arrival = restoreRtx(p, enc);
            if (arrival == null) {
                return; // dropped and counted
            }
        } else if (nacks != null && nacks.onPacket(rtp.sequenceNumber(), p.receivedNs) == NackRequester.Arrival.DUPLICATE) {
            // A copy of a packet we already have (a late original after its RTX repair): never forward twice.
            dropRtp(p, DropReason.RTP_DUPLICATE);
            return;
        }
        boolean recovered = arrival == NackRequester.Arrival.RECOVERED;
        int kind = track.kind().ordinal();
        stats.bytesInByKind[kind] += rtpWireLen;
        counters.rtpPacketsIn[kind].increment();
        counters.rtpBytesIn[kind].add(rtpWireLen);
        conferenceCounters.packetsIn.increment();
        conferenceCounters.bytesIn.add(rtpWireLen);
        if (recovered) {
            enc.receiveStats().onRecovered(rtpWireLen);
        } else {
            int lost = enc.receiveStats().onPacket(rtp.sequenceNumber(), rtp.timestamp(), p.receivedNs, rtpWireLen);
            if (lost > 0) {
                counters.rtpLostIn[kind].add(lost);
            }
        }
        if (nacks != null && nacks.needsAttention() && p.receivedNs - lastNackCheckNs >= NACK_CHECK_INTERVAL_NS) {
            lastNackCheckNs = p.receivedNs;
            sendNacks(enc, nacks, p.receivedNs);
        }
        enc.lastPacketNs = p.receivedNs;
        if (track.kind() == MediaKind.VIDEO) {
            forwardVideo(p, enc, track);
        } else {
            session.endpoint().conference().forwarding().onAudio(session.endpoint().id(), rtp, p.receivedNs);
            forwardAudio(p, track);
        }
    }

    private void forwardAudio(Packet p, SourceTrack track) {
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
     * Video: each subscription's {@link VideoProjection} decides whether this packet (this layer, this
     * temporal layer) goes to that subscriber; the copies that go are rewritten here (sequence number,
     * timestamp, VP8 picture id and TL0PICIDX) and sent by the subscriber's sender.
     */
    private void forwardVideo(Packet p, SourceEncoding enc, SourceTrack track) {
        int pt = rtp.payloadType();
        int tid = -1;
        boolean sync = false;
        boolean keyStart;
        boolean frameStart = true;
        int pictureId = -1;
        int tl0 = -1;
        boolean isVp8 = pt == CodecCatalog.PT_VP8 && vp8.wrap(p.buf, rtp.payloadOffset(), rtp.payloadLength());
        if (pt == CodecCatalog.PT_VP8 && !isVp8) {
            keyStart = false; // no VP8 descriptor (padding, or a truncated packet): never a switch point
        } else if (isVp8) {
            tid = vp8.temporalId();
            sync = vp8.isLayerSync();
            keyStart = vp8.isKeyframeStart();
            frameStart = vp8.isStartOfFrame();
            pictureId = vp8.pictureIdBits() == 15 ? vp8.pictureId() : -1;
            tl0 = vp8.tl0PicIdx();
            if (keyStart && vp8.height() > 0) {
                enc.height = vp8.height();
            }
        } else {
            keyStart = Vp8Descriptor.isH264KeyframeStart(p.buf, rtp.payloadOffset(), rtp.payloadLength());
        }
        if (keyStart) {
            counters.keyframesReceived.increment();
        }
        enc.rates().add(tid, p.len, p.receivedNs);
        int ssrc = rtp.ssrc();
        int seq = rtp.sequenceNumber();
        int ts = rtp.timestamp();
        Subscription[] subs = track.subscriptions();
        for (Subscription sub : subs) {
            if (!sub.isActive()) {
                continue;
            }
            VideoProjection vp = sub.video();
            long switches = vp.layerSwitches;
            if (!vp.accept(enc.index(), ssrc, seq, ts, tid, sync, keyStart, frameStart, pictureId, tl0, p.receivedNs)) {
                counters.videoPacketsSuppressed.increment();
                if (vp.wantsKeyframe() && vp.targetEncoding() == enc.index()) {
                    requestKeyframe(enc, p.receivedNs, core, false);
                }
                continue;
            }
            if (vp.layerSwitches != switches) {
                counters.layerSwitches.increment();
            }
            MediaSession subscriber = (MediaSession) sub.subscriberContext();
            Packet copy = pool.take();
            copy.copyFrom(p);
            int shift = copy.off - p.off;
            io.junction.bridge.rtp.ByteIo.writeU16(copy.buf, copy.off + 2, vp.outSeq());
            io.junction.bridge.rtp.ByteIo.writeInt(copy.buf, copy.off + 4, vp.outTs());
            if (isVp8) {
                if (vp.outPictureId() >= 0) {
                    vp8.setPictureId(copy.buf, shift, vp.outPictureId());
                }
                if (vp.outTl0() >= 0) {
                    vp8.setTl0PicIdx(copy.buf, shift, vp.outTl0());
                }
            }
            copy.flags = Packet.FLAG_PROJECTED;
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
    private NackRequester.Arrival restoreRtx(Packet p, SourceEncoding enc) {
        int primaryPt = CodecCatalog.aptOf(rtp.payloadType());
        int newOff = primaryPt < 0 || enc.ssrc() == 0 ? -1 : Rtx.restore(rtp, enc.ssrc(), primaryPt);
        if (newOff < 0) {
            dropRtp(p, DropReason.RTX_PADDING);
            return null;
        }
        p.len -= newOff - p.off;
        p.off = newOff;
        NackRequester.Arrival arrival = enc.nackRequester().onPacket(rtp.sequenceNumber(), p.receivedNs);
        if (arrival == NackRequester.Arrival.DUPLICATE) {
            dropRtp(p, DropReason.RTX_REDUNDANT);
            return null;
        }
        if (arrival == NackRequester.Arrival.RECOVERED) {
            counters.rtxRecovered.increment();
            counters.rtxRecoveredBytes.add(p.len + 2);
            counters.repairDelayNs.add(enc.nackRequester().lastRepairDelayNs());
        }
        return arrival;
    }

    /** NACKs toward the publisher: the missing packets due for a (re)try; a keyframe when repair gave up. */
    private void sendNacks(SourceEncoding enc, NackRequester nacks, long nowNs) {
        int due = nacks.collectDue(nowNs, session.rttNs, nackScratch);
        int givenUp = nacks.takeGivenUp();
        if (givenUp > 0) {
            counters.lossGivenUp.add(givenUp);
            requestKeyframe(enc, nowNs, core, false);
        }
        if (due == 0 || !transport.isSrtpReady()) {
            return;
        }
        int items = NackRequester.packItems(nackScratch, due);
        Packet out = pool.take();
        try {
            int n = RtcpWriter.writeNack(out.buf, out.off, transport.rtcpSsrc(), enc.ssrc(), nackScratch, items);
            if (transport.sendRtcp(out.buf, out.off, n, stats)) {
                counters.nackSent.increment();
                counters.nackSentPackets.add(due);
            }
        } finally {
            pool.release(out);
        }
    }

    /**
     * Unknown SSRC: the mid header extension tells which publish m-line it belongs to, and for
     * simulcast the rid (or, for RTX, repaired-rid) extension which layer (Chromium sends them on the
     * first packets of each stream). Learning happens on this worker; the table is republished.
     */
    private SourceEncoding learnSsrc(int ssrc) {
        int midOff = rtp.findExtension(EXT_MID);
        if (midOff < 0 || rtp.extensionLength() != 1) {
            return null;
        }
        byte mid = p_byte(midOff);
        SourceTrack t = mid == '0' ? audioMidTrack : mid == '1' ? videoMidTrack : null;
        if (t == null) {
            return null;
        }
        boolean rtx = CodecCatalog.aptOf(rtp.payloadType()) >= 0;
        SourceEncoding e;
        if (t.isSimulcast()) {
            String rid = rtp.extensionString(rtx ? MediaSender.EXT_REPAIRED_RID : MediaSender.EXT_RID);
            e = rid == null ? null : t.encodingByRid(rid);
            if (e == null) {
                return null;
            }
            int old = rtx ? e.rtxSsrc() : e.ssrc();
            if (old != 0 && old != ssrc) {
                // The layer restarted under a new SSRC: the rid says it is the same layer.
                session.encodingsBySsrc = session.encodingsBySsrc.without(old);
            }
        } else {
            e = t.encodings()[0];
            if (rtx ? e.rtxSsrc() != 0 || e.ssrc() == ssrc : e.ssrc() != 0) {
                return null;
            }
        }
        if (rtx) {
            // An RTX stream (often the first thing Chromium sends: padding probes)
            e.setRtxSsrc(ssrc);
        } else {
            e.setSsrc(ssrc);
        }
        session.encodingsBySsrc = session.encodingsBySsrc.with(ssrc, e);
        return e;
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
            if (rtcp.isTransportCc()) {
                counters.transportCcFeedbackReceived.increment();
                session.sender.onTransportCcFeedback(p.buf, rtcp.offset(), rtcp.length(), nowNs);
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
            SourceEncoding decoded = sub == null ? null : sub.decodedEncoding();
            if (decoded != null) {
                requestKeyframe(decoded, nowNs, core, fir);
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
        SourceEncoding enc = session.encodingsBySsrc.get(rtcp.senderSsrc());
        if (enc == null || rtcp.senderSsrc() != enc.ssrc()) {
            return;
        }
        SourceTrack track = enc.track();
        long ntp = ((long) io.junction.bridge.rtp.ByteIo.readInt(buf, at + 8) << 32)
                | (io.junction.bridge.rtp.ByteIo.readInt(buf, at + 12) & 0xFFFFFFFFL);
        int rtpTs = io.junction.bridge.rtp.ByteIo.readInt(buf, at + 16);
        enc.receiveStats().onSenderReport((int) (ntp >>> 16), nowNs);
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
                if (t == null) {
                    continue;
                }
                for (SourceEncoding e : t.encodings()) {
                    var rs = e.receiveStats();
                    if (e.ssrc() == 0 || rs.packets == 0 || blocks == 31 || ssrcCount == reportedSsrcs.length) {
                        continue;
                    }
                    at += io.junction.bridge.rtp.RtcpWriter.writeReportBlock(out.buf, at, e.ssrc(),
                            rs.fractionLostSinceLastReport(), rs.cumulativeLost(), rs.extendedHighestSeq(), rs.jitterUnits(),
                            rs.lastSrNtpMiddle(), rs.delaySinceLastSr(nowNs));
                    blocks++;
                    reportedSsrcs[ssrcCount++] = e.ssrc();
                }
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
                    if (session.sender.estimator != null) {
                        session.sender.estimator.onRtt(rtt);
                    }
                }
            }
        }
    }

    /**
     * Asks the publisher for a keyframe of {@code enc}, at most once per 200 ms per encoding whoever
     * asks: with a FIR (that SSRC's next sequence number) when a subscriber asked with a FIR, else PLI.
     */
    static void requestKeyframe(SourceEncoding enc, long nowNs, MediaCore core, boolean fir) {
        if (enc.track().isEnded() || enc.ssrc() == 0 || !enc.tryClaimKeyframeRequest(nowNs)) {
            return;
        }
        MediaSession publisher = (MediaSession) enc.track().publisherContext();
        Packet p = core.pool().take();
        p.handler = fir ? publisher.sender.firHandler : publisher.sender.pliHandler;
        p.context = enc;
        publisher.worker().offer(p);
    }
}
