package io.junction.bridge.conference;

import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.Subscription;
import java.util.List;

/**
 * How one endpoint's peer connection is negotiated: which m-line carries each forwarded track, and the
 * offer/answer exchange that tells the client. {@link BridgeOffers} is the SDK's mode (the bridge
 * offers, the client answers); a client-offers mode (WHIP, WHEP) is a second implementation. The
 * media session calls it under its own monitor (control plane only) and keeps the media model:
 * published tracks, subscriptions and the transport.
 */
interface Negotiation {
    /** The m-line a new subscription of {@code kind} goes on (a free one of that kind, else a new one); its mid. */
    String reserve(MediaKind kind);

    /** Puts {@code sub} on the m-line {@link #reserve} gave. */
    void bind(String mid, Subscription sub);

    /** Frees the m-line of {@code sub} (its track ended or its publisher left); it may be reused. */
    void release(Subscription sub);

    /** The subscriptions on m-lines, in m-line order. */
    List<Subscription> subscriptions();

    /** The mid of the m-line the client publishes {@code kind} on. */
    String publishMid(MediaKind kind);

    /** The mid of the m-line the client publishes a screen share into (a second video source). */
    String publishScreenMid();

    /** A new signaling channel: whatever offer was outstanding is forgotten, a full one is due. */
    void restart();

    /** The m-lines changed: the client must hear about it. */
    void changed();

    /** The next offer to send, or null when none is due or one is still unanswered. */
    Offer nextOffer(MediaSession session);

    /** Validates and reads the client's answer to offer {@code revision} (nothing changes yet). */
    ClientAnswer read(int revision, String sdp) throws AnswerException;

    /** The answer just read was applied: the offer is settled. Returns the subscriptions it carried (to activate). */
    List<Subscription> settle();
}
