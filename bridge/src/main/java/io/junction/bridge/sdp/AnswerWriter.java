package io.junction.bridge.sdp;

import io.junction.bridge.codec.CodecCatalog;
import java.util.List;
import java.util.Map;

/**
 * Renders the bridge's answer to a {@link ClientOfferReader.Offer} (JSEP RFC 8829 §5.3): the offer's
 * m-lines in its order; the ones the bridge takes {@code recvonly} with the one codec it chose (and
 * its RTX) under the client's payload type numbers, the client's extension ids for the extensions it
 * knows, BUNDLEd, rtcp-mux, {@code setup:passive} (the bridge is the DTLS server), the bridge's ICE
 * credentials, fingerprint and candidates; the others rejected with port 0. No simulcast: a client
 * that offered it sends its first encoding only (RFC 8853 §5.3). CRLF line endings.
 */
public final class AnswerWriter {
    private AnswerWriter() {}

    /**
     * What the bridge sends on one m-line of a viewer's (WHEP) answer: its SSRCs (RTX 0: none), the
     * CNAME and msid it announces, and the header extensions it stamps (URI to the client's id).
     */
    public record Sending(int ssrc, int rtxSsrc, String cname, String streamId, String trackId,
                          Map<String, Integer> extensions) {}

    /** The answer to a publisher (WHIP): every accepted m-line {@code recvonly}. */
    public static String write(ClientOfferReader.Offer offer, long sessionId, String iceUfrag, String icePassword,
                               String fingerprintSha256, List<BridgeOffer.Candidate> candidates) {
        return write(offer, sessionId, iceUfrag, icePassword, fingerprintSha256, candidates, null);
    }

