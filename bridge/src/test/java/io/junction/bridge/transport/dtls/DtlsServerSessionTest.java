package io.junction.bridge.transport.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.transport.srtp.SrtpProfile;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.UDPTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The DTLS server against a BouncyCastle DTLS client over real UDP sockets on 127.0.0.1. */
class DtlsServerSessionTest {
    private static final DtlsCertificate SERVER_CERT = DtlsCertificate.generate();
    private static final DtlsCertificate CLIENT_CERT = DtlsCertificate.generate();

    private DatagramSocket serverSocket;
    private DatagramSocket clientSocket;
    private ExecutorService executor;
    private Thread pump;

    /** Outcome reported by the server's listener. */
    static final class Outcome implements DtlsServerSession.Listener {
        final CompletableFuture<Object[]> result = new CompletableFuture<>();

        @Override
        public void onConnected(SrtpProfile profile, byte[] keyingMaterial) {
            result.complete(new Object[] {profile, keyingMaterial});
        }

        @Override
        public void onFailed(DtlsServerSession.FailureReason reason, String detail) {
            result.complete(new Object[] {reason, detail});
        }
    }

    @BeforeEach
    void sockets() throws Exception {
        serverSocket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        clientSocket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        clientSocket.connect(serverSocket.getLocalSocketAddress());
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void close() throws Exception {
        serverSocket.close();
        clientSocket.close();
        if (pump != null) {
            pump.join(2000);
        }
        executor.shutdownNow();
    }

    private DtlsServerSession server(String expectedFingerprint, Duration timeout, Outcome outcome) {
        DtlsServerSession s = new DtlsServerSession(SERVER_CERT, expectedFingerprint, timeout, executor,
                (buf, off, len) -> {
                    try {
                        serverSocket.send(new DatagramPacket(buf, off, len, clientSocket.getLocalSocketAddress()));
                    } catch (IOException ignored) {
                        // socket closed at the end of the test
                    }
                }, outcome);
        pump = new Thread(() -> {
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            while (!serverSocket.isClosed()) {
                try {
                    serverSocket.receive(p);
                    s.onDatagram(p.getData(), p.getOffset(), p.getLength());
                } catch (IOException e) {
                    return;
                }
            }
        });
        pump.start();
        s.start();
        return s;
    }

    /** {@code real}, but only the datagrams whose 1-based send count {@code keep} accepts are sent. */
    private static DatagramTransport sendingOnly(DatagramTransport real, java.util.function.IntPredicate keep) {
        AtomicInteger sent = new AtomicInteger();
        return new DatagramTransport() {
            @Override
            public int getReceiveLimit() throws IOException {
                return real.getReceiveLimit();
            }

            @Override
            public int getSendLimit() throws IOException {
                return real.getSendLimit();
            }

            @Override
            public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
                return real.receive(buf, off, len, waitMillis);
            }

            @Override
            public void send(byte[] buf, int off, int len) throws IOException {
                if (keep.test(sent.incrementAndGet())) {
                    real.send(buf, off, len);
                }
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        };
    }

    private CompletableFuture<DtlsClient> connect(DtlsClient client, DatagramTransport transport) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                new DTLSClientProtocol().connect(client, transport);
                return client;
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, executor);
    }

    @Test
    void handshakeAgreesOnGcmKeysWhenOffered() throws Exception {
        Outcome outcome = new Outcome();
        server(CLIENT_CERT.fingerprintSha256().toLowerCase(), Duration.ofSeconds(10), outcome);
        DtlsClient client = connect(new DtlsClient(CLIENT_CERT, SrtpProfile.AES128_CM_HMAC_SHA1_80,
                SrtpProfile.AEAD_AES_128_GCM), new UDPTransport(clientSocket, 1500)).get(10, TimeUnit.SECONDS);
        Object[] r = outcome.result.get(10, TimeUnit.SECONDS);
        assertEquals(SrtpProfile.AEAD_AES_128_GCM, r[0], "the server prefers GCM whatever the client's order");
        assertEquals(56, ((byte[]) r[1]).length);
        assertArrayEquals(client.keyingMaterial(), (byte[]) r[1]);
        assertEquals(SERVER_CERT.fingerprintSha256(), client.serverFingerprint());
    }

    @Test
    void handshakeFallsBackToCmHmacSha1() throws Exception {
        Outcome outcome = new Outcome();
        server(CLIENT_CERT.fingerprintSha256(), Duration.ofSeconds(10), outcome);
        DtlsClient client = connect(new DtlsClient(CLIENT_CERT, SrtpProfile.AES128_CM_HMAC_SHA1_80),
                new UDPTransport(clientSocket, 1500)).get(10, TimeUnit.SECONDS);
        Object[] r = outcome.result.get(10, TimeUnit.SECONDS);
        assertEquals(SrtpProfile.AES128_CM_HMAC_SHA1_80, r[0]);
        assertEquals(60, ((byte[]) r[1]).length);
        assertArrayEquals(client.keyingMaterial(), (byte[]) r[1]);
    }

    @Test
    void wrongFingerprintFailsTheHandshake() throws Exception {
        Outcome outcome = new Outcome();
        server(SERVER_CERT.fingerprintSha256(), Duration.ofSeconds(10), outcome);
        var attempt = connect(new DtlsClient(CLIENT_CERT, SrtpProfile.AEAD_AES_128_GCM),
                new UDPTransport(clientSocket, 1500));
        Object[] r = outcome.result.get(10, TimeUnit.SECONDS);
        assertEquals(DtlsServerSession.FailureReason.FINGERPRINT_MISMATCH, r[0]);
        assertThrows(Exception.class, () -> attempt.get(10, TimeUnit.SECONDS), "the client sees an alert");
    }

    @Test
    void silentClientTimesOut() throws Exception {
        Outcome outcome = new Outcome();
        long t0 = System.nanoTime();
        server(CLIENT_CERT.fingerprintSha256(), Duration.ofMillis(800), outcome);
        Object[] r = outcome.result.get(10, TimeUnit.SECONDS);
        assertEquals(DtlsServerSession.FailureReason.TIMEOUT, r[0]);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void aStalledHandshakeIsLoggedWithItsRecords() throws Exception {
        Outcome outcome = new Outcome();
        server(CLIENT_CERT.fingerprintSha256(), Duration.ofMillis(1500), outcome);
        // The ClientHello goes out, then nothing.
        DatagramTransport firstFlightOnly = sendingOnly(new UDPTransport(clientSocket, 1500), n -> n == 1);
        connect(new DtlsClient(CLIENT_CERT, SrtpProfile.AEAD_AES_128_GCM), firstFlightOnly);
        Object[] r = outcome.result.get(10, TimeUnit.SECONDS);
        assertEquals(DtlsServerSession.FailureReason.TIMEOUT, r[0]);
        String detail = (String) r[1];
        assertTrue(detail.contains("<22/0/1"), "the ClientHello is in the log: " + detail);
        assertTrue(detail.contains(">22/0/2"), "and the ServerHello the bridge answered with: " + detail);
    }

    @Test
    void garbageRecordsDoNotBreakTheServer() throws Exception {
        Outcome outcome = new Outcome();
        DtlsServerSession s = server(CLIENT_CERT.fingerprintSha256(), Duration.ofSeconds(10), outcome);
        Random r = new Random(1);
        for (int i = 0; i < 50; i++) {
            byte[] junk = new byte[1 + r.nextInt(300)];
            r.nextBytes(junk);
            junk[0] = 22; // handshake content type
            s.onDatagram(junk, 0, junk.length);
        }
        DtlsClient client = connect(new DtlsClient(CLIENT_CERT, SrtpProfile.AEAD_AES_128_GCM),
                new UDPTransport(clientSocket, 1500)).get(15, TimeUnit.SECONDS);
        Object[] result = outcome.result.get(15, TimeUnit.SECONDS);
        assertEquals(SrtpProfile.AEAD_AES_128_GCM, result[0], "the handshake still completes: " + result[0]);
        assertArrayEquals(client.keyingMaterial(), (byte[]) result[1]);
    }

    @Test
    void lostFlightsAreRetransmitted() throws Exception {
        Outcome outcome = new Outcome();
        server(CLIENT_CERT.fingerprintSha256(), Duration.ofSeconds(20), outcome);
        // Drop the first ClientHello and a record of the second flight.
        DatagramTransport lossy = sendingOnly(new UDPTransport(clientSocket, 1500), n -> n != 1 && n != 3);
        DtlsClient client = connect(new DtlsClient(CLIENT_CERT, SrtpProfile.AEAD_AES_128_GCM), lossy)
                .get(20, TimeUnit.SECONDS);
        Object[] r = outcome.result.get(20, TimeUnit.SECONDS);
        assertEquals(SrtpProfile.AEAD_AES_128_GCM, r[0]);
        assertArrayEquals(client.keyingMaterial(), (byte[]) r[1]);
    }

    @Test
    void fingerprintFormat() {
        assertTrue(SERVER_CERT.fingerprintSha256().matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"));
    }
}
