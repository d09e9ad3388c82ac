package io.junction.api.cluster;

/** Redis could not be reached (or answered with an error): cross-bridge placement is not possible now. */
public final class ClusterUnavailableException extends Exception {
    public ClusterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
