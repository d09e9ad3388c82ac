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
        return sum(port, Socket::drops);
    }

    /** Bytes waiting in the receive queues of the sockets bound to {@code port}, or -1 when unknown. */
    public static long receiveQueueBytes(int port) {
        return sum(port, Socket::receiveQueueBytes);
    }

    /**
     * Datagrams dropped at every UDP socket of this network namespace: [0] at the sockets bound to
     * {@code port}, [1] at all the others (the load tool's clients beside a bridge). Zeros off Linux.
     */
    public static long[] dropsAtAndBesides(int port) {
        long[] drops = new long[2];
        for (Socket s : sockets()) {
            drops[s.port() == port ? 0 : 1] += s.drops();
        }
        return drops;
    }

    /** {@code net.core.rmem_max}: the most a socket may ask for as receive buffer, or -1 when unknown. */
    public static long receiveBufferMax() {
        return sysctl("/proc/sys/net/core/rmem_max");
    }

    /** {@code net.core.wmem_max}: the most a socket may ask for as send buffer, or -1 when unknown. */
    public static long sendBufferMax() {
        return sysctl("/proc/sys/net/core/wmem_max");
    }

    private static long sysctl(String file) {
        // Not Files.readString: for /proc/sys files (which report size 0) it returns only the first byte.
        try (java.io.BufferedReader r = Files.newBufferedReader(Path.of(file))) {
            String line = r.readLine();
            return line == null ? -1 : Long.parseLong(line.trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** One socket's line of the tables. */
    record Socket(int port, long receiveQueueBytes, long drops) {}

    private static List<Socket> sockets() {
        List<Socket> out = new java.util.ArrayList<>();
        for (Path table : TABLES) {
            try {
                for (String line : Files.readAllLines(table)) {
                    Socket s = parse(line);
                    if (s != null) {
                        out.add(s);
                    }
                }
            } catch (IOException e) {
                // no such table (not Linux, or no IPv6)
            }
        }
        return out;
    }

    private static long sum(int port, java.util.function.ToLongFunction<Socket> value) {
        long total = -1;
        for (Socket s : sockets()) {
            if (s.port() == port) {
                total = Math.max(total, 0) + value.applyAsLong(s);
            }
        }
        return total;
    }

    /**
     * One table line ({@code "  12: 0100007F:2710 00000000:0000 07 00000000:00000000 00:00000000 00000000  0 0 123 2 0000 42"}),
     * or null for the header and anything else that is not a socket's line.
     */
    static Socket parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 13) {
            return null;
        }
        String local = f[1];
        int colon = local.lastIndexOf(':');
        String queues = f[4]; // tx_queue:rx_queue
        int queueColon = queues.indexOf(':');
        if (colon < 0 || queueColon < 0) {
            return null;
        }
        try {
            return new Socket(Integer.parseInt(local.substring(colon + 1), 16),
                    Long.parseLong(queues.substring(queueColon + 1), 16), Long.parseLong(f[f.length - 1]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
