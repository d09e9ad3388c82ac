package io.junction.bridge.pipeline;

import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.stats.PacketTap;
import io.junction.bridge.transport.EndpointTransport;
import io.junction.bridge.transport.PacketTransport;
import io.junction.bridge.transport.srtp.PacketProtection;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketHandler;
import io.junction.bridge.worker.PacketPool;
import java.util.ArrayDeque;

/**
 * The first receive stage of one endpoint, on its packet worker: SRTP/SRTCP unprotect (holding what
 * arrives a moment before the keys), the optional tap, then RTP to {@link RtpIngress} and RTCP to
 * {@link RtcpTermination}. Every packet taken here is either handed on or released and counted.
 */
public final class ReceivePipeline implements PacketHandler {
    /** Most packets kept while DTLS finishes (the client may send before the bridge installed its keys). */
    private static final int MAX_PENDING = 512;

    private final PacketTransport transport;
    private final String endpointId;
    private final PathContext ctx;
    private final MediaCounters counters;
    private final PacketPool pool;
    private final EndpointStats stats;
    private final RtpIngress rtp;
    private final RtcpTermination rtcp;
    /** SRTP that arrived before the keys: replayed once they are installed. Worker-owned. */
    private final ArrayDeque<Packet> pendingUntilKeys = new ArrayDeque<>();

    ReceivePipeline(PacketTransport transport, String endpointId, PathContext ctx, EndpointStats stats, RtpIngress rtp,
                    RtcpTermination rtcp) {
        this.transport = transport;
        this.endpointId = endpointId;
        this.ctx = ctx;
        this.counters = ctx.counters();
        this.pool = ctx.pool();
        this.stats = stats;
        this.rtp = rtp;
        this.rtcp = rtcp;
    }

    @Override
    public void handle(Packet p) {
        PacketProtection srtp = transport.srtp();
        if (srtp == null) {
            // Chromium starts sending (media and bandwidth probes) as soon as its side of DTLS is done,
            // which can be a little before our keys are installed: keep those packets briefly.
            if (pendingUntilKeys.size() < MAX_PENDING && !transport.isClosed()) {
                pendingUntilKeys.add(p);
            } else {
                dropUnprotected(p, DropReason.NOT_CONNECTED);
            }
            return;
        }
        if (PacketTransport.isRtcp(p.buf, p.off, p.len)) {
            int n = srtp.unprotectRtcp(p.buf, p.off, p.len);
            if (n < 0) {
                counters.drop(EndpointTransport.srtpDropReason(n));
                pool.release(p);
                return;
            }
            p.len = n;
            tap(true, p);
            rtcp.handle(p);
        } else {
            int wireLen = p.len;
            stats.rtpPacketsIn++;
            stats.rtpBytesIn += wireLen;
            int n = srtp.unprotectRtp(p.buf, p.off, p.len);
            if (n < 0) {
                counters.dropRtp(EndpointTransport.srtpDropReason(n), wireLen);
                pool.release(p);
                return;
            }
            p.len = n;
            tap(false, p);
            rtp.handle(p, wireLen);
        }
    }

    private void tap(boolean isRtcp, Packet p) {
        PacketTap t = ctx.tap().get();
        if (t != null) {
            t.onPacket(endpointId, isRtcp, p.buf, p.off, p.len);
        }
    }

    /** On the worker, right after the SRTP keys were installed: process what arrived before them. */
    public void keysInstalled() {
        Packet p;
        while ((p = pendingUntilKeys.poll()) != null) {
            handle(p);
        }
    }

    /** On the worker, when the session closes: release what is still waiting. */
    public void releasePending() {
        Packet p;
        while ((p = pendingUntilKeys.poll()) != null) {
            dropUnprotected(p, DropReason.NOT_CONNECTED);
        }
    }

    /** Drops a packet still as received (RTP bytes counted as such; RTCP by packet). */
    private void dropUnprotected(Packet p, DropReason reason) {
        counters.dropDatagram(reason, !PacketTransport.isRtcp(p.buf, p.off, p.len), p.len);
        pool.release(p);
    }
}
