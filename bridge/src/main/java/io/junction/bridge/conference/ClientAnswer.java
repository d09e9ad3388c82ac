package io.junction.bridge.conference;

/**
 * What the bridge needs from a client's answer.
 *
 * @param audioSend the client's microphone stream on m-line 0, or null when it does not send audio
 * @param videoSend the client's camera stream on m-line 1, or null when it does not send video
 * @param screenSend the client's screen share on m-line 2, or null when it shares no screen
 * @param videoCodecs the video codecs (canonical names) the client kept in its answer: what it decodes
 * @param audioRed whether the client kept redundant audio (RFC 2198) on its audio m-lines
 */
record ClientAnswer(String iceUfrag, String icePassword, String fingerprintSha256, SendStream audioSend,
                    SendStream videoSend, SendStream screenSend, java.util.Set<String> videoCodecs, boolean audioRed,
                    boolean dependencyDescriptor) {
    /**
     * A stream the client sends; SSRCs may be 0 when not signalled (learned from the mid extension, or
     * for simulcast from the rid extension). {@code rids}: its simulcast layers in the client's order,
     * empty without simulcast.
     */
    record SendStream(int ssrc, int rtxSsrc, java.util.List<String> rids) {}
}
