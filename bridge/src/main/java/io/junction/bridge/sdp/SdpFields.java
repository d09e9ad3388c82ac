package io.junction.bridge.sdp;

import java.util.Locale;

/** Field readers the answer reader and the offer reader share. */
final class SdpFields {
    private SdpFields() {}

    /**
     * The hex of an {@code a=fingerprint} value that must be sha-256 (RFC 8122), upper case; else an
     * error naming {@code what} ("answer", "the offer").
     */
    static String sha256Fingerprint(String fingerprint, String what) throws SdpException {
        if (fingerprint == null) {
            throw new SdpException(what + " lacks a=fingerprint");
        }
        String[] fp = fingerprint.trim().split(" ");
        if (fp.length != 2 || !fp[0].equalsIgnoreCase("sha-256") || !fp[1].matches("([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}")) {
            throw new SdpException(what + "'s a=fingerprint must be a sha-256 fingerprint, got '" + fingerprint + "'");
        }
        return fp[1].toUpperCase(Locale.ROOT);
    }

    /** The SSRC of the section's first {@code a=ssrc} line, or 0 when there is none. */
    static int firstSsrc(SessionDescription.Media m) throws SdpException {
        for (String v : m.attributes("ssrc")) {
            int sp = v.indexOf(' ');
            return ssrc(sp < 0 ? v : v.substring(0, sp), m);
        }
        return 0;
    }

    /** An SSRC (1 … 2³²−1, unsigned decimal) as an int. */
    static int ssrc(String s, SessionDescription.Media m) throws SdpException {
        try {
            long v = Long.parseLong(s);
            if (v <= 0 || v > 0xFFFFFFFFL) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new SdpException("line " + m.line() + ": bad SSRC '" + s + "'");
        }
    }
}
