package io.junction.bridge.pipeline;

import io.junction.bridge.rtp.RtpPacket;

/** Sees every accepted audio packet of a conference (the dominant-speaker detector), on the packet worker. */
public interface AudioObserver {
    /** One audio packet of {@code endpointId}, parsed in {@code rtp} (read only; do not keep it). */
    void onAudio(String endpointId, RtpPacket rtp, long nowNs);
}
