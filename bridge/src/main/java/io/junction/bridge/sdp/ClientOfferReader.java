package io.junction.bridge.sdp;

import io.junction.bridge.codec.CodecCatalog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and validates an offer made by a client (WHIP, RFC 9725; JSEP RFC 8829 §5.2): ICE
 * credentials, a sha-256 fingerprint, a DTLS role that lets the bridge be the server, BUNDLE, and per
 * m-line what the bridge can take: Opus for audio; VP8, VP9 or AV1 (profile 0) or H.264 (packetization-mode 1) for video, in
 * the client's order of preference, with its RTX; the header extensions the bridge knows, by the
 * client's ids; the SSRCs it announces. Sections the bridge cannot use are kept (the answer rejects
 * them with port 0), as are payload types it does not take.
 */
public final class ClientOfferReader {
    private ClientOfferReader() {}

    /** A payload type the bridge takes from the client, and the bridge's own type for the same format. */
    public record Codec(int payloadType, String name, int clockRate, int channels, String fmtp, List<String> feedback,
                        int bridgePayloadType) {}

    /** A codec the bridge takes and its RTX type (null without). */
    public record Choice(Codec codec, Codec rtx) {}

    /**
     * One m-line. {@code choices} is empty (and the section rejected) when the bridge can use nothing
     * in it or the client does not send (a publisher) or receive (a viewer) on it; a publisher's has
     * one codec, the one it will send; a viewer's has every codec the bridge may forward to it, in the
     * client's order. {@code extensions}: the client's id of each extension the bridge knows, by URI.
     */
    public record Section(int index, String kind, String mid, String direction, String proto, List<String> formats,
                          List<Choice> choices, Map<String, Integer> extensions, int ssrc, int rtxSsrc,
                          String rejectReason) {
        public boolean accepted() {
            return !choices.isEmpty();
        }

        /** The first (a publisher's only) codec, or null when rejected. */
        public Codec codec() {
            return choices.isEmpty() ? null : choices.get(0).codec();
        }

        /** The first codec's RTX type, or null. */
        public Codec rtx() {
            return choices.isEmpty() ? null : choices.get(0).rtx();
        }
    }

