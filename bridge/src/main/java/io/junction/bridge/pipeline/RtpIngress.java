package io.junction.bridge.pipeline;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.codec.DependencyDescriptor;
import io.junction.bridge.codec.FrameInfo;
import io.junction.bridge.codec.VideoCodec;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.NackRequester;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.rtp.Rtx;
import io.junction.bridge.stats.ConferenceCounters;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * The RTP ingress stage of one publisher, on its packet worker, after SRTP: the packet is parsed once
 * (header and every extension, {@link RtpPacket}); its transport-wide number feeds the feedback to
 * the publisher; its SSRC names the encoding (learned from mid/rid when new); an RTX packet is turned
 * back into the packet it repairs; the NACK state and receive statistics take it; then codec
 * inspection (video) and the fan-out. What the send side needs of the parse (where the transport-wide
 * number sits) travels in the packet, and the publisher's mid/rid extensions are erased here once,
 * not in every copy.
 */
final class RtpIngress {
    /** How often missing packets are looked at for NACKing (retries are spaced by the RTT). */
    static final long NACK_CHECK_INTERVAL_NS = 5_000_000L;

    private final String endpointId;
    private final EndpointStreams streams;
    private final EndpointStats stats;
    private final MediaCounters counters;
    private final ConferenceCounters conferenceCounters;
    private final PacketPool pool;
    private final SsrcLearner learner;
    private final PublisherFeedback feedback;
    private final FanOut fanOut;
    private final AudioObserver audioObserver;
    private final RtpPacket rtp = new RtpPacket();
    private long lastNackCheckNs;
    /** Size as received (SRTP) of the packet being handled: every byte count of the receive side is of it. */
    private int wireLen;

    RtpIngress(String endpointId, EndpointStreams streams, EndpointStats stats, PathContext ctx,
               ConferenceCounters conferenceCounters, PublisherFeedback feedback, FanOut fanOut, AudioObserver audioObserver) {
        this.endpointId = endpointId;
        this.streams = streams;
        this.stats = stats;
        this.counters = ctx.counters();
        this.conferenceCounters = conferenceCounters;
        this.pool = ctx.pool();
        this.learner = new SsrcLearner(streams);
        this.feedback = feedback;
        this.fanOut = fanOut;
        this.audioObserver = audioObserver;
    }

