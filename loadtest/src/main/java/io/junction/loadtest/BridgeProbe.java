package io.junction.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads the bridge's CPU time, heap and packet counters: CPU from {@code /proc/PID/stat} when the bridge
 * runs on this machine (exact to 10 ms), else from its Prometheus {@code process_cpu_time_ns_total};
 * heap and counters from {@code /metrics}. Without {@code --bridge-pid} the bridge's process is found
 * by the admin port it listens on (it runs on this machine: the load stays on loopback).
 */
final class BridgeProbe {
    private static final double CLOCK_TICKS = 100.0; // USER_HZ on Linux
    private final HttpClient http;
    private final String adminUrl;
    private final String apiKey;
    private final long pid;

    /** One reading of the bridge. NaN where the bridge did not tell. */
    record Sample(long atNs, double cpuSeconds, double heapBytes, double sentPackets, double droppedPackets,
            double sendCalls, double sendCallDatagrams, double workerAllocatedBytes, double receiveCalls,
            double receiveCallDatagrams, double videoSuppressed, double sendSegmentedDatagrams) {}

    BridgeProbe(HttpClient http, String adminUrl, String apiKey, long pid) {
        this.http = http;
        this.adminUrl = adminUrl;
        this.apiKey = apiKey;
        this.pid = pid > 0 ? pid : listeningPid(URI.create(adminUrl).getPort());
        if (pid > 0 && Double.isNaN(procCpuSeconds(pid))) {
            throw new IllegalArgumentException("--bridge-pid " + pid + ": no such process on this machine");
        }
    }

    /** The bridge's process id (found or given), 0 when unknown. */
    long pid() {
        return pid;
    }

