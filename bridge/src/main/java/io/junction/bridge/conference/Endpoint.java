package io.junction.bridge.conference;

import java.time.Instant;
import java.util.Objects;

/**
 * One participant of a conference: one peer connection to the bridge. The media session is
 * attached when the client's signaling connects and its answer arrives.
 */
public final class Endpoint {
    private final String id;
    private final Conference conference;
    private final String displayName;
    private final Instant createdAt;
    private volatile boolean removed;
    private volatile RemovalReason removalReason;
    private final java.util.concurrent.atomic.AtomicInteger attachments = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean audioMuted;
    private volatile boolean videoMuted;
    /** Created under this object's monitor; read without it (the forwarding tick must never wait for a joining client). */
    private volatile MediaSession media;
    /** A WHEP viewer: receives the conference's stage, publishes nothing, is not a participant. */
    private final boolean viewer;
    /** A relay endpoint: the bridge with this id receives this bridge's participants through it (else null). */
    private final String relayPeer;
    /** A participant served by another bridge: its media arrives over this relay (else null). */
    private final RelayLink remoteLink;
    /** A remote participant's tracks, as its bridge relays them (replaced, never changed). */
    private volatile java.util.List<io.junction.bridge.forward.SourceTrack> remoteTracks = java.util.List.of();

    Endpoint(String id, Conference conference, String displayName, Instant createdAt) {
        this(id, conference, displayName, createdAt, false);
    }

    Endpoint(String id, Conference conference, String displayName, Instant createdAt, boolean viewer) {
        this(id, conference, displayName, createdAt, viewer, null, null);
    }

