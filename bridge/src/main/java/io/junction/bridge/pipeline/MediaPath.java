package io.junction.bridge.pipeline;

import io.junction.bridge.forward.KeyframeSource;
import io.junction.bridge.forward.StreamSink;
import io.junction.bridge.rtcp.Fir;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.rtcp.Pli;
import io.junction.bridge.rtcp.Remb;
import io.junction.bridge.rtcp.RtcpCompound;
import io.junction.bridge.rtcp.TransportCcFeedback;
import io.junction.bridge.stats.ConferenceCounters;
import io.junction.bridge.stats.EndpointStats;
import io.junction.bridge.transport.PacketTransport;
import io.junction.bridge.worker.PacketWorker;

/**
 * One endpoint's packet path, wired: the receive stages (ingress → RTP ingress → codec inspection →
 * fan-out; RTCP termination with one handler per message), the send stage with its retransmitter and
 * prober, the feedback to the endpoint as a publisher, and its downlink allocation. Everything runs on
 * {@code worker}. The session (control plane) talks to it through {@link #streams()} and the few
 * methods here; a test can wire one over any {@link PacketTransport}.
 */
public final class MediaPath {
    private final EndpointStreams streams = new EndpointStreams();
    private final ReceivePipeline receive;
    private final Sender sender;
    private final PublisherFeedback feedback;
    private final DownlinkAllocation allocation;
    private final PacketWorker worker;

    /**
     * {@code sendWorker}: another worker that protects and sends this endpoint's RTP (a receiver of a
     * large conference), or null: {@code worker} does.
     */
    public MediaPath(String endpointId, PacketTransport transport, PacketWorker worker, PacketWorker sendWorker, PathContext ctx,
                     EndpointStats stats, ConferenceCounters conferenceCounters, AudioObserver audioObserver) {
        this.worker = worker;
        this.sender = new Sender(transport, ctx, stats, conferenceCounters, worker, sendWorker);
        Retransmitter retransmitter = new Retransmitter(sender, ctx);
        Prober prober = new Prober(sender, ctx, worker);
        this.feedback = new PublisherFeedback(transport, streams, stats, ctx, worker);
        this.allocation = new DownlinkAllocation(sender, prober, stats, transport, ctx);

        RtcpTermination rtcp = new RtcpTermination(ctx, stats);
        ReportBlockHandler reportBlocks = new ReportBlockHandler(streams, sender);
        rtcp.register(RtcpCompound.SR, 0, new SenderReportHandler(streams, ctx, reportBlocks));
        rtcp.register(RtcpCompound.RR, 0, reportBlocks);
        rtcp.register(RtcpCompound.RTPFB, Nack.FMT, new NackHandler(streams, retransmitter, ctx));
        rtcp.register(RtcpCompound.RTPFB, TransportCcFeedback.FMT, new TransportCcHandler(sender, ctx));
        rtcp.register(RtcpCompound.PSFB, Pli.FMT, new KeyframeRequestHandler(streams, ctx, false));
        rtcp.register(RtcpCompound.PSFB, Fir.FMT, new KeyframeRequestHandler(streams, ctx, true));
        rtcp.register(RtcpCompound.PSFB, Remb.FMT, new RembHandler(ctx));

        RtpIngress rtp = new RtpIngress(endpointId, streams, stats, ctx, conferenceCounters, feedback, new FanOut(ctx),
                audioObserver);
        this.receive = new ReceivePipeline(transport, endpointId, ctx, stats, rtp, rtcp);
    }

    /** The tables the control plane fills (published tracks, SSRCs, subscriptions). */
    public EndpointStreams streams() {
        return streams;
    }

    /** The first receive stage: the handler of every SRTP/SRTCP datagram the transport queues. */
    public ReceivePipeline receive() {
        return receive;
    }

    public Sender sender() {
        return sender;
    }

    public DownlinkAllocation allocation() {
        return allocation;
    }

    /** The publisher side of this endpoint's tracks: sends them keyframe requests. */
    public KeyframeSource keyframes() {
        return feedback;
    }

    /** Makes the sinks of this endpoint's subscriptions (as a subscriber). */
    public StreamSink.Factory sinks() {
        return sub -> new SubscriptionSink(sub, sender, worker);
    }
}
