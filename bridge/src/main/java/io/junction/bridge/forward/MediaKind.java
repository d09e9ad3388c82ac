package io.junction.bridge.forward;

import io.junction.bridge.codec.CodecCatalog;

/** Audio or video; the wire name is the SDP media type. */
public enum MediaKind {
    AUDIO("audio", CodecCatalog.AUDIO_CLOCK_RATE),
    VIDEO("video", CodecCatalog.VIDEO_CLOCK_RATE);

    private final String sdpName;
    private final int clockRate;

    MediaKind(String sdpName, int clockRate) {
        this.sdpName = sdpName;
        this.clockRate = clockRate;
    }

    public String sdpName() {
        return sdpName;
    }

    /** The RTP clock rate of every codec of this kind the bridge offers (Hz). */
    public int clockRate() {
        return clockRate;
    }
}
