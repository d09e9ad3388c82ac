package io.junction.bridge.conference;

import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.sdp.BridgeOffer;
import io.junction.bridge.sdp.ClientAnswerReader;
import io.junction.bridge.sdp.OfferWriter;
import io.junction.bridge.sdp.SdpException;
import io.junction.bridge.transport.EndpointTransport;
import io.junction.bridge.transport.ice.LocalCandidateInfo;
import java.util.ArrayList;
import java.util.List;

/** Maps a media session's state to the sdp package's offer model, and a client answer back. */
final class SdpGlue {
    /**
     * The simulcast layers the bridge asks publishers for, lowest first: the offer lists them in this
     * order and Chromium, answering, gives the first the smallest resolution.
     */
    static final List<String> SIMULCAST_RIDS = List.of("q", "h", "f");

    private SdpGlue() {}

    static String writeOffer(MediaSession session, int revision, List<BridgeOffers.Slot> slots) {
        EndpointTransport transport = session.transport();
        Conference conference = session.endpoint().conference();
        // publishers: only what everyone decodes; forwarded tracks: every codec of the conference, the
        // receiver keeping what it can decode (its answer tells the conference)
        List<String> publish = conference.publishVideoCodecs();
        List<String> all = conference.videoCodecs();
        List<io.junction.bridge.codec.CodecCatalog.Codec> audio = conference.bridge().config().forwarding().audioCodecs();
        List<BridgeOffer.Section> sections = new ArrayList<>();
        sections.add(BridgeOffer.Section.receive(BridgeOffers.PUBLISH_AUDIO_MID, false).withCodecs(audio));
        sections.add(BridgeOffer.Section.receive(BridgeOffers.PUBLISH_VIDEO_MID, true,
                conference.bridge().config().forwarding().simulcast() ? SIMULCAST_RIDS : List.of()).withVideoCodecs(publish));
        // a screen share: one layer (text stays sharp; the allocator gives it priority instead)
        sections.add(BridgeOffer.Section.receive(BridgeOffers.PUBLISH_SCREEN_MID, true, List.of()).withVideoCodecs(publish));
        for (BridgeOffers.Slot slot : slots) {
            boolean video = slot.kind == MediaKind.VIDEO;
            Subscription sub = slot.subscription;
            BridgeOffer.Section section = sub == null ? BridgeOffer.Section.inactive(slot.mid, video)
                    : BridgeOffer.Section.send(slot.mid, video, sub.outSsrc(), sub.outRtxSsrc(),
                            "junction-" + sub.source().endpointId(), sub.source().endpointId(), sub.source().trackId());
            sections.add(video ? section.withVideoCodecs(all) : section.withCodecs(audio));
        }
        List<BridgeOffer.Candidate> candidates = candidates(session);
        BridgeOffer offer = new BridgeOffer(session.sessionId(), revision, transport.localUfrag(),
                transport.localPassword(), transport.localFingerprint(), candidates, sections,
                conference.bridge().config().forwarding().dependencyDescriptor());
        return OfferWriter.write(offer);
    }

    /** The answer to a client's own offer (WHIP): the bridge's ICE credentials, fingerprint and candidates. */
    static String writeAnswer(MediaSession session, io.junction.bridge.sdp.ClientOfferReader.Offer offer) {
        return writeAnswer(session, offer, null);
    }

    /** The answer to a viewer's offer (WHEP): {@code sending}, by mid, says what the bridge sends on each m-line. */
    static String writeAnswer(MediaSession session, io.junction.bridge.sdp.ClientOfferReader.Offer offer,
                              java.util.Map<String, io.junction.bridge.sdp.AnswerWriter.Sending> sending) {
        EndpointTransport transport = session.transport();
        List<BridgeOffer.Candidate> candidates = candidates(session);
        return io.junction.bridge.sdp.AnswerWriter.write(offer, session.sessionId(), transport.localUfrag(),
                transport.localPassword(), transport.localFingerprint(), candidates, sending);
    }