    /**
     * The answer to a viewer (WHEP) when {@code sending} is given (by mid): every accepted m-line
     * {@code sendonly} with every codec of its choices, the SSRCs and msid the bridge sends under, and
     * only the extensions in {@link Sending#extensions}.
     */
    public static String write(ClientOfferReader.Offer offer, long sessionId, String iceUfrag, String icePassword,
                               String fingerprintSha256, List<BridgeOffer.Candidate> candidates,
                               Map<String, Sending> sending) {
        StringBuilder sb = new StringBuilder(2048);
        line(sb, "v=0");
        line(sb, "o=- " + sessionId + " 1 IN IP4 0.0.0.0");
        line(sb, "s=-");
        line(sb, "t=0 0");
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (ClientOfferReader.Section s : offer.accepted()) {
            if (sending == null || sending.containsKey(s.mid())) {
                bundle.append(' ').append(s.mid());
            }
        }
        line(sb, bundle.toString());
        // also at session level (RFC 8122 §5): some stacks (GStreamer's webrtcbin) look for it on every section
        line(sb, "a=fingerprint:sha-256 " + fingerprintSha256);
        boolean first = true;
        for (ClientOfferReader.Section s : offer.sections()) {
            if (!s.accepted() || (sending != null && !sending.containsKey(s.mid()))) { // a viewer gets one m-line a kind
                line(sb, "m=" + s.kind() + " 0 " + s.proto() + " " + String.join(" ", s.formats()));
                line(sb, "c=IN IP4 0.0.0.0");
                if (s.mid() != null) {
                    line(sb, "a=mid:" + s.mid());
                }
                line(sb, "a=inactive");
                continue;
            }
            Sending send = sending == null ? null : sending.get(s.mid());
            List<ClientOfferReader.Choice> choices = send == null ? s.choices().subList(0, 1) : s.choices();
            StringBuilder formats = new StringBuilder();
            for (ClientOfferReader.Choice ch : choices) {
                formats.append(' ').append(ch.codec().payloadType());
                if (ch.rtx() != null) {
                    formats.append(' ').append(ch.rtx().payloadType());
                }
            }
            line(sb, "m=" + s.kind() + " 9 UDP/TLS/RTP/SAVPF" + formats);
            line(sb, "c=IN IP4 0.0.0.0");
            line(sb, "a=rtcp:9 IN IP4 0.0.0.0");
            line(sb, "a=ice-ufrag:" + iceUfrag);
            line(sb, "a=ice-pwd:" + icePassword);
            line(sb, "a=fingerprint:sha-256 " + fingerprintSha256);
            line(sb, "a=setup:passive");
            line(sb, "a=mid:" + s.mid());
            Map<String, Integer> extensions = send == null ? s.extensions() : send.extensions();
            for (Map.Entry<String, Integer> e : extensions.entrySet().stream()
                    .sorted(Map.Entry.comparingByValue()).toList()) {
                line(sb, "a=extmap:" + e.getValue() + " " + e.getKey());
            }
            line(sb, send == null ? "a=recvonly" : "a=sendonly");
            if (send != null) {
                line(sb, "a=msid:" + send.streamId() + " " + send.trackId());
            }
            line(sb, "a=rtcp-mux");
            line(sb, "a=rtcp-rsize");
            for (ClientOfferReader.Choice ch : choices) {
                ClientOfferReader.Codec c = ch.codec();
                ClientOfferReader.Codec rtx = ch.rtx();
                line(sb, "a=rtpmap:" + c.payloadType() + " " + c.name() + "/" + c.clockRate()
                        + (c.channels() > 0 ? "/" + c.channels() : ""));
                for (String fb : c.feedback()) {
                    if (acceptedFeedback(fb, extensions, send != null)) {
                        line(sb, "a=rtcp-fb:" + c.payloadType() + " " + fb);
                    }
                }
                if (!c.fmtp().isEmpty()) {
                    line(sb, "a=fmtp:" + c.payloadType() + " " + c.fmtp());
                }
                if (rtx != null) {
                    line(sb, "a=rtpmap:" + rtx.payloadType() + " rtx/" + rtx.clockRate());
                    line(sb, "a=fmtp:" + rtx.payloadType() + " apt=" + c.payloadType());
                }
            }
            if (send != null) {
                boolean withRtx = send.rtxSsrc() != 0 && choices.stream().anyMatch(ch -> ch.rtx() != null);
                if (withRtx) {
                    line(sb, "a=ssrc-group:FID " + Integer.toUnsignedString(send.ssrc()) + " "
                            + Integer.toUnsignedString(send.rtxSsrc()));
                }
                for (int ssrc : withRtx ? new int[] {send.ssrc(), send.rtxSsrc()} : new int[] {send.ssrc()}) {
                    line(sb, "a=ssrc:" + Integer.toUnsignedString(ssrc) + " cname:" + send.cname());
                    line(sb, "a=ssrc:" + Integer.toUnsignedString(ssrc) + " msid:" + send.streamId() + " " + send.trackId());
                }
            }
            if (first) {
                for (BridgeOffer.Candidate cand : candidates) {
                    StringBuilder a = new StringBuilder("a=candidate:").append(cand.foundation())
                            .append(cand.tcp() ? " 1 tcp " : " 1 udp ").append(cand.priority()).append(' ')
                            .append(cand.address()).append(' ').append(cand.port()).append(" typ ").append(cand.type());
                    if (cand.relatedAddress() != null) {
                        a.append(" raddr ").append(cand.relatedAddress()).append(" rport ").append(cand.relatedPort());
                    }
                    if (cand.tcp()) {
                        a.append(" tcptype passive");
                    }
                    line(sb, a.toString());
                }
                line(sb, "a=end-of-candidates");
                first = false;
            }
        }
        return sb.toString();
    }

    /**
     * The feedback the bridge gives a publisher (NACK, PLI, FIR, REMB) or takes from a viewer (the same
     * but REMB: its estimate comes from transport-cc), and transport-cc when the extension is there.
     */
    private static boolean acceptedFeedback(String fb, Map<String, Integer> extensions, boolean viewer) {
        return switch (fb) {
            case "nack", "nack pli", "ccm fir" -> true;
            case "goog-remb" -> !viewer;
            case "transport-cc" -> extensions.containsKey(CodecCatalog.URI_TRANSPORT_CC);
            default -> false;
        };
    }

    private static void line(StringBuilder sb, String l) {
        sb.append(l).append("\r\n");
    }
}
