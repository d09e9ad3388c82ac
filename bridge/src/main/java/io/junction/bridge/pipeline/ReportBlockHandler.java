package io.junction.bridge.pipeline;

import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtcp.ReceiverReport;
import io.junction.bridge.rtcp.ReportBlock;

/**
 * Report blocks (in an RR, or after an SR's sender info) about the streams the bridge sends this
 * endpoint: loss, jitter, and the round-trip time from LSR/DLSR, which the NACK timing and the
 * downlink estimator use.
 */
final class ReportBlockHandler implements RtcpHandler {
    private final EndpointStreams streams;
    private final Sender sender;

    ReportBlockHandler(EndpointStreams streams, Sender sender) {
        this.streams = streams;
        this.sender = sender;
    }

    /** A receiver report. */
    @Override
    public void handle(byte[] buf, int off, int len, long nowNs) {
        if (ReceiverReport.is(buf, off, len)) {
            read(buf, ReceiverReport.reportBlockCount(buf, off, len), ReceiverReport.reportBlockOffset(off, 0), nowNs);
        }
    }

    /** {@code count} report blocks, the first at {@code first}. */
    void read(byte[] buf, int count, int first, long nowNs) {
        for (int i = 0; i < count; i++) {
            int at = first + i * ReportBlock.LENGTH;
            Subscription sub = streams.subscriptionsByOutSsrc.get(ReportBlock.ssrc(buf, at));
            if (sub == null) {
                continue;
            }
            sub.reportedFractionLost = ReportBlock.fractionLost(buf, at) / 256.0;
            sub.reportedCumulativeLost = ReportBlock.cumulativeLost(buf, at);
            sub.reportedJitterSeconds = ReportBlock.jitter(buf, at) / (double) sub.source().kind().clockRate();
            int lsr = ReportBlock.lastSr(buf, at);
            long dlsrNs = ReportBlock.delaySinceLastSr(buf, at) * 1_000_000_000L / 65536;
            if (lsr != 0 && lsr == sub.lastSrNtpMiddle && sub.lastSrSentNs != 0) {
                long rtt = nowNs - sub.lastSrSentNs - dlsrNs;
                if (rtt >= 0) {
                    sub.rttNs = rtt;
                    streams.rttNs = rtt;
                    if (sender.estimator() != null) {
                        sender.estimator().onRtt(rtt);
                    }
                }
            }
        }
    }
}
