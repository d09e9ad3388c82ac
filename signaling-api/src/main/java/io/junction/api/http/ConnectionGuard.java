package io.junction.api.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds HTTP connections to account, on both ports (added to each connector as an event listener,
 * which Jetty also hands to the WebSocket connections it upgrades to):
 * <ul>
 *   <li>one client address keeps at most {@code maxPerAddress} connections open (WebSockets
 *       included); the next one is closed as soon as it opens;</li>
 *   <li>a connection must have delivered its first request's headers within {@code requestTimeout},
 *       else it is closed: a client that trickles header bytes cannot hold it open (the idle
 *       timeout alone restarts with every byte).</li>
 * </ul>
 * Both count in {@code junction_http_connections_refused_total{reason}}. Connections are tracked by
 * their socket ({@link EndPoint}), which outlives the HTTP-to-WebSocket upgrade.
 */
public final class ConnectionGuard implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final int maxPerAddress;
    private final long requestTimeoutMs;
    private final ScheduledExecutorService timer;
    private final Map<EndPoint, InetAddress> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final Counter refusedPerAddress;
    private final Counter refusedSlow;

    public ConnectionGuard(int maxPerAddress, Duration requestTimeout, ScheduledExecutorService timer, MeterRegistry registry) {
        this.maxPerAddress = maxPerAddress;
        this.requestTimeoutMs = requestTimeout.toMillis();
        this.timer = timer;
        this.refusedPerAddress = Counter.builder("junction.http.connections.refused")
                .description("HTTP/WebSocket connections closed by the server's limits")
                .tag("reason", "per-address-limit").register(registry);
        this.refusedSlow = Counter.builder("junction.http.connections.refused")
                .description("HTTP/WebSocket connections closed by the server's limits")
                .tag("reason", "slow-request").register(registry);
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint ep = connection.getEndPoint();
        if (!(ep.getRemoteSocketAddress() instanceof InetSocketAddress remote)) {
            return;
        }
        InetAddress address = remote.getAddress();
        if (open.putIfAbsent(ep, address) == null) {
            int n = perAddress.merge(address, 1, Integer::sum);
            if (n > maxPerAddress) {
                // Jetty delivers a close event after the socket is closed: a client that reconnects the
                // moment the server closed it must not be refused for a connection that is already gone.
                releaseClosed(address);
                n = perAddress.getOrDefault(address, 0);
            }
            if (n > maxPerAddress) {
                refusedPerAddress.increment();
                LOG.debug("closing connection from {}: {} open (limit {})", address.getHostAddress(), n, maxPerAddress);
                ep.close();
                return;
            }
            timer.schedule(() -> {
                if (ep.isOpen() && connection.getMessagesIn() == 0 && ep.getConnection() == connection) {
                    refusedSlow.increment();
                    LOG.debug("closing connection from {}: no complete request after {} ms", address.getHostAddress(),
                            requestTimeoutMs);
                    ep.close();
                }
            }, requestTimeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        EndPoint ep = connection.getEndPoint();
        if (!ep.isOpen()) {
            release(ep);
        }
        // else: the HTTP connection was replaced by a WebSocket one on the same socket; still counted
    }

    private void release(EndPoint ep) {
        InetAddress address = open.remove(ep);
        if (address != null) {
            perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    private void releaseClosed(InetAddress address) {
        open.forEach((ep, a) -> {
            if (a.equals(address) && !ep.isOpen()) {
                release(ep);
            }
        });
    }

    /** Forgets sockets that closed without a final close event (run now and then). */
    public void sweep() {
        for (EndPoint ep : open.keySet()) {
            if (!ep.isOpen()) {
                release(ep);
            }
        }
    }
}
