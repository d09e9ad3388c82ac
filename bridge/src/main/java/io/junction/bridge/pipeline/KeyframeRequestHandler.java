package io.junction.bridge.pipeline;

import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtcp.Fir;
import io.junction.bridge.rtcp.Pli;
import io.junction.bridge.stats.MediaCounters;

/**
 * A subscriber's PLI or FIR: relayed to the publisher of the layer this subscriber decodes (a FIR as a
 * FIR), throttled per encoding by {@link SourceEncoding#requestKeyframe}.
 */
final class KeyframeRequestHandler implements RtcpHandler {
    private final EndpointStreams streams;
    private final MediaCounters counters;
    private final boolean fir;

    /** One for PLI ({@code fir} false), one for FIR. */
    KeyframeRequestHandler(EndpointStreams streams, PathContext ctx, boolean fir) {
        this.streams = streams;
        this.counters = ctx.counters();
        this.fir = fir;
    }

    @Override
    public void handle(byte[] buf, int off, int len, long nowNs) {
        int mediaSsrc;
        if (fir) {
            if (!Fir.is(buf, off, len)) {
                counters.rtcpFeedbackDropped.increment();
                return;
            }
            counters.firReceived.increment();
            mediaSsrc = Fir.entrySsrc(buf, off, 0);
        } else {
            if (!Pli.is(buf, off, len)) {
                counters.rtcpFeedbackDropped.increment();
                return;
            }
            counters.pliReceived.increment();
            mediaSsrc = Pli.mediaSsrc(buf, off);
        }
        Subscription sub = streams.subscriptionsByOutSsrc.get(mediaSsrc);
        SourceEncoding decoded = sub == null ? null : sub.decodedEncoding();
        if (decoded != null) {
            decoded.requestKeyframe(nowNs, fir);
        }
    }
}
