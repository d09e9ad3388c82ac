package io.junction.bridge.rtp;

/**
 * Reads the client-to-mixer audio level header extension (RFC 6464,
 * {@code urn:ietf:params:rtp-hdrext:ssrc-audio-level}) from an RTP packet. Browsers put it on every
 * audio packet, so the bridge learns who is speaking without decoding Opus.
 *
 * <pre>
 *  0                   1
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  ID   | len=0 |V| level       |   (one-byte form; the two-byte form has len=1)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * {@code level} is the audio level in −dBov: 0 is the loudest a signal can be, 127 is silence (and
 * what a muted track, {@code track.enabled = false}, sends). {@code V} is the sender's own voice
 * activity guess, which Chromium sets from its VAD; the bridge's {@code DominantSpeaker} does not
 * rely on it. No allocation.
 */
public final class AudioLevel {
    /** The level meaning "no sound" (−127 dBov or quieter). */
    public static final int SILENCE = 127;

    private AudioLevel() {}

    /**
     * The level (0 loudest .. 127 silence) of the packet {@code rtp} is wrapped around, or -1 when the
     * packet has no element {@code extId} (or {@code extId} is not a valid id, e.g. not negotiated).
     */
    public static int audioLevel(RtpPacket rtp, int extId) {
        int at = find(rtp, extId);
        return at < 0 ? -1 : rtp.buffer()[at] & 0x7F;
    }

    /** True when the element is present and its voice-activity bit (V) is set. */
    public static boolean voiceActivity(RtpPacket rtp, int extId) {
        int at = find(rtp, extId);
        return at >= 0 && (rtp.buffer()[at] & 0x80) != 0;
    }

    private static int find(RtpPacket rtp, int extId) {
        if (extId < 1 || extId > 255) {
            return -1;
        }
        int at = rtp.findExtension(extId);
        return at < 0 || rtp.extensionLength() < 1 ? -1 : at;
    }
}
