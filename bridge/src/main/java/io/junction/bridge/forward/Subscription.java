package io.junction.bridge.forward;

/**
 * One subscriber receiving one {@link SourceTrack}, on one m-line of the subscriber's peer connection,
 * under its own outgoing SSRC (stable for the life of the subscription). The projection and
 * counters are owned by the subscriber's packet worker.
 */
public final class Subscription {
    private volatile SourceTrack source;
    /** While a video subscription moves to another source: the one still forwarded until the new one's keyframe. */
    private SourceTrack leaving;
    private final String subscriberId;
    private final int outSsrc;
    private final int outRtxSsrc;
    private final String mid;
    /** Audio: sequence/timestamp continuity across source restarts. Null for video. */
    private final Projection projection;
    /** Video: layer selection and rewriting. Null for audio. */
    private final VideoProjection video;
    /**
     * Audio: the subscriber did not negotiate redundant audio (RFC 2198), so RED packets reach it as
     * their primary Opus frame. True until its answer says otherwise (WHEP viewers and clients without
     * RED stay so).
     */
    private volatile boolean unwrapRed = true;
    /**
     * Video: the subscriber negotiated the dependency descriptor, so forwarded packets keep it (with
     * their frame numbers rewritten); without, it is erased from its copies.
     */
    private volatile boolean dependencyDescriptor;
    /** Set once the subscriber has answered an offer containing this subscription's m-line. */
    private volatile boolean active;
    private volatile boolean removed;
    /** The subscriber's send path for this subscription. */
    private final StreamSink sink;

    /** Packets kept for retransmission (video with RTX only); created and used by the subscriber's worker. */
    public RetransmissionCache retransmissions;
    /**
     * The highest encoding of the source this subscriber would take (its allocation's ideal; -1 none);
     * written by the allocator on the conference's worker, read there to pause unwatched layers.
     * Starts at "all" until the first allocation.
     */
    public int idealEncoding = Integer.MAX_VALUE;
    /** When the bridge last asked for a keyframe because it could not answer this subscriber's NACK. */
    public long lastUnrepairableKeyframeNs = Long.MIN_VALUE / 2;
    /** Next RTX sequence number; subscriber's worker only. */
    public int rtxSeq = new java.util.Random().nextInt(0x10000);

    // Counters written by the subscriber's worker only.
    public long packetsSent;
    public long bytesSent;
    /** From the subscriber's receiver reports (RFC 3550 §6.4.1); written by the subscriber's worker. */
    public volatile double reportedFractionLost;
    public volatile double reportedJitterSeconds;
    public volatile long reportedCumulativeLost;
    /** The NTP middle 32 bits of the last SR the bridge sent for this stream, and when (nanoTime). */
    public volatile int lastSrNtpMiddle;
    public volatile long lastSrSentNs;
    /** Round-trip time from the subscriber's report blocks (RFC 3550 §6.4.1), -1 until measured. */
    public volatile long rttNs = -1;

    public Subscription(SourceTrack source, String subscriberId, int outSsrc, int outRtxSsrc, String mid,
                        int initialSeq, int initialTs, StreamSink.Factory sinks) {
        this.source = source;
        this.subscriberId = subscriberId;
        this.outSsrc = outSsrc;
        this.outRtxSsrc = outRtxSsrc;
        this.mid = mid;
        boolean audio = source.kind() == MediaKind.AUDIO;
        this.projection = audio ? new Projection(source.kind().clockRate(), initialSeq, initialTs) : null;
        this.video = audio ? null : new VideoProjection(source.kind().clockRate(), initialSeq, initialTs);
        this.sink = sinks == null ? null : sinks.create(this);
    }

    public SourceTrack source() {
        return source;
    }

    /**
     * Moves this subscription to another source of the same kind (a viewer following the stage); on the
     * conference's worker, which also runs the fan-out of both sources. Audio moves at once (its
     * projection continues the numbering at the new SSRC). Video keeps receiving the previous source's
     * current layer until a keyframe of the new one ({@link VideoProjection#sourceChanged}); call
     * {@link #finishMove} later to let the previous source go.
     */
    public void retarget(SourceTrack next) {
        SourceTrack prev = source;
        if (next == prev || next.kind() != prev.kind()) {
            return;
        }
        if (video == null) {
            prev.removeSubscription(this);
        } else if (leaving == null) {
            if (prev.isEnded() || video.currentEncoding() < 0) {
                prev.removeSubscription(this);
            } else {
                leaving = prev; // still forwarded until the new source's keyframe
                video.sourceChanged();
            }
        } else {
            prev.removeSubscription(this); // prev was never forwarded: the switch to it had not happened
            if (next == leaving) {
                leaving = null;
                video.sourceChanged(); // back to the one still forwarded
            }
        }
        source = next;
        next.addSubscription(this);
    }

    /**
     * Conference worker: after {@link #retarget}, lets the previous source go once the new one is
     * forwarded (or the previous one ended). Returns true while a move is still under way.
     */
    public boolean finishMove() {
        SourceTrack prev = leaving;
        if (prev == null) {
            return false;
        }
        if (!video.forwardingPreviousSource() || prev.isEnded()) {
            prev.removeSubscription(this);
            leaving = null;
            return false;
        }
        return true;
    }

    /** The source still forwarded during a move ({@link #retarget}), else null. */
    public SourceTrack leaving() {
        return leaving;
    }

    public String subscriberId() {
        return subscriberId;
    }

    public int outSsrc() {
        return outSsrc;
    }

    public int outRtxSsrc() {
        return outRtxSsrc;
    }

    public String mid() {
        return mid;
    }

    /** The audio projection (null for video). */
    public Projection projection() {
        return projection;
    }

    /** The video projection (null for audio). */
    public VideoProjection video() {
        return video;
    }

    /**
     * The encoding of the source this (video) subscriber decodes, or is about to (its target, before
     * the first switch); null for audio or when it gets no video.
     */
    public SourceEncoding decodedEncoding() {
        if (video == null) {
            return null;
        }
        int current = video.currentEncoding();
        int layer = current >= 0 && current < VideoProjection.LEAVING ? current : video.targetEncoding();
        SourceEncoding[] encs = source.encodings();
        return layer >= 0 && layer < encs.length ? encs[layer] : null;
    }

    /** Whichever projection this subscription has. */
    public StreamProjection streamProjection() {
        return projection != null ? projection : video;
    }

    /** Where this subscription's packets go (null in tests without a send path). */
    public StreamSink sink() {
        return sink;
    }

    /** Whether RED packets go to this subscriber as plain Opus (see the field). */
    public boolean unwrapRed() {
        return unwrapRed;
    }

    public void setUnwrapRed(boolean unwrap) {
        unwrapRed = unwrap;
    }

    /** Whether video packets go to this subscriber with their dependency descriptor (see the field). */
    public boolean dependencyDescriptor() {
        return dependencyDescriptor;
    }

    public void setDependencyDescriptor(boolean keep) {
        dependencyDescriptor = keep;
    }

    public boolean isActive() {
        return active && !removed;
    }

    public void activate() {
        active = true;
    }

    public boolean isRemoved() {
        return removed;
    }

    public void markRemoved() {
        removed = true;
    }
}
