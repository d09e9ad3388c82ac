package io.junction.bridge.conference;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.pipeline.EgressMap;
import io.junction.bridge.sdp.AnswerWriter;
import io.junction.bridge.sdp.ClientOfferReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The negotiation of a WHEP viewer: its receive-only offer, answered once, fixes one audio and one
 * video m-line and the SSRCs the bridge sends on them. It subscribes to nothing by itself: the
 * conference's forwarding tick points its two subscriptions at the stage
 * ({@link MediaSession#followStage}), and they keep their SSRC, sequence numbers and timestamps
 * across every move. Fixed at the offer but for the two subscriptions, which only the conference's
 * worker writes.
 */
final class StageViewer extends ClientOffers {
    final String audioMid;
    final String videoMid;
    final int audioSsrc;
    final int videoSsrc;
    final int videoRtxSsrc;
    /** The participant this viewer always sees, or null: the stage. */
    final String pinnedEndpointId;
    private final EgressMap egressMap;
    private final Map<String, AnswerWriter.Sending> sending;
    /** Written by the conference's worker only ({@link MediaSession#followStage}); read by the control plane too. */
    volatile Subscription audio;
    volatile Subscription video;

    private StageViewer(ClientOfferReader.Offer offer, String pinnedEndpointId, IntSupplier ssrcs, String streamId) {
        super(offer, null); // publishes nothing
        ClientOfferReader.Section a = section(MediaKind.AUDIO);
        ClientOfferReader.Section v = section(MediaKind.VIDEO);
        this.audioMid = a == null ? null : a.mid();
        this.videoMid = v == null ? null : v.mid();
        this.audioSsrc = a == null ? 0 : ssrcs.getAsInt();
        this.videoSsrc = v == null ? 0 : ssrcs.getAsInt();
        this.videoRtxSsrc = v == null ? 0 : ssrcs.getAsInt();
        this.pinnedEndpointId = pinnedEndpointId;
        this.egressMap = new EgressMap();
        Map<String, AnswerWriter.Sending> send = new HashMap<>();
        String tcc = CodecCatalog.URI_TRANSPORT_CC;
        for (ClientOfferReader.Section sec : nonNull(a, v)) {
            for (ClientOfferReader.Choice ch : sec.choices()) {
                egressMap.payloadType(ch.codec().bridgePayloadType(), ch.codec().payloadType());
                if (ch.rtx() != null) {
                    egressMap.payloadType(ch.rtx().bridgePayloadType(), ch.rtx().payloadType());
                }
            }
            // only transport-cc goes out: the viewer's feedback on it drives the downlink estimate
            Integer theirs = sec.extensions().get(tcc);
            boolean withTcc = theirs != null && theirs <= 14;
            if (withTcc) {
                egressMap.extension(CodecCatalog.EXT_TRANSPORT_CC, theirs);
            }
            boolean isAudio = sec == a;
            send.put(sec.mid(), new AnswerWriter.Sending(isAudio ? audioSsrc : videoSsrc, isAudio ? 0 : videoRtxSsrc,
                    "junction-stage", streamId, isAudio ? "stage-audio" : "stage-video",
                    withTcc ? Map.of(tcc, theirs) : Map.of()));
        }
        this.sending = Map.copyOf(send);
        // bandwidth probes are padding on the bridge's VP8 RTX type: a viewer without VP8 gets them on
        // the RTX type it has (padding carries no payload, so any RTX type of the m-line will do)
        if (v != null && !egressMap.takes(CodecCatalog.PT_VP8_RTX)) {
            for (ClientOfferReader.Choice ch : v.choices()) {
                if (ch.rtx() != null) {
                    egressMap.payloadType(CodecCatalog.PT_VP8_RTX, ch.rtx().payloadType());
                    break;
                }
            }
        }
    }

    /**
     * A viewer's negotiation from its validated receive-only offer: the SSRCs the bridge sends under
     * (from {@code ssrcs}), what the answer says of each m-line, and the renumbering of every packet
     * to the viewer's payload types and transport-cc id.
     */
    static StageViewer of(ClientOfferReader.Offer offer, String pinnedEndpointId, IntSupplier ssrcs, String streamId) {
        return new StageViewer(offer, pinnedEndpointId, ssrcs, streamId);
    }

    EgressMap egressMap() {
        return egressMap;
    }

    /** What the answer says the bridge sends on each m-line, by mid. */
    Map<String, AnswerWriter.Sending> sending() {
        return sending;
    }

    @Override
    public List<Subscription> subscriptions() {
        return nonNull(audio, video);
    }

    @Override
    public ClientAnswer read(int revision, String sdp) throws AnswerException {
        throw new AnswerException("bad-message", "this viewer negotiates over WHEP");
    }
}
