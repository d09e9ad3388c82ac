package io.junction.bridge.conference;

import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.Subscription;
import java.util.List;

/**
 * The negotiation of a client that makes the offer and only publishes (WHIP, RFC 9725): its offer,
 * answered once, fixes the m-lines; it receives nothing, so there are no subscription m-lines and no
 * offers from the bridge. The mids are the client's.
 */
class ClientOffers implements Negotiation {
    private final String audioMid;
    private final String videoMid;

    /** The mids of the m-lines the client publishes audio and video on (null when it does not). */
    ClientOffers(String audioMid, String videoMid) {
        this.audioMid = audioMid;
        this.videoMid = videoMid;
    }

    @Override
    public String reserve(MediaKind kind) {
        return null; // receives nothing
    }

    @Override
    public void bind(String mid, Subscription sub) {
        throw new IllegalStateException("a WHIP publisher has no subscriptions");
    }

    @Override
    public void release(Subscription sub) {
        // none
    }

    @Override
    public List<Subscription> subscriptions() {
        return List.of();
    }

    @Override
    public String publishMid(MediaKind kind) {
        return kind == MediaKind.AUDIO ? audioMid : videoMid;
    }

    @Override
    public String publishScreenMid() {
        return null;
    }

    @Override
    public void restart() {
        // no signaling channel
    }

    @Override
    public void changed() {
        // the m-lines never change
    }

    @Override
    public Offer nextOffer(MediaSession session) {
        return null;
    }

    @Override
    public ClientAnswer read(int revision, String sdp) throws AnswerException {
        throw new AnswerException("bad-message", "this endpoint negotiates over WHIP");
    }

    @Override
    public List<Subscription> settle() {
        return List.of();
    }
}
