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
}
