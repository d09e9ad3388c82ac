package io.junction.bridge.conference;

import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.dtls.DtlsServerSession;
import io.junction.bridge.transport.srtp.SrtpProfile;
import io.junction.bridge.transport.srtp.SrtpSession;
import io.junction.bridge.transport.ice.IceTransport;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketHandler;
import io.junction.bridge.worker.PacketWorker;
import java.io.IOException;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's secure transport: demultiplexes what ICE delivers (RFC 7983: DTLS 20..63,
 * SRTP/SRTCP 128..191), runs the DTLS server, and holds the SRTP session once keys are exported.
 */
final class EndpointTransport {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointTransport.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a transport failure is reported to the session. */
    interface FailureHandler {
        void failed(RemovalReason reason, String code, String message);
    }

    private final MediaCore core;
    private final Endpoint endpoint;
    private final IceTransport ice;
    private final PacketWorker worker;
    private final FailureHandler onFailed;
    private final MediaCounters counters;
    private final io.junction.bridge.stats.ConferenceCounters conferenceCounters;
    private final int rtcpSsrc = RANDOM.nextInt() | 1;
    private volatile DtlsServerSession dtls;
    private static final int MAX_DTLS_BEFORE_ICE = 32;
    /** DTLS datagrams written before ICE selected a pair (handshake only; guarded by itself). */
    private final java.util.List<byte[]> dtlsBeforeIce = new java.util.ArrayList<>();
    private volatile boolean closed;
    /** Runs on the worker right after the SRTP session is installed. */
    private volatile Runnable onKeysInstalled = () -> { };
    private volatile SrtpSession srtp;
    private volatile String srtpProfileName = "none";
    private volatile long lastReceivedNs;
    private volatile long startedNs;
    private String remoteUfrag;
    private String remoteFingerprint;

    EndpointTransport(MediaCore core, Endpoint endpoint, IceTransport ice, PacketWorker worker, FailureHandler onFailed) {
        this.core = core;
        this.endpoint = endpoint;
        this.ice = ice;
        this.worker = worker;
        this.onFailed = onFailed;
        this.counters = core.counters();
        this.conferenceCounters = endpoint.conference().mediaCounters();
    }

    String localUfrag() {
        return ice.localUfrag();
    }

    String localPassword() {
        return ice.localPassword();
    }

    String localFingerprint() {
        return core.certificate().fingerprintSha256();
    }

    int rtcpSsrc() {
        return rtcpSsrc;
    }

    /** The SRTP session, or null before DTLS completed. Read on the worker. */
    SrtpSession srtp() {
        return srtp;
    }

    boolean isSrtpReady() {
        return srtp != null;
    }

    String srtpProfileName() {
        return srtpProfileName;
    }

    long lastReceivedNs() {
        return lastReceivedNs;
    }

    long startedNs() {
        return startedNs;
    }

    /** Starts ICE checks and the DTLS server with the client's credentials from its first answer. */
    void start(String iceUfrag, String icePassword, String fingerprintSha256) {
        this.remoteUfrag = iceUfrag;
        this.remoteFingerprint = fingerprintSha256;
        this.startedNs = System.nanoTime();
        DtlsServerSession d = new DtlsServerSession(core.certificate(), fingerprintSha256,
                core.config().dtlsHandshakeTimeout(), core.dtlsExecutor(), this::sendDtls,
                new DtlsServerSession.Listener() {
                    @Override
                    public void onConnected(SrtpProfile profile, byte[] keyingMaterial) {
                        dtlsConnected(profile, keyingMaterial);
                    }

                    @Override
                    public void onFailed(DtlsServerSession.FailureReason reason, String detail) {
                        dtlsFailed(reason, detail);
                    }
                });
        this.dtls = d;
        d.start();
        ice.start(iceUfrag, icePassword);
    }

    /** A re-answer must keep ICE credentials and fingerprint (no ICE restart support). */
    void checkUnchanged(String iceUfrag, String fingerprintSha256) throws AnswerException {
        if (!iceUfrag.equals(remoteUfrag)) {
            throw new AnswerException("bad-sdp", "ICE restart is not supported (ice-ufrag changed)");
        }
        if (!fingerprintSha256.equalsIgnoreCase(remoteFingerprint)) {
            throw new AnswerException("bad-sdp", "the DTLS fingerprint changed");
        }
    }

    private void dtlsConnected(SrtpProfile profile, byte[] keyingMaterial) {
        SrtpSession session;
        try {
            session = new SrtpSession(profile, keyingMaterial, true);
        } catch (RuntimeException e) {
            LOG.warn("srtp setup failed endpoint={}", endpoint.id(), e);
            dtlsFailed(DtlsServerSession.FailureReason.PROTOCOL_ERROR, "srtp setup failed");
            return;
        }
        counters.dtlsSucceeded.increment();
        srtpProfileName = profile.name();
        LOG.info("dtls connected conference={} endpoint={} srtp={}", endpoint.conference().id(), endpoint.id(),
                profile);
        // Installed on the worker so the packet path sees it in order with the packets around it.
        worker.execute(() -> {
            srtp = session;
            onKeysInstalled.run();
        });
    }