    /** An unprotected RTP packet that was {@code wireLen} bytes on the wire; takes ownership of {@code p}. */
    void handle(Packet p, int wireLen) {
        this.wireLen = wireLen;
        if (!rtp.wrap(p.buf, p.off, p.len)) {
            drop(p, DropReason.RTP_MALFORMED);
            return;
        }
        IngestMap map = streams.ingestMap;
        if (map != null && !map.apply(rtp)) {
            drop(p, DropReason.UNKNOWN_PAYLOAD_TYPE);
            return;
        }
        int twccAt = rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC);
        if (twccAt >= 0 && rtp.extensionLength() == 2) {
            feedback.onTransportSequence(ByteIo.readU16(p.buf, twccAt), p.receivedNs);
        }
        feedback.maybeReport(p.receivedNs);
        int ssrc = rtp.ssrc();
        SourceEncoding enc = streams.encodingsBySsrc.get(ssrc);
        if (enc == null) {
            enc = learner.learn(rtp, ssrc);
            if (enc == null) {
                drop(p, DropReason.UNKNOWN_SSRC);
                return;
            }
        }
        SourceTrack track = enc.track();
        NackRequester nacks = enc.nackRequester();
        NackRequester.Arrival arrival = NackRequester.Arrival.IN_ORDER;
        if (ssrc == enc.rtxSsrc() && ssrc != enc.ssrc()) {
            if (nacks == null) {
                drop(p, DropReason.UNKNOWN_SSRC); // RTX on a kind the bridge does not repair
                return;
            }
            arrival = restoreRtx(p, enc);
            if (arrival == null) {
                return; // dropped and counted
            }
        } else if (nacks != null && nacks.onPacket(rtp.sequenceNumber(), p.receivedNs) == NackRequester.Arrival.DUPLICATE) {
            // A copy of a packet we already have (a late original after its RTX repair): never forward twice.
            drop(p, DropReason.RTP_DUPLICATE);
            return;
        }
        int kind = track.kind().ordinal();
        stats.bytesInByKind[kind] += wireLen;
        counters.rtpPacketsIn[kind].increment();
        counters.rtpBytesIn[kind].add(wireLen);
        conferenceCounters.packetsIn.increment();
        conferenceCounters.bytesIn.add(wireLen);
        if (arrival == NackRequester.Arrival.RECOVERED) {
            enc.receiveStats().onRecovered(wireLen);
        } else {
            int lost = enc.receiveStats().onPacket(rtp.sequenceNumber(), rtp.timestamp(), p.receivedNs, wireLen);
            if (lost > 0) {
                counters.rtpLostIn[kind].add(lost);
            }
        }
        if (nacks != null && nacks.needsAttention() && p.receivedNs - lastNackCheckNs >= NACK_CHECK_INTERVAL_NS) {
            lastNackCheckNs = p.receivedNs;
            feedback.sendNacks(enc, nacks, p.receivedNs);
        }
        enc.lastPacketNs = p.receivedNs;
        prepareForSubscribers(p);
        if (track.kind() == MediaKind.VIDEO) {
            FrameInfo frame = track.frameInfo();
            VideoCodec codec = inspect(p, enc, track, frame);
            fanOut.video(p, rtp, enc, codec, frame);
        } else {
            audioObserver.onAudio(track.endpointId(), rtp, p.receivedNs); // the track's: a relay carries several endpoints'
            fanOut.audio(p, rtp, track);
        }
    }

    /**
     * What every subscriber's copy needs done once: the publisher's mid/rid extensions erased (they
     * name the publisher's m-line and layers, not the subscriber's) and the place of the transport-wide
     * number noted for the sender.
     */
    private void prepareForSubscribers(Packet p) {
        rtp.eraseExtension(CodecCatalog.EXT_MID);
        rtp.eraseExtension(CodecCatalog.EXT_RID);
        rtp.eraseExtension(CodecCatalog.EXT_REPAIRED_RID);
        int at = rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC);
        p.tccOffset = at >= 0 && rtp.extensionLength() == 2 ? at - p.off : -1;
    }

    /**
     * Codec inspection: the track's reader for this payload type reads the payload descriptor into
     * {@code frame}; keyframes are counted and their size noted, the layer's rate measured. Returns the
     * codec (null for a payload type without one: then nothing is known and the packet is no switch point).
     */
    private VideoCodec inspect(Packet p, SourceEncoding enc, SourceTrack track, FrameInfo frame) {
        VideoCodec codec = track.payloadFormat(rtp.payloadType());
        if (codec == null) {
            frame.reset();
        } else {
            codec.inspect(p.buf, rtp.payloadOffset(), rtp.payloadLength(), frame);
        }
        int dd = rtp.findExtension(CodecCatalog.EXT_DEPENDENCY_DESCRIPTOR);
        if (dd >= 0) {
            // the dependency descriptor, when the publisher sends one, names the layers for any codec;
            // one that cannot be read yet (no structure) still has its frame number rewritten
            DependencyDescriptor reader = enc.dependencyDescriptor();
            if (reader.read(p.buf, dd, rtp.extensionLength())) {
                reader.describe(frame);
            } else {
                frame.frameNumber = DependencyDescriptor.frameNumber(p.buf, dd, rtp.extensionLength());
                counters.dependencyDescriptorsUnreadable.increment();
            }
        }
        frame.marker = rtp.marker();
        if (frame.keyframeStart) {
            counters.keyframesReceived.increment();
            if (frame.height > 0) {
                enc.height = frame.height;
            }
        }
        enc.rates().add(frame.temporalId, p.len, p.receivedNs);
        if (frame.spatialId >= 0) {
            enc.onSpatialLayer(frame, p.len, p.receivedNs);
        }
        return codec;
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
            drop(p, DropReason.RTX_PADDING);
            return null;
        }
        p.len -= newOff - p.off;
        p.off = newOff;
        NackRequester.Arrival arrival = enc.nackRequester().onPacket(rtp.sequenceNumber(), p.receivedNs);
        if (arrival == NackRequester.Arrival.DUPLICATE) {
            drop(p, DropReason.RTX_REDUNDANT);
            return null;
        }
        if (arrival == NackRequester.Arrival.RECOVERED) {
            counters.rtxRecovered.increment();
            counters.rtxRecoveredBytes.add(p.len + 2);
            counters.repairDelayNs.add(enc.nackRequester().lastRepairDelayNs());
        }
        return arrival;
    }

    /** Drops the packet being handled, counting its bytes as received. */
    private void drop(Packet p, DropReason reason) {
        counters.dropRtp(reason, wireLen);
        pool.release(p);
    }
}
