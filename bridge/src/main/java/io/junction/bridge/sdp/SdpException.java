package io.junction.bridge.sdp;

/** Malformed or unacceptable SDP; the message names the line number where it applies. */
public final class SdpException extends Exception {
    public SdpException(String message) {
        super(message, null, false, false);
    }
}
