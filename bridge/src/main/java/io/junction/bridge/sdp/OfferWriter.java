package io.junction.bridge.sdp;

import io.junction.bridge.codec.CodecCatalog;

/**
 * Renders a {@link BridgeOffer} as SDP (RFC 8866, JSEP RFC 8829): every section BUNDLEd, rtcp-mux,
 * {@code setup:actpass}, ICE credentials and fingerprint on every section, candidates on the first
 * (the BUNDLE tag). CRLF line endings.
 */
public final class OfferWriter {
    private OfferWriter() {}

    public static String write(BridgeOffer offer) {
        StringBuilder sb = new StringBuilder(4096);
        line(sb, "v=0");
        line(sb, "o=- " + offer.sessionId() + " " + offer.version() + " IN IP4 0.0.0.0");
        line(sb, "s=-");
        line(sb, "t=0 0");
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (BridgeOffer.Section s : offer.sections()) {
            bundle.append(' ').append(s.mid());
        }
        line(sb, bundle.toString());
        line(sb, "a=msid-semantic: WMS *");
        if (offer.dependencyDescriptor()) {
            line(sb, "a=extmap-allow-mixed"); // RFC 8285 §6: the descriptor's structure needs two-byte elements
        }
        boolean first = true;
        for (BridgeOffer.Section s : offer.sections()) {
            writeSection(sb, offer, s, first);
            first = false;
        }
        return sb.toString();
    }

    private static void writeSection(StringBuilder sb, BridgeOffer offer, BridgeOffer.Section s, boolean bundleTag) {
        var codecs = s.codecs() != null ? s.codecs() : s.video() ? CodecCatalog.VIDEO : CodecCatalog.AUDIO;
        StringBuilder m = new StringBuilder(s.video() ? "m=video 9 UDP/TLS/RTP/SAVPF" : "m=audio 9 UDP/TLS/RTP/SAVPF");
        for (CodecCatalog.Codec c : codecs) {
            m.append(' ').append(c.payloadType());
        }
        line(sb, m.toString());
        line(sb, "c=IN IP4 0.0.0.0");
        line(sb, "a=rtcp:9 IN IP4 0.0.0.0");
        line(sb, "a=ice-ufrag:" + offer.iceUfrag());
        line(sb, "a=ice-pwd:" + offer.icePassword());
        line(sb, "a=fingerprint:sha-256 " + offer.fingerprintSha256());
        line(sb, "a=setup:actpass");
        line(sb, "a=mid:" + s.mid());
        for (CodecCatalog.Extension e : CodecCatalog.EXTENSIONS) {
            if (s.video() ? e.video() : e.audio()) {
                line(sb, "a=extmap:" + e.id() + " " + e.uri());
            }
        }
        if (s.video() && offer.dependencyDescriptor()) {
            line(sb, "a=extmap:" + CodecCatalog.EXT_DEPENDENCY_DESCRIPTOR + " " + CodecCatalog.URI_DEPENDENCY_DESCRIPTOR);
        }
        line(sb, "a=" + s.direction().name().toLowerCase());
        if (s.direction() == BridgeOffer.Direction.SENDONLY) {
            line(sb, "a=msid:" + s.streamId() + " " + s.trackId());
        }
        line(sb, "a=rtcp-mux");
        line(sb, "a=rtcp-rsize");
        for (CodecCatalog.Codec c : codecs) {
            line(sb, "a=rtpmap:" + c.payloadType() + " " + c.name() + "/" + c.clockRate()
                    + (c.channels() > 0 ? "/" + c.channels() : ""));
            for (String fb : c.feedback()) {
                line(sb, "a=rtcp-fb:" + c.payloadType() + " " + fb);
            }
            if (c.fmtp() != null) {
                line(sb, "a=fmtp:" + c.payloadType() + " " + c.fmtp());
            }
        }
        if (!s.recvRids().isEmpty()) {
            for (String rid : s.recvRids()) {
                line(sb, "a=rid:" + rid + " recv");
            }
            line(sb, "a=simulcast:recv " + String.join(";", s.recvRids()));
        }
        if (s.direction() == BridgeOffer.Direction.SENDONLY) {
            if (s.rtxSsrc() != 0) {
                line(sb, "a=ssrc-group:FID " + Integer.toUnsignedString(s.ssrc()) + " "
                        + Integer.toUnsignedString(s.rtxSsrc()));
            }
            ssrcLines(sb, s.ssrc(), s);
            if (s.rtxSsrc() != 0) {
                ssrcLines(sb, s.rtxSsrc(), s);
            }
        }
        if (bundleTag) {
            for (BridgeOffer.Candidate c : offer.candidates()) {
                StringBuilder a = new StringBuilder("a=candidate:").append(c.foundation()).append(c.tcp() ? " 1 tcp " : " 1 udp ")
                        .append(c.priority()).append(' ').append(c.address()).append(' ').append(c.port())
                        .append(" typ ").append(c.type());
                if (c.relatedAddress() != null) {
                    a.append(" raddr ").append(c.relatedAddress()).append(" rport ").append(c.relatedPort());
                }
                if (c.tcp()) {
                    a.append(" tcptype passive"); // RFC 6544: the bridge only accepts connections
                }
                a.append(" generation 0");
                line(sb, a.toString());
            }
            line(sb, "a=end-of-candidates");
        }
    }

    private static void ssrcLines(StringBuilder sb, int ssrc, BridgeOffer.Section s) {
        String id = Integer.toUnsignedString(ssrc);
        line(sb, "a=ssrc:" + id + " cname:" + s.cname());
        line(sb, "a=ssrc:" + id + " msid:" + s.streamId() + " " + s.trackId());
    }

    private static void line(StringBuilder sb, String l) {
        sb.append(l).append("\r\n");
    }
}
