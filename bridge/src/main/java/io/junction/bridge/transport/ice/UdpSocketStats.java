package io.junction.bridge.transport.ice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the kernel knows about the media socket, read from Linux's {@code /proc/net/udp} and
 * {@code /proc/net/udp6} (one line per socket: local address:port in hex, queue sizes, and the
 * count of datagrams dropped because the receive buffer was full). Everything the bridge never
 * sees because its socket overflowed shows up here and nowhere else. Off Linux every figure is -1.
 */
public final class UdpSocketStats {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

    private UdpSocketStats() {}

    /** Datagrams the kernel dropped at the sockets bound to {@code port}, or -1 when unknown. */
    public static long drops(int port) {
        return sum(port, Column.DROPS);
    }

    /** Bytes waiting in the receive queues of the sockets bound to {@code port}, or -1 when unknown. */
    public static long receiveQueueBytes(int port) {
        return sum(port, Column.RX_QUEUE);
    }

    /** {@code net.core.rmem_max}: the most a socket may ask for as receive buffer, or -1 when unknown. */
    public static long receiveBufferMax() {
        // Not Files.readString: for /proc/sys files (which report size 0) it returns only the first byte.
        try (java.io.BufferedReader r = Files.newBufferedReader(Path.of("/proc/sys/net/core/rmem_max"))) {
            String line = r.readLine();
            return line == null ? -1 : Long.parseLong(line.trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    enum Column { DROPS, RX_QUEUE }

    private static long sum(int port, Column column) {
        long total = -1;
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                long v = parse(lines.get(i), port, column);
                if (v >= 0) {
                    total = Math.max(total, 0) + v;
                }
            }
        }
        return total;
    }

    /**
     * One table line ({@code "  12: 0100007F:2710 00000000:0000 07 00000000:00000000 00:00000000 00000000  0 0 123 2 0000 42"}):
     * the value of {@code column} when the local port is {@code port}, else -1.
     */
    static long parse(String line, int port, Column column) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 13) {
            return -1;
        }
        String local = f[1];
        int colon = local.lastIndexOf(':');
        try {
            if (colon < 0 || Integer.parseInt(local.substring(colon + 1), 16) != port) {
                return -1;
            }
            if (column == Column.DROPS) {
                return Long.parseLong(f[f.length - 1]);
            }
            String queues = f[4]; // tx_queue:rx_queue
            return Long.parseLong(queues.substring(queues.indexOf(':') + 1), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
