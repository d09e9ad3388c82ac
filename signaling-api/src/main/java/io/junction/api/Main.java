package io.junction.api;

import io.junction.api.config.ConfigError;
import io.junction.api.config.ConfigLoader;
import io.junction.api.config.JunctionConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Starts Junction: {@code java -jar junction.jar [--config PATH]}. Exit codes: 0 after a graceful
 * SIGTERM/SIGINT or {@code --help}/{@code --version}, 1 when start-up fails, 2 on a configuration
 * error, a port another process holds, or bad arguments.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {}

    /** {@link #run}'s answer when the server started and keeps running (the process must not exit). */
    static final int RUNNING = -1;

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.err);
        if (code != RUNNING) {
            System.exit(code);
        }
    }

    /**
     * Parses arguments and configuration and starts the server. Returns {@link #RUNNING} once it runs,
     * 0 after {@code --help} or {@code --version}, else the exit code of the failure.
     */
    static int run(String[] args, Map<String, String> env, PrintStream err) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("junction: --config needs a file path");
                        return 2;
                    }
                    configFile = Path.of(args[++i]);
                }
                case "--help", "-h" -> {
                    System.out.print(usage());
                    System.out.flush();
                    return 0;
                }
                case "--version", "-V" -> {
                    System.out.println("junction " + io.junction.api.http.Version.VERSION + " (Java "
                            + Runtime.version() + ")");
                    System.out.flush();
                    return 0;
                }
                default -> {
                    err.println("junction: unknown argument '" + args[i] + "' (junction --help lists the options)");
                    return 2;
                }
            }
        }
        JunctionConfig config;
        try {
            config = ConfigLoader.load(configFile, env);
        } catch (ConfigError e) {
            err.println("junction: configuration error: " + e.getMessage());
            return 2;
        }
        JunctionServer server;
        try {
            server = new JunctionServer(config);
        } catch (Exception e) {
            return startFailed(e, err);
        }
        // The JIT compiles the DTLS handshake before the first burst of joins (docs/performance.md,
        // "DTLS warm-up"): before the ports open by default (about half a second of start-up),
        // -Djunction.warm-up=background beside the first joins, =false not at all (to measure without).
        String warmUp = System.getProperty("junction.warm-up", "before");
        var media = server.bridge().media();
        if ("before".equals(warmUp)) {
            io.junction.bridge.transport.dtls.DtlsWarmUp.runLogged(media.certificate(), media.dtlsExecutor(),
                    io.junction.bridge.transport.dtls.DtlsWarmUp.DEFAULT_HANDSHAKES);
        }
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            return startFailed(e, err);
        }
        printUrls(server, config);
        installSignalHandlers(server, config);
        if ("background".equals(warmUp)) {
            io.junction.bridge.transport.dtls.DtlsWarmUp.startInBackground(media.certificate(), media.dtlsExecutor(),
                    io.junction.bridge.transport.dtls.DtlsWarmUp.DEFAULT_HANDSHAKES);
        }
        return RUNNING;
    }

    /** A port another process holds is a configuration problem (exit 2); anything else exit 1. */
    private static int startFailed(Exception e, PrintStream err) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            boolean inUse = t instanceof io.junction.bridge.transport.ice.PortInUseException
                    || (t instanceof java.net.BindException && String.valueOf(t.getMessage()).contains("in use"));
            if (inUse) {
                err.println("junction: " + (t == e ? "" : e.getMessage() + ": ") + t.getMessage()
                        + " (another process, perhaps another Junction, holds it: stop it or configure another port)");
                LOG.error("start-up failed: port in use", e);
                return 2;
            }
        }
        err.println("junction: failed to start: " + e.getMessage());
        LOG.error("start-up failed", e);
        return 1;
    }

    /** What {@code --help} prints: options, the environment overrides and the ports. */
    static String usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                Junction %s: a WebRTC selective forwarding unit.

                usage: java -jar junction.jar [--config FILE]

                options
                  -c, --config FILE   HOCON configuration; only the keys you change (every key and its default:
                                      reference.conf in the jar, an example: config/junction.conf). Also
                                      -Dconfig.file=FILE. Without it the built-in defaults run a loopback demo.
                  -h, --help          this text
                  -V, --version       the version, then exit

                environment overrides (win over the file)
                """.formatted(io.junction.api.http.Version.VERSION));
        new java.util.TreeMap<>(io.junction.api.config.ConfigLoader.ENV_OVERRIDES)
                .forEach((env, key) -> sb.append(String.format("  %-22s %s%n", env, key)));
        sb.append("""

                ports (defaults)
                  tcp 8080   junction.http.port      public: demo page, WebSocket signaling, SDK, /health
                  tcp 8081   junction.admin.port     admin, 127.0.0.1: REST API, /metrics, /v1/stats, /dashboard
                  udp 10000  junction.media.port     media for every endpoint (ICE, DTLS, SRTP); open it to clients
                  tcp 4443   junction.media.tcp-port ICE-TCP for clients whose network blocks UDP (0: off)

                exit codes: 0 after SIGTERM/SIGINT (calls drain first, shutdown.grace-period), 1 when start-up
                fails, 2 on a configuration error, a port in use or a bad argument.
                """);
        return sb.toString();
    }

    private static void printUrls(JunctionServer server, JunctionConfig config) {
        String pubHost = config.http().host().equals("0.0.0.0") ? "localhost" : config.http().host();
        System.out.println("Junction " + io.junction.api.http.Version.VERSION + " is running");
        System.out.println("  demo page   http://" + pubHost + ":" + server.publicPort() + "/");
        System.out.println("  health      http://" + pubHost + ":" + server.publicPort() + "/health");
        System.out.println("  admin API   http://" + config.admin().host() + ":" + server.adminPort() + "/v1/conferences");
        System.out.println("  metrics     http://" + config.admin().host() + ":" + server.adminPort() + "/metrics");
        System.out.println("  dashboard   http://" + config.admin().host() + ":" + server.adminPort() + "/dashboard");
        var mediaPort = server.bridge().media().port();
        StringBuilder advertised = new StringBuilder();
        for (var c : mediaPort.candidates()) {
            advertised.append(advertised.length() == 0 ? "" : ", ").append(c.tcp() ? "tcp " : "").append(c.address())
                    .append(c.type().equals("host") ? "" : " (" + c.type() + ")");
        }
        System.out.println("  media       udp/" + server.bridge().mediaPort()
                + (mediaPort.tcpPort() > 0 ? " tcp/" + mediaPort.tcpPort() : "") + " advertising " + advertised
                + (mediaPort.publicAddressSource().isEmpty() ? "" : "; " + mediaPort.publicAddressSource()));
        switch (config.demo().openRooms()) {
            case LOOPBACK -> System.out.println("  open rooms  on for clients on this machine only (demo.open-rooms = loopback)");
            case ON -> System.out.println("  WARNING     open rooms are on for anyone who reaches port " + server.publicPort()
                    + ": they can create conferences and join them without a token (demo.open-rooms = true)");
            case OFF -> System.out.println("  open rooms  off: endpoints come from the admin API");
        }
        if (config.admin().apiKey().isEmpty()) {
            System.out.println("  admin key   none: the admin API answers anyone on this machine (set admin.api-key)");
        }
        System.out.flush();
    }

    /**
     * SIGTERM/SIGINT drain the bridge: /health turns 503 and no new conference or endpoint is
     * accepted, while the calls running go on until their last endpoint leaves or
     * {@code shutdown.grace-period} passes; then the endpoints left are told ({@code bye shutdown})
     * and the process exits 0. A second signal skips the rest of the wait.
     */
    private static void installSignalHandlers(JunctionServer server, JunctionConfig config) {
        java.util.concurrent.CountDownLatch hurry = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable shutdown = () -> {
            long graceMs = config.shutdownGracePeriod().toMillis();
            server.drain();
            var bridge = server.bridge();
            LOG.info("shutdown requested: draining; {} endpoints in {} conferences may go on for up to {} s "
                    + "(a second signal stops at once)", bridge.endpointCount(), bridge.conferenceCount(), graceMs / 1000);
            long deadline = System.nanoTime() + graceMs * 1_000_000L;
            try {
                while (bridge.endpointCount() > 0 && System.nanoTime() < deadline
                        && !hurry.await(Math.min(200, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
                        java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    // calls go on
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (bridge.endpointCount() > 0) {
                LOG.info("drain over: disconnecting {} endpoints", bridge.endpointCount());
            } else {
                LOG.info("drain over: no endpoints left");
            }
            Thread stopper = new Thread(server::stop, "shutdown");
            stopper.setDaemon(false);
            stopper.start();
            try {
                stopper.join(STOP_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (stopper.isAlive()) {
                LOG.warn("stop took longer than {} ms; exiting with work still running", STOP_TIMEOUT_MS);
            }
            LOG.info("junction stopped");
            System.exit(0);
        };
        for (String sig : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(sig), s -> {
                if (!started.compareAndSet(false, true)) {
                    hurry.countDown();
                    return;
                }
                // Non-daemon: threads made here would inherit the signal dispatcher's daemon flag, and the
                // JVM would exit on its own as soon as Jetty's threads stop, before the drain finishes.
                Thread t = new Thread(shutdown, "signal-" + sig);
                t.setDaemon(false);
                t.start();
            });
        }
    }

    /** After the drain: how long telling the endpoints and closing the servers may take. */
    private static final long STOP_TIMEOUT_MS = 5000;
}
