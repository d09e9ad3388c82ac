package io.junction.bridge.conference;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.pipeline.IngestMap;
import io.junction.bridge.sdp.ClientOfferReader;
import java.util.ArrayList;
import java.util.List;

/**
 * The negotiation of a client that makes the offer and only publishes (WHIP, RFC 9725): its offer,
 * answered once, fixes the m-lines; it receives nothing, so there are no subscription m-lines and no
 * offers from the bridge. The mids are the client's. {@link StageViewer} (WHEP) extends it.
 */
class ClientOffers implements Negotiation {
    private final ClientOfferReader.Offer offer;
    /** The first accepted m-line of each kind (null: none); more of a kind are answered but not used. */
    private final ClientOfferReader.Section audio;
    private final ClientOfferReader.Section video;
    private final IngestMap ingestMap;

    ClientOffers(ClientOfferReader.Offer offer, IngestMap ingestMap) {
        this.offer = offer;
        this.audio = firstOfKind(offer, "audio");
        this.video = firstOfKind(offer, "video");
        this.ingestMap = ingestMap;
    }

    /**
     * A publisher's (WHIP) negotiation from its validated offer: it sends on the first audio and video
     * m-line, and its payload types and extension ids map to the bridge's ({@link #ingestMap}).
     */
    static ClientOffers of(ClientOfferReader.Offer offer) {
        IngestMap map = new IngestMap();
        for (ClientOfferReader.Section sec : nonNull(firstOfKind(offer, "audio"), firstOfKind(offer, "video"))) {
            map.payloadType(sec.codec().payloadType(), sec.codec().bridgePayloadType());
            if (sec.rtx() != null) {
                map.payloadType(sec.rtx().payloadType(), sec.rtx().bridgePayloadType());
            }
            for (var e : sec.extensions().entrySet()) {
                // the reader kept only extensions the bridge knows
                map.extension(e.getValue(), CodecCatalog.extension(e.getKey()).id());
            }
        }
        return new ClientOffers(offer, map);
    }

    ClientOfferReader.Offer offer() {
        return offer;
    }

    /** The renumbering of the publisher's packets at ingress; null for a viewer. */
    IngestMap ingestMap() {
        return ingestMap;
    }

    /** The m-line of {@code kind} this client uses, or null. */
    ClientOfferReader.Section section(MediaKind kind) {
        return kind == MediaKind.AUDIO ? audio : video;
    }

    /** What a publisher sends of {@code kind} (its SSRCs from the offer), or null. */
    ClientAnswer.SendStream sends(MediaKind kind) {
        ClientOfferReader.Section s = section(kind);
        return s == null ? null : new ClientAnswer.SendStream(s.ssrc(), kind == MediaKind.VIDEO ? s.rtxSsrc() : 0, List.of());
    }

    /** The first accepted m-line of {@code kind} ("audio", "video"), or null. */
    static ClientOfferReader.Section firstOfKind(ClientOfferReader.Offer offer, String kind) {
        for (ClientOfferReader.Section sec : offer.accepted()) {
            if (sec.kind().equals(kind)) {
                return sec;
            }
        }
        return null;
    }

    /** The non-null ones of {@code audio}, {@code video} (m-lines, subscriptions), in that order. */
    static <T> List<T> nonNull(T audio, T video) {
        List<T> out = new ArrayList<>(2);
        if (audio != null) {
            out.add(audio);
        }
        if (video != null) {
            out.add(video);
        }
        return out;
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
        ClientOfferReader.Section s = section(kind);
        return s == null || ingestMap == null ? null : s.mid(); // a viewer publishes nothing
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