    /** The validated offer. */
    public record Offer(String iceUfrag, String icePassword, String fingerprintSha256, String setup,
                        List<Section> sections) {
        public List<Section> accepted() {
            List<Section> out = new ArrayList<>();
            for (Section s : sections) {
                if (s.accepted()) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    /** Reads a publisher's offer (WHIP): each taken m-line is one it sends on, in the client's first codec. */
    public static Offer read(String sdp) throws SdpException {
        return read(sdp, false, List.of());
    }

    /**
     * Reads a publisher's offer (WHIP), taking on video the client's first codec among {@code preferred}
     * (canonical names: what every participant of the conference decodes), else its first one.
     */
    public static Offer read(String sdp, List<String> preferred) throws SdpException {
        return read(sdp, false, preferred);
    }

    /**
     * Reads a viewer's offer (WHEP): each taken m-line is one it receives on ({@code recvonly} or
     * {@code sendrecv}), with every codec the bridge may forward there.
     */
    public static Offer readViewer(String sdp) throws SdpException {
        return read(sdp, true, List.of());
    }

    private static Offer read(String sdp, boolean viewer, List<String> preferred) throws SdpException {
        SessionDescription d = SessionDescription.parse(sdp);
        if (d.media().isEmpty()) {
            throw new SdpException("the offer has no m-line");
        }
        String ufrag = null;
        String pwd = null;
        String fingerprint = null;
        String setup = null;
        List<Section> sections = new ArrayList<>();
        java.util.Set<String> mids = new java.util.HashSet<>();
        String group = d.sessionAttribute("group");
        List<String> bundled = group == null ? List.of() : List.of(group.trim().split("\\s+"));
        if (!bundled.isEmpty() && !bundled.get(0).equals("BUNDLE")) {
            bundled = List.of();
        }
        for (int i = 0; i < d.media().size(); i++) {
            SessionDescription.Media m = d.media().get(i);
            String mid = m.attribute("mid");
            // port 0 with a=bundle-only is a live section of a max-bundle offer (RFC 8843 §6), not a rejected one
            boolean live = m.port() != 0 || (m.has("bundle-only") && mid != null && bundled.contains(mid));
            if (live && (mid == null || mid.isEmpty() || mid.length() > 32 || !mids.add(mid))) {
                throw new SdpException("line " + m.line() + ": every m-line needs a unique a=mid of at most 32 characters");
            }
            if (live && ufrag == null) {
                ufrag = d.attribute(m, "ice-ufrag");
                pwd = d.attribute(m, "ice-pwd");
                fingerprint = d.attribute(m, "fingerprint");
                setup = d.attribute(m, "setup");
            }
            sections.add(section(i, m, mid, live, viewer, preferred));
        }
        Offer offer = new Offer(ufrag, pwd, null, setup, sections);
        if (offer.accepted().isEmpty()) {
            StringBuilder why = new StringBuilder();
            for (Section s : sections) {
                why.append(why.length() == 0 ? "" : "; ").append("m-line ").append(s.index()).append(" (").append(s.kind())
                        .append("): ").append(s.rejectReason());
            }
            throw new SdpException("no usable media: " + why);
        }
        if (ufrag == null || pwd == null || ufrag.isEmpty() || pwd.isEmpty()) {
            throw new SdpException("the offer lacks ICE credentials (a=ice-ufrag / a=ice-pwd)");
        }
        if (ufrag.length() > 256 || pwd.length() > 256 || ufrag.contains(":")) {
            throw new SdpException("bad ICE credentials (at most 256 characters, no ':' in the ufrag)");
        }
        String fingerprintHex = SdpFields.sha256Fingerprint(fingerprint, "the offer");
        if (setup == null) {
            setup = "actpass";
        }
        if (!setup.equals("actpass") && !setup.equals("active")) {
            throw new SdpException("the offer has a=setup:" + setup + "; the client must be able to be the DTLS client "
                    + "(setup:actpass or setup:active)");
        }
        List<Section> accepted = offer.accepted();
        if (accepted.size() > 1) {
            if (bundled.isEmpty()) {
                throw new SdpException("the offer lacks a=group:BUNDLE (Junction needs every m-line on one transport)");
            }
            for (Section s : accepted) {
                if (!bundled.contains(s.mid())) {
                    throw new SdpException("m-line " + s.index() + " (mid " + s.mid() + ") is not in the BUNDLE group");
                }
            }
        }
        return new Offer(ufrag, pwd, fingerprintHex, setup, sections);
    }

    private static Section section(int index, SessionDescription.Media m, String mid, boolean live, boolean viewer,
                                   List<String> preferred)
            throws SdpException {
        String kind = m.kind();
        String direction = m.direction();
        if (!live) {
            return rejected(index, m, mid, "rejected by the client (port 0)");
        }
        if (!kind.equals("audio") && !kind.equals("video")) {
            return rejected(index, m, mid, "only audio and video are taken");
        }
        if (!m.proto().equals("UDP/TLS/RTP/SAVPF") && !m.proto().equals("UDP/TLS/RTP/SAVP")) {
            return rejected(index, m, mid, "protocol " + m.proto() + " (DTLS-SRTP, UDP/TLS/RTP/SAVPF, is needed)");
        }
        if (viewer ? !direction.equals("recvonly") && !direction.equals("sendrecv")
                : !direction.equals("sendonly") && !direction.equals("sendrecv")) {
            return rejected(index, m, mid, "the client does not " + (viewer ? "receive" : "send") + " on it ("
                    + direction + ")");
        }
        if (!m.has("rtcp-mux")) {
            return rejected(index, m, mid, "no a=rtcp-mux (RTP and RTCP must share the transport)");
        }
        Map<Integer, Codec> byPt = codecs(m, kind);
        // one codec per format the bridge takes, the client's first of each; for a viewer, of several
        // H.264 types the one that decodes what publishers send (constrained baseline) wins
        List<Codec> taken = new ArrayList<>();
        for (String f : m.formats()) {
            Codec c = byPt.get(parsePt(f, m));
            if (c == null || c.bridgePayloadType() < 0 || c.name().equalsIgnoreCase("rtx")) {
                continue;
            }
            int same = -1;
            for (int k = 0; k < taken.size() && same < 0; k++) {
                same = taken.get(k).bridgePayloadType() == c.bridgePayloadType() ? k : -1;
            }
            if (same < 0) {
                taken.add(c);
            } else if (viewer && constrainedBaseline(c) && !constrainedBaseline(taken.get(same))) {
                taken.set(same, c);
            }
        }
        if (!viewer && taken.size() > 1) {
            // a publisher sends its first, or its first that every participant decodes
            for (int k = 0; k < taken.size(); k++) {
                if (preferred.contains(CodecCatalog.videoCodecName(taken.get(k).name()))) {
                    taken.add(0, taken.remove(k));
                    break;
                }
            }
            taken.subList(1, taken.size()).clear();
        }
        if (taken.isEmpty()) {
            return rejected(index, m, mid, kind.equals("audio") ? "no Opus"
                    : "no VP8, VP9 (profile 0), H.264 (packetization-mode=1) or AV1 (profile 0)");
        }
        List<Choice> choices = new ArrayList<>();
        for (Codec chosen : taken) {
            Codec rtx = null;
            int bridgeRtx = CodecCatalog.rtxPayloadType(chosen.bridgePayloadType());
            for (Codec c : byPt.values()) {
                if (c.name().equalsIgnoreCase("rtx") && ("apt=" + chosen.payloadType()).equals(fmtpParam(c.fmtp(), "apt"))
                        && bridgeRtx >= 0) {
                    rtx = new Codec(c.payloadType(), c.name(), c.clockRate(), 0, c.fmtp(), List.of(), bridgeRtx);
                }
            }
            choices.add(new Choice(chosen, rtx));
        }
        Map<String, Integer> extensions = new HashMap<>();
        for (String e : m.attributes("extmap")) {
            String[] f = e.trim().split("\\s+");
            if (f.length < 2) {
                throw new SdpException("line " + m.line() + ": bad a=extmap:" + e);
            }
            String idPart = f[0];
            int slash = idPart.indexOf('/');
            if (slash >= 0) {
                String dir = idPart.substring(slash + 1);
                idPart = idPart.substring(0, slash);
                if (dir.equals("inactive") || dir.equals(viewer ? "sendonly" : "recvonly")) {
                    continue; // not in the direction the media goes
                }
            }
            int id;
            try {
                id = Integer.parseInt(idPart);
            } catch (NumberFormatException ex) {
                throw new SdpException("line " + m.line() + ": bad a=extmap id '" + idPart + "'");
            }
            if (id < 1 || id > 255 || id == 15) {
                throw new SdpException("line " + m.line() + ": a=extmap id " + id + " out of range (1-14, 16-255)");
            }
            CodecCatalog.Extension known = CodecCatalog.extension(f[1]);
            if (known != null && (kind.equals("audio") ? known.audio() : known.video())) {
                extensions.put(known.uri(), id);
            }
        }
        int ssrc = 0;
        int rtxSsrc = 0;
        for (String g : m.attributes("ssrc-group")) {
            String[] f = g.trim().split("\\s+");
            if (f.length == 3 && f[0].equals("FID")) {
                ssrc = SdpFields.ssrc(f[1], m);
                rtxSsrc = SdpFields.ssrc(f[2], m);
            }
        }
        if (ssrc == 0) {
            ssrc = SdpFields.firstSsrc(m);
        }
        return new Section(index, kind, mid, direction, m.proto(), m.formats(), List.copyOf(choices),
                Map.copyOf(extensions), ssrc, choices.get(0).rtx() == null ? 0 : rtxSsrc, null);
    }

    private static Section rejected(int index, SessionDescription.Media m, String mid, String why) {
        return new Section(index, m.kind(), mid, m.direction(), m.proto(), m.formats(), List.of(), Map.of(), 0, 0, why);
    }

    /** The payload types of a section with their rtpmap, fmtp and rtcp-fb; the bridge's type where it takes the format. */
    private static Map<Integer, Codec> codecs(SessionDescription.Media m, String kind) throws SdpException {
        Map<Integer, String[]> rtpmap = new HashMap<>();
        for (String r : m.attributes("rtpmap")) {
            String[] f = r.trim().split("\\s+", 2);
            if (f.length != 2) {
                throw new SdpException("line " + m.line() + ": bad a=rtpmap:" + r);
            }
            rtpmap.put(parsePt(f[0], m), f[1].split("/"));
        }
        Map<Integer, String> fmtp = new HashMap<>();
        for (String r : m.attributes("fmtp")) {
            String[] f = r.trim().split("\\s+", 2);
            fmtp.put(parsePt(f[0], m), f.length == 2 ? f[1] : "");
        }
        Map<Integer, List<String>> fb = new HashMap<>();
        for (String r : m.attributes("rtcp-fb")) {
            String[] f = r.trim().split("\\s+", 2);
            if (f.length == 2 && !f[0].equals("*")) {
                fb.computeIfAbsent(parsePt(f[0], m), k -> new ArrayList<>()).add(f[1]);
            }
        }
        Map<Integer, Codec> out = new HashMap<>();
        for (String format : m.formats()) {
            int pt = parsePt(format, m);
            String[] r = rtpmap.get(pt);
            if (r == null || r.length < 2) {
                continue; // a static type without rtpmap: nothing the bridge takes
            }
            String name = r[0];
            int clock;
            try {
                clock = Integer.parseInt(r[1]);
            } catch (NumberFormatException e) {
                throw new SdpException("line " + m.line() + ": bad clock rate in a=rtpmap:" + pt);
            }
            int channels = r.length > 2 ? parseChannels(r[2], m) : 0;
            String p = fmtp.getOrDefault(pt, "");
            int bridgePt = -1;
            if (kind.equals("audio") && name.equalsIgnoreCase("opus") && clock == 48_000 && channels == 2) {
                bridgePt = CodecCatalog.PT_OPUS;
            } else if (kind.equals("video") && clock == 90_000) {
                if (name.equalsIgnoreCase("VP8")) {
                    bridgePt = CodecCatalog.PT_VP8;
                } else if (name.equalsIgnoreCase("H264") && "packetization-mode=1".equals(fmtpParam(p, "packetization-mode"))) {
                    bridgePt = CodecCatalog.PT_H264;
                } else if (name.equalsIgnoreCase("VP9") && profile(p, "profile-id")) {
                    bridgePt = CodecCatalog.PT_VP9;
                } else if (name.equalsIgnoreCase("AV1") && profile(p, "profile")) {
                    bridgePt = CodecCatalog.PT_AV1;
                }
            }
            out.put(pt, new Codec(pt, name, clock, channels, p, List.copyOf(fb.getOrDefault(pt, List.of())), bridgePt));
        }
        return out;
    }

    /** Profile 0 (8-bit 4:2:0, what the bridge offers) of VP9 or AV1: the parameter absent or 0. */
    private static boolean profile(String fmtp, String parameter) {
        String v = fmtpParam(fmtp, parameter);
        return v == null || v.equals(parameter + "=0");
    }

    /** H.264 constrained baseline, level 3.1: what the bridge offers publishers. */
    private static boolean constrainedBaseline(Codec c) {
        return c.bridgePayloadType() == CodecCatalog.PT_H264
                && "profile-level-id=42e01f".equalsIgnoreCase(fmtpParam(c.fmtp(), "profile-level-id"));
    }

    /** {@code name=value} of one fmtp parameter (parameters separated by ';'), or null. */
    static String fmtpParam(String fmtp, String name) {
        if (fmtp == null) {
            return null;
        }
        for (String p : fmtp.split(";")) {
            String t = p.trim();
            if (t.startsWith(name + "=")) {
                return t;
            }
        }
        return null;
    }

    private static int parseChannels(String s, SessionDescription.Media m) throws SdpException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new SdpException("line " + m.line() + ": bad channel count '" + s + "'");
        }
    }

    private static int parsePt(String s, SessionDescription.Media m) throws SdpException {
        try {
            int pt = Integer.parseInt(s.trim());
            if (pt < 0 || pt > 127) {
                throw new NumberFormatException();
            }
            return pt;
        } catch (NumberFormatException e) {
            throw new SdpException("line " + m.line() + ": bad payload type '" + s + "'");
        }
    }

}
