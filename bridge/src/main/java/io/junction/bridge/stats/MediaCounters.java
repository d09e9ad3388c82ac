package io.junction.bridge.stats;

import io.junction.bridge.worker.StripedCounter;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bridge-wide media counters, read by Micrometer function counters on scrape. Those the packet
 * workers add to for every packet are {@link StripedCounter}s (a cell per worker); the rest are
 * {@link LongAdder}s.
 */
public final class MediaCounters {
    private final LongAdder[] drops = new LongAdder[DropReason.values().length];
    private final LongAdder[] dropBytes = new LongAdder[DropReason.values().length];
    /** Every RTP datagram received on endpoints' transports (before any check) and sent to subscribers (all kinds), SRTP size. */
    public final StripedCounter rtpWireBytesIn = new StripedCounter();
    public final StripedCounter rtpWireBytesOut = new StripedCounter();
    public final StripedCounter packetsReceived = new StripedCounter();
    public final StripedCounter bytesReceived = new StripedCounter();
    public final StripedCounter packetsSent = new StripedCounter();
    public final StripedCounter bytesSent = new StripedCounter();
    /** Keyframe requests to publishers: all, and by message (PLI, or FIR when a subscriber asked with FIR). */
    public final LongAdder keyframeRequestsSent = new LongAdder();
    public final LongAdder pliSent = new LongAdder();
    public final LongAdder firSent = new LongAdder();
    public final LongAdder pliReceived = new LongAdder();
    public final LongAdder firReceived = new LongAdder();
    public final LongAdder rtcpFeedbackDropped = new LongAdder();
    public final LongAdder iceSucceeded = new LongAdder();
    public final LongAdder iceFailed = new LongAdder();
    /** ICE restarts the bridge offered on a client's request. */
    public final LongAdder iceRestarts = new LongAdder();
    /** ICE connections whose selected pair is ICE-TCP. */
    public final LongAdder iceTcpConnected = new LongAdder();
    /** Datagrams an ICE-TCP connection's writer could not take (queue full: a slow reader; or a failed connection). */
    public final LongAdder iceTcpSendDrops = new LongAdder();
    /** ICE-TCP connections closed before ICE saw them: over the pending limits, no first check in time, or not taken. */
    public final LongAdder iceTcpRefused = new LongAdder();
    public final LongAdder dtlsSucceeded = new LongAdder();
    /**
     * Gets each endpoint's connect time in nanoseconds: from the client's answer (ICE starts) to SRTP
     * keys (DTLS done). {@link BridgeMetrics} points it at its {@code junction_connect_seconds} summary.
     */
    public volatile java.util.function.LongConsumer connectTimes = nanos -> { };
    public final LongAdder dtlsFailed = new LongAdder();
    public final LongAdder dtlsFingerprintMismatch = new LongAdder();
    public final LongAdder sendErrors = new LongAdder();
    /** Native send system calls on the media port (sendto and sendmmsg) and the datagrams they carried. */
    public final StripedCounter sendCalls = new StripedCounter();
    public final StripedCounter sendCallDatagrams = new StripedCounter();
    /** Of those, the datagrams that went as segments of UDP GSO messages (several to one receiver in one message). */
    public final StripedCounter sendSegmentedDatagrams = new StripedCounter();
    /** Native receive calls on the data path's own sockets (recvmmsg after epoll) and the datagrams they read. */
    public final StripedCounter receiveCalls = new StripedCounter();
    public final StripedCounter receiveCallDatagrams = new StripedCounter();
    /** Datagrams of other remotes a connected socket caught in the instant it was connected (found then or when read), discarded. */
    public final LongAdder receiveStrays = new LongAdder();
    /** Consent checks (STUN binding requests) the bridge answered on its own sockets, and STUN it ignored there. */
    public final LongAdder stunAnswered = new LongAdder();
    public final LongAdder stunIgnored = new LongAdder();
    public final LongAdder nackReceived = new LongAdder();
    public final LongAdder rembReceived = new LongAdder();
    public final LongAdder rtcpReceived = new LongAdder();
    public final LongAdder transportCcFeedbackSent = new LongAdder();
    /** Transport-cc feedback received from subscribers about what the bridge sent them. */
    public final LongAdder transportCcFeedbackReceived = new LongAdder();
    public final LongAdder senderReportsSent = new LongAdder();
    public final LongAdder rtxSent = new LongAdder();
    public final LongAdder rtxBytesSent = new LongAdder();
    public final LongAdder nackMissing = new LongAdder();
    /** NACKed packets not retransmitted because retransmissions already used their share of the downlink estimate. */
    public final LongAdder rtxThrottled = new LongAdder();
    /** Keyframe requests made because a subscriber's NACK could not be answered. */
    public final LongAdder keyframesForUnrepairable = new LongAdder();
    public final LongAdder receiverReportsSent = new LongAdder();
    /** NACK messages the bridge sent to publishers, and the sequence numbers they asked for. */
    public final LongAdder nackSent = new LongAdder();
    public final LongAdder nackSentPackets = new LongAdder();
    /** Publisher-leg losses: repaired by the publisher's RTX, or given up after the tries/age bound. */
    public final LongAdder rtxRecovered = new LongAdder();
    public final LongAdder rtxRecoveredBytes = new LongAdder();
    public final LongAdder lossGivenUp = new LongAdder();
    /** Sum of the time from seeing a publisher-leg gap to receiving its repair (mean = this / rtxRecovered). */
    public final LongAdder repairDelayNs = new LongAdder();
    public final LongAdder byeSent = new LongAdder();
    public final LongAdder rembSent = new LongAdder();
    /** Keyframes received from publishers (first packets). */
    public final LongAdder keyframesReceived = new LongAdder();
    /** Forwarded layer changes (a subscriber's projection moved to another simulcast layer). */
    public final LongAdder layerSwitches = new LongAdder();
    /** Video packets not forwarded to a subscriber because it gets another layer or fewer temporal layers. */
    public final LongAdder videoPacketsSuppressed = new LongAdder();
    /**
     * Video packets whose dependency descriptor could not be read (cut short, or naming a template
     * before any structure arrived): forwarded on what the payload descriptor says.
     */
    public final LongAdder dependencyDescriptorsUnreadable = new LongAdder();
    /** Bandwidth probes toward subscribers: clusters, padding packets and bytes. */
    public final LongAdder probeClusters = new LongAdder();
    public final LongAdder probePacketsSent = new LongAdder();
    public final LongAdder probeBytesSent = new LongAdder();
    /** Messages telling publishers to pause or resume simulcast layers. */
    public final LongAdder layerPauseUpdates = new LongAdder();
    /** Packets not sent to a viewer (WHEP) because it did not negotiate their codec. */
    public final LongAdder viewerCodecDrops = new LongAdder();
    /** Times a viewer's (WHEP) stage audio or video moved to another participant. */
    public final LongAdder stageMoves = new LongAdder();
    /** Dominant speaker changes. */
    public final LongAdder dominantSpeakerChanges = new LongAdder();
    /** RTP received from publishers / sent to subscribers, by kind (index: MediaKind ordinal). */
    public final StripedCounter[] rtpPacketsIn = {new StripedCounter(), new StripedCounter()};
    public final StripedCounter[] rtpBytesIn = {new StripedCounter(), new StripedCounter()};
    public final StripedCounter[] rtpPacketsOut = {new StripedCounter(), new StripedCounter()};
    public final StripedCounter[] rtpBytesOut = {new StripedCounter(), new StripedCounter()};
    /** Packets publishers sent that never reached the bridge (sequence gaps), by kind. */
    public final LongAdder[] rtpLostIn = {new LongAdder(), new LongAdder()};

    public MediaCounters() {
        for (int i = 0; i < drops.length; i++) {
            drops[i] = new LongAdder();
            dropBytes[i] = new LongAdder();
        }
    }

    public void drop(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    /** A dropped RTP packet of {@code bytes} as received (SRTP size): counted as a drop and in bytes. */
    public void dropRtp(DropReason reason, int bytes) {
        drops[reason.ordinal()].increment();
        dropBytes[reason.ordinal()].add(bytes);
    }

    /** A dropped SRTP ({@code rtp}: counted with its bytes) or SRTCP datagram of {@code bytes} as received. */
    public void dropDatagram(DropReason reason, boolean rtp, int bytes) {
        if (rtp) {
            dropRtp(reason, bytes);
        } else {
            drop(reason);
        }
    }

    public long dropBytes(DropReason reason) {
        return dropBytes[reason.ordinal()].sum();
    }

    public long drops(DropReason reason) {
        return drops[reason.ordinal()].sum();
    }
}
