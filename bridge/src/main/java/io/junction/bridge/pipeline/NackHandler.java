package io.junction.bridge.pipeline;

import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.stats.MediaCounters;

/** A subscriber's generic NACK: every packet it names is answered from the cache ({@link Retransmitter}). */
final class NackHandler implements RtcpHandler {
    private final EndpointStreams streams;
    private final Retransmitter retransmitter;
    private final MediaCounters counters;

    NackHandler(EndpointStreams streams, Retransmitter retransmitter, PathContext ctx) {
        this.streams = streams;
        this.retransmitter = retransmitter;
        this.counters = ctx.counters();
    }

    @Override
    public void handle(byte[] buf, int off, int len, long nowNs) {
        if (!Nack.is(buf, off, len)) {
            counters.rtcpFeedbackDropped.increment();
            return;
        }
        counters.nackReceived.increment();
        Subscription sub = streams.subscriptionsByOutSsrc.get(Nack.mediaSsrc(buf, off));
        if (sub == null) {
            return;
        }
        int items = Nack.itemCount(len);
        for (int i = 0; i < items; i++) {
            int item = Nack.item(buf, off, i);
            for (int k = 0; k <= 16; k++) {
                int seq = Nack.lostSequence(item, k);
                if (seq >= 0) {
                    retransmitter.retransmit(sub, seq, nowNs);
                }
            }
        }
    }
}