    private void dtlsFailed(DtlsServerSession.FailureReason reason, String detail) {
        if (reason == DtlsServerSession.FailureReason.CLOSED) {
            return;
        }
        counters.dtlsFailed.increment();
        if (reason == DtlsServerSession.FailureReason.FINGERPRINT_MISMATCH) {
            counters.dtlsFingerprintMismatch.increment();
        }
        LOG.info("dtls failed conference={} endpoint={} reason={} detail={}", endpoint.conference().id(),
                endpoint.id(), reason, detail);
        onFailed.failed(RemovalReason.DTLS_FAILED, "dtls-failed", "DTLS handshake failed: " + reason.name().toLowerCase()
                .replace('_', ' '));
    }

    /**
     * DTLS from the bridge. The client may start its handshake as soon as its side of ICE works, a
     * moment before ice4j has selected the pair (it needs the nomination's response): what DTLS sends
     * meanwhile is held and flushed on selection, instead of failing and waiting for a retransmission.
     */
    private void sendDtls(byte[] buf, int off, int len) {
        synchronized (dtlsBeforeIce) {
            if (!ice.isConnected()) {
                if (dtlsBeforeIce.size() < MAX_DTLS_BEFORE_ICE) {
                    dtlsBeforeIce.add(java.util.Arrays.copyOfRange(buf, off, off + len));
                }
                return;
            }
        }
        send(buf, off, len);
    }

    /** ICE selected a pair: flush what DTLS wanted to send before. Called on ice4j's thread. */
    void iceConnected() {
        synchronized (dtlsBeforeIce) {
            for (byte[] d : dtlsBeforeIce) {
                send(d, 0, d.length);
            }
            dtlsBeforeIce.clear();
        }
    }

    /**
     * SRTCP-protects the {@code len} bytes of RTCP at {@code off} in place and sends them, counting
     * them in {@code stats} (packet worker only). Returns false when there are no keys yet or the
     * packet could not be protected or sent.
     */
    boolean sendRtcp(byte[] buf, int off, int len, io.junction.bridge.stats.EndpointStats stats) {
        SrtpSession s = srtp;
        int n = s == null ? -1 : s.protectRtcp(buf, off, len);
        if (n <= 0 || !send(buf, off, n)) {
            return false;
        }
        stats.rtcpPacketsOut++;
        stats.rtcpBytesOut += n;
        return true;
    }

    /** Sends one datagram on the selected ICE pair; false (and counted) on failure. Never blocks long. */
    boolean send(byte[] buf, int off, int len) {
        try {
            ice.send(buf, off, len);
            counters.packetsSent.increment();
            counters.bytesSent.add(len);
            return true;
        } catch (IOException e) {
            counters.sendErrors.increment();
            return false;
        }
    }

    /** On ice4j's listener thread: demultiplex and hand off; never blocks. */
    void onDatagram(byte[] buf, int off, int len, long receivedNs, PacketHandler rtpHandler) {
        lastReceivedNs = receivedNs;
        counters.packetsReceived.increment();
        counters.bytesReceived.add(len);
        if (len < 1) {
            counters.drop(DropReason.UNKNOWN_FIRST_BYTE);
            return;
        }
        int b = buf[off] & 0xFF;
        if (b >= 20 && b <= 63) {
            DtlsServerSession d = dtls;
            if (d == null) {
                counters.drop(DropReason.NOT_CONNECTED);
            } else if (!d.onDatagram(buf, off, len)) {
                counters.drop(DropReason.DTLS_AFTER_HANDSHAKE);
            }
        } else if (b >= 128 && b <= 191) {
            boolean rtp = !isRtcp(buf, off, len);
            if (rtp) { // "on the wire": counted before any check
                counters.rtpWireBytesIn.add(len);
                conferenceCounters.wireBytesIn.add(len);
                conferenceCounters.wirePacketsIn.increment();
            }
            if (len > Packet.MAX_DATAGRAM) {
                counters.dropDatagram(DropReason.RTP_MALFORMED, rtp, len);
                return;
            }
            Packet p = core.pool().take();
            p.copyFrom(buf, off, len);
            p.receivedNs = receivedNs;
            p.handler = rtpHandler;
            if (!worker.offer(p)) {
                counters.dropDatagram(DropReason.QUEUE_FULL, rtp, len);
            }
        } else {
            counters.drop(DropReason.UNKNOWN_FIRST_BYTE);
        }
    }

    /** RFC 5761 §4: RTCP packet types 192..223 occupy the second byte of an RTCP packet. */
    static boolean isRtcp(byte[] buf, int off, int len) {
        if (len < 2) {
            return false;
        }
        int pt = buf[off + 1] & 0xFF;
        return pt >= 192 && pt <= 223;
    }

    static DropReason srtpDropReason(int code) {
        if (code == SrtpSession.ERR_AUTH) {
            return DropReason.SRTP_AUTH_FAILED;
        }
        if (code == SrtpSession.ERR_REPLAY) {
            return DropReason.SRTP_REPLAY;
        }
        return DropReason.SRTP_INVALID;
    }

    void onKeysInstalled(Runnable r) {
        this.onKeysInstalled = r;
    }

    boolean isClosed() {
        return closed;
    }

    String selectedPair() {
        return ice.selectedPair();
    }

    void close() {
        closed = true;
        DtlsServerSession d = dtls;
        if (d != null) {
            d.close();
        }
    }
}
