package io.junction.loadtest;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Locale;

/** The final report of one load run; {@link #text()} for people, {@link #json()} for scripts. */
record Report(
        String scenario,
        int endpoints,
        int connected,
        int connectedAtEnd,
        List<String> failures,
        double measuredSeconds,
        double sentPacketsPerSecond,
        double forwardedPacketsPerSecond,
        double forwardedVideoPacketsPerSecond,
        double forwardedMbps,
        long forwardedPackets,
        long expectedPackets,
        long lostPackets,
        double lossPercent,
        long lostBeforeMeasuring,
        long videoNotForwardedByChoice,
        long sequenceGaps,
        long fanOutPackets,
        double deliveredPercentOfFanOut,
        long latePackets,
        long srtpErrors,
        long packetsBeforeKeys,
        long keyframeRequests,
        double latencyP50Ms,
        double latencyP99Ms,
        double latencyMaxMs,
        double joinP50Ms,
        double joinP99Ms,
        long[] joinStepsP50Ms,
        long[] joinStepsP99Ms,
        double bridgeConnectP50Ms,
        double bridgeConnectP99Ms,
        double bridgeCpuSeconds,
        double bridgeCpuPercentOfOneCore,
        double cpuMicrosPerForwardedPacket,
        double loadGeneratorCpuPercentOfOneCore,
        double bridgeHeapPerEndpointKiB,
        double bridgeUptimeAtStartSeconds,
        List<Double> cpuMicrosPerForwardedPacketBy10s,
        double bridgeJitCpuSeconds,
        double bridgeDroppedPackets,
        double bridgeDatagramsPerSendCall,
        double bridgeSegmentedDatagramsPercent,
        double bridgeDatagramsPerReceiveCall,
        double bridgeWorkerBytesPerForwardedPacket,
        long kernelDropsAtBridgeSocket,
        long kernelDropsAtClientSockets,
        Baseline.Result baseline,
        double baselineCpuMicrosPerForwardedPacket,
        double costRatioToBaseline) {

    String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("== Junction load report: ").append(scenario).append(" ==\n");
        row(sb, "endpoints connected", connected + " / " + endpoints + ", at the end " + connectedAtEnd
                + (failures.isEmpty() ? "" : "  failures: " + failures));
        row(sb, "measured", f("%.1f s", measuredSeconds));
        row(sb, "sent by publishers", f("%.0f packets/s", sentPacketsPerSecond));
        row(sb, "forwarded to subscribers", f("%.0f packets/s (%.0f video), %.2f Mbit/s", forwardedPacketsPerSecond,
                forwardedVideoPacketsPerSecond, forwardedMbps));
        row(sb, "loss (publishers' counters)", f("%.3f %% (%d of %d)", lossPercent, lostPackets, expectedPackets)
                + (lostBeforeMeasuring > 0 ? f(", %d more before measuring", lostBeforeMeasuring) : ""));
        row(sb, "RTP sequence gaps", Long.toString(sequenceGaps));
        row(sb, "delivered / sent x fan-out", f("%.2f %% (%d of %d)", deliveredPercentOfFanOut, forwardedPackets, fanOutPackets));
        if (videoNotForwardedByChoice > 0) {
            row(sb, "  withheld by the bridge", f("%d video packets (junction_video_suppressed_packets_total)",
                    videoNotForwardedByChoice));
            note(sb, "Missing, not lost on the way: video the bridge withheld from receivers whose downlink");
            note(sb, "estimate had no room for it (or a layer they do not get, or frames before the keyframe they");
            note(sb, "wait for). The synthetic publishers send one layer each, so there is no lower layer to fall");
            note(sb, "back to: a receiver whose estimate dips (queueing delay on a saturated machine reads as");
            note(sb, "congestion) or is still ramping up from forwarding.start-bitrate (2.5M by default;");
            note(sb, "config/loadtest.conf, which loadtest/bench.sh uses, starts at 20M) misses whole streams.");
        }
        row(sb, "late or duplicate", Long.toString(latePackets));
        row(sb, "SRTP errors / before keys", srtpErrors + " / " + packetsBeforeKeys);
        row(sb, "keyframe requests (PLI/FIR)", Long.toString(keyframeRequests));
        row(sb, "one-way latency", f("p50 %.2f ms, p99 %.2f ms, max %.2f ms", latencyP50Ms, latencyP99Ms, latencyMaxMs));
        row(sb, "join (request to SRTP keys)", f("p50 %.0f ms, p99 %.0f ms", joinP50Ms, joinP99Ms));
        row(sb, "  WebSocket, offer, ICE, DTLS", f("p50 %d, %d, %d, %d ms; p99 %d, %d, %d, %d ms", joinStepsP50Ms[0],
                joinStepsP50Ms[1], joinStepsP50Ms[2], joinStepsP50Ms[3], joinStepsP99Ms[0], joinStepsP99Ms[1],
                joinStepsP99Ms[2], joinStepsP99Ms[3]));
        if (!Double.isNaN(bridgeConnectP50Ms)) {
            row(sb, "  bridge: answer to SRTP keys", f("p50 %.0f ms, p99 %.0f ms (junction_connect_seconds)", bridgeConnectP50Ms,
                    bridgeConnectP99Ms));
        }
        row(sb, "bridge CPU", f("%.2f s, %.1f %% of one core", bridgeCpuSeconds, bridgeCpuPercentOfOneCore)
                + (Double.isNaN(bridgeJitCpuSeconds) ? "" : f("; JIT compiler threads %.2f s of it", bridgeJitCpuSeconds)));
        row(sb, "bridge CPU per forwarded packet", f("%.2f us", cpuMicrosPerForwardedPacket));
        if (!cpuMicrosPerForwardedPacketBy10s.isEmpty()) {
            StringBuilder w = new StringBuilder();
            for (double d : cpuMicrosPerForwardedPacketBy10s) {
                w.append(w.length() == 0 ? "" : ", ").append(f("%.1f", d));
            }
            row(sb, "  by 10 s window", w + f(" us (the bridge had run %.0f s when measuring began)", bridgeUptimeAtStartSeconds));
        }
        row(sb, "load generator CPU", f("%.1f %% of one core (same machine)", loadGeneratorCpuPercentOfOneCore));
        row(sb, "bridge heap per endpoint", Double.isNaN(bridgeHeapPerEndpointKiB)
                ? "n/a (the bridge's process was not found on this machine: give --bridge-pid)"
                : f("%.0f KiB (live heap after GC, with the endpoints connected, less before they joined)",
                        bridgeHeapPerEndpointKiB));
        row(sb, "bridge drops (all reasons)", f("%.0f", bridgeDroppedPackets));
        if (!Double.isNaN(bridgeWorkerBytesPerForwardedPacket)) {
            row(sb, "bridge allocation per fwd packet", f("%.1f B on the packet workers (junction_worker_allocated_bytes_total)",
                    bridgeWorkerBytesPerForwardedPacket));
        }
        row(sb, "bridge datagrams per send call", Double.isNaN(bridgeDatagramsPerSendCall)
                ? "n/a (no native sends: the bridge sends through ice4j)"
                : f("%.2f (sendmmsg batches, junction_send_call_datagrams_total)", bridgeDatagramsPerSendCall));
        if (!Double.isNaN(bridgeSegmentedDatagramsPercent)) {
            row(sb, "bridge datagrams in GSO messages", f("%.1f %% (several to one receiver in one message, junction_send_segmented_datagrams_total)",
                    bridgeSegmentedDatagramsPercent));
        }
        row(sb, "bridge datagrams per read", Double.isNaN(bridgeDatagramsPerReceiveCall)
                ? "n/a (ice4j reads: no native receive)"
                : f("%.2f (packet workers' epoll + recvmmsg, junction_receive_call_datagrams_total)", bridgeDatagramsPerReceiveCall));
        row(sb, "kernel UDP drops, bridge / clients", kernelDropsAtBridgeSocket + " / " + kernelDropsAtClientSockets);
        if (baseline != null) {
            row(sb, "baseline UDP relay", f("%.0f packets/s forwarded, %.2f us CPU per forwarded packet",
                    baseline.forwardedPps(), baselineCpuMicrosPerForwardedPacket));
            row(sb, "Junction / baseline", f("%.1f x", costRatioToBaseline));
        }
        return sb.toString();
    }

    String json() {
        try {
            return SyntheticClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A line of explanation under the row before it. */
    private static void note(StringBuilder sb, String line) {
        row(sb, "", line);
    }

    private static void row(StringBuilder sb, String k, String v) {
        sb.append(String.format(Locale.ROOT, "  %-32s %s%n", k, v));
    }

    private static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }
}
