package io.junction.bridge.sdp;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads and validates a client's answer to a bridge offer (JSEP RFC 8829 §5.3): the same m-lines in
 * the same order with the same mids, BUNDLE, ICE credentials, a sha-256 fingerprint, a DTLS role
 * that leaves the bridge the server, and the SSRCs the client sends on each section.
 */
public final class ClientAnswerReader {
    private ClientAnswerReader() {}

    /**
     * What the client sends on one section; SSRCs are 0 when not signalled. {@code rids}: the simulcast
     * layers it sends (from {@code a=simulcast:send}, alternatives and paused marks removed), empty
     * without simulcast.
     */
    public record SendInfo(String mid, String direction, int ssrc, int rtxSsrc, List<String> rids,
                           List<Integer> payloadTypes, List<String> extensions) {
        public SendInfo {
            rids = List.copyOf(rids);
            payloadTypes = List.copyOf(payloadTypes);
            extensions = List.copyOf(extensions);
        }

        /** Without header extensions. */
        public SendInfo(String mid, String direction, int ssrc, int rtxSsrc, List<String> rids,
                        List<Integer> payloadTypes) {
            this(mid, direction, ssrc, rtxSsrc, rids, payloadTypes, List.of());
        }

        /** Without payload types (a rejected section). */
        public SendInfo(String mid, String direction, int ssrc, int rtxSsrc, List<String> rids) {
            this(mid, direction, ssrc, rtxSsrc, rids, List.of());
        }

        public boolean sends() {
            return direction.equals("sendonly") || direction.equals("sendrecv");
        }
    }

    /** The validated answer. */
    public record Answer(String iceUfrag, String icePassword, String fingerprintSha256, String setup,
                         List<SendInfo> sections) {
        public SendInfo section(String mid) {
            for (SendInfo s : sections) {
                if (s.mid().equals(mid)) {
                    return s;
                }
            }
            return null;
        }
    }

    public static Answer read(String sdp, List<String> offeredMids) throws SdpException {
        SessionDescription d = SessionDescription.parse(sdp);
        if (d.media().size() != offeredMids.size()) {
            throw new SdpException("answer has " + d.media().size() + " m-lines, the offer had " + offeredMids.size());
        }
        String bundle = d.sessionAttribute("group");
        if (bundle == null || !bundle.startsWith("BUNDLE")) {
            throw new SdpException("answer lacks a=group:BUNDLE (Junction needs max-bundle)");
        }
        String ufrag = null;
        String pwd = null;
        String fingerprint = null;
        String setup = null;
        List<SendInfo> sections = new ArrayList<>();
        for (int i = 0; i < offeredMids.size(); i++) {
            SessionDescription.Media m = d.media().get(i);
            String mid = m.attribute("mid");
            if (mid == null || !mid.equals(offeredMids.get(i))) {
                throw new SdpException("line " + m.line() + ": m-line " + i + " has mid " + mid + ", the offer had "
                        + offeredMids.get(i));
            }
            if (m.port() == 0) {
                sections.add(new SendInfo(mid, "inactive", 0, 0, List.of()));
                continue;
            }
            if (ufrag == null) {
                ufrag = d.attribute(m, "ice-ufrag");
                pwd = d.attribute(m, "ice-pwd");
                fingerprint = d.attribute(m, "fingerprint");
                setup = d.attribute(m, "setup");
            }
            sections.add(sendInfo(mid, m));
        }
        if (ufrag == null || pwd == null || ufrag.isEmpty() || pwd.isEmpty()) {
            throw new SdpException("answer lacks ICE credentials (a=ice-ufrag / a=ice-pwd)");
        }
        if (ufrag.length() > 256 || pwd.length() > 256) {
            throw new SdpException("ICE credentials longer than 256 characters");
        }
        String fingerprintHex = SdpFields.sha256Fingerprint(fingerprint, "answer");
        if (setup == null) {
            setup = "active";
        }
        if (!setup.equals("active")) {
            throw new SdpException("answer has a=setup:" + setup + "; the client must be DTLS client (setup:active)");
        }
        return new Answer(ufrag, pwd, fingerprintHex, setup, sections);
    }

    private static SendInfo sendInfo(String mid, SessionDescription.Media m) throws SdpException {
        int ssrc = 0;
        int rtx = 0;
        for (String g : m.attributes("ssrc-group")) {
            String[] f = g.split(" ");
            if (f.length == 3 && f[0].equals("FID")) {
                ssrc = SdpFields.ssrc(f[1], m);
                rtx = SdpFields.ssrc(f[2], m);
            }
        }
        if (ssrc == 0) {
            ssrc = SdpFields.firstSsrc(m);
        }
        // the payload types the client kept: what it can receive (and send) of what was offered
        List<Integer> pts = new ArrayList<>();
        for (String f : m.formats()) {
            try {
                int pt = Integer.parseInt(f);
                if (pt >= 0 && pt < 128 && pts.size() < 64) {
                    pts.add(pt);
                }
            } catch (NumberFormatException e) {
                // not an RTP payload type: nothing the bridge sends
            }
        }
        // the header extensions it kept (URIs): what it accepts on what the bridge sends it
        List<String> extensions = new ArrayList<>();
        for (String e : m.attributes("extmap")) {
            String[] f = e.trim().split("\\s+");
            if (f.length >= 2 && extensions.size() < 32) {
                extensions.add(f[1]);
            }
        }
        return new SendInfo(mid, m.direction(), ssrc, rtx, simulcastRids(m), pts, extensions);
    }

    /**
     * The rids of {@code a=simulcast:send} (RFC 8853 §5.1): layers separated by ';', alternatives by ','
     * (the first is taken), '~' marks a paused layer (kept: it may be resumed). Every rid must also have
     * an {@code a=rid:<id> send} line.
     */
    private static List<String> simulcastRids(SessionDescription.Media m) throws SdpException {
        String sim = m.attribute("simulcast");
        if (sim == null) {
            return List.of();
        }
        String[] f = sim.trim().split("\\s+");
        if (f.length < 2 || !f[0].equals("send")) {
            if (f.length >= 1 && f[0].equals("recv")) {
                return List.of();
            }
            throw new SdpException("line " + m.line() + ": unsupported a=simulcast:" + sim);
        }
        java.util.Set<String> declared = new java.util.HashSet<>();
        for (String r : m.attributes("rid")) {
            String[] rf = r.trim().split("\\s+");
            if (rf.length >= 2 && rf[1].equals("send")) {
                declared.add(rf[0]);
            }
        }
        List<String> rids = new ArrayList<>();
        for (String layer : f[1].split(";")) {
            String rid = layer.split(",", -1)[0]; // -1: a layer of only commas is an empty rid, not no array
            if (rid.startsWith("~")) {
                rid = rid.substring(1);
            }
            if (rid.isEmpty() || rid.length() > 16 || !declared.contains(rid)) {
                throw new SdpException("line " + m.line() + ": simulcast rid '" + rid + "' has no a=rid:" + rid + " send");
            }
            if (rids.size() == 8) {
                throw new SdpException("line " + m.line() + ": more than 8 simulcast layers");
            }
            rids.add(rid);
        }
        return rids;
    }

}