    /** The media port's candidates, as offers and answers advertise them. */
    private static List<BridgeOffer.Candidate> candidates(MediaSession session) {
        List<BridgeOffer.Candidate> candidates = new ArrayList<>();
        for (LocalCandidateInfo c : session.endpoint().conference().bridge().media().port().candidates()) {
            candidates.add(new BridgeOffer.Candidate(c.foundation(), c.priority(), c.address(), c.port(), c.type(),
                    c.relatedAddress(), c.relatedPort(), c.tcp()));
        }
        return candidates;
    }

    static ClientAnswer parseAnswer(String sdp, List<String> mids) throws AnswerException {
        ClientAnswerReader.Answer a;
        try {
            a = ClientAnswerReader.read(sdp, mids);
        } catch (SdpException e) {
            throw new AnswerException("bad-sdp", e.getMessage());
        }
        return new ClientAnswer(a.iceUfrag(), a.icePassword(), a.fingerprintSha256(),
                sendStream(a.section(BridgeOffers.PUBLISH_AUDIO_MID)),
                sendStream(a.section(BridgeOffers.PUBLISH_VIDEO_MID)),
                sendStream(a.section(BridgeOffers.PUBLISH_SCREEN_MID)),
                videoCodecs(a),
                takes(a.section(BridgeOffers.PUBLISH_AUDIO_MID), io.junction.bridge.codec.CodecCatalog.PT_RED),
                forwardedVideoKeeps(a, io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR));
    }

    /** A section of a forwarded track (not the client's own microphone, camera or screen). */
    private static boolean forwarded(ClientAnswerReader.SendInfo s) {
        return Integer.parseInt(s.mid()) >= BridgeOffers.FIRST_FORWARD_MID;
    }

    /** Whether the client kept header extension {@code uri} on the video m-lines of forwarded tracks. */
    private static boolean forwardedVideoKeeps(ClientAnswerReader.Answer a, String uri) {
        for (ClientAnswerReader.SendInfo s : a.sections()) {
            if (forwarded(s) && s.extensions().contains(uri)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the client kept payload type {@code pt} on section {@code s} (null: no such section). */
    private static boolean takes(ClientAnswerReader.SendInfo s, int pt) {
        return s != null && s.payloadTypes().contains(pt);
    }

    /**
     * The video codecs a client decodes: those it kept on the video m-lines that offered every codec
     * (the forwarded tracks'); before it has one, its camera m-line's.
     */
    private static java.util.Set<String> videoCodecs(ClientAnswerReader.Answer a) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        ClientAnswerReader.SendInfo camera = a.section(BridgeOffers.PUBLISH_VIDEO_MID);
        boolean fromForwarded = false;
        for (ClientAnswerReader.SendInfo s : a.sections()) {
            if (forwarded(s)
                    && s.payloadTypes().stream().anyMatch(pt -> io.junction.bridge.codec.CodecCatalog.videoCodecNameOf(pt) != null)) {
                if (!fromForwarded) {
                    out.clear();
                    fromForwarded = true;
                }
                addCodecs(s, out);
            }
        }
        if (!fromForwarded && camera != null) {
            addCodecs(camera, out);
        }
        return java.util.Set.copyOf(out);
    }

    private static void addCodecs(ClientAnswerReader.SendInfo s, java.util.Set<String> out) {
        for (int pt : s.payloadTypes()) {
            String name = io.junction.bridge.codec.CodecCatalog.videoCodecNameOf(pt);
            if (name != null) {
                out.add(name);
            }
        }
    }

    private static ClientAnswer.SendStream sendStream(ClientAnswerReader.SendInfo s) {
        return s == null || !s.sends() ? null : new ClientAnswer.SendStream(s.ssrc(), s.rtxSsrc(), s.rids());
    }
}
