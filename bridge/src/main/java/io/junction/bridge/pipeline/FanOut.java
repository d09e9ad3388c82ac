package io.junction.bridge.pipeline;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.codec.DependencyDescriptor;
import io.junction.bridge.codec.FrameInfo;
import io.junction.bridge.codec.VideoCodec;
import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * The fan-out stage, on the publisher's worker: one copy of an accepted packet per active
 * subscription, handed to the subscription's {@link io.junction.bridge.forward.StreamSink}. Audio
 * goes to everyone (its sequence numbers and timestamps are rewritten by the sender). Video goes
 * through each subscription's {@link VideoProjection}, which decides from the packet's
 * {@link FrameInfo} whether this layer and temporal layer go to that subscriber; the copies that go
 * get their sequence number and timestamp here and their picture ids from the track's codec.
 */
final class FanOut {
    private final MediaCounters counters;
    private final PacketPool pool;

    FanOut(PathContext ctx) {
        this.counters = ctx.counters();
        this.pool = ctx.pool();
    }

    /** Scratch view for unwrapping redundant audio (publisher's worker only). */
    private final RtpPacket redView = new RtpPacket();

    /**
     * Audio packet {@code p} (parsed in {@code rtp}) of {@code track}: to every active subscriber. A
     * RED packet goes as it is to subscribers that negotiated RED and as its primary Opus frame to the
     * others (unwrapped once). Takes ownership of {@code p}.
     */
    void audio(Packet p, RtpPacket rtp, SourceTrack track) {
        boolean red = rtp.payloadType() == CodecCatalog.PT_RED;
        Packet plain = null;
        boolean plainFailed = false;
        for (Subscription sub : track.subscriptions()) {
            if (!sub.isActive()) {
                continue;
            }
            Packet source = p;
            if (red && sub.unwrapRed()) {
                if (plain == null && !plainFailed) {
                    plain = unwrapRed(p);
                    plainFailed = plain == null;
                }
                if (plain == null) {
                    continue;
                }
                source = plain;
            }
            Packet copy = pool.take();
            copy.copyFrom(source);
            sub.sink().sendRtp(copy);
        }
        if (plain != null) {
            pool.release(plain);
        }
        pool.release(p);
    }

    /** A copy of RED packet {@code p} as its primary block, or null (counted) when it is not valid RED. */
    private Packet unwrapRed(Packet p) {
        Packet plain = pool.take();
        plain.copyFrom(p);
        int newOff = redView.wrap(plain.buf, plain.off, plain.len) ? io.junction.bridge.rtp.Red.unwrap(redView) : -1;
        if (newOff < 0) {
            pool.release(plain);
            counters.drop(io.junction.bridge.stats.DropReason.RED_MALFORMED);
            return null;
        }
        plain.len = redView.length();
        plain.off = newOff;
        return plain;
    }

    /**
     * Video packet {@code p} (parsed in {@code rtp}) of {@code enc}, inspected by {@code codec} into
     * {@code frame} ({@code codec} null: a payload type without a reader). Takes ownership of {@code p}.
     */
    void video(Packet p, RtpPacket rtp, SourceEncoding enc, VideoCodec codec, FrameInfo frame) {
        int ssrc = rtp.ssrc();
        int seq = rtp.sequenceNumber();
        int ts = rtp.timestamp();
        // the dependency descriptor: its frame number and active decode targets are the receiver's own
        int ddAt = frame.frameNumber >= 0 ? rtp.findExtension(CodecCatalog.EXT_DEPENDENCY_DESCRIPTOR) : -1;
        int ddElement = ddAt < 0 ? -1 : ddAt - (rtp.twoByteExtensions() ? 2 : 1);
        int ddEnd = ddAt < 0 ? -1 : ddAt + rtp.extensionLength();
        DependencyDescriptor dd = ddAt >= 0 && frame.dependencies ? enc.dependencyDescriptor() : null;
        for (Subscription sub : enc.track().subscriptions()) {
            if (!sub.isActive()) {
                continue;
            }
            VideoProjection vp = sub.video();
            long switches = vp.layerSwitches;
            // a subscription moving to another source (a viewer following the stage) still gets this
            // one's current layer until the new one's keyframe: its packets count as "leaving" layers
            int layer = enc.track() == sub.source() ? enc.index() : VideoProjection.LEAVING + enc.index();
            if (!vp.accept(layer, ssrc, seq, ts, frame, p.receivedNs)) {
                counters.videoPacketsSuppressed.increment();
                if (vp.wantsKeyframe() && vp.targetEncoding() == layer) {
                    enc.requestKeyframe(p.receivedNs, false);
                }
                continue;
            }
            if (vp.layerSwitches != switches) {
                counters.layerSwitches.increment();
            }
            Packet copy = pool.take();
            copy.copyFrom(p);
            ByteIo.writeU16(copy.buf, copy.off + 2, vp.outSeq());
            ByteIo.writeInt(copy.buf, copy.off + 4, vp.outTs());
            if (frame.spatialId >= 0) { // the picture ends at the highest spatial layer this receiver gets
                copy.buf[copy.off + 1] = (byte) ((copy.buf[copy.off + 1] & 0x7F) | (vp.outMarker() ? 0x80 : 0));
            }
            int shift = copy.off - p.off;
            if (codec != null) {
                codec.rewrite(copy.buf, shift, vp.outPictureId(), vp.outTl0());
            }
            if (ddAt >= 0) {
                if (!sub.dependencyDescriptor()) {
                    // not negotiated by this receiver: the element becomes padding
                    java.util.Arrays.fill(copy.buf, ddElement + shift, ddEnd + shift, (byte) 0);
                } else {
                    DependencyDescriptor.writeFrameNumber(copy.buf, ddAt + shift, vp.outFrameNumber());
                    if (dd != null && dd.hasActiveDecodeTargets()) {
                        dd.writeActiveDecodeTargets(copy.buf, shift, dd.activeDecodeTargets()
                                & dd.decodableTargets(vp.currentSpatial(), vp.currentTemporal(), frame.layersIndependent));
                    }
                }
            }
            copy.flags = Packet.FLAG_PROJECTED;
            sub.sink().sendRtp(copy);
        }
        pool.release(p);
    }
}
