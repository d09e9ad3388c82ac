package io.junction.loadtest;

import java.net.URI;
import java.nio.file.Path;

/** Command-line options of the load generator, validated and bounded. */
record Options(String adminUrl, String apiKey, int conferences, int publishers, int subscribers, double seconds,
               double settleSeconds, long videoBitrateBps, int fps, double joinRate, long bridgePid, Path json,
               boolean baseline, double maxLossPercent, boolean quiet, double malformedPerSecond, double churnPerSecond,
               double readingEverySeconds, Flood.Kind flood, double floodPerSecond, boolean ipv6, boolean whep,
               String codec, java.util.List<String> spreadAdmins, java.util.List<Long> spreadPids, boolean subscribersElsewhere) {
    /** The publishers send VP9. */
    boolean vp9() {
        return codec.equals("vp9");
    }

    static final int MAX_ENDPOINTS = 2000;
    static final double MAX_SECONDS = 3600;

    static final String USAGE = """
            Usage: java -jar loadtest/target/junction-loadtest.jar [options]
              --admin URL            the bridge's admin API (loopback only)       [http://127.0.0.1:8081]
              --api-key KEY          bearer key of the admin API                  [$JUNCTION_API_KEY or none]
              --conferences K        conferences                                   [1]
              --publishers N         endpoints per conference that send audio+video [2]
              --subscribers M        endpoints per conference that only receive     [2]
              --duration SECONDS     measured time, after joins and a settle time   [30]
              --settle SECONDS       media time before measuring starts             [2]
              --video-bitrate BPS    per publisher, e.g. 500k or 1.2M              [500k]
              --fps N                video frames per second                        [30]
              --codec vp8|vp9|av1    the publishers' video codec (valid payload descriptors, one layer;
                                     av1 with a dependency descriptor, rewritten per receiver) [vp8]
              --join-rate N          endpoints joining per second                   [50]
              --bridge-pid PID       read the bridge's CPU from /proc (exact) instead of /metrics
              --json FILE            also write the report as JSON
              --no-baseline          skip the plain UDP relay baseline
              --max-loss PERCENT     exit with status 1 when the loss is higher     [off]
              --quiet                no per-second progress
              --ipv6                 clients on ::1 (the bridge must advertise ::1: media.addresses)
              --whep                 the subscribers play the conference over WHEP (a receive-only
                                     offer POSTed with a viewer token, no WebSocket) instead of the
                                     SDK's signaling; needs --publishers 1 (a viewer gets the stage)
              --malformed-rate N     each publisher also sends N packets/s the bridge must drop
                                     (unknown SSRCs and rids, broken headers, junk RTCP and
                                     transport-cc feedback, truncated VP8): they must disturb nobody [0]
              --churn N              soak: the subscribers join and leave continuously, N replaced per
                                     second, while the publishers' call goes on; the bridge's heap after
                                     GC, threads, file descriptors, pool packets and ICE agents are read
                                     every --reading-every seconds and must not grow (needs --bridge-pid) [off]
              --reading-every S      seconds between soak readings                  [30]
              --flood junk|stun      while the call is measured, flood the media port from 64 source
                                     ports that are nobody's endpoint: random datagrams, or STUN
                                     naming live ufrags with a wrong password; at --flood-rate    [off]
              --flood-rate N         flood datagrams per second                     [10000]
              --spread-admin URLS    more bridges of the same cluster (their admin APIs, comma-separated,
                                     loopback): subscribers are placed on all bridges in turn, the
                                     publishers on --admin's; the bridges relay the conference [off]
              --spread-pids PIDS     their processes (same order), for the CPU of all bridges together
              --subscribers-elsewhere  with --spread-admin: no subscriber on --admin's bridge (every
                                     packet they get crossed a relay)
            Every publisher's packets go to all other endpoints of its conference. At most %d endpoints
            and %d s; all traffic stays on loopback.
            """.formatted(MAX_ENDPOINTS, (int) MAX_SECONDS);

    static Options parse(String... args) {
        String admin = "http://127.0.0.1:8081";
        java.util.List<String> spreadAdmins = new java.util.ArrayList<>();
        java.util.List<Long> spreadPids = new java.util.ArrayList<>();
        boolean elsewhere = false;
        String key = System.getenv().getOrDefault("JUNCTION_API_KEY", "");
        int k = 1;
        int n = 2;
        int m = 2;
        double secs = 30;
        double settle = 2;
        long bitrate = 500_000;
        int fps = 30;
        double joinRate = 50;
        long pid = 0;
        Path json = null;
        boolean baseline = true;
        double maxLoss = Double.NaN;
        boolean quiet = false;
        boolean ipv6 = false;
        boolean whep = false;
        String codec = "vp8";
        double malformed = 0;
        double churn = 0;
        double readingEvery = 30;
        Flood.Kind flood = null;
        double floodRate = 10_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--no-baseline" -> baseline = false;
                case "--quiet" -> quiet = true;
                case "--ipv6" -> ipv6 = true;
                case "--whep" -> whep = true;
                case "--subscribers-elsewhere" -> elsewhere = true;
                case "-h", "--help" -> throw new IllegalArgumentException("");
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("unknown option or missing value: " + a);
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--admin" -> admin = v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
                        case "--spread-admin" -> {
                            for (String x : v.split(",")) {
                                spreadAdmins.add(x.endsWith("/") ? x.substring(0, x.length() - 1) : x);
                            }
                        }
                        case "--spread-pids" -> {
                            for (String x : v.split(",")) {
                                spreadPids.add((long) intIn(a, x, 1, Integer.MAX_VALUE));
                            }
                        }
                        case "--api-key" -> key = v;
                        case "--codec" -> {
                            codec = v.toLowerCase(java.util.Locale.ROOT);
                            if (!codec.equals("vp8") && !codec.equals("vp9") && !codec.equals("av1")) {
                                throw new IllegalArgumentException("--codec: vp8, vp9 or av1, not " + v);
                            }
                        }
                        case "--conferences" -> k = intIn(a, v, 1, MAX_ENDPOINTS);
                        case "--publishers" -> n = intIn(a, v, 0, MAX_ENDPOINTS);
                        case "--subscribers" -> m = intIn(a, v, 0, MAX_ENDPOINTS);
                        case "--duration" -> secs = doubleIn(a, v, 1, MAX_SECONDS);
                        case "--settle" -> settle = doubleIn(a, v, 0, 60);
                        case "--video-bitrate" -> bitrate = bitrate(a, v);
                        case "--fps" -> fps = intIn(a, v, 1, 60);
                        case "--join-rate" -> joinRate = doubleIn(a, v, 0.1, 1000);
                        case "--bridge-pid" -> pid = intIn(a, v, 1, Integer.MAX_VALUE);
                        case "--json" -> json = Path.of(v);
                        case "--max-loss" -> maxLoss = doubleIn(a, v, 0, 100);
                        case "--malformed-rate" -> malformed = doubleIn(a, v, 0, 1000);
                        case "--churn" -> churn = doubleIn(a, v, 0.01, 100);
                        case "--reading-every" -> readingEvery = doubleIn(a, v, 2, 3600);
                        case "--flood" -> flood = switch (v) {
                            case "junk" -> Flood.Kind.JUNK;
                            case "stun" -> Flood.Kind.STUN;
                            default -> throw new IllegalArgumentException("--flood is junk or stun, got " + v);
                        };
                        case "--flood-rate" -> floodRate = doubleIn(a, v, 1, 1_000_000);
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                }
            }
        }
        if (n < 1) {
            throw new IllegalArgumentException("--publishers must be at least 1");
        }
        if (n + m < 2) {
            throw new IllegalArgumentException("a conference needs at least two endpoints");
        }
        if ((long) k * (n + m) > MAX_ENDPOINTS) {
            throw new IllegalArgumentException("at most " + MAX_ENDPOINTS + " endpoints in all, asked for " + (long) k * (n + m));
        }
        for (String url : concat(admin, spreadAdmins)) {
            URI u = URI.create(url);
            String host = u.getHost();
            if (!"http".equals(u.getScheme()) || host == null
                    || !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"))) {
                throw new IllegalArgumentException("--admin and --spread-admin must be http URLs on loopback (the load stays on "
                        + "this machine): " + url);
            }
        }
        if (elsewhere && spreadAdmins.isEmpty()) {
            throw new IllegalArgumentException("--subscribers-elsewhere needs --spread-admin");
        }
        if (!spreadPids.isEmpty() && spreadPids.size() != spreadAdmins.size()) {
            throw new IllegalArgumentException("--spread-pids: one process per --spread-admin URL");
        }
        if (!spreadAdmins.isEmpty() && (whep || churn > 0)) {
            throw new IllegalArgumentException("--spread-admin goes with neither --whep nor --churn");
        }
        if (whep && n != 1) {
            throw new IllegalArgumentException("--whep: a WHEP viewer plays one participant (the stage): use --publishers 1");
        }
        if (whep && churn > 0) {
            throw new IllegalArgumentException("--whep and --churn do not go together");
        }
        if (churn > 0 && m < 1) {
            throw new IllegalArgumentException("--churn replaces subscribers: --subscribers must be at least 1");
        }
        if (churn > 0 && pid <= 0) {
            throw new IllegalArgumentException("--churn reads the bridge's threads and file descriptors: give --bridge-pid");
        }
        return new Options(admin, key, k, n, m, secs, settle, bitrate, fps, joinRate, pid, json, baseline, maxLoss, quiet,
                malformed, churn, readingEvery, flood, floodRate, ipv6, whep, codec, java.util.List.copyOf(spreadAdmins),
                java.util.List.copyOf(spreadPids), elsewhere);
    }

    private static java.util.List<String> concat(String first, java.util.List<String> rest) {
        java.util.List<String> all = new java.util.ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** The loopback address the synthetic clients bind to. */
    java.net.InetAddress clientAddress() {
        try {
            return java.net.InetAddress.getByName(ipv6 ? "::1" : "127.0.0.1");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    int endpointsPerConference() {
        return publishers + subscribers;
    }

    int endpoints() {
        return conferences * endpointsPerConference();
    }

    private static int intIn(String opt, String v, int min, int max) {
        try {
            int x = Integer.parseInt(v);
            if (x < min || x > max) {
                throw new IllegalArgumentException(opt + " must be in " + min + ".." + max + ", got " + v);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " needs a whole number, got " + v);
        }
    }

    private static double doubleIn(String opt, String v, double min, double max) {
        try {
            double x = Double.parseDouble(v);
            if (!(x >= min && x <= max)) {
                throw new IllegalArgumentException(opt + " must be in " + min + ".." + max + ", got " + v);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " needs a number, got " + v);
        }
    }

    static long bitrate(String opt, String v) {
        String s = v.trim().toLowerCase();
        double mult = 1;
        if (s.endsWith("k")) {
            mult = 1e3;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            mult = 1e6;
            s = s.substring(0, s.length() - 1);
        }
        double x = doubleIn(opt, s, 1, 1e9) * mult;
        if (x < 10_000 || x > 20_000_000) {
            throw new IllegalArgumentException(opt + " must be between 10k and 20M, got " + v);
        }
        return (long) x;
    }
}
