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

    public static String write(ClientOfferReader.Offer offer, long sessionId, String iceUfrag, String icePassword,
                               String fingerprintSha256, List<BridgeOffer.Candidate> candidates) {
        StringBuilder sb = new StringBuilder(2048);
        line(sb, "v=0");
        line(sb, "o=- " + sessionId + " 1 IN IP4 0.0.0.0");
        line(sb, "s=-");
        line(sb, "t=0 0");
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (ClientOfferReader.Section s : offer.accepted()) {
            bundle.append(' ').append(s.mid());
        }
        line(sb, bundle.toString());
        // also at session level (RFC 8122 §5): some stacks (GStreamer's webrtcbin) look for it on every section
        line(sb, "a=fingerprint:sha-256 " + fingerprintSha256);
        boolean first = true;
        for (ClientOfferReader.Section s : offer.sections()) {
            if (!s.accepted()) {
                line(sb, "m=" + s.kind() + " 0 " + s.proto() + " " + String.join(" ", s.formats()));
                line(sb, "c=IN IP4 0.0.0.0");
                if (s.mid() != null) {
                    line(sb, "a=mid:" + s.mid());
                }
                line(sb, "a=inactive");
                continue;
            }
            ClientOfferReader.Codec c = s.codec();
            ClientOfferReader.Codec rtx = s.rtx();
            line(sb, "m=" + s.kind() + " 9 UDP/TLS/RTP/SAVPF " + c.payloadType() + (rtx == null ? "" : " " + rtx.payloadType()));
            line(sb, "c=IN IP4 0.0.0.0");
            line(sb, "a=rtcp:9 IN IP4 0.0.0.0");
            line(sb, "a=ice-ufrag:" + iceUfrag);
            line(sb, "a=ice-pwd:" + icePassword);
            line(sb, "a=fingerprint:sha-256 " + fingerprintSha256);
            line(sb, "a=setup:passive");
            line(sb, "a=mid:" + s.mid());
            for (Map.Entry<String, Integer> e : s.extensions().entrySet().stream()
                    .sorted(Map.Entry.comparingByValue()).toList()) {
                line(sb, "a=extmap:" + e.getValue() + " " + e.getKey());
            }
            line(sb, "a=recvonly");
            line(sb, "a=rtcp-mux");
            line(sb, "a=rtcp-rsize");
            line(sb, "a=rtpmap:" + c.payloadType() + " " + c.name() + "/" + c.clockRate()
                    + (c.channels() > 0 ? "/" + c.channels() : ""));
            for (String fb : c.feedback()) {
                if (acceptedFeedback(fb, s.extensions())) {
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

    /** The feedback the bridge gives a publisher: NACK, PLI, FIR, REMB, and transport-cc when the extension is there. */
    private static boolean acceptedFeedback(String fb, Map<String, Integer> extensions) {
        return switch (fb) {
            case "nack", "nack pli", "ccm fir", "goog-remb" -> true;
            case "transport-cc" -> extensions.keySet().stream()
                    .anyMatch(u -> CodecCatalog.extension(u).id() == CodecCatalog.EXT_TRANSPORT_CC);
            default -> false;
        };
    }

    private static void line(StringBuilder sb, String l) {
        sb.append(l).append("\r\n");
    }
}
