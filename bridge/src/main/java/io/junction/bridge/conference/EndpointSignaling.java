package io.junction.bridge.conference;

/**
 * The signaling channel of one endpoint, implemented by the control plane (a WebSocket). The bridge
 * calls it from control threads (never packet threads); implementations must not block.
 */
public interface EndpointSignaling {
    /** Sends an offer; the client answers with {@link Endpoint#onAnswer}. */
    void sendOffer(Offer offer);

    /**
     * Tells the endpoint which of its simulcast layers (by rid) anyone watches: it may stop encoding
     * the others ({@code false}) and must resume them when asked ({@code true}).
     */
    default void sendLayers(java.util.Map<String, Boolean> activeByRid) {}

    /** Reports a media failure of this endpoint (e.g. DTLS fingerprint mismatch) before it is removed. */
    void sendError(String code, String message);
}
