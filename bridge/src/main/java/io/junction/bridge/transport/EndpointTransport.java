package io.junction.bridge.transport;

import io.junction.bridge.stats.ConferenceCounters;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.stats.MediaCounters;
import io.junction.bridge.transport.dtls.DtlsCertificate;
import io.junction.bridge.transport.dtls.DtlsServerSession;
import io.junction.bridge.transport.srtp.SrtpProfile;
import io.junction.bridge.transport.srtp.SrtpSession;
import io.junction.bridge.transport.ice.IceTransport;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketHandler;
import io.junction.bridge.worker.PacketPool;
import io.junction.bridge.worker.PacketWorker;
import java.io.IOException;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's secure transport: demultiplexes what ICE delivers (RFC 7983: DTLS 20..63,
 * SRTP/SRTCP 128..191), runs the DTLS server, and holds the SRTP session once keys are exported.
 * SRTP/SRTCP datagrams are copied into pooled packets and queued to the endpoint's packet worker,
 * where the receive pipeline takes them.
 */
public final class EndpointTransport implements PacketTransport {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointTransport.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How a DTLS failure is reported to the session (a signaling error code and message). */
    public interface FailureHandler {
        void failed(String code, String message);
    }

    /** What a transport uses of the bridge: the DTLS identity and threads, the packet pool and counters. */
    public record Resources(DtlsCertificate certificate, java.time.Duration dtlsHandshakeTimeout,
                            java.util.concurrent.ExecutorService dtlsExecutor, PacketPool pool, MediaCounters counters) {}

    private final Resources resources;
    private final String logName;
    /** The ICE agent carrying this transport; replaced by an ICE restart (DTLS and SRTP go on). */
    private volatile IceTransport ice;
    /** An ICE restart was offered and its answer has not started the new agent yet. */
    private volatile boolean restarting;
    private final PacketWorker worker;
    private final FailureHandler onFailed;
    private final MediaCounters counters;
    private final ConferenceCounters conferenceCounters;
    private final int rtcpSsrc = RANDOM.nextInt() | 1;
    private volatile DtlsServerSession dtls;
    /** Set at the first SRTP/SRTCP datagram after the keys are in (ice4j threads; a race only calls clientFinished twice). */
    private boolean clientSentMedia;
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

    /**
     * @param logName "conference=… endpoint=…", for the log lines
     * @param conferenceCounters the conference's byte counters (wire bytes in are counted here)
     */
    public EndpointTransport(Resources resources, String logName, IceTransport ice, PacketWorker worker,
                             ConferenceCounters conferenceCounters, FailureHandler onFailed) {
        this.resources = resources;
        this.logName = logName;
        this.ice = ice;
        this.worker = worker;
        this.onFailed = onFailed;
        this.counters = resources.counters();
        this.conferenceCounters = conferenceCounters;
    }

    public String localUfrag() {
        return ice.localUfrag();
    }

    public String localPassword() {
        return ice.localPassword();
    }

    public String localFingerprint() {
        return resources.certificate().fingerprintSha256();
    }

    @Override
    public int rtcpSsrc() {
        return rtcpSsrc;
    }

    /** The SRTP session, or null before DTLS completed. Read on the worker. */
    @Override
    public SrtpSession srtp() {
        return srtp;
    }

    public String srtpProfileName() {
        return srtpProfileName;
    }

    public long lastReceivedNs() {
        return lastReceivedNs;
    }

    /** The endpoint showed it is alive at {@code receivedNs} without a datagram of its own (a verified consent check). */
    public void alive(long receivedNs) {
        lastReceivedNs = receivedNs;
    }

    public IceTransport ice() {
        return ice;
    }

    public boolean isRestarting() {
        return restarting;
    }

    /** Before {@link #startClient}: {@code next} carries this transport instead (the previous agent is closed). */
    public void useIce(IceTransport next) {
        IceTransport old = ice;
        ice = next;
        old.close();
    }

    /**
     * ICE restart, step 1: {@code next} (a new agent with new local credentials, which the next offer
     * carries) replaces the current one, which is closed. DTLS and SRTP are untouched.
     */
    public void replaceIce(IceTransport next) {
        IceTransport old = ice;
        ice = next;
        restarting = true;
        old.close();
    }

    /** ICE restart, step 2: the client's answer gave its new credentials; checks start. */
    public void restartWith(String iceUfrag, String icePassword) {
        this.remoteUfrag = iceUfrag;
        this.startedNs = System.nanoTime();
        restarting = false;
        ice.start(iceUfrag, icePassword);
    }

    public long startedNs() {
        return startedNs;
    }

    /** Starts ICE checks and the DTLS server with the client's credentials from its first answer. */
    public void start(String iceUfrag, String icePassword, String fingerprintSha256) {
        start(iceUfrag, icePassword, fingerprintSha256, false);
    }

    /**
     * As {@link #start}, but this side is the DTLS client ({@code setup:active}): a bridge that
     * connects to another bridge's relay endpoint. Its handshake begins once ICE selected a pair.
     */
    public void startClient(String iceUfrag, String icePassword, String fingerprintSha256) {
        start(iceUfrag, icePassword, fingerprintSha256, true);
    }