    Endpoint(String id, Conference conference, String displayName, Instant createdAt, boolean viewer, String relayPeer,
             RelayLink remoteLink) {
        this.viewer = viewer;
        this.relayPeer = relayPeer;
        this.remoteLink = remoteLink;
        this.id = Objects.requireNonNull(id);
        this.conference = Objects.requireNonNull(conference);
        this.displayName = displayName == null ? "" : displayName;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    /**
     * Whether this is a WHEP viewer ({@link Conference#addViewer}): it plays the stage and is not a
     * participant (not listed, not announced, no dominant speaker, outside {@code max-endpoints}).
     */
    public boolean isViewer() {
        return viewer;
    }

    /** The id of the bridge this relay endpoint forwards to, or null (not a relay endpoint). */
    public String relayPeer() {
        return relayPeer;
    }

    /** Whether this participant is served by another bridge of the cluster (its media comes over a relay). */
    public boolean isRemote() {
        return remoteLink != null;
    }

    /** The bridge that serves this remote participant, or null for one served here. */
    public String remoteBridge() {
        return remoteLink == null ? null : remoteLink.peer();
    }

    java.util.List<io.junction.bridge.forward.SourceTrack> remoteTracks() {
        return remoteTracks;
    }

    void setRemoteTracks(java.util.List<io.junction.bridge.forward.SourceTrack> tracks) {
        remoteTracks = java.util.List.copyOf(tracks);
    }

    /** What this endpoint publishes now: a local one's session's tracks, a remote one's relayed tracks. */
    java.util.List<io.junction.bridge.forward.SourceTrack> publishedTracks() {
        if (remoteLink != null) {
            return remoteTracks;
        }
        MediaSession m = media;
        return m == null ? java.util.List.of() : m.publishedTracks();
    }

    public Conference conference() {
        return conference;
    }

    public String displayName() {
        return displayName;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** Whether the client says its microphone is muted (it may still send silence or nothing). */
    public boolean audioMuted() {
        return audioMuted;
    }

    /** Whether the client says its camera is off. */
    public boolean videoMuted() {
        return videoMuted;
    }

    /**
     * The mute state the client announced ({@code null}: unchanged); the conference's listeners are
     * told when it changed. Signalling only: media that still arrives is forwarded as ever.
     */
    public void setMuted(Boolean audio, Boolean video) {
        boolean changed = false;
        synchronized (this) {
            if (audio != null && audio != audioMuted) {
                audioMuted = audio;
                changed = true;
            }
            if (video != null && video != videoMuted) {
                videoMuted = video;
                changed = true;
            }
        }
        if (changed && !removed) {
            conference.muteChanged(this);
        }
    }

    public boolean isRemoved() {
        return removed;
    }

    /** Why the endpoint was removed, or null while it is present. */
    public RemovalReason removalReason() {
        return removalReason;
    }

    void markRemoved(RemovalReason reason) {
        removalReason = reason;
        removed = true;
    }

    /**
     * Attaches the endpoint's signaling channel (a WebSocket) and sends it an offer; the media
     * session (ICE agent, DTLS, SRTP) is created on first attach. Returns the channel this one
     * replaces, if any, so the caller can close it.
     */
    public EndpointSignaling attachSignaling(EndpointSignaling signaling) {
        attachments.incrementAndGet();
        MediaSession m;
        synchronized (this) {
            if (removed) {
                return null;
            }
            if (media == null) {
                media = newMediaSession();
            }
            m = media;
        }
        return m.attach(signaling);
    }

    /** Under this monitor: the media session (ICE agent, DTLS, SRTP), created when a client first comes. */
    private MediaSession newMediaSession() {
        try {
            return new MediaSession(this, conference.bridge().media());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create media session for " + this, e);
        }
    }

    /**
     * Publishes over WHIP: the client's offer (it only sends) is answered at once and its media session
     * starts; the endpoint has no signaling channel and receives nothing. Once per endpoint.
     */
    public String acceptWhipOffer(String sdp) throws AnswerException {
        return firstSession().acceptOffer(sdp);
    }

    /** The media session of a client that offers (WHIP, WHEP): created here, once. */
    private synchronized MediaSession firstSession() throws AnswerException {
        if (removed) {
            throw new AnswerException("bad-message", (viewer ? "viewer" : "endpoint") + " is gone");
        }
        if (media != null) {
            throw new AnswerException("bad-message", "this " + (viewer ? "viewer" : "endpoint") + " has a session already");
        }
        media = newMediaSession();
        return media;
    }

    /**
     * Plays the conference's stage over WHEP: the client's receive-only offer is answered at once and
     * its media session starts; it then receives one audio and one video stream that follow the stage
     * ({@code pinnedEndpointId}: always that participant instead). Once per viewer.
     */
    public String acceptWhepOffer(String sdp, String pinnedEndpointId) throws AnswerException {
        if (!viewer) {
            throw new AnswerException("bad-message", "only a viewer plays the stage");
        }
        return firstSession().acceptViewerOffer(sdp, pinnedEndpointId);
    }

    /** How many times a signaling channel was attached (a reconnect counts). */
    public int attachments() {
        return attachments.get();
    }

    /** Whether a signaling channel is attached now. */
    public boolean hasSignaling() {
        MediaSession m = mediaSession();
        return m != null && m.hasSignaling();
    }

    /** Whether a client has ever attached (the media session exists). */
    public boolean hasConnected() {
        return mediaSession() != null;
    }

    /** Detaches a signaling channel (no-op if another one has replaced it). */
    public void detachSignaling(EndpointSignaling signaling) {
        MediaSession m = mediaSession();
        if (m != null) {
            m.detach(signaling);
        }
    }

    /** The client's answer to offer {@code revision}. */
    public void onAnswer(int revision, String sdp) throws AnswerException {
        MediaSession m = mediaSession();
        if (m == null) {
            throw new AnswerException("stale-revision", "no offer has been sent");
        }
        m.onAnswer(revision, sdp);
    }

    /**
     * The receiver's constraints: the tallest video it wants ({@code maxHeight}, -1 = any), how many
     * endpoints' video at most ({@code lastN}, -1 = the bridge's default), and which endpoints it shows
     * large ({@code onStage}: first in priority, full height). Replaces the previous constraints.
     */
    /** The client asks for an ICE restart (see the signaling protocol's {@code iceRestart}). */
    public void restartIce() {
        MediaSession m = mediaSession();
        if (m != null) {
            m.restartIce();
        }
    }

    /** The client asks for a new offer (see the signaling protocol's {@code renegotiate}). */
    public void requestOffer() {
        MediaSession m = mediaSession();
        if (m != null) {
            m.requestOffer();
        }
    }

    public void setConstraints(int maxHeight, int lastN, java.util.List<String> onStage) {
        MediaSession m = mediaSession();
        if (m != null) {
            m.setConstraints(new io.junction.bridge.forward.Allocator.Constraints(maxHeight, lastN, onStage));
        }
    }

    /** The receiver's current constraints (none until it sends some). */
    public io.junction.bridge.forward.Allocator.Constraints constraints() {
        MediaSession m = mediaSession();
        return m == null ? io.junction.bridge.forward.Allocator.Constraints.NONE : m.constraints();
    }

    /** True once DTLS has completed and SRTP keys are installed. */
    public boolean isMediaConnected() {
        MediaSession m = mediaSession();
        return m != null && m.isMediaConnected();
    }

    /** Media statistics; an endpoint without media yet reports zeros. */
    public EndpointStatsView stats() {
        MediaSession m = mediaSession();
        if (m == null) {
            return new EndpointStatsView(id, displayName, false, "none", "none", 0, 0, 0, 0, 0, 0, null, null, 0,
                    java.util.List.of(), java.util.List.of());
        }
        return m.statsView();
    }

    /** The media session, or null before a client came; lock-free (the conference's worker reads it every tick). */
    MediaSession mediaSession() {
        return media;
    }

    /** Closes the media session, returning the tracks it published. */
    java.util.List<io.junction.bridge.forward.SourceTrack> closeMedia() {
        if (remoteLink != null) {
            return remoteLink.endpointGone(id);
        }
        MediaSession m;
        synchronized (this) {
            m = media;
        }
        return m == null ? java.util.List.of() : m.close();
    }

    @Override
    public String toString() {
        return "Endpoint[" + conference.id() + "/" + id + "]";
    }
}
