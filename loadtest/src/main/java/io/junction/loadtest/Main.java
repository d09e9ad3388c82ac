package io.junction.loadtest;

import java.nio.file.Files;

/** {@code java -jar junction-loadtest.jar --help}: see {@link Options#USAGE}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        // The JDK's WebSocket client (17 and 25 alike) loses the bytes its opening handshake read
        // past its first buffer (16 KiB by default): when the bridge's first messages (an offer of a
        // big conference and what follows) arrive with the 101 response, the client's frame decoder
        // falls out of step and fails the socket with 1007 "Invalid UTF-8" (1-5 of 201 clients in
        // 1 -> 200 runs). A buffer larger than any such burst keeps it all in one read. Must be set
        // before the first HttpClient exists.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(1 << 20));
        }
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            System.out.print(Options.USAGE);
            return;
        }
        try {
            runOrExit(args);
        } catch (java.net.ConnectException e) {
            System.err.println("error: cannot reach the bridge's admin API (is the bridge running, and is --admin its admin"
                    + " port? loadtest/bench.sh starts one)");
            System.exit(2);
        }
    }

    private static void runOrExit(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.churnPerSecond() > 0) {
            ChurnRun.Result r = new ChurnRun(options, System.out).run();
            System.out.printf(java.util.Locale.ROOT, "churn soak: %d subscribers replaced, %d joins failed; the publishers' call: %d packets sent, "
                            + "%d missing of %d (%.3f %%; at most %.2f %% may be video the bridge withheld), %d lost on the way%n",
                    r.replaced(), r.joinFailures(), r.sent(), r.lost(), r.expected(), r.expected() == 0 ? 0 : r.lost() * 100.0 / r.expected(),
                    ChurnRun.MAX_WITHHELD_FRACTION * 100, r.lostOnTheWay());
            System.out.println("missing packets, by where: " + r.breakdown());
            System.out.println(r.growth().isEmpty() ? "no growth: heap, threads, file descriptors, pool packets, ICE agents and endpoints stayed flat"
                    : "GREW: " + String.join("; ", r.growth()));
            System.out.println(r.passed() ? "PASS" : "FAIL");
            System.exit(r.passed() ? 0 : 1);
            return;
        }
        Report report;
        try {
            report = new LoadRun(options, System.out).run();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.print(report.text());
        if (options.json() != null) {
            Files.writeString(options.json(), report.json());
            System.out.println("JSON report: " + options.json());
        }
        boolean failed = report.connected() < report.endpoints()
                || (!Double.isNaN(options.maxLossPercent()) && report.lossPercent() > options.maxLossPercent());
        System.exit(failed ? 1 : 0);
    }
}
