package io.junction.bridge.conference;

/** A configured limit (conferences, endpoints per conference) is reached, or the bridge is draining. */
public final class LimitExceededException extends Exception {
    public enum Kind { MAX_CONFERENCES, MAX_ENDPOINTS, DRAINING }

    private final Kind kind;

    public LimitExceededException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
