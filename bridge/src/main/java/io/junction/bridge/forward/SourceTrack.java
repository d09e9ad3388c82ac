package io.junction.bridge.forward;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.codec.FrameInfo;
import io.junction.bridge.codec.VideoCodec;
import java.util.Arrays;

/**
 * A track a publisher sends to the bridge (its microphone or camera). The publisher's packet worker
 * reads {@link #subscriptions()} on every packet without locking: the array is replaced, never
 * mutated (copy-on-write under this object's monitor, control plane only).
 */
public final class SourceTrack {
    private static final Subscription[] NONE = new Subscription[0];
    /** Keyframe requests to the publisher are throttled to one per this interval per encoding. */
    public static final long KEYFRAME_REQUEST_INTERVAL_NS = 200_000_000L;

    private final String endpointId;
    private final MediaKind kind;
    private final String trackId;
    private final boolean screen;
    private final SourceEncoding[] encodings;
    private volatile Subscription[] subscriptions = NONE;
    private volatile boolean ended;
    private final KeyframeSource publisher;
    private final byte[] cname;
    /** Video: the payload format reader per payload type (see {@link CodecCatalog#newVideoPayloadTable}); null for audio. */
    private final VideoCodec[] payloadFormats;
    /** Video: what the last inspected packet's descriptor said; the publisher's worker reuses it. */
    private final FrameInfo frameInfo;

    /** A track with one encoding (no simulcast). */
    public SourceTrack(String endpointId, MediaKind kind, String trackId, int primarySsrc, int rtxSsrc,
                       KeyframeSource publisher) {
        this(endpointId, kind, trackId, java.util.List.of(), primarySsrc, rtxSsrc, publisher);
    }

    /**
     * A track with one encoding per rid (lowest first), or one encoding with the given SSRCs when
     * {@code rids} is empty. Simulcast SSRCs are learned from the rid header extension.
     */
    public SourceTrack(String endpointId, MediaKind kind, String trackId, java.util.List<String> rids, int primarySsrc,
                       int rtxSsrc, KeyframeSource publisher) {
        this(endpointId, kind, trackId, rids, primarySsrc, rtxSsrc, publisher, false);
    }

    /** As above; {@code screen}: a screen share (a second video source of its endpoint, forwarded first). */
    public SourceTrack(String endpointId, MediaKind kind, String trackId, java.util.List<String> rids, int primarySsrc,
                       int rtxSsrc, KeyframeSource publisher, boolean screen) {
        this.screen = screen;
        this.publisher = publisher;
        this.payloadFormats = kind == MediaKind.VIDEO ? CodecCatalog.newVideoPayloadTable() : null;
        this.frameInfo = kind == MediaKind.VIDEO ? new FrameInfo() : null;
        this.cname = ("junction-" + endpointId).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.endpointId = endpointId;
        this.kind = kind;
        this.trackId = trackId;
        if (rids.isEmpty()) {
            encodings = new SourceEncoding[] {new SourceEncoding(this, 0, null, primarySsrc, rtxSsrc)};
        } else {
            encodings = new SourceEncoding[rids.size()];
            for (int i = 0; i < encodings.length; i++) {
                encodings[i] = new SourceEncoding(this, i, rids.get(i), 0, 0);
            }
        }
    }

    /** Whether this is a screen share rather than a camera or microphone. */
    public boolean isScreen() {
        return screen;
    }

    /** Per encoding, when a subscriber last needed it (conference worker only); see {@link #updateActiveLayers}. */
    private long[] lastNeededNs;
    /** The layers the publisher was last told to send (conference worker only); null before the first update. */
    private boolean[] activeLayers;

    /**
     * Conference worker: recomputes which simulcast layers anyone needs (every encoding up to the
     * highest any subscriber's constraints would take; the lowest always) and returns the new active
     * set when it changed, else null. A layer is paused only after {@code holdNs} unneeded, so a
     * receiver toggling its constraints does not stop and restart the encoder.
     */
    public boolean[] updateActiveLayers(long nowNs, long holdNs) {
        int n = encodings.length;
        if (n < 2) {
            return null;
        }
        if (lastNeededNs == null) {
            lastNeededNs = new long[n];
            java.util.Arrays.fill(lastNeededNs, nowNs);
        }
        int needed = 0;
        for (Subscription s : subscriptions) {
            if (!s.isRemoved()) {
                needed = Math.max(needed, Math.min(n - 1, s.idealEncoding));
            }
        }
        boolean changed = activeLayers == null;
        for (int e = 0; e < n; e++) {
            if (e <= needed) {
                lastNeededNs[e] = nowNs;
            }
            changed |= activeLayers != null && (nowNs - lastNeededNs[e] < holdNs) != activeLayers[e];
        }
        if (!changed) {
            return null;
        }
        boolean[] active = new boolean[n]; // the caller keeps it: a new array only when the set changed
        for (int e = 0; e < n; e++) {
            active[e] = nowNs - lastNeededNs[e] < holdNs;
        }
        boolean firstAndAllActive = activeLayers == null;
        activeLayers = active;
        if (firstAndAllActive) {
            for (boolean a : active) {
                if (!a) {
                    return active;
                }
            }
            return null; // the publisher sends every layer to begin with
        }
        return active;
    }

    /** CNAME the bridge announces for this publisher's streams (shared by its audio and video). */
    public byte[] cnameBytes() {
        return cname;
    }

    /** Who sends the publisher keyframe requests (null in tests without a receive path). */
    public KeyframeSource publisher() {
        return publisher;
    }

    /**
     * Video: the reader of payload type {@code pt} (chosen when the track was created, from the
     * catalog), or null for a type the bridge did not offer.
     */
    public VideoCodec payloadFormat(int pt) {
        return payloadFormats == null || pt < 0 || pt >= payloadFormats.length ? null : payloadFormats[pt];
    }

    /** Video: the reused frame-info view of this track's packets (publisher's worker only). */
    public FrameInfo frameInfo() {
        return frameInfo;
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

    /** The encodings, lowest first (one without simulcast). Never modified. */
    public SourceEncoding[] encodings() {
        return encodings;
    }

    public boolean isSimulcast() {
        return encodings[0].rid() != null;
    }

    /** The encoding with simulcast id {@code rid}, or null. */
    public SourceEncoding encodingByRid(String rid) {
        for (SourceEncoding e : encodings) {
            if (rid.equals(e.rid())) {
                return e;
            }
        }
        return null;
    }

    /** The SSRC of the first encoding (the only one without simulcast); 0 until known. */
    public int primarySsrc() {
        return encodings[0].ssrc();
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

    @Override
    public String toString() {
        return "SourceTrack[" + endpointId + " " + kind.sdpName() + " ssrc=" + Integer.toUnsignedString(primarySsrc())
                + (isSimulcast() ? " simulcast x" + encodings.length : "") + "]";
    }
}