    private volatile boolean dtlsClient;

    private void start(String iceUfrag, String icePassword, String fingerprintSha256, boolean client) {
        this.remoteUfrag = iceUfrag;
        this.remoteFingerprint = fingerprintSha256;
        this.startedNs = System.nanoTime();
        this.dtlsClient = client;
        DtlsServerSession d = new DtlsServerSession(resources.certificate(), fingerprintSha256,
                resources.dtlsHandshakeTimeout(), resources.dtlsExecutor(), this::sendDtls,
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
        if (client) {
            d.startClient();
        } else {
            d.start();
        }
        ice.start(iceUfrag, icePassword);
    }

    /**
     * A re-answer must keep the DTLS fingerprint, and its ICE credentials unless the bridge offered an
     * ICE restart: returns what changed that may not, or null.
     */
    public String changedCredentials(String iceUfrag, String fingerprintSha256) {
        if (!iceUfrag.equals(remoteUfrag) && !restarting) {
            return "the ice-ufrag changed without an ICE restart (ask for one with iceRestart)";
        }
        if (!fingerprintSha256.equalsIgnoreCase(remoteFingerprint)) {
            return "the DTLS fingerprint changed";
        }
        return null;
    }

    private void dtlsConnected(SrtpProfile profile, byte[] keyingMaterial) {
        SrtpSession session;
        try {
            session = new SrtpSession(profile, keyingMaterial, !dtlsClient);
        } catch (RuntimeException e) {
            LOG.warn("srtp setup failed {}", logName, e);
            dtlsFailed(DtlsServerSession.FailureReason.PROTOCOL_ERROR, "srtp setup failed");
            return;
        }
        counters.dtlsSucceeded.increment();
        counters.connectTimes.accept(System.nanoTime() - startedNs);
        srtpProfileName = profile.name();
        LOG.info("dtls connected {} srtp={}", logName, profile);
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
        LOG.info("dtls failed {} reason={} detail={}", logName, reason, detail);
        onFailed.failed("dtls-failed", "DTLS handshake failed: " + reason.name().toLowerCase()
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
    public void iceConnected() {
        synchronized (dtlsBeforeIce) {
            for (byte[] d : dtlsBeforeIce) {
                send(d, 0, d.length);
            }
            dtlsBeforeIce.clear();
        }
    }

    /**
     * Sends one datagram on the selected ICE pair; false on failure, counted as a send error unless the
     * transport was closed (the endpoint left while a worker still had packets for it: nothing to
     * report). Never blocks long.
     */
    @Override
    public boolean send(byte[] buf, int off, int len) {
        IceTransport t = ice;
        try {
            t.send(buf, off, len);
            counters.packetsSent.increment();
            counters.bytesSent.add(len);
            return true;
        } catch (IOException e) {
            if (!t.isClosed()) {
                counters.sendErrors.increment();
            }
            return false;
        }
    }

    /** On ice4j's listener thread: demultiplex and hand off; never blocks. */
    public void onDatagram(byte[] buf, int off, int len, long receivedNs, PacketHandler rtpHandler) {
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
            if (!clientSentMedia && srtp != null) {
                // the client has keys, so it finished its DTLS handshake: the server may stop lingering
                clientSentMedia = true;
                DtlsServerSession d = dtls;
                if (d != null) {
                    d.clientFinished();
                }
            }
            boolean rtp = !PacketTransport.isRtcp(buf, off, len);
            if (rtp) { // "on the wire": counted before any check
                counters.rtpWireBytesIn.add(len);
                conferenceCounters.wireBytesIn.add(len);
                conferenceCounters.wirePacketsIn.increment();
            }
            if (len > Packet.MAX_DATAGRAM) {
                counters.dropDatagram(DropReason.RTP_MALFORMED, rtp, len);
                return;
            }
            Packet p = resources.pool().take();
            p.copyFrom(buf, off, len);
            p.receivedNs = receivedNs;
            p.handler = rtpHandler;
            // read by the worker itself (its own socket): handled at once; from ice4j's thread: queued
            if (!worker.offerOrHandle(p)) {
                counters.dropDatagram(DropReason.QUEUE_FULL, rtp, len);
            }
        } else {
            counters.drop(DropReason.UNKNOWN_FIRST_BYTE);
        }
    }

    /** The drop reason for an SRTP/SRTCP unprotect error code. */
    public static DropReason srtpDropReason(int code) {
        if (code == SrtpSession.ERR_AUTH) {
            return DropReason.SRTP_AUTH_FAILED;
        }
        if (code == SrtpSession.ERR_REPLAY) {
            return DropReason.SRTP_REPLAY;
        }
        return DropReason.SRTP_INVALID;
    }

    public void onKeysInstalled(Runnable r) {
        this.onKeysInstalled = r;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    public String selectedPair() {
        return ice.selectedPair();
    }

    public void close() {
        closed = true;
        DtlsServerSession d = dtls;
        if (d != null) {
            d.close();
        }
    }
}
