package io.junction.bridge.pipeline;

import io.junction.bridge.rtcp.Remb;
import io.junction.bridge.stats.MediaCounters;

/**
 * A REMB from a receiver: counted only. The bridge estimates each downlink itself from transport-cc,
 * which every browser it negotiates with sends.
 */
final class RembHandler implements RtcpHandler {
    private final MediaCounters counters;

    RembHandler(PathContext ctx) {
        this.counters = ctx.counters();
    }

    @Override
    public void handle(byte[] buf, int off, int len, long nowNs) {
        if (Remb.is(buf, off, len)) {
            counters.rembReceived.increment();
        } else {
            counters.rtcpFeedbackDropped.increment();
        }
    }
}
