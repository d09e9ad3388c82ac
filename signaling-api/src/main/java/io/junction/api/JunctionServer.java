package io.junction.api;

import io.junction.api.auth.JoinTokens;
import io.junction.api.config.JunctionConfig;
import io.junction.api.http.AdminHandler;
import io.junction.api.http.ApiException;
import io.junction.api.http.ConnectionGuard;
import io.junction.api.http.JsonErrorHandler;
import io.junction.api.http.Exchange;
import io.junction.api.http.PublicHandler;
import io.junction.bridge.conference.Bridge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import io.junction.api.signaling.SignalingSocket;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the bridge to its two HTTP servers (public and admin connectors on one Jetty server,
 * routed by connector) and to metrics and housekeeping. Embedded by {@link Main} and by tests.
 */
public final class JunctionServer {
    private static final Logger LOG = LoggerFactory.getLogger(JunctionServer.class);
    private static final String PUBLIC = "public";
    private static final String ADMIN = "admin";

    static {
        // ice4j and jitsi-srtp log through java.util.logging: route it to SLF4J so logback's levels apply.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    private final JunctionConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Bridge bridge;
    private final JoinTokens tokens;
    private final io.junction.api.auth.TurnCredentials turn;
    private final Server server;
    private final ServerConnector publicConnector;
    private final ServerConnector adminConnector;
    private final ScheduledExecutorService housekeeping;
    private final AdminHandler admin;
    private final ConnectionGuard connectionGuard;
    /** Membership in a cluster of bridges, null when this one runs alone. */
    private final io.junction.api.cluster.Cluster cluster;

    /** Builds everything; opens the media UDP port. HTTP ports open in {@link #start()}. */
    public JunctionServer(JunctionConfig config) throws java.io.IOException {
        this.config = config;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.bridge = new Bridge(config.bridge(), registry, Clock.systemUTC());
        this.tokens = new JoinTokens(config.signaling().tokenSecret(), config.signaling().tokenTtl(), Clock.systemUTC());
        this.turn = new io.junction.api.auth.TurnCredentials(config.turn(), Clock.systemUTC());

        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "housekeeping");
            t.setDaemon(true);
            return t;
        });
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("http");
        this.server = new Server(pool);
        // The admin port runs on threads of its own: nothing on the public port can starve it.
        QueuedThreadPool adminPool = new QueuedThreadPool(16, 2);
        adminPool.setName("http-admin");
        server.addBean(adminPool);
        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendXPoweredBy(false);
        this.connectionGuard = new ConnectionGuard(config.http().maxConnectionsPerAddress(), config.http().requestTimeout(),
                housekeeping, registry);
        this.publicConnector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        publicConnector.setName(PUBLIC);
        publicConnector.setHost(config.http().host());
        publicConnector.setPort(config.http().port());
        publicConnector.addEventListener(connectionGuard);
        this.adminConnector = new ServerConnector(server, adminPool, null, null, -1, -1, new HttpConnectionFactory(httpConfig));
        adminConnector.setName(ADMIN);
        adminConnector.setHost(config.admin().host());
        adminConnector.setPort(config.admin().port());
        adminConnector.addEventListener(connectionGuard);
        server.addConnector(publicConnector);
        server.addConnector(adminConnector);

        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(Math.min(3000, config.shutdownGracePeriod().toMillis())); // after the drain: see Main

        this.cluster = config.cluster().enabled()
                ? new io.junction.api.cluster.Cluster(config.cluster(), bridge, this::clusterPublicUrl, this::clusterAdminUrl)
                : null;
        if (cluster != null) {
            java.util.concurrent.ExecutorService relayExecutor = java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "junction-relays");
                t.setDaemon(true);
                return t;
            });
            cluster.setRelays(new io.junction.api.cluster.Relays(cluster, bridge,
                    new io.junction.api.cluster.ClusterForwarder(cluster.id(), config.admin().apiKey()), relayExecutor));
            cluster.relays().bindMetrics(registry);
        }
        this.admin = new AdminHandler(bridge, tokens, registry, config, this::publicPort, cluster);
        if (cluster != null) {
            io.micrometer.core.instrument.Gauge.builder("junction.cluster.bridges", cluster, c -> c.memberCount())
                    .description("Bridges of the cluster (this one included) at the last heartbeat").register(registry);
            io.micrometer.core.instrument.Gauge.builder("junction.cluster.redis.up", cluster, c -> c.redisUp() ? 1 : 0)
                    .description("1 while the cluster's Redis answers, 0 when it does not (cross-bridge placement is off)")
                    .register(registry);
        }
        PublicHandler pub = new PublicHandler(bridge, tokens, turn, config, housekeeping, cluster);
        long requestTimeoutMs = config.http().requestTimeout().toMillis();
        Handler.Abstract root = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Exchange ex = new Exchange(request, response, callback);
                boolean isAdmin = ADMIN.equals(request.getConnectionMetaData().getConnector().getName());
                if (ex.hasBody()) {
                    ex.readBodyThen(() -> dispatch(ex, isAdmin, admin, pub), housekeeping, requestTimeoutMs);
                } else {
                    dispatch(ex, isAdmin, admin, pub);
                }
                return true;
            }
        };
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(1024 * 1024);
            container.setIdleTimeout(java.time.Duration.ofSeconds(60));
            container.addMapping("/v1/signaling", (req, resp, cb) -> {
                if (!PUBLIC.equals(req.getConnectionMetaData().getConnector().getName())) {
                    Response.writeError(req, resp, cb, 404);
                    return null;
                }
                String token = Request.extractQueryParameters(req).getValue("token");
                return new SignalingSocket(bridge, tokens, turn, config.signaling().reconnectGrace(), housekeeping, token);
            });
        });
        ws.setHandler(root);
        server.setHandler(ws);
    }

    private static void dispatch(Exchange ex, boolean isAdmin, AdminHandler admin, PublicHandler pub) {
        Request request = ex.request();
        try {
            if (isAdmin) {
                admin.handle(ex);
            } else {
                pub.handle(ex);
            }
        } catch (ApiException e) {
            if (!ex.isDone()) {
                ex.error(e);
            }
        } catch (RuntimeException e) {
            LOG.warn("request {} {} failed", request.getMethod(), Request.getPathInContext(request), e);
            if (!ex.isDone()) {
                ex.error(new ApiException(500, "internal", "internal error"));
            }
        }
    }

    public void start() throws Exception {
        server.start();
        housekeeping.scheduleWithFixedDelay(this::housekeep, 1, 1, TimeUnit.SECONDS);
        if (cluster != null) {
            cluster.start(housekeeping);
            cluster.relays().start(housekeeping);
        }
        LOG.info("junction started: public http://{}:{}/ admin http://{}:{}/", config.http().host(), publicPort(),
                config.admin().host(), adminPort());
    }

    private void housekeep() {
        try {
            bridge.sampleStats();
            admin.dashboard().record(System.currentTimeMillis());
            bridge.expireInactiveEndpoints(config.signaling().tokenTtl());
            bridge.expireIdleConferences();
            connectionGuard.sweep();
        } catch (RuntimeException e) {
            LOG.warn("housekeeping failed", e);
        }
    }

    public int publicPort() {
        return publicConnector.getLocalPort();
    }

    public int adminPort() {
        return adminConnector.getLocalPort();
    }

    public Bridge bridge() {
        return bridge;
    }

    /** This bridge's cluster membership, null when it runs alone. */
    public io.junction.api.cluster.Cluster cluster() {
        return cluster;
    }

    /** How clients reach this bridge's public server: cluster.public-url, http.public-base-url, or host and port. */
    private String clusterPublicUrl() {
        if (!config.cluster().publicUrl().isEmpty()) {
            return config.cluster().publicUrl();
        }
        if (!config.http().publicBaseUrl().isEmpty()) {
            return config.http().publicBaseUrl();
        }
        return "http://" + reachableHost(config.http().host()) + ":" + publicPort();
    }

    /** How the other bridges reach this one's admin API: cluster.admin-url, or host and port. */
    private String clusterAdminUrl() {
        if (!config.cluster().adminUrl().isEmpty()) {
            return config.cluster().adminUrl();
        }
        return "http://" + reachableHost(config.admin().host()) + ":" + adminPort();
    }

    /** A bound host as others may dial it: a wildcard address becomes the first advertised media address. */
    private String reachableHost(String host) {
        String h = host;
        if (h.equals("0.0.0.0") || h.equals("::") || h.equals("[::]")) {
            var candidates = bridge.media().port().candidates();
            h = candidates.isEmpty() ? "127.0.0.1" : candidates.get(0).address();
        }
        return h.indexOf(':') >= 0 && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    public JoinTokens tokens() {
        return tokens;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public JunctionConfig config() {
        return config;
    }

    /** Starts draining: /health turns 503, no new conferences or endpoints. */
    public void drain() {
        bridge.drain();
        if (cluster != null) {
            cluster.heartbeat(); // the others stop placing conferences here at once
        }
    }

    /**
     * Graceful stop: drain, disconnect every endpoint (clients are told), then stop the HTTP servers.
     * Bounded by the configured grace period.
     */
    public void stop() {
        admin.dashboard().stop();
        if (cluster != null) {
            cluster.relays().close();
            cluster.close(); // first: its conferences' claims are released while they still exist
        }
        bridge.shutdown();
        housekeeping.shutdownNow();
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("http server stop failed", e);
        }
        registry.close();
    }
}
