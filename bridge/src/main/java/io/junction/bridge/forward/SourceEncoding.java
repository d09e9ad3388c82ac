package io.junction.bridge.forward;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One RTP stream of a {@link SourceTrack}: its only stream, or one simulcast layer (identified by its
 * rid; index 0 is the lowest resolution). Each has its own SSRC (and RTX SSRC), sequence space, loss
 * recovery and reception statistics. The frame size and the bitrate per temporal layer, which the
 * allocator uses, are measured here.
 *
 * <p>SSRCs are written by the control plane or learned on the packet worker (volatile); everything else
 * is owned by the conference's packet worker.
 */
public final class SourceEncoding {
    private final SourceTrack track;
    private final int index;
    private final String rid;
    private volatile int ssrc;
    private volatile int rtxSsrc;
    private final NackRequester nackRequester;
    private final io.junction.bridge.stats.ReceiveStreamStats receiveStats;
    private final LayerRates rates = new LayerRates();
    private final AtomicLong lastKeyframeRequestNs = new AtomicLong(Long.MIN_VALUE / 2);
    private int firSequence;
    /** Frame height of the latest keyframe (0 until one was seen); worker only. */
    public int height;
    /**
     * Spatial layers of a scalable stream (VP9 SVC) as its latest scalability structure said (1 for a
     * stream without); their heights; whether they depend on each other only in keyframes (k-SVC); the
     * rate of each layer by temporal layer (created with the first spatial packet). Worker only.
     */
    public int spatialLayers = 1;
    public final int[] spatialHeights = new int[io.junction.bridge.codec.Vp9Descriptor.MAX_SPATIAL];
    public boolean spatialLayersIndependent;
    private LayerRates[] spatialRates;
    /** Bitrate over the last second, as the allocator last measured it (for stats). */
    public volatile long measuredBps;
    /** nanoTime of the latest packet; worker only. */
    public long lastPacketNs;
    /** This encoding's dependency descriptors (their structure and frame numbers are its own); worker only. */
    private io.junction.bridge.codec.DependencyDescriptor dependencyDescriptor;

    SourceEncoding(SourceTrack track, int index, String rid, int ssrc, int rtxSsrc) {
        this.track = track;
        this.index = index;
        this.rid = rid;
        this.ssrc = ssrc;
        this.rtxSsrc = rtxSsrc;
        this.nackRequester = track.kind() == MediaKind.VIDEO ? new NackRequester() : null;
        this.receiveStats = new io.junction.bridge.stats.ReceiveStreamStats(track.kind().clockRate());
    }

    public SourceTrack track() {
        return track;
    }

    /** 0 for the lowest layer. */
    public int index() {
        return index;
    }

    /** The simulcast rid, or null without simulcast. */
    public String rid() {
        return rid;
    }

    public int ssrc() {
        return ssrc;
    }

    public void setSsrc(int ssrc) {
        this.ssrc = ssrc;
    }

    public int rtxSsrc() {
        return rtxSsrc;
    }

    public void setRtxSsrc(int ssrc) {
        this.rtxSsrc = ssrc;
    }

    /** Loss recovery toward the publisher (video only, else null). */
    public NackRequester nackRequester() {
        return nackRequester;
    }

    public io.junction.bridge.stats.ReceiveStreamStats receiveStats() {
        return receiveStats;
    }

    /** The reader of this encoding's dependency descriptors (created with the first; worker only). */
    public io.junction.bridge.codec.DependencyDescriptor dependencyDescriptor() {
        if (dependencyDescriptor == null) {
            dependencyDescriptor = new io.junction.bridge.codec.DependencyDescriptor();
        }
        return dependencyDescriptor;
    }

    public LayerRates rates() {
        return rates;
    }

    /**
     * Worker: notes a packet of spatial layer {@code frame.spatialId} of a scalable stream (its rate,
     * and the layers' number and sizes from the scalability structure).
     */
    public void onSpatialLayer(io.junction.bridge.codec.FrameInfo frame, int length, long nowNs) {
        int sid = frame.spatialId;
        if (sid >= spatialHeights.length) {
            return;
        }
        if (spatialRates == null) {
            spatialRates = new LayerRates[spatialHeights.length];
            for (int s = 0; s < spatialRates.length; s++) {
                spatialRates[s] = new LayerRates();
            }
        }
        spatialRates[sid].add(frame.temporalId, length, nowNs);
        spatialLayersIndependent = frame.layersIndependent;
        if (frame.spatialLayers > 0) {
            spatialLayers = Math.min(frame.spatialLayers, spatialHeights.length);
            System.arraycopy(frame.spatialHeights, 0, spatialHeights, 0, spatialLayers);
        }
    }

    /** The rate of spatial layer {@code s} by temporal layer, or null for a stream without spatial layers. */
    public LayerRates spatialRates(int s) {
        return spatialRates == null || s < 0 || s >= spatialRates.length ? null : spatialRates[s];
    }

    /** True when this encoding sent something in the last {@code windowNs}. */
    public boolean isActive(long nowNs, long windowNs) {
        return lastPacketNs != 0 && nowNs - lastPacketNs < windowNs;
    }

    /**
     * True when a keyframe request for this encoding may go to the publisher now (at most one per
     * {@link SourceTrack#KEYFRAME_REQUEST_INTERVAL_NS}); safe from any thread.
     */
    public boolean tryClaimKeyframeRequest(long nowNs) {
        long last = lastKeyframeRequestNs.get();
        return nowNs - last >= SourceTrack.KEYFRAME_REQUEST_INTERVAL_NS && lastKeyframeRequestNs.compareAndSet(last, nowNs);
    }

    /**
     * Asks the publisher for a keyframe of this encoding, at most once per
     * {@link SourceTrack#KEYFRAME_REQUEST_INTERVAL_NS} whoever asks (any thread): with a FIR when the
     * asker used one, else a PLI. Nothing happens once the track ended or before its SSRC is known.
     */
    public void requestKeyframe(long nowNs, boolean fir) {
        KeyframeSource publisher = track.publisher();
        if (publisher == null || track.isEnded() || ssrc == 0 || !tryClaimKeyframeRequest(nowNs)) {
            return;
        }
        publisher.requestKeyframe(this, fir);
    }

    /** The sequence number for a new FIR for this SSRC (RFC 5104: incremented per request). */
    public int nextFirSequence() {
        int s = firSequence;
        firSequence = (firSequence + 1) & 0xFF;
        return s;
    }

    @Override
    public String toString() {
        return track.endpointId() + "/" + track.kind().sdpName() + (rid == null ? "" : "/" + rid) + " ssrc="
                + Integer.toUnsignedString(ssrc);
    }
}
