package io.junction.bridge.pipeline;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.rtp.Rtx;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.srtp.PacketProtection;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;
import io.junction.bridge.worker.PacketWorker;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes one endpoint's downlink: clusters of padding-only RTX packets at a target rate, whose
 * transport-cc feedback tells the estimator what the path can carry beyond what media uses.
 */
final class Prober {
    /** Padding packets sent per pacing step of a probe. */
    static final int PROBE_BURST = 4;
    /** The smallest probe cluster (bytes). */
    static final int PROBE_MIN_BYTES = 8000;

    private final Sender sender;
    private final MediaCounters counters;
    private final PacketPool pool;
    private final PacketWorker worker;
    private final ScheduledExecutorService control;

    Prober(Sender sender, PathContext ctx, PacketWorker worker) {
        this.sender = sender;
        this.counters = ctx.counters();
        this.pool = ctx.pool();
        this.worker = worker;
        this.control = ctx.control();
    }

    /**
     * Sends a probe cluster: padding on {@code sub}'s RTX SSRC at about {@code targetBps} for
     * {@code durationNs}, in bursts of {@link #PROBE_BURST} spread evenly over the duration (scheduled
     * by the media control thread, sent on this worker). The estimator reads what the path delivered
     * from the feedback.
     */
    void probe(Subscription sub, long targetBps, long durationNs, long nowNs) {
        var estimator = sender.estimator();
        if (estimator == null || sub.outRtxSsrc() == 0) {
            return;
        }
        int packetBytes = 20 + Rtx.PADDING_BYTES + 10;
        // at least PROBE_MIN_BYTES: a shaper's burst allowance must not be all a probe measures
        long totalPackets = Math.max(PROBE_MIN_BYTES / packetBytes, targetBps / 8 * durationNs / 1_000_000_000L / packetBytes);
        totalPackets = Math.min(totalPackets, 200L * PROBE_BURST);
        int cluster = estimator.startProbeCluster(targetBps, (int) totalPackets, nowNs);
        int steps = (int) Math.min(200, (totalPackets + PROBE_BURST - 1) / PROBE_BURST);
        long stepNs = Math.max(1_000_000L, durationNs / steps);
        counters.probeClusters.increment();
        for (int k = 0; k < steps; k++) {
            int n = (int) Math.min(PROBE_BURST, totalPackets - (long) k * PROBE_BURST);
            Runnable burst = () -> sendPadding(sub, cluster, n);
            if (k == 0) {
                burst.run();
            } else {
                control.schedule(() -> worker.execute(burst), k * stepNs, TimeUnit.NANOSECONDS);
            }
        }
    }

    private void sendPadding(Subscription sub, int cluster, int count) {
        PacketProtection srtp = sender.transport().srtp();
        if (srtp == null || sub.isRemoved()) {
            return;
        }
        Packet out = pool.take();
        try {
            for (int i = 0; i < count; i++) {
                sub.rtxSeq = (sub.rtxSeq + 1) & 0xFFFF;
                int seq = sender.nextTransportSeq();
                int n = Rtx.writePadding(out.buf, out.off, sub.outRtxSsrc(), sub.rtxSeq, CodecCatalog.PT_VP8_RTX,
                        sub.video() != null ? sub.video().lastOutTs() : 0, CodecCatalog.EXT_TRANSPORT_CC, seq);
                int protectedLength = sender.protectAndSend(srtp, out.buf, out.off, n, seq, cluster);
                if (protectedLength > 0) {
                    counters.probePacketsSent.increment();
                    counters.probeBytesSent.add(protectedLength);
                }
            }
        } finally {
            pool.release(out);
        }
    }
}
