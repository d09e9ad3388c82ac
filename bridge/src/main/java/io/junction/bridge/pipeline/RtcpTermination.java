package io.junction.bridge.pipeline;

import io.junction.bridge.rtcp.RtcpCompound;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;

/**
 * The bridge terminates RTCP: nothing an endpoint sends is forwarded as is. Each sub-packet of a
 * compound goes to the handler registered for its packet type (and, for RTPFB/PSFB feedback, its
 * FMT); a message nobody handles (SDES, BYE, APP, unknown feedback) is counted in
 * {@code rtcpFeedbackDropped}. A new RTCP message type plugs in with one
 * {@link #register} call.
 */
final class RtcpTermination {
    /** Handlers by (packet type - 200) * 32 + FMT (or 0 for non-feedback types). */
    private final RtcpHandler[] handlers = new RtcpHandler[7 * 32];
    private final RtcpCompound rtcp = new RtcpCompound();
    private final MediaCounters counters;
    private final PacketPool pool;
    private final EndpointStats stats;

    RtcpTermination(PathContext ctx, EndpointStats stats) {
        this.counters = ctx.counters();
        this.pool = ctx.pool();
        this.stats = stats;
    }

    /** Handles packet type {@code type} (SR..PSFB); for RTPFB and PSFB, only format {@code fmt}. */
    void register(int type, int fmt, RtcpHandler handler) {
        handlers[index(type, fmt)] = handler;
    }

    private static int index(int type, int fmt) {
        boolean feedback = type == RtcpCompound.RTPFB || type == RtcpCompound.PSFB;
        return (type - RtcpCompound.SR) * 32 + (feedback ? fmt : 0);
    }

    /** Takes an unprotected RTCP compound packet; releases it. */
    void handle(Packet p) {
        if (!rtcp.wrap(p.buf, p.off, p.len)) {
            counters.drop(DropReason.RTCP_MALFORMED);
            pool.release(p);
            return;
        }
        stats.rtcpPacketsIn++;
        stats.rtcpBytesIn += p.len;
        counters.rtcpReceived.increment();
        while (rtcp.next()) {
            int type = rtcp.packetType();
            RtcpHandler h = type >= RtcpCompound.SR && type <= RtcpCompound.PSFB
                    ? handlers[index(type, rtcp.countOrFormat())] : null;
            if (h != null) {
                h.handle(p.buf, rtcp.offset(), rtcp.length(), p.receivedNs);
            } else {
                counters.rtcpFeedbackDropped.increment(); // SDES, BYE, APP and unknown feedback: read by no one
            }
        }
        if (rtcp.malformed()) {
            counters.drop(DropReason.RTCP_MALFORMED);
        }
        pool.release(p);
    }
}
