package io.junction.bridge.stats;

import io.junction.bridge.worker.PacketWorker;
import io.junction.bridge.worker.StripedCounter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The bridge's Micrometer meters. Counters are function counters over the packet threads' own
 * counters (read on scrape); rates are computed by {@link #sample} once a second. Labels are bounded:
 * {@code kind} (audio, video), {@code direction} (in, out), {@code reason}, {@code type},
 * {@code result}, {@code worker} (one per packet thread) and {@code conference} on per-conference
 * gauges only (removed when the conference ends). Never an endpoint id.
 */
public final class BridgeMetrics {
    private static final String[] KINDS = {"audio", "video"};

    private final MeterRegistry registry;
    private final MediaCounters counters;
    private final DistributionSummary jitter;
    private final DistributionSummary rtt;
    private final Map<String, List<Meter>> conferenceMeters = new ConcurrentHashMap<>();
    /** Bridge-wide rates: the sums of the conferences' {@link ConferenceRates} of one sample. */
    private final double[] bps = new double[ConferenceRates.COUNT];
    private volatile double lossIn;
    private volatile double lossOut;
    private long lastPacketsIn;
    private long lastLostIn;
    private long lastSampleNs;

    public BridgeMetrics(MeterRegistry registry, MediaCounters counters, List<PacketWorker> workers) {
        this.registry = registry;
        this.counters = counters;
        for (int k = 0; k < 2; k++) {
            Tags kind = Tags.of("kind", KINDS[k]);
            counter("junction.received.bytes", "RTP bytes from publishers accepted for forwarding (SRTP size)", kind, counters.rtpBytesIn[k], "bytes");
            counter("junction.received.packets", "RTP packets from publishers accepted for forwarding", kind, counters.rtpPacketsIn[k], null);
            counter("junction.sent.bytes", "RTP media bytes forwarded to subscribers (SRTP size; no RTX, no probes)", kind, counters.rtpBytesOut[k], "bytes");
            counter("junction.sent.packets", "RTP media packets forwarded to subscribers (no RTX, no probes)", kind, counters.rtpPacketsOut[k], null);
            counter("junction.lost.packets", "RTP packets publishers sent that never reached the bridge", kind, counters.rtpLostIn[k], null);
        }
        counter("junction.wire.received.bytes", "Every RTP datagram received on endpoints' transports, before any check (SRTP size)", Tags.empty(), counters.rtpWireBytesIn, "bytes");
        counter("junction.wire.sent.bytes", "Every RTP datagram sent to subscribers: media, RTX and probe padding (SRTP size)", Tags.empty(), counters.rtpWireBytesOut, "bytes");
        counter("junction.transport.received.bytes", "UDP payload bytes received on the media port (all protocols)", Tags.empty(), counters.bytesReceived, "bytes");
        counter("junction.transport.sent.bytes", "UDP payload bytes sent on the media port (all protocols)", Tags.empty(), counters.bytesSent, "bytes");
        counter("junction.rtcp.received.packets", "RTCP compound packets received", Tags.empty(), counters.rtcpReceived, null);
        counter("junction.rtcp.feedback.received", "RTCP feedback messages received", Tags.of("type", "pli"), counters.pliReceived, null);
        counter("junction.rtcp.feedback.received", "RTCP feedback messages received", Tags.of("type", "fir"), counters.firReceived, null);
        counter("junction.rtcp.feedback.received", "RTCP feedback messages received", Tags.of("type", "nack"), counters.nackReceived, null);
        counter("junction.rtcp.feedback.received", "RTCP feedback messages received", Tags.of("type", "remb"), counters.rembReceived, null);
        counter("junction.rtcp.feedback.sent", "RTCP feedback messages the bridge sent", Tags.of("type", "transport-cc"), counters.transportCcFeedbackSent, null);
        counter("junction.rtcp.feedback.received", "RTCP feedback messages received", Tags.of("type", "transport-cc"), counters.transportCcFeedbackReceived, null);
        counter("junction.keyframe.requests.unrepairable", "Keyframe requests because a subscriber's NACK could not be answered", Tags.empty(), counters.keyframesForUnrepairable, null);
        counter("junction.keyframes.received", "Keyframes received from publishers (any layer)", Tags.empty(), counters.keyframesReceived, null);
        counter("junction.layer.switches", "Times a receiver's forwarded video moved to another simulcast layer", Tags.empty(), counters.layerSwitches, null);
        counter("junction.viewer.codec.dropped.packets", "Packets not sent to a WHEP viewer because it did not negotiate their codec", Tags.empty(), counters.viewerCodecDrops, null);
        counter("junction.viewer.stage.moves", "Times a WHEP viewer's audio or video moved to another participant (stage changes)", Tags.empty(), counters.stageMoves, null);
        counter("junction.video.suppressed.packets", "Video packets not forwarded to a receiver because it gets another layer or fewer temporal layers", Tags.empty(), counters.videoPacketsSuppressed, null);
        counter("junction.dependency.descriptor.unreadable.packets", "Video packets whose dependency descriptor could not be read (no structure yet, or cut short); forwarded on the payload descriptor", Tags.empty(), counters.dependencyDescriptorsUnreadable, null);
        counter("junction.probe.clusters", "Bandwidth probe clusters sent to receivers", Tags.empty(), counters.probeClusters, null);
        counter("junction.probe.sent.bytes", "Padding bytes sent to probe receivers' downlinks", Tags.empty(), counters.probeBytesSent, "bytes");
        counter("junction.layer.pause.updates", "Messages telling publishers which simulcast layers anyone watches", Tags.empty(), counters.layerPauseUpdates, null);
        counter("junction.dominant.speaker.changes", "Dominant speaker changes", Tags.empty(), counters.dominantSpeakerChanges, null);
        counter("junction.rtcp.feedback.sent", "RTCP feedback messages the bridge sent", Tags.of("type", "pli"), counters.pliSent, null);
        counter("junction.rtcp.feedback.sent", "RTCP feedback messages the bridge sent", Tags.of("type", "fir"), counters.firSent, null);
        counter("junction.rtcp.feedback.sent", "RTCP feedback messages the bridge sent", Tags.of("type", "nack"), counters.nackSent, null);
        counter("junction.rtcp.feedback.sent", "RTCP feedback messages the bridge sent", Tags.of("type", "remb"), counters.rembSent, null);
        counter("junction.rtcp.reports.sent", "RTCP reports the bridge sent", Tags.of("type", "sr"), counters.senderReportsSent, null);
        counter("junction.rtcp.reports.sent", "RTCP reports the bridge sent", Tags.of("type", "rr"), counters.receiverReportsSent, null);
        counter("junction.rtcp.reports.sent", "RTCP reports the bridge sent", Tags.of("type", "bye"), counters.byeSent, null);
        counter("junction.retransmissions", "NACKed packets: answered with RTX, or not in the cache", Tags.of("result", "sent"), counters.rtxSent, null);
        counter("junction.retransmissions", "NACKed packets: answered with RTX, or not in the cache", Tags.of("result", "missing"), counters.nackMissing, null);
        counter("junction.retransmissions", "NACKed packets: answered with RTX, or not in the cache", Tags.of("result", "throttled"), counters.rtxThrottled, null);
        counter("junction.rtx.sent.bytes", "RTX bytes sent to subscribers", Tags.empty(), counters.rtxBytesSent, "bytes");
        counter("junction.publisher.nacked.packets", "Sequence numbers the bridge asked publishers to retransmit (each try counts)", Tags.empty(), counters.nackSentPackets, null);
        counter("junction.publisher.repairs", "Publisher-leg losses: repaired by the publisher's RTX, or given up (then a keyframe is requested)", Tags.of("result", "recovered"), counters.rtxRecovered, null);
        counter("junction.publisher.repairs", "Publisher-leg losses: repaired by the publisher's RTX, or given up (then a keyframe is requested)", Tags.of("result", "given_up"), counters.lossGivenUp, null);
        FunctionCounter.builder("junction.publisher.repair.delay", counters, c -> c.repairDelayNs.sum() / 1e9)
                .description("Total time from seeing a publisher-leg gap to receiving its RTX repair (divide by the recovered count for the mean)")
                .baseUnit("seconds").register(registry);
        counter("junction.publisher.rtx.received.bytes", "RTX bytes from publishers that repaired a loss", Tags.empty(), counters.rtxRecoveredBytes, "bytes");
        counter("junction.keyframe.requests", "Keyframe requests (PLI or FIR) sent to publishers", Tags.empty(), counters.keyframeRequestsSent, null);
        counter("junction.ice", "ICE outcomes", Tags.of("result", "succeeded"), counters.iceSucceeded, null);
        counter("junction.ice", "ICE outcomes", Tags.of("result", "failed"), counters.iceFailed, null);
        counter("junction.ice", "ICE outcomes", Tags.of("result", "restarted"), counters.iceRestarts, null);
        counter("junction.ice.tcp.connections", "ICE connections whose selected pair is ICE-TCP (RFC 6544)", Tags.empty(), counters.iceTcpConnected, null);
        counter("junction.ice.tcp.refused.connections", "ICE-TCP connections closed before ICE: over the pending limits (256, 8 per address), no verified first check within 5 s", Tags.empty(), counters.iceTcpRefused, null);
        counter("junction.ice.tcp.send.dropped.packets", "Datagrams dropped on ICE-TCP connections: writer queue full (slow reader) or connection failed", Tags.empty(), counters.iceTcpSendDrops, null);
        counter("junction.dtls", "DTLS handshake outcomes", Tags.of("result", "succeeded"), counters.dtlsSucceeded, null);
        counter("junction.dtls", "DTLS handshake outcomes", Tags.of("result", "failed"), counters.dtlsFailed, null);
        counter("junction.dtls.fingerprint.mismatches", "DTLS client certificates that did not match the answer's fingerprint", Tags.empty(), counters.dtlsFingerprintMismatch, null);
        counter("junction.send.errors", "Datagrams the socket refused to send", Tags.empty(), counters.sendErrors, null);
        counter("junction.send.calls", "Native send system calls on the media port (sendmmsg batches and single sendto)", Tags.empty(), counters.sendCalls, null);
        counter("junction.send.call.datagrams", "Datagrams sent by those calls: divided by junction_send_calls_total, the datagrams per system call", Tags.empty(), counters.sendCallDatagrams, null);
        counter("junction.send.segmented.datagrams", "Of those, datagrams sent as segments of UDP GSO messages (several to one receiver passed through the kernel's IP and UDP layers once)", Tags.empty(), counters.sendSegmentedDatagrams, null);
        counter("junction.receive.calls", "Packet-worker reads of the data path's own connected sockets that returned datagrams (epoll, then one recvmmsg per ready socket)", Tags.empty(), counters.receiveCalls, null);
        counter("junction.receive.call.datagrams", "Datagrams read by those calls (the rest of the media port's datagrams are read by ice4j)", Tags.empty(), counters.receiveCallDatagrams, null);
        counter("junction.receive.strays", "Datagrams of other remotes a connected socket caught in the instant it was connected (found right after connecting or when read; discarded; the rightful endpoint recovers them by NACK)", Tags.empty(), counters.receiveStrays, null);
        counter("junction.stun.answered", "Consent checks (STUN binding requests) answered by the bridge on its connected sockets", Tags.empty(), counters.stunAnswered, null);
        counter("junction.stun.ignored", "STUN messages on the connected sockets that were not a valid binding request for the endpoint", Tags.empty(), counters.stunIgnored, null);
        for (DropReason r : DropReason.values()) {
            FunctionCounter.builder("junction.dropped.packets", counters, c -> c.drops(r))
                    .description("Received packets dropped, by reason").tags("reason", r.label()).register(registry);
            FunctionCounter.builder("junction.dropped.bytes", counters, c -> c.dropBytes(r))
                    .description("RTP bytes dropped before forwarding, by reason (SRTP size)").tags("reason", r.label())
                    .baseUnit("bytes").register(registry);
        }
        gauge("junction.bitrate", "RTP on the wire over the last second, the sum of the conferences' (in: everything publishers sent; out: media, RTX and probes)",
                Tags.of("direction", "in"), b -> b.bps(ConferenceRates.WIRE_IN), "bits.per.second");
        gauge("junction.bitrate", "RTP on the wire over the last second, the sum of the conferences' (in: everything publishers sent; out: media, RTX and probes)",
                Tags.of("direction", "out"), b -> b.bps(ConferenceRates.WIRE_OUT), "bits.per.second");
        gauge("junction.media.bitrate", "Media over the last second, the sum of the conferences' (in: accepted for forwarding; out: forwarded media without RTX and probes)",
                Tags.of("direction", "in"), b -> b.bps(ConferenceRates.MEDIA_IN), "bits.per.second");
        gauge("junction.media.bitrate", "Media over the last second, the sum of the conferences' (in: accepted for forwarding; out: forwarded media without RTX and probes)",
                Tags.of("direction", "out"), b -> b.bps(ConferenceRates.MEDIA_OUT), "bits.per.second");
        gauge("junction.loss.fraction", "Fraction of packets lost over the last second: in = publishers to bridge, out = as subscribers report", Tags.of("direction", "in"), b -> b.lossIn, null);
        gauge("junction.loss.fraction", "Fraction of packets lost over the last second: in = publishers to bridge, out = as subscribers report", Tags.of("direction", "out"), b -> b.lossOut, null);
        this.jitter = DistributionSummary.builder("junction.jitter").baseUnit("seconds")
                .description("Interarrival jitter of received streams, sampled every second per stream")
                .publishPercentiles(0.5, 0.95).register(registry);
        this.rtt = DistributionSummary.builder("junction.rtt").baseUnit("seconds")
                .description("Round-trip time to subscribers from their receiver reports, sampled every second per endpoint")
                .publishPercentiles(0.5, 0.95).register(registry);
        DistributionSummary connect = DistributionSummary.builder("junction.connect").baseUnit("seconds")
                .description("Per endpoint, from the client's answer (ICE starts) to SRTP keys (DTLS done)")
                .publishPercentiles(0.5, 0.99).register(registry);
        counters.connectTimes = nanos -> connect.record(nanos / 1e9);
        for (int i = 0; i < workers.size(); i++) {
            PacketWorker w = workers.get(i);
            Tags t = Tags.of("worker", String.valueOf(i));
            Gauge.builder("junction.worker.queue.packets", w, PacketWorker::queueDepth).description("Packets waiting in a worker's queue").tags(t).register(registry);
            FunctionCounter.builder("junction.worker.busy.seconds", w, x -> x.busyNs() / 1e9).description("Time a worker spent handling packets").tags(t).baseUnit("seconds").register(registry);
            FunctionCounter.builder("junction.worker.handled.packets", w, PacketWorker::handledCount).description("Packets a worker handled").tags(t).register(registry);
            FunctionCounter.builder("junction.worker.queue.full.drops", w, PacketWorker::queueFullDrops).description("Packets dropped because a worker queue was full").tags(t).register(registry);
            FunctionCounter.builder("junction.worker.allocated", w, x -> Math.max(0, x.allocatedBytes()))
                    .description("Bytes a worker's thread allocated on the heap (the packet path's allocation)").tags(t).baseUnit("bytes").register(registry);
        }
    }

    private Meter counter(String name, String description, Tags tags, LongAdder adder, String baseUnit) {
        return counter(name, description, tags, adder, LongAdder::sum, baseUnit);
    }

    private Meter counter(String name, String description, Tags tags, StripedCounter c, String baseUnit) {
        return counter(name, description, tags, c, StripedCounter::sum, baseUnit);
    }

    private <T> Meter counter(String name, String description, Tags tags, T source, ToDoubleFunction<T> sum, String baseUnit) {
        FunctionCounter.Builder<T> b = FunctionCounter.builder(name, source, sum).description(description).tags(tags);
        if (baseUnit != null) {
            b.baseUnit(baseUnit);
        }
        return b.register(registry);
    }

    private void gauge(String name, String description, Tags tags, ToDoubleFunction<BridgeMetrics> f, String baseUnit) {
        Gauge.Builder<BridgeMetrics> b = Gauge.builder(name, this, f).description(description).tags(tags);
        if (baseUnit != null) {
            b.baseUnit(baseUnit);
        }
        b.register(registry);
    }

    public DistributionSummary jitter() {
        return jitter;
    }

    public DistributionSummary rtt() {
        return rtt;
    }

    /** Registers the per-conference meters; removed by {@link #conferenceRemoved}. */
    public synchronized void conferenceAdded(String conferenceId, Object conference, ToDoubleFunction<Object> endpoints,
                                ConferenceCounters c, ConferenceRates rates) {
        Tags tags = Tags.of("conference", conferenceId);
        List<Meter> meters = List.of(
                counter("junction.conference.wire.received.bytes", "Every RTP datagram received on one conference's endpoints, before any check (SRTP size)",
                        tags, c.wireBytesIn, "bytes"),
                counter("junction.conference.wire.received.packets", "Every RTP datagram received on one conference's endpoints, before any check",
                        tags, c.wirePacketsIn, null),
                counter("junction.conference.received.bytes", "RTP bytes from one conference's publishers accepted for forwarding (SRTP size)",
                        tags, c.bytesIn, "bytes"),
                counter("junction.conference.received.packets", "RTP packets from one conference's publishers accepted for forwarding",
                        tags, c.packetsIn, null),
                counter("junction.conference.wire.sent.bytes", "Every RTP datagram sent to one conference's subscribers: media, RTX, probes (SRTP size)",
                        tags, c.wireBytesOut, "bytes"),
                counter("junction.conference.wire.sent.packets", "Every RTP datagram sent to one conference's subscribers: media, RTX, probes",
                        tags, c.wirePacketsOut, null),
                counter("junction.conference.sent.bytes", "RTP media bytes forwarded to one conference's subscribers (SRTP size; no RTX, no probes)",
                        tags, c.bytesOut, "bytes"),
                counter("junction.conference.sent.packets", "RTP media packets forwarded to one conference's subscribers (no RTX, no probes)",
                        tags, c.packetsOut, null),
                conferenceGauge("junction.conference.bitrate", "in", rates, ConferenceRates.WIRE_IN, tags,
                        "RTP on the wire of one conference over the last second"),
                conferenceGauge("junction.conference.bitrate", "out", rates, ConferenceRates.WIRE_OUT, tags,
                        "RTP on the wire of one conference over the last second"),
                conferenceGauge("junction.conference.media.bitrate", "in", rates, ConferenceRates.MEDIA_IN, tags,
                        "Media of one conference over the last second (in: accepted; out: forwarded, no RTX or probes)"),
                conferenceGauge("junction.conference.media.bitrate", "out", rates, ConferenceRates.MEDIA_OUT, tags,
                        "Media of one conference over the last second (in: accepted; out: forwarded, no RTX or probes)"),
                Gauge.builder("junction.conference.endpoints", conference, endpoints).tags(tags)
                        .description("Endpoints in one conference").register(registry));
        conferenceMeters.put(conferenceId, meters);
    }

    private Meter conferenceGauge(String name, String direction, ConferenceRates rates, int which, Tags tags, String description) {
        return Gauge.builder(name, rates, r -> r.bps(which)).tags(tags).tag("direction", direction)
                .baseUnit("bits.per.second").description(description).register(registry);
    }

    /**
     * Removes a conference's meters and takes its rates out of the bridge-wide sums, under the sample
     * lock: no read sees a bridge-wide figure that still counts a conference no longer listed.
     */
    public synchronized void conferenceRemoved(String conferenceId, ConferenceRates rates) {
        List<Meter> meters = conferenceMeters.remove(conferenceId);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
        if (rates.sampledAtNs() == lastSampleNs) { // it is in the current sums
            for (int i = 0; i < bps.length; i++) {
                bps[i] = Math.max(0, bps[i] - rates.bps(i));
            }
        }
    }

    /**
     * Updates the bridge-wide rates. {@code conferenceSums} are the sums of the conferences' rates of
     * this sample ({@link ConferenceRates#sample}); {@code reportedLoss} = {sum, count} of
     * subscribers' reported fractions. Called by the sampler holding this object's lock (see
     * {@link #consistently}).
     */
    public synchronized void sample(long nowNs, double[] reportedLoss, double[] conferenceSums) {
        System.arraycopy(conferenceSums, 0, bps, 0, bps.length);
        long packetsIn = counters.rtpPacketsIn[0].sum() + counters.rtpPacketsIn[1].sum();
        long lostIn = counters.rtpLostIn[0].sum() + counters.rtpLostIn[1].sum();
        if (lastSampleNs != 0 && nowNs > lastSampleNs) {
            long expected = (packetsIn - lastPacketsIn) + (lostIn - lastLostIn);
            lossIn = expected <= 0 ? 0 : (double) (lostIn - lastLostIn) / expected;
        }
        lossOut = reportedLoss[1] == 0 ? 0 : reportedLoss[0] / reportedLoss[1];
        lastPacketsIn = packetsIn;
        lastLostIn = lostIn;
        lastSampleNs = nowNs;
    }

    /**
     * Runs {@code read} while no sample is being taken: a Prometheus scrape or a stats document made
     * this way sees the bridge-wide rates and every conference's rates of the same sample, so the
     * bridge-wide figure is the sum of the conferences' in every read.
     */
    public synchronized <T> T consistently(java.util.function.Supplier<T> read) {
        return read.get();
    }

    /** A bridge-wide rate: {@link ConferenceRates#WIRE_IN} etc. */
    public synchronized double bps(int which) {
        return bps[which];
    }

    /** RTP on the wire received from publishers, bit/s (the {@code junction_bitrate{direction="in"}} gauge). */
    public double bitrateInBps() {
        return bps(ConferenceRates.WIRE_IN);
    }

    /** RTP on the wire sent to subscribers, bit/s (the {@code junction_bitrate{direction="out"}} gauge). */
    public double bitrateOutBps() {
        return bps(ConferenceRates.WIRE_OUT);
    }
}
