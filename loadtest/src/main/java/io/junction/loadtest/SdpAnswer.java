package io.junction.loadtest;

import io.junction.bridge.sdp.SdpException;
import io.junction.bridge.sdp.SessionDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * What a synthetic client reads from the bridge's offer, and the answer it writes back: the answer a
 * browser would give with BUNDLE, rtcp-mux, {@code setup:active}, Opus 111 and VP8 96 with RTX 97, the
 * transport-cc and mid header extensions, and SSRCs on the two publish m-lines.
 */
final class SdpAnswer {
    /** The bridge's transport parameters and its m-lines. */
    record Offer(String iceUfrag, String icePassword, String fingerprint, List<Candidate> candidates,
                 List<Section> sections) {}

    record Candidate(String address, int port) {}

    /** One m-line: {@code direction} as offered by the bridge; {@code ssrc} for the forwarded ones. */
    record Section(String mid, boolean video, String direction, long ssrc) {}

    /** The SSRCs a publisher sends with (0 for a client that only receives). */
    record Ssrcs(int audio, int video, int videoRtx) {}

    // What the bridge offers (its catalog): a synthetic client of this bridge answers with the same.
    static final int PT_OPUS = io.junction.bridge.codec.CodecCatalog.PT_OPUS;
    static final int PT_VP8 = io.junction.bridge.codec.CodecCatalog.PT_VP8;
    static final int PT_VP8_RTX = io.junction.bridge.codec.CodecCatalog.PT_VP8_RTX;
    static final int PT_VP9 = io.junction.bridge.codec.CodecCatalog.PT_VP9;
    static final int PT_VP9_RTX = io.junction.bridge.codec.CodecCatalog.PT_VP9_RTX;
    static final int EXT_TRANSPORT_CC = io.junction.bridge.codec.CodecCatalog.EXT_TRANSPORT_CC;
    static final int EXT_MID = io.junction.bridge.codec.CodecCatalog.EXT_MID;
    static final int EXT_DEPENDENCY_DESCRIPTOR = io.junction.bridge.codec.CodecCatalog.EXT_DEPENDENCY_DESCRIPTOR;
    static final int PT_AV1 = io.junction.bridge.codec.CodecCatalog.PT_AV1;
    static final int PT_AV1_RTX = io.junction.bridge.codec.CodecCatalog.PT_AV1_RTX;

    private SdpAnswer() {}

    static Offer readOffer(String sdp) throws SdpException {
        SessionDescription d = SessionDescription.parse(sdp);
        if (d.media().isEmpty()) {
            throw new SdpException("offer has no m-lines");
        }
        SessionDescription.Media first = d.media().get(0);
        String ufrag = d.attribute(first, "ice-ufrag");
        String pwd = d.attribute(first, "ice-pwd");
        String fp = d.attribute(first, "fingerprint");
        List<Candidate> candidates = new ArrayList<>();
        for (String c : first.attributes("candidate")) {
            String[] f = c.split(" ");
            if (f.length >= 8 && f[2].equalsIgnoreCase("udp")) {
                candidates.add(new Candidate(f[4], Integer.parseInt(f[5])));
            }
        }
        List<Section> sections = new ArrayList<>();
        for (SessionDescription.Media m : d.media()) {
            long ssrc = 0;
            List<String> ssrcLines = m.attributes("ssrc");
            if (!ssrcLines.isEmpty()) {
                String v = ssrcLines.get(0);
                ssrc = Long.parseLong(v.substring(0, v.indexOf(' ')));
            }
            sections.add(new Section(m.attribute("mid"), m.kind().equals("video"), m.direction(), ssrc));
        }
        if (ufrag == null || pwd == null || fp == null) {
            throw new SdpException("offer lacks ICE credentials or fingerprint");
        }
        return new Offer(ufrag, pwd, fp.substring(fp.indexOf(' ') + 1), candidates, sections);
    }

    static String write(Offer offer, String ufrag, String pwd, String fingerprint, Ssrcs ssrcs, String cname) {
        return write(offer, ufrag, pwd, fingerprint, ssrcs, cname, "vp8");
    }