    /**
     * The process listening on TCP {@code port} on this machine (from {@code /proc/net/tcp*} and the
     * processes' socket descriptors), 0 when none is found or it is not ours to read.
     */
    static long listeningPid(int port) {
        if (port <= 0) {
            return 0;
        }
        java.util.Set<String> inodes = new java.util.HashSet<>();
        String hexPort = String.format(java.util.Locale.ROOT, ":%04X", port);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A")) { // 0A: LISTEN
                        inodes.add("socket:[" + f[9] + "]");
                    }
                }
            } catch (IOException e) {
                // no such table
            }
        }
        if (inodes.isEmpty()) {
            return 0;
        }
        try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try (var fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (inodes.contains(Files.readSymbolicLink(fd).toString())) {
                                return Long.parseLong(proc.getFileName().toString());
                            }
                        } catch (IOException e) {
                            // closed meanwhile
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // not ours, or gone
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    Sample sample() {
        String metrics = metrics();
        double cpu = pid > 0 ? procCpuSeconds(pid) : Double.NaN;
        if (Double.isNaN(cpu)) {
            cpu = sum(metrics, "process_cpu_time_ns_total", null) / 1e9;
        }
        return new Sample(System.nanoTime(), cpu, sum(metrics, "jvm_memory_used_bytes", "area=\"heap\""),
                sum(metrics, "junction_sent_packets_total", null), sum(metrics, "junction_dropped_packets_total", null),
                sum(metrics, "junction_send_calls_total", null), sum(metrics, "junction_send_call_datagrams_total", null),
                sum(metrics, "junction_worker_allocated_bytes_total", null),
                sum(metrics, "junction_receive_calls_total", null), sum(metrics, "junction_receive_call_datagrams_total", null),
                sum(metrics, "junction_video_suppressed_packets_total", null),
                sum(metrics, "junction_send_segmented_datagrams_total", null));
    }

    /**
     * The bridge JVM's live heap: {@code jcmd PID GC.class_histogram} runs a full GC and totals the
     * objects left (the "Total" line). Taken twice, half a second apart, and the second counts: the
     * objects of endpoints that left since the last full GC survive the first one (found: their
     * subscriptions, SRTP contexts and buffers, next to finalizable objects and weak references that
     * GC had first to process), so a single histogram read 40 to 180 MiB from one
     * reading to the next in a one-hour churn soak while the second read 46 MiB every time.
     * Steadier than the heap gauge read after a GC, which already counts what the running bridge
     * allocated since. NaN without jcmd.
     */
    double liveHeapBytes() {
        histogramTotal();
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
        return histogramTotal();
    }

    private double histogramTotal() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Path out = null;
        try {
            // jcmd's output goes to a file, not a pipe: since Java 24 the target JVM streams a
            // command's output while it runs, at a safepoint for GC.class_histogram, and when the
            // target is this JVM (the bridge in a test) nobody could drain the pipe: jcmd stops reading,
            // the VM thread blocks writing, and both wait for ever (seen on Temurin 25).
            out = Files.createTempFile("junction-histogram", ".txt");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram").redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Double.NaN;
            }
            String last = null;
            for (String line : Files.readAllLines(out)) {
                if (line.startsWith("Total")) {
                    last = line;
                }
            }
            if (last == null) {
                return Double.NaN;
            }
            String[] f = last.trim().split("\\s+");
            return Double.parseDouble(f[f.length - 1]);
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** Asks a local bridge JVM for a full GC (jcmd), so heap readings compare live data. */
    void collectGarbage() {
        if (pid <= 0) {
            System.gc();
            return;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (IOException e) {
            // no jcmd: the heap figure is then noisier
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Datagrams the kernel dropped (receive buffer full) on loopback UDP sockets, from
     * {@code /proc/net/udp} and {@code /proc/net/udp6}: [0] on the socket bound to {@code bridgePort},
     * [1] on every other socket (the load generator's clients). Sockets closed meanwhile are not
     * counted, so read this while the run is on.
     */
    static long[] udpDrops(int bridgePort) {
        return io.junction.bridge.transport.ice.UdpSocketStats.dropsAtAndBesides(bridgePort);
    }

    /** How long the process has run (from /proc: its start time against the system's uptime); NaN when unknown. */
    static double procUptimeSeconds(long pid) {
        try {
            String[] f = statFields(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            // starttime is field 19 after "(comm) " (22 of the whole line), in clock ticks since boot
            double started = Long.parseLong(f[19]) / CLOCK_TICKS;
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            return uptime - started;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** CPU seconds of the process's JIT compiler threads (C1, C2); NaN when unknown. */
    static double procJitCpuSeconds(long pid) {
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            double sum = 0;
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                        sum += cpuSeconds(statFields(stat));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we read
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static double procCpuSeconds(long pid) {
        try {
            return cpuSeconds(statFields(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The fields of a /proc {@code stat} line after "(comm) " (the name may hold spaces): state=0, utime=11, stime=12. */
    private static String[] statFields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** User plus system CPU of a /proc {@code stat} line's fields. */
    private static double cpuSeconds(String[] f) {
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS;
    }

    String metrics() {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(adminUrl + "/metrics")).timeout(Duration.ofSeconds(10));
            if (!apiKey.isEmpty()) {
                b.header("Authorization", "Bearer " + apiKey);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The samples of metric {@code name}, summed by the value of its label {@code label} (e.g. drops by reason). */
    static java.util.Map<String, Double> byLabel(String text, String name, String label) {
        java.util.Map<String, Double> out = new java.util.TreeMap<>();
        String key = label + "=\"";
        for (String line : text.split("\n")) {
            int at = line.indexOf(key);
            if (!line.startsWith(name + "{") || at < 0) {
                continue;
            }
            int from = at + key.length();
            int to = line.indexOf('"', from);
            try {
                out.merge(line.substring(from, to), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            } catch (RuntimeException ignored) {
                // not a sample line
            }
        }
        return out;
    }

    /** Sum of every sample of {@code name} (any labels, or those containing {@code label}); NaN if none. */
    static double sum(String text, String name, String label) {
        double total = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (!line.startsWith(name) || line.length() <= name.length()) {
                continue;
            }
            char c = line.charAt(name.length());
            if (c != '{' && c != ' ') {
                continue;
            }
            if (label != null && !line.contains(label)) {
                continue;
            }
            try {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            } catch (NumberFormatException ignored) {
                // not a sample line
            }
        }
        return found ? total : Double.NaN;
    }
}
