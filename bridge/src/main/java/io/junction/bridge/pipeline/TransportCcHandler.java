package io.junction.bridge.pipeline;

import io.junction.bridge.rtcp.TransportCcFeedback;
import io.junction.bridge.stats.MediaCounters;

/** This endpoint's transport-cc feedback about what the bridge sent it: the input of its downlink estimate. */
final class TransportCcHandler implements RtcpHandler {
    private final Sender sender;
    private final MediaCounters counters;

    TransportCcHandler(Sender sender, PathContext ctx) {
        this.sender = sender;
        this.counters = ctx.counters();
    }

    @Override
    public void handle(byte[] buf, int off, int len, long nowNs) {
        if (!TransportCcFeedback.is(buf, off, len)) {
            counters.rtcpFeedbackDropped.increment();
            return;
        }
        counters.transportCcFeedbackReceived.increment();
        sender.stats().transportCcFeedbackIn++;
        if (sender.estimator() != null) {
            sender.estimator().onFeedback(buf, off, len, nowNs);
        }
    }
}
