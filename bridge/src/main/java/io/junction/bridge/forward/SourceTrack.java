package io.junction.bridge.forward;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A track a publisher sends to the bridge (its microphone or camera). The publisher's packet worker
 * reads {@link #subscriptions()} on every packet without locking: the array is replaced, never
 * mutated (copy-on-write under this object's monitor, control plane only).
 */
public final class SourceTrack {
    private static final Subscription[] NONE = new Subscription[0];
    /** Keyframe requests to the publisher are throttled to one per this interval. */
    public static final long KEYFRAME_REQUEST_INTERVAL_NS = 200_000_000L;

    private final String endpointId;
    private final MediaKind kind;
    private final String trackId;
    private volatile int primarySsrc;
    private volatile int rtxSsrc;
    private volatile Subscription[] subscriptions = NONE;
    private final AtomicLong lastKeyframeRequestNs = new AtomicLong(Long.MIN_VALUE / 2);
    private volatile boolean ended;
    /** Command sequence number of the next FIR the bridge sends for this source (publisher worker only). */
    private int firSequence;
    private final Object publisherContext;
    private final byte[] cname;
    private final io.junction.bridge.stats.ReceiveStreamStats receiveStats;
    private final NackRequester nackRequester;

    public SourceTrack(String endpointId, MediaKind kind, String trackId, int primarySsrc, int rtxSsrc,
                       Object publisherContext) {
        this.publisherContext = publisherContext;
        this.cname = ("junction-" + endpointId).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.receiveStats = new io.junction.bridge.stats.ReceiveStreamStats(kind == MediaKind.AUDIO ? 48_000 : 90_000);
        this.nackRequester = kind == MediaKind.VIDEO ? new NackRequester() : null;
        this.endpointId = endpointId;
        this.kind = kind;
        this.trackId = trackId;
        this.primarySsrc = primarySsrc;
        this.rtxSsrc = rtxSsrc;
    }

    /** CNAME the bridge announces for this publisher's streams (shared by its audio and video). */
    public byte[] cnameBytes() {
        return cname;
    }

    /** Opaque pointer to the publisher's receive path (set by the conference layer). */
    public Object publisherContext() {
        return publisherContext;
    }

    /** Reception statistics, owned by the publisher's packet worker. */
    public io.junction.bridge.stats.ReceiveStreamStats receiveStats() {
        return receiveStats;
    }

    /** Loss recovery toward the publisher (video only, else null); owned by the publisher's packet worker. */
    public NackRequester nackRequester() {
        return nackRequester;
    }

    public String endpointId() {
        return endpointId;
    }

    public MediaKind kind() {
        return kind;
    }

    public String trackId() {
        return trackId;
    }

    public int primarySsrc() {
        return primarySsrc;
    }

    public void setPrimarySsrc(int ssrc) {
        this.primarySsrc = ssrc;
    }

    public int rtxSsrc() {
        return rtxSsrc;
    }

    public void setRtxSsrc(int ssrc) {
        this.rtxSsrc = ssrc;
    }

    public boolean isEnded() {
        return ended;
    }

    public void end() {
        ended = true;
    }

    /** Lock-free snapshot for the packet path. */
    public Subscription[] subscriptions() {
        return subscriptions;
    }

    public synchronized void addSubscription(Subscription s) {
        Subscription[] cur = subscriptions;
        Subscription[] next = Arrays.copyOf(cur, cur.length + 1);
        next[cur.length] = s;
        subscriptions = next;
    }

    public synchronized void removeSubscription(Subscription s) {
        subscriptions = Arrays.stream(subscriptions).filter(x -> x != s).toArray(Subscription[]::new);
    }

    /**
     * True when a keyframe request may go to the publisher now (at most one per 200 ms per source);
     * safe from any thread.
     */
    public boolean tryClaimKeyframeRequest(long nowNs) {
        long last = lastKeyframeRequestNs.get();
        return nowNs - last >= KEYFRAME_REQUEST_INTERVAL_NS && lastKeyframeRequestNs.compareAndSet(last, nowNs);
    }

    /** The sequence number for a new FIR to the publisher (RFC 5104: incremented per request). */
    public int nextFirSequence() {
        int s = firSequence;
        firSequence = (firSequence + 1) & 0xFF;
        return s;
    }

    @Override
    public String toString() {
        return "SourceTrack[" + endpointId + " " + kind.sdpName() + " ssrc=" + Integer.toUnsignedString(primarySsrc) + "]";
    }
}
