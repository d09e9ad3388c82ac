package io.junction.bridge.transport.dtls;

import io.junction.bridge.transport.srtp.SrtpProfile;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DatagramTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DTLS handshakes in process at start-up, between the bridge's own server session and a client, so
 * the JIT compiles BouncyCastle's handshake and elliptic-curve code before the first burst of joins
 * instead of during it (a fresh bridge took about 1 s per join in a burst of 40, a warm one 0.15 s:
 * docs/performance.md, "Where a join's time goes"). No socket: the two ends pass datagrams in memory.
 */
public final class DtlsWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(DtlsWarmUp.class);
    /** Handshakes at start-up. */
    public static final int DEFAULT_HANDSHAKES = 40;

    private DtlsWarmUp() {
    }

    /**
     * Runs {@code handshakes} handshakes one after the other (server on {@code executor}, as the
     * bridge runs it; client on the calling thread). Returns how many completed.
     */
    public static int run(DtlsCertificate serverCertificate, ExecutorService executor, int handshakes) {
        DtlsCertificate clientCertificate = DtlsCertificate.generate();
        int done = 0;
        for (int i = 0; i < handshakes; i++) {
            if (handshake(serverCertificate, clientCertificate, executor)) {
                done++;
            }
        }
        return done;
    }

    /** {@link #run}, then logs how many and how long; a failure is logged, never thrown (the bridge runs without). */
    public static void runLogged(DtlsCertificate serverCertificate, ExecutorService executor, int handshakes) {
        long t0 = System.nanoTime();
        try {
            int done = run(serverCertificate, executor, handshakes);
            LOG.info("DTLS warm-up: {} of {} handshakes in process in {} ms", done, handshakes,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.warn("DTLS warm-up failed (the bridge runs; its first joins compile the handshake)", e);
        }
    }

    /** Starts {@link #runLogged} on a low-priority daemon thread and returns at once. */
    public static void startInBackground(DtlsCertificate serverCertificate, ExecutorService executor, int handshakes) {
        Thread t = new Thread(() -> runLogged(serverCertificate, executor, handshakes), "dtls-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static boolean handshake(DtlsCertificate serverCertificate, DtlsCertificate clientCertificate,
                                     ExecutorService executor) {
        ArrayBlockingQueue<byte[]> toClient = new ArrayBlockingQueue<>(64);
        CompletableFuture<SrtpProfile> connected = new CompletableFuture<>();
        DtlsServerSession server = new DtlsServerSession(serverCertificate, clientCertificate.fingerprintSha256(),
                Duration.ofSeconds(10), executor, (buf, off, len) -> {
                    byte[] copy = new byte[len];
                    System.arraycopy(buf, off, copy, 0, len);
                    toClient.offer(copy);
                }, new DtlsServerSession.Listener() {
                    @Override
                    public void onConnected(SrtpProfile profile, byte[] keyingMaterial) {
                        connected.complete(profile);
                    }

                    @Override
                    public void onFailed(DtlsServerSession.FailureReason reason, String detail) {
                        connected.completeExceptionally(new IOException(reason + ": " + detail));
                    }
                });
        server.start();
        try {
            DatagramTransport transport = new DatagramTransport() {
                @Override
                public int getReceiveLimit() {
                    return 1500;
                }

                @Override
                public int getSendLimit() {
                    return 1400;
                }

                @Override
                public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
                    try {
                        byte[] d = toClient.poll(waitMillis, TimeUnit.MILLISECONDS);
                        if (d == null) {
                            return -1;
                        }
                        int n = Math.min(len, d.length);
                        System.arraycopy(d, 0, buf, off, n);
                        return n;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                }

                @Override
                public void send(byte[] buf, int off, int len) {
                    server.onDatagram(buf, off, len);
                }

                @Override
                public void close() {
                    // nothing to close
                }
            };
            new DTLSClientProtocol().connect(new DtlsClient(clientCertificate, SrtpProfile.AEAD_AES_128_GCM,
                    SrtpProfile.AES128_CM_HMAC_SHA1_80), transport);
            connected.get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            LOG.debug("DTLS warm-up handshake failed", e);
            return false;
        } finally {
            server.clientFinished();
            server.close();
        }
    }
}
