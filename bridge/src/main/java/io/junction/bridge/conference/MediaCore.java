package io.junction.bridge.conference;

import io.junction.bridge.BridgeConfig;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.dtls.DtlsCertificate;
import io.junction.bridge.transport.ice.MediaPort;
import io.junction.bridge.worker.PacketPool;
import io.junction.bridge.worker.PacketWorkers;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bridge-wide media resources: the shared UDP port, the packet workers and buffer pool, the DTLS
 * certificate, the threads that run DTLS handshakes, and the media counters.
 */
public final class MediaCore implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MediaCore.class);
    private final BridgeConfig config;
    private final MediaPort port;
    private final PacketPool pool;
    private final PacketWorkers workers;
    /** Replaced every {@link #CERTIFICATE_ROTATION}; a transport keeps the one it started with. */
    private volatile DtlsCertificate certificate;
    static final java.time.Duration CERTIFICATE_ROTATION = java.time.Duration.ofDays(1);
    private final ExecutorService dtlsExecutor;
    private final MediaCounters counters = new MediaCounters();
    private volatile io.junction.bridge.stats.PacketTap tap;
    private final io.junction.bridge.pipeline.PathContext pathContext;
    /** Control-plane timer and event thread of the media core (forwarding ticks, speaker events). */
    private final java.util.concurrent.ScheduledExecutorService control =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "media-control");
                t.setDaemon(true);
                return t;
            });

    public MediaCore(BridgeConfig config) throws IOException {
        this.config = config;
        // Choose the AES implementation and pay jitsi-srtp's one-time set-up (it benchmarks its
        // cipher factories on first use: about 0.3 s) now, not on a packet worker at the first call.
        io.junction.bridge.transport.srtp.SrtpSession.selectCipherFactory(config.srtpCrypto().name().toLowerCase());
        io.junction.bridge.transport.srtp.SrtpSession.warmUp();
        this.port = new MediaPort(config, counters);
        this.pool = new PacketPool(16384, 1024);
        this.workers = new PacketWorkers(Math.max(1, config.packetWorkers()), pool);
        // -Djunction.send-batch=false: one sendto per datagram (for comparing; docs/performance.md)
        if (port.sendsNatively() && Boolean.parseBoolean(System.getProperty("junction.send-batch", "true"))) {
            workers.all().forEach(w -> io.junction.bridge.transport.ice.SendBatch.install(w, counters));
        }
        port.readOn(workers.all());
        this.certificate = DtlsCertificate.generate();
        // Certificates are valid for 30 days; a bridge that runs for months must never offer an
        // expired one. New endpoints get the new certificate; connected ones keep theirs.
        control.scheduleAtFixedRate(this::rotateCertificate, CERTIFICATE_ROTATION.toMillis(),
                CERTIFICATE_ROTATION.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        this.pathContext = new io.junction.bridge.pipeline.PathContext(pool, counters, config, control, this::tap);
        AtomicInteger n = new AtomicInteger();
        this.dtlsExecutor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dtls-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public BridgeConfig config() {
        return config;
    }

    public MediaPort port() {
        return port;
    }

    public PacketPool pool() {
        return pool;
    }

    public PacketWorkers workers() {
        return workers;
    }

    public DtlsCertificate certificate() {
        return certificate;
    }

    /** Replaces the DTLS certificate for endpoints created from now on (run daily on the control thread). */
    public void rotateCertificate() {
        try {
            DtlsCertificate next = DtlsCertificate.generate();
            certificate = next;
            LOG.info("dtls certificate rotated: fingerprint sha-256 {} valid until {}", next.fingerprintSha256(), next.notAfter());
        } catch (RuntimeException e) {
            LOG.warn("dtls certificate rotation failed; keeping the current one (valid until {})", certificate.notAfter(), e);
        }
    }

    public ExecutorService dtlsExecutor() {
        return dtlsExecutor;
    }

    /** Installs (or clears, with null) an observer of decrypted received packets. */
    public void setTap(io.junction.bridge.stats.PacketTap tap) {
        this.tap = tap;
    }

    io.junction.bridge.stats.PacketTap tap() {
        return tap;
    }

    /** The media core's control thread: timers and events that must not run on a packet worker. */
    public java.util.concurrent.ScheduledExecutorService control() {
        return control;
    }

    public MediaCounters counters() {
        return counters;
    }

    /** What every endpoint's packet path shares. */
    io.junction.bridge.pipeline.PathContext pathContext() {
        return pathContext;
    }

    /** What every endpoint's transport shares. */
    io.junction.bridge.transport.EndpointTransport.Resources transportResources() {
        return new io.junction.bridge.transport.EndpointTransport.Resources(certificate, config.dtlsHandshakeTimeout(),
                dtlsExecutor, pool, counters);
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // workers first: the port's send sockets must not close under a worker's send
        workers.close();
        dtlsExecutor.shutdownNow();
        port.close();
        control.shutdownNow();
    }
}
