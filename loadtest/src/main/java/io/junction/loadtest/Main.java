package io.junction.loadtest;

import java.nio.file.Files;

/** {@code java -jar junction-loadtest.jar --help}: see {@link Options#USAGE}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
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