    /**
     * As above, answering {@code codec} ("vp8", "vp9", "av1"; with RTX) on every video m-line; with AV1
     * also the dependency descriptor extension (AV1's layers are described only there).
     */
    static String write(Offer offer, String ufrag, String pwd, String fingerprint, Ssrcs ssrcs, String cname,
                        String codec) {
        boolean vp9 = codec.equals("vp9");
        boolean av1 = codec.equals("av1");
        StringBuilder sb = new StringBuilder(2048);
        line(sb, "v=0");
        line(sb, "o=- 4611731400430051336 2 IN IP4 127.0.0.1");
        line(sb, "s=-");
        line(sb, "t=0 0");
        StringBuilder bundle = new StringBuilder("a=group:BUNDLE");
        for (Section s : offer.sections()) {
            bundle.append(' ').append(s.mid());
        }
        line(sb, bundle.toString());
        line(sb, "a=msid-semantic: WMS " + cname);
        boolean cameraTaken = false;
        for (Section s : offer.sections()) {
            // the first receiving video m-line takes the camera; the next (the screen share's) stays inactive
            boolean screen = s.video() && s.direction().equals("recvonly") && cameraTaken;
            cameraTaken |= s.video() && s.direction().equals("recvonly");
            line(sb, s.video() ? "m=video 9 UDP/TLS/RTP/SAVPF " + (vp9 ? PT_VP9 + " " + PT_VP9_RTX
                    : av1 ? PT_AV1 + " " + PT_AV1_RTX : PT_VP8 + " " + PT_VP8_RTX)
                    : "m=audio 9 UDP/TLS/RTP/SAVPF " + PT_OPUS);
            line(sb, "c=IN IP4 0.0.0.0");
            line(sb, "a=rtcp:9 IN IP4 0.0.0.0");
            line(sb, "a=ice-ufrag:" + ufrag);
            line(sb, "a=ice-pwd:" + pwd);
            line(sb, "a=ice-options:trickle");
            line(sb, "a=fingerprint:sha-256 " + fingerprint);
            line(sb, "a=setup:active");
            line(sb, "a=mid:" + s.mid());
            line(sb, "a=extmap:" + EXT_TRANSPORT_CC + " " + io.junction.bridge.codec.CodecCatalog.URI_TRANSPORT_CC);
            line(sb, "a=extmap:" + EXT_MID + " urn:ietf:params:rtp-hdrext:sdes:mid");
            if (av1 && s.video()) {
                line(sb, "a=extmap:" + EXT_DEPENDENCY_DESCRIPTOR + " "
                        + io.junction.bridge.codec.CodecCatalog.URI_DEPENDENCY_DESCRIPTOR);
            }
            int ssrc = screen ? 0 : s.video() ? ssrcs.video() : ssrcs.audio();
            String direction = switch (s.direction()) {
                case "sendonly" -> "recvonly";
                case "recvonly" -> ssrc != 0 ? "sendonly" : "inactive";
                default -> "inactive";
            };
            line(sb, "a=" + direction);
            if (direction.equals("sendonly")) {
                line(sb, "a=msid:" + cname + " " + cname + (s.video() ? "-video" : "-audio"));
            }
            line(sb, "a=rtcp-mux");
            line(sb, "a=rtcp-rsize");
            codecs(sb, s.video(), true, codec);
            if (direction.equals("sendonly")) {
                String id = Integer.toUnsignedString(ssrc);
                if (s.video()) {
                    String rtx = Integer.toUnsignedString(ssrcs.videoRtx());
                    line(sb, "a=ssrc-group:FID " + id + " " + rtx);
                    line(sb, "a=ssrc:" + id + " cname:" + cname);
                    line(sb, "a=ssrc:" + rtx + " cname:" + cname);
                } else {
                    line(sb, "a=ssrc:" + id + " cname:" + cname);
                }
            }
        }
        return sb.toString();
    }

    /**
     * A WHEP viewer's offer, as a browser's player makes it: one audio (Opus) and one video (VP8 with
     * RTX) m-line, recvonly, BUNDLEd, rtcp-mux, transport-cc, {@code setup:actpass}; no candidates (the
     * bridge learns the client's address from its checks).
     */
    static String writeViewerOffer(String ufrag, String pwd, String fingerprint) {
        StringBuilder sb = new StringBuilder(1024);
        line(sb, "v=0");
        line(sb, "o=- 4611731400430051337 2 IN IP4 127.0.0.1");
        line(sb, "s=-");
        line(sb, "t=0 0");
        line(sb, "a=group:BUNDLE 0 1");
        for (boolean video : new boolean[] {false, true}) {
            line(sb, video ? "m=video 9 UDP/TLS/RTP/SAVPF " + PT_VP8 + " " + PT_VP8_RTX : "m=audio 9 UDP/TLS/RTP/SAVPF " + PT_OPUS);
            line(sb, "c=IN IP4 0.0.0.0");
            line(sb, "a=ice-ufrag:" + ufrag);
            line(sb, "a=ice-pwd:" + pwd);
            line(sb, "a=fingerprint:sha-256 " + fingerprint);
            line(sb, "a=setup:actpass");
            line(sb, "a=mid:" + (video ? "1" : "0"));
            line(sb, "a=extmap:" + EXT_TRANSPORT_CC + " " + io.junction.bridge.codec.CodecCatalog.URI_TRANSPORT_CC);
            line(sb, "a=recvonly");
            line(sb, "a=rtcp-mux");
            line(sb, "a=rtcp-rsize");
            codecs(sb, video, false, "vp8");
        }
        return sb.toString();
    }

    /**
     * The rtpmap, rtcp-fb and fmtp lines of VP8 (or VP9) with RTX, or of Opus ({@code remb}: REMB
     * feedback too).
     */
    private static void codecs(StringBuilder sb, boolean video, boolean remb, String codec) {
        if (video) {
            boolean vp9 = codec.equals("vp9");
            boolean av1 = codec.equals("av1");
            int pt = vp9 ? PT_VP9 : av1 ? PT_AV1 : PT_VP8;
            int rtx = vp9 ? PT_VP9_RTX : av1 ? PT_AV1_RTX : PT_VP8_RTX;
            line(sb, "a=rtpmap:" + pt + (vp9 ? " VP9/90000" : av1 ? " AV1/90000" : " VP8/90000"));
            for (String fb : List.of("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli")) {
                if (remb || !fb.equals("goog-remb")) {
                    line(sb, "a=rtcp-fb:" + pt + " " + fb);
                }
            }
            if (vp9) {
                line(sb, "a=fmtp:" + pt + " profile-id=0");
            }
            line(sb, "a=rtpmap:" + rtx + " rtx/90000");
            line(sb, "a=fmtp:" + rtx + " apt=" + pt);
        } else {
            line(sb, "a=rtpmap:" + PT_OPUS + " opus/48000/2");
            line(sb, "a=rtcp-fb:" + PT_OPUS + " transport-cc");
            line(sb, "a=fmtp:" + PT_OPUS + " minptime=10;useinbandfec=1");
        }
    }

    private static void line(StringBuilder sb, String l) {
        sb.append(l).append("\r\n");
    }
}
