package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** The load tool finds the bridge's process by its admin port, so heap and CPU figures need no --bridge-pid. */
class BridgeProbeTest {
    @Test
    void findsTheProcessListeningOnAPort() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(ProcessHandle.current().pid(), BridgeProbe.listeningPid(listening.getLocalPort()));
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertEquals(0, BridgeProbe.listeningPid(closed), "nobody listens there any more");
    }

    /** Drops by reason, from a scrape as the bridge writes it (a neighbour metric shares the prefix). */
    @Test
    void sumsSamplesByLabel() {
        String scrape = """
                # HELP junction_dropped_packets_total Received packets dropped, by reason
                # TYPE junction_dropped_packets_total counter
                junction_dropped_packets_total{reason="not_connected"} 21.0
                junction_dropped_packets_total{reason="queue_full"} 0.0
                junction_dropped_packets_total{reason="srtp_auth"} 3.0
                # HELP junction_dropped_bytes_total RTP bytes dropped before forwarding, by reason (SRTP size)
                # TYPE junction_dropped_bytes_total counter
                junction_dropped_bytes_total{reason="not_connected"} 2520.0
                junction_dropped_packets_total_extra{reason="not_connected"} 99.0
                """;
        assertEquals(java.util.Map.of("not_connected", 21.0, "queue_full", 0.0, "srtp_auth", 3.0),
                BridgeProbe.byLabel(scrape, "junction_dropped_packets_total", "reason"));
        assertEquals(java.util.Map.of(), BridgeProbe.byLabel(scrape, "junction_dropped_packets_total", "kind"));
    }

    /** This JVM's own uptime and JIT threads, read the way the report reads the bridge's. */
    @Test
    void readsUptimeAndJitCpuFromProc() {
        long pid = ProcessHandle.current().pid();
        double uptime = BridgeProbe.procUptimeSeconds(pid);
        double jvmUptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
        org.junit.jupiter.api.Assertions.assertTrue(Math.abs(uptime - jvmUptime) < 2, uptime + " s against the JVM's " + jvmUptime + " s");
        double jit = BridgeProbe.procJitCpuSeconds(pid);
        double cpu = BridgeProbe.procCpuSeconds(pid);
        // the JVM compiled something to get here (JUnit, the test) and its compiler threads are part of its CPU
        org.junit.jupiter.api.Assertions.assertTrue(jit > 0 && jit <= cpu, "JIT " + jit + " s of " + cpu + " s");
        org.junit.jupiter.api.Assertions.assertTrue(Double.isNaN(BridgeProbe.procJitCpuSeconds(Long.MAX_VALUE)));
    }
}
