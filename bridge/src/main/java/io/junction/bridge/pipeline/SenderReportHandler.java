package io.junction.bridge.pipeline;

import io.junction.bridge.forward.SourceEncoding;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtcp.SenderReport;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * A publisher's sender report (RFC 3550 §6.4.1): remembered for the bridge's receiver reports
 * (LSR/DLSR) and passed on to each subscriber, whose worker re-issues it under the subscriber-side
 * SSRC with the rewritten timestamp, keeping the publisher's NTP ↔ RTP relation so receivers can
 * synchronise audio and video. Its report blocks go to {@link ReportBlockHandler}.
 */
final class SenderReportHandler implements RtcpHandler {
    private final EndpointStreams streams;
    private final PacketPool pool;
    private final ReportBlockHandler reportBlocks;

    SenderReportHandler(EndpointStreams streams, PathContext ctx, ReportBlockHandler reportBlocks) {
        this.streams = streams;
        this.pool = ctx.pool();
        this.reportBlocks = reportBlocks;
    }

    @Override
    public void handle(byte[] buf, int off, int len, long nowNs) {
        if (SenderReport.is(buf, off, len)) {
            relay(buf, off, nowNs);
            reportBlocks.read(buf, SenderReport.reportBlockCount(buf, off, len), SenderReport.reportBlockOffset(off, 0), nowNs);
        }
    }

    private void relay(byte[] buf, int off, long nowNs) {
        int senderSsrc = SenderReport.senderSsrc(buf, off);
        SourceEncoding enc = streams.encodingsBySsrc.get(senderSsrc);
        if (enc == null || senderSsrc != enc.ssrc()) {
            return;
        }
        long ntp = SenderReport.ntp(buf, off);
        int rtpTs = SenderReport.rtpTimestamp(buf, off);
        enc.receiveStats().onSenderReport((int) (ntp >>> 16), nowNs);
        for (Subscription sub : enc.track().subscriptions()) {
            if (!sub.isActive()) {
                continue;
            }
            Packet c = pool.take();
            ByteIo.writeInt(c.buf, c.off, (int) (ntp >>> 32));
            ByteIo.writeInt(c.buf, c.off + 4, (int) ntp);
            ByteIo.writeInt(c.buf, c.off + 8, rtpTs);
            ByteIo.writeInt(c.buf, c.off + 12, senderSsrc);
            c.len = 16;
            c.receivedNs = nowNs;
            sub.sink().sendSenderReport(c);
        }
    }
}
