package io.junction.api.e2e;

import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child network namespace of the test's own (loopback-only) namespace, joined to it by a veth pair:
 * {@link #PARENT_ADDRESS} on this side, {@link #CHILD_ADDRESS} in the child. A browser whose link
 * needs its own shaping runs in the child, driven by a chromedriver started there (Selenium reaches it
 * over the veth), and {@code tc} on the parent's end shapes exactly what the bridge sends it. Nothing
 * leaves the test's namespaces: the child has only loopback and its veth end. The addresses are from
 * 198.18.0.0/15, the range RFC 2544 sets aside for benchmark networks, so that no test ever names an
 * address of a real network.
 */
final class VethNamespace implements AutoCloseable {
    /** Interface names of these veth links; {@link LoopbackNamespace} allows them. */
    static final String PREFIX = "jv";
    static final String PARENT_ADDRESS = "198.18.0.1";
    static final String CHILD_ADDRESS = "198.18.0.2";
    private static final String PARENT_LINK = PREFIX + "b";
    private static final String CHILD_LINK = PREFIX + "r";
    private static final int DRIVER_PORT = 9515;

    private final Process holder;
    private final long childPid;
    private final List<Process> processes = new ArrayList<>();

    VethNamespace() throws IOException, InterruptedException {
        holder = new ProcessBuilder("unshare", "--net", "sleep", "3600").start();
        childPid = holder.pid();
        // wait until the child namespace exists (the sleep has replaced unshare)
        for (int i = 0; i < 50 && readLink("/proc/" + childPid + "/ns/net").equals(readLink("/proc/self/ns/net")); i++) {
            Thread.sleep(20);
        }
        run("ip", "link", "add", PARENT_LINK, "type", "veth", "peer", "name", CHILD_LINK, "netns", String.valueOf(childPid));
        run("ip", "addr", "add", PARENT_ADDRESS + "/30", "dev", PARENT_LINK);
        run("ip", "link", "set", PARENT_LINK, "up");
        inChild("ip", "link", "set", "lo", "up");
        inChild("ip", "addr", "add", CHILD_ADDRESS + "/30", "dev", CHILD_LINK);
        inChild("ip", "link", "set", CHILD_LINK, "up");
    }

    private static String readLink(String path) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of(path)).toString();
        } catch (IOException e) {
            return "";
        }
    }

    /** Starts chromedriver in the child (accepting Selenium from the parent's address only); returns its URL. */
    URL startChromedriver() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nsenter", "-t", String.valueOf(childPid), "-n", Browser.CHROMEDRIVER,
                "--port=" + DRIVER_PORT, "--allowed-ips=" + PARENT_ADDRESS)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        URL url = new URL("http://" + CHILD_ADDRESS + ":" + DRIVER_PORT);
        for (int i = 0; i < 100; i++) {
            try {
                java.net.HttpURLConnection c = (java.net.HttpURLConnection) new URL(url, "/status").openConnection();
                c.setConnectTimeout(200);
                if (c.getResponseCode() == 200) {
                    return url;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        throw new IOException("chromedriver did not start in the child namespace");
    }

    /** Caps what the parent sends the child (the child's downlink) to {@code bps}, with a ~0.3 s queue. */
    void capDownlink(long bps) throws IOException, InterruptedException {
        run("tc", "qdisc", "replace", "dev", PARENT_LINK, "root", "tbf", "rate", bps / 1000 + "kbit", "burst", "4000",
                "latency", "300ms");
    }

    void uncap() throws IOException, InterruptedException {
        run("tc", "qdisc", "del", "dev", PARENT_LINK, "root");
    }

    /** Starts {@code cmd} in the child (its output to {@code log}); stopped with {@link #close} at the latest. */
    Process startInChild(java.nio.file.Path log, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(childPid), "-n"));
        full.addAll(List.of(cmd));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private void inChild(String... cmd) throws IOException, InterruptedException {
        String[] full = new String[cmd.length + 4];
        full[0] = "nsenter";
        full[1] = "-t";
        full[2] = String.valueOf(childPid);
        full[3] = "-n";
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        run(full);
    }

    static String run(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        try {
            // the pair goes with either end; deleted here rather than with the namespace, whose teardown the
            // kernel finishes later: the next test of the class makes a pair of the same name at once
            run("ip", "link", "del", PARENT_LINK);
        } catch (IOException | InterruptedException e) {
            // already gone
        }
        holder.destroyForcibly();
        try {
            holder.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
