package io.junction.bridge.conference;

/** A client's answer was refused; {@code code} is the signaling error code ("bad-sdp", "stale-revision"). */
public final class AnswerException extends Exception {
    private final String code;

    public AnswerException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
