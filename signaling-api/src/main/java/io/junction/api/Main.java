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
 * SIGTERM/SIGINT, 1 when start-up fails, 2 on a configuration error or bad arguments.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Parses arguments and configuration and starts the server; returns non-zero on failure. */
    static int run(String[] args, Map<String, String> env, PrintStream err) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        err.println("junction: --config needs a file path");
                        return 2;
                    }
                    configFile = Path.of(args[++i]);
                }
                case "--help", "-h" -> {
                    err.println("usage: junction [--config PATH]   (see config/junction.conf)");
                    return 2;
                }
                default -> {
                    err.println("junction: unknown argument '" + args[i] + "' (usage: junction [--config PATH])");
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
            err.println("junction: failed to start: " + e.getMessage());
            LOG.error("start-up failed", e);
            return 1;
        }
        try {
            server.start();
        } catch (Exception e) {
            err.println("junction: failed to start: " + e.getMessage());
            LOG.error("start-up failed", e);
            server.stop();
            return 1;
        }
        printUrls(server, config);
        installSignalHandlers(server, config);
        return 0;
    }

    private static void printUrls(JunctionServer server, JunctionConfig config) {
        String pubHost = config.http().host().equals("0.0.0.0") ? "localhost" : config.http().host();
        System.out.println("Junction " + io.junction.api.http.Version.VERSION + " is running");
        System.out.println("  demo page   http://" + pubHost + ":" + server.publicPort() + "/");
        System.out.println("  health      http://" + pubHost + ":" + server.publicPort() + "/health");
        System.out.println("  admin API   http://" + config.admin().host() + ":" + server.adminPort() + "/v1/conferences");
        System.out.println("  metrics     http://" + config.admin().host() + ":" + server.adminPort() + "/metrics");
        System.out.println("  media       udp/" + server.bridge().mediaPort());
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
