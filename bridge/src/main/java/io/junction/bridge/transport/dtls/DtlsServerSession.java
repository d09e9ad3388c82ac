package io.junction.bridge.transport.dtls;

import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.transport.srtp.SrtpProfile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Hashtable;
import java.util.Vector;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsTimeoutException;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DTLS 1.2 server of one endpoint (RFC 6347, DTLS-SRTP RFC 5764). Not tied to sockets: the packet
 * demultiplexer pushes records in with {@link #onDatagram} (copied to a bounded queue), records go
 * out through a {@link Sender}. The blocking BouncyCastle handshake runs on an executor thread,
 * never on a packet thread.
 *
 * <p>The client's certificate must match the {@code a=fingerprint} of its answer, else the handshake
 * fails with {@code bad_certificate}. Keys come from the exporter {@code EXTRACTOR-dtls_srtp}, which
 * BouncyCastle allows only with extended_master_secret (RFC 7627): the server requires it.
 */
public final class DtlsServerSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DtlsServerSession.class);
    private static final int RECEIVE_LIMIT = 1472;
    private static final int SEND_LIMIT = 1400;
    /**
     * After the handshake the server keeps reading DTLS, so that a client whose copy of the server's
     * last flight was lost, and who therefore repeats its own, gets that flight again. It stops when
     * the client is known to be done ({@link #clientFinished}: its first SRTP) or after the handshake
     * timeout. It used to stop after 5 s: a client that lost the last flight and then one
     * retransmission (its timer doubles from 1 s) never finished (DtlsBurstTest, 10 % loss).
     */
    private volatile boolean clientFinished;

    /** Outgoing datagrams. */
    @FunctionalInterface
    public interface Sender {
        void send(byte[] buf, int off, int len);
    }

    /** Why a handshake failed. */
    public enum FailureReason { FINGERPRINT_MISMATCH, TIMEOUT, PROTOCOL_ERROR, CLOSED }

    /** Handshake outcome; called on the DTLS thread. */
    public interface Listener {
        void onConnected(SrtpProfile profile, byte[] keyingMaterial);

        void onFailed(FailureReason reason, String detail);
    }

    private final DtlsCertificate certificate;
    private final String expectedFingerprint;
    private final Duration handshakeTimeout;
    private final ExecutorService executor;
    private final Sender sender;
    private final Listener listener;
    private final ArrayBlockingQueue<byte[]> inbound = new ArrayBlockingQueue<>(64);
    private volatile boolean closed;
    private volatile boolean handshakeDone;
    private volatile boolean acceptingRecords = true;
    private volatile DTLSTransport dtlsTransport;
    private volatile Thread thread;
    /** The client's side of the handshake instead (a bridge-to-bridge relay: the receiving bridge connects). */
    private volatile boolean clientRole;

    public DtlsServerSession(DtlsCertificate certificate, String expectedFingerprintSha256, Duration handshakeTimeout,
                             ExecutorService executor, Sender sender, Listener listener) {
        this.certificate = certificate;
        this.expectedFingerprint = expectedFingerprintSha256;
        this.handshakeTimeout = handshakeTimeout;
        this.executor = executor;
        this.sender = sender;
        this.listener = listener;
    }

    public void start() {
        executor.execute(this::run);
    }

    /**
     * Starts the client's side of the handshake instead (a bridge connecting to another bridge's
     * relay endpoint, RFC 5763 {@code setup:active}): the server's certificate must match the expected
     * fingerprint. The same queue, sender, timeout and listener as the server.
     */
    public void startClient() {
        clientRole = true;
        executor.execute(this::runClient);
    }

    private void runClient() {
        thread = Thread.currentThread();
        QueueTransport transport = new QueueTransport();
        DtlsClient client = new DtlsClient(certificate, SrtpProfile.AEAD_AES_128_GCM, SrtpProfile.AES128_CM_HMAC_SHA1_80);
        try {
            DTLSTransport dtls = new org.bouncycastle.tls.DTLSClientProtocol().connect(client, transport);
            dtlsTransport = dtls;
            handshakeDone = true;
            if (client.serverFingerprint() == null || !client.serverFingerprint().equalsIgnoreCase(expectedFingerprint)) {
                listener.onFailed(FailureReason.FINGERPRINT_MISMATCH, "server certificate does not match the fingerprint");
                return;
            }
            listener.onConnected(SrtpProfile.byId(client.negotiatedProfile()), client.keyingMaterial());
        } catch (InterruptedIOException | TlsTimeoutException e) {
            listener.onFailed(closed ? FailureReason.CLOSED : FailureReason.TIMEOUT, "handshake timed out; records "
                    + trace());
        } catch (IOException | RuntimeException e) {
            listener.onFailed(closed ? FailureReason.CLOSED : FailureReason.PROTOCOL_ERROR, String.valueOf(e));
        } finally {
            acceptingRecords = false;
            inbound.clear();
            thread = null;
        }
    }

    /**
     * Queues a received DTLS record (copied). Returns false when the record was dropped: the queue is
     * full or the session no longer reads DTLS.
     */
    public boolean onDatagram(byte[] buf, int off, int len) {
        if (closed || !acceptingRecords || len > RECEIVE_LIMIT) {
            return false;
        }
        trace('<', buf, off, len);
        byte[] copy = new byte[len];
        System.arraycopy(buf, off, copy, 0, len);
        return inbound.offer(copy);
    }

    /**
     * The first records of the handshake, both ways, as "direction content-type/epoch/handshake-type"
     * (e.g. {@code <22/0/1} for a received ClientHello), for the log when a handshake fails.
     */
    private final StringBuffer trace = new StringBuffer();
    private int traced;

    private void trace(char dir, byte[] buf, int off, int len) {
        if (handshakeDone || traced >= 120 || len < 13) {
            return;
        }
        traced++;
        int ct = buf[off] & 0xFF;
        int epoch = ((buf[off + 3] & 0xFF) << 8) | (buf[off + 4] & 0xFF);
        trace.append(dir).append(ct).append('/').append(epoch);
        if (ct == 22 && epoch == 0 && len > 13) {
            trace.append('/').append(buf[off + 13] & 0xFF);
        }
        trace.append(' ');
    }

    /** What {@link #trace} saw; empty when the handshake went through. */
    public String trace() {
        return trace.toString().trim();
    }

    public boolean isHandshakeDone() {
        return handshakeDone;
    }

    private void run() {
        thread = Thread.currentThread();
        BcTlsCrypto crypto = new BcTlsCrypto(new SecureRandom());
        Server server = new Server(crypto);
        DTLSServerProtocol protocol = new DTLSServerProtocol();
        protocol.setVerifyRequests(false);
        QueueTransport transport = new QueueTransport();
        try {
            DTLSTransport dtls = protocol.accept(server, transport);
            dtlsTransport = dtls;
            handshakeDone = true;
            if (server.profile == null || server.keyingMaterial == null) {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, "no SRTP keys");
            }
            listener.onConnected(server.profile, server.keyingMaterial);
            linger(dtls);
        } catch (FingerprintMismatch e) {
            listener.onFailed(FailureReason.FINGERPRINT_MISMATCH, e.getMessage());
        } catch (TlsFatalAlert e) {
            if (server.fingerprintMismatch) {
                listener.onFailed(FailureReason.FINGERPRINT_MISMATCH, "client certificate does not match the fingerprint");
            } else {
                listener.onFailed(closed ? FailureReason.CLOSED : FailureReason.PROTOCOL_ERROR, String.valueOf(e.getMessage()));
            }
        } catch (InterruptedIOException | TlsTimeoutException e) {
            listener.onFailed(closed ? FailureReason.CLOSED : FailureReason.TIMEOUT, "handshake timed out; records "
                    + trace());
        } catch (IOException | RuntimeException e) {
            if (server.fingerprintMismatch) {
                listener.onFailed(FailureReason.FINGERPRINT_MISMATCH, "client certificate does not match the fingerprint");
            } else {
                listener.onFailed(closed ? FailureReason.CLOSED : FailureReason.PROTOCOL_ERROR, String.valueOf(e));
            }
        } finally {
            acceptingRecords = false;
            inbound.clear();
            thread = null;
        }
    }

    /** The client is done with the handshake (it sends SRTP): no need to keep answering its flights. */
    public void clientFinished() {
        clientFinished = true;
    }

    /** Keeps reading so BouncyCastle can resend its last flight if the client repeats its own (see {@link #clientFinished}). */
    private void linger(DTLSTransport dtls) {
        long until = System.currentTimeMillis() + handshakeTimeout.toMillis();
        byte[] buf = new byte[RECEIVE_LIMIT];
        try {
            while (!closed && !clientFinished && System.currentTimeMillis() < until) {
                dtls.receive(buf, 0, buf.length, 200);
            }
        } catch (IOException e) {
            LOG.debug("dtls linger ended", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        DTLSTransport t = dtlsTransport;
        if (t != null) {
            try {
                t.close();
            } catch (IOException | RuntimeException ignored) {
                // best effort close_notify
            }
        }
        Thread th = thread;
        if (th != null) {
            th.interrupt();
        }
    }

    /** Thrown inside the handshake when the client certificate does not match. */
    private static final class FingerprintMismatch extends IOException {
        FingerprintMismatch(String message) {
            super(message);
        }
    }

    /** BouncyCastle's view of the queue and the sender. */
    private final class QueueTransport implements DatagramTransport {
        private final long deadlineMs = System.currentTimeMillis() + handshakeTimeout.toMillis();
        private final FlightOrder order = new FlightOrder();
        private final FlightPacker packer = new FlightPacker(SEND_LIMIT, (buf, off, len) -> {
            if (!closed) {
                sender.send(buf, off, len);
            }
        });

        @Override
        public int getReceiveLimit() {
            return RECEIVE_LIMIT;
        }

        @Override
        public int getSendLimit() {
            return SEND_LIMIT;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            if (closed) {
                throw new InterruptedIOException("closed");
            }
            packer.flush(); // BouncyCastle reads: the flight it wrote is complete
            if (!handshakeDone && System.currentTimeMillis() > deadlineMs) {
                throw new SocketTimeoutException("handshake timeout");
            }
            byte[] d;
            try {
                d = inbound.poll(waitMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
            if (d == null) {
                return -1;
            }
            int n = Math.min(d.length, len);
            System.arraycopy(d, 0, buf, off, n);
            if (handshakeDone || clientRole) {
                return n;
            }
            int kept = order.filter(buf, off, n);
            return kept > 0 ? kept : -1; // nothing left: as if nothing came (BouncyCastle checks its timers)
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            if (closed) {
                return;
            }
            trace('>', buf, off, len);
            if (handshakeDone) {
                packer.flush();
                sender.send(buf, off, len);
            } else {
                packer.add(buf, off, len);
            }
        }

        @Override
        public void close() {
            // the ICE transport outlives DTLS
        }
    }

    /**
     * Holds the client's ChangeCipherSpec back until its CertificateVerify has reached BouncyCastle.
     *
     * <p>BouncyCastle's record layer switches to reading epoch 1 on a ChangeCipherSpec as soon as it
     * has the keys (right after the ClientKeyExchange), and from then on drops every epoch-0 record
     * until the handshake is over. When the client's CertificateVerify is lost or arrives after the
     * ChangeCipherSpec (a client that sends its flight as one datagram per record, as BouncyCastle's
     * own client does, on a path that loses or reorders datagrams), every retransmission of it is
     * dropped too: both sides retransmit until the handshake times out (the stall of
     * {@code docs/performance.md}, reproduced by {@code DtlsBurstTest}). We always ask for a client
     * certificate, so a client always sends CertificateVerify before ChangeCipherSpec: a
     * ChangeCipherSpec before it is dropped here, and the client's next retransmission of the whole
     * flight brings both in order. Only during the handshake; records are spliced out in place.
     */
    static final class FlightOrder {
        private static final int HEADER = 13;
        private boolean certificateVerifySeen;

        /** Filters the datagram {@code buf[off, off+len)} in place; returns its new length (0: nothing left). */
        int filter(byte[] buf, int off, int len) {
            int read = off;
            int write = off;
            int end = off + len;
            while (read + HEADER <= end) {
                int type = buf[read] & 0xFF;
                int epoch = ByteIo.readU16(buf, read + 3);
                int length = ByteIo.readU16(buf, read + 11);
                int next = read + HEADER + length;
                if (next > end) {
                    break; // malformed: left to BouncyCastle, which drops it
                }
                boolean keep = true;
                if (epoch == 0 && type == 22 && length > 0 && (buf[read + HEADER] & 0xFF) == 15) {
                    certificateVerifySeen = true;
                } else if (epoch == 0 && type == 20 && !certificateVerifySeen) {
                    keep = false;
                }
                if (keep) {
                    if (write != read) {
                        System.arraycopy(buf, read, buf, write, next - read);
                    }
                    write += next - read;
                }
                read = next;
            }
            if (read < end) { // a truncated tail: keep it as it was
                System.arraycopy(buf, read, buf, write, end - read);
                write += end - read;
            }
            return write - off;
        }
    }

    /** The TLS server policy: DTLS 1.2, ECDHE-ECDSA, client certificate, use_srtp, EMS. */
    private final class Server extends DefaultTlsServer {
        volatile SrtpProfile profile;
        volatile byte[] keyingMaterial;
        volatile boolean fingerprintMismatch;
        private final BcTlsCrypto crypto;

        Server(BcTlsCrypto crypto) {
            super(crypto);
            this.crypto = crypto;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return new int[] {
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
            };
        }

        @Override
        public boolean requiresExtendedMasterSecret() {
            return true;
        }

        /**
         * First retransmission of a flight after 200 ms (doubling from there) instead of RFC 6347's 1 s:
         * a lost flight on a fresh path would otherwise add a second to every join. Chromium starts
         * from a similar value.
         */
        @Override
        public int getHandshakeResendTimeMillis() {
            return 200;
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return (int) Math.min(Integer.MAX_VALUE, handshakeTimeout.toMillis());
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
            TlsCertificate cert = crypto.createCertificate(certificate.derNoCopy());
            return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto,
                    certificate.privateKey(), new Certificate(new TlsCertificate[] {cert}),
                    new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
        }

        @Override
        public CertificateRequest getCertificateRequest() {
            Vector<SignatureAndHashAlgorithm> algorithms = new Vector<>();
            algorithms.add(new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
            algorithms.add(new SignatureAndHashAlgorithm(HashAlgorithm.sha384, SignatureAlgorithm.ecdsa));
            algorithms.add(new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.rsa));
            return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign},
                    algorithms, null);
        }

        @Override
        public void notifyClientCertificate(Certificate clientCertificate) throws IOException {
            if (clientCertificate == null || clientCertificate.isEmpty()) {
                fingerprintMismatch = true;
                throw new TlsFatalAlert(AlertDescription.bad_certificate, "no client certificate");
            }
            String actual = DtlsCertificate.fingerprint(clientCertificate.getCertificateAt(0).getEncoded());
            if (!actual.equalsIgnoreCase(expectedFingerprint)) {
                fingerprintMismatch = true;
                throw new TlsFatalAlert(AlertDescription.bad_certificate, "client certificate fingerprint " + actual
                        + " does not match the answer's " + expectedFingerprint);
            }
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            UseSRTPData offered = TlsSRTPUtils.getUseSRTPExtension(clientExtensions);
            if (offered == null) {
                throw new TlsFatalAlert(AlertDescription.handshake_failure, "client did not offer use_srtp");
            }
            for (SrtpProfile candidate : SrtpProfile.values()) {
                for (int id : offered.getProtectionProfiles()) {
                    if (id == candidate.protectionProfileId()) {
                        profile = candidate;
                        return;
                    }
                }
            }
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "no common SRTP protection profile");
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Hashtable getServerExtensions() throws IOException {
            Hashtable ext = super.getServerExtensions();
            if (ext == null) {
                ext = new Hashtable();
            }
            TlsSRTPUtils.addUseSRTPExtension(ext, new UseSRTPData(new int[] {profile.protectionProfileId()},
                    TlsUtils.EMPTY_BYTES));
            return ext;
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            keyingMaterial = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, profile.keyingMaterialLength());
        }
    }
}
