package io.junction.bridge.conference;

import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.Subscription;
import java.util.ArrayList;
import java.util.List;

/**
 * The bridge offers, the client answers (the SDK's signaling, docs/signaling.md): m-lines 0, 1 and 2
 * receive the client's microphone, camera and screen share; m-lines 3… each send one forwarded track, and keep
 * their kind for the life of the connection (a freed one is reused by the next track of its kind).
 * One offer is outstanding at a time; changes made meanwhile go into the next one (revision + 1).
 */
final class BridgeOffers implements Negotiation {
    static final String PUBLISH_AUDIO_MID = "0";
    static final String PUBLISH_VIDEO_MID = "1";
    static final String PUBLISH_SCREEN_MID = "2";
    /** The first mid of the forwarded tracks' m-lines. */
    static final int FIRST_FORWARD_MID = 3;

    /** An m-line for forwarded tracks; its kind never changes, its subscription may. */
    static final class Slot {
        final String mid;
        final MediaKind kind;
        Subscription subscription;

        Slot(String mid, MediaKind kind) {
            this.mid = mid;
            this.kind = kind;
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private int revision;
    private int awaitingRevision = -1;
    private boolean dirty;
    private List<Subscription> offeredSubscriptions = List.of();
    /** The mids of the outstanding offer, in order: answers are validated against these. */
    private List<String> offeredMids = List.of();

    @Override
    public String reserve(MediaKind kind) {
        for (Slot s : slots) {
            if (s.subscription == null && s.kind == kind) {
                return s.mid;
            }
        }
        Slot slot = new Slot(String.valueOf(FIRST_FORWARD_MID + slots.size()), kind);
        slots.add(slot);
        return slot.mid;
    }

    @Override
    public void bind(String mid, Subscription sub) {
        for (Slot s : slots) {
            if (s.mid.equals(mid)) {
                s.subscription = sub;
                dirty = true;
                return;
            }
        }
        throw new IllegalArgumentException("no m-line " + mid);
    }

    @Override
    public void release(Subscription sub) {
        for (Slot s : slots) {
            if (s.subscription == sub) {
                s.subscription = null;
                dirty = true;
            }
        }
    }

    @Override
    public List<Subscription> subscriptions() {
        List<Subscription> out = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            if (s.subscription != null) {
                out.add(s.subscription);
            }
        }
        return out;
    }

    @Override
    public String publishMid(MediaKind kind) {
        return kind == MediaKind.AUDIO ? PUBLISH_AUDIO_MID : PUBLISH_VIDEO_MID;
    }

    @Override
    public String publishScreenMid() {
        return PUBLISH_SCREEN_MID;
    }

    @Override
    public void restart() {
        awaitingRevision = -1;
        dirty = true;
    }

    @Override
    public void changed() {
        dirty = true;
    }

    @Override
    public Offer nextOffer(MediaSession session) {
        if (awaitingRevision >= 0 || !dirty) {
            return null;
        }
        revision++;
        awaitingRevision = revision;
        dirty = false;
        List<Offer.Track> tracks = new ArrayList<>();
        List<Subscription> subs = new ArrayList<>();
        List<String> mids = new ArrayList<>();
        mids.add(PUBLISH_AUDIO_MID);
        mids.add(PUBLISH_VIDEO_MID);
        mids.add(PUBLISH_SCREEN_MID);
        for (Slot slot : slots) {
            mids.add(slot.mid);
            Subscription sub = slot.subscription;
            if (sub != null) {
                tracks.add(new Offer.Track(slot.mid, sub.source().endpointId(), slot.kind.sdpName(), sub.source().trackId(),
                        slot.kind == MediaKind.AUDIO ? "microphone" : sub.source().isScreen() ? "screen" : "camera"));
                subs.add(sub);
            }
        }
        offeredSubscriptions = subs;
        offeredMids = List.copyOf(mids);
        String sdp = SdpGlue.writeOffer(session, revision, slots);
        return new Offer(revision, sdp, PUBLISH_AUDIO_MID, PUBLISH_VIDEO_MID, PUBLISH_SCREEN_MID, tracks);
    }

    @Override
    public ClientAnswer read(int rev, String sdp) throws AnswerException {
        if (rev != awaitingRevision) {
            throw new AnswerException("stale-revision",
                    "answer for revision " + rev + " but the outstanding offer is "
                            + (awaitingRevision < 0 ? "none" : String.valueOf(awaitingRevision)));
        }
        return SdpGlue.parseAnswer(sdp, offeredMids);
    }

    @Override
    public List<Subscription> settle() {
        awaitingRevision = -1;
        return offeredSubscriptions;
    }
}
