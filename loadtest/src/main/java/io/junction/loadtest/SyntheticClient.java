package io.junction.loadtest;

import io.junction.bridge.transport.ice.StunMessages;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.junction.bridge.cc.TransportCcRecorder;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.rtcp.Pli;
import io.junction.bridge.rtcp.ReceiverReport;
import io.junction.bridge.rtcp.ReportBlock;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.transport.dtls.DtlsCertificate;
import io.junction.bridge.transport.dtls.DtlsClient;
import io.junction.bridge.transport.srtp.SrtpProfile;
import io.junction.bridge.transport.srtp.SrtpSession;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DatagramTransport;

/**
 * One synthetic WebRTC endpoint: signaling over a WebSocket, an SDP answer, ICE as the controlled
 * agent, a DTLS client, SRTP both ways, all on one UDP socket bound to loopback, as a browser's
 * BUNDLEd peer connection. Publishers get their RTP from {@link MediaGenerator}; every client checks
 * the sequence continuity and one-way latency of what the bridge forwards to it, and sends receiver
 * reports (and transport-cc feedback when the forwarded packets carry transport sequence numbers).
 *
 * <p>Threads: a shared selector thread reads the socket ({@link Receivers}), the WebSocket's, a shared timer for ICE
 * checks, and a DTLS handshake task. RTP and RTCP are sent only by the generator thread.
 */
final class SyntheticClient implements AutoCloseable, Receivers.Sink {
    static final ObjectMapper JSON = new ObjectMapper();

    final String name;
    final int conference;
    final boolean publishes;
    final SdpAnswer.Ssrcs ssrcs;
    private final DtlsCertificate certificate;
    private final ExecutorService blocking;
    private final DatagramChannel socket;
    private final String ufrag = randomToken(8);
    private final String pwd = randomToken(24);
    private final long tieBreaker = ThreadLocalRandom.current().nextLong();
    private final LinkedBlockingQueue<byte[]> dtlsIn = new LinkedBlockingQueue<>(64);

    private volatile WebSocket ws;
    /** A WHEP viewer made the offer: it is the controlling ICE agent. */
    private volatile boolean controlling;
    private volatile SdpAnswer.Offer offer;
    private volatile InetSocketAddress bridge;
    private volatile boolean iceConnected;
    private volatile boolean dtlsStarted;
    private volatile DTLSTransport dtls;
    /** Two sessions from the same keys: SrtpSession is single-threaded, and send and receive run on two threads. */
    private volatile SrtpSession srtpOut;
    private volatile SrtpSession srtpIn;
    private volatile boolean closed;
    private volatile String failure;

    final long createdNs = System.nanoTime();
    volatile long wsOpenNs;
    volatile long mediaReadyNs;
    /** When the first offer arrived (WHEP: the answer) and when this client's first ICE check was answered. */
    volatile long offerNs;
    volatile long iceNs;
    final CompletableFuture<SyntheticClient> mediaReady = new CompletableFuture<>();

    // Receive side, written by the receive thread only.
    final Map<Integer, SeqTracker> tracks = new ConcurrentHashMap<>();
    final Histogram latencyUs = new Histogram();
    volatile boolean measuring;
    final AtomicLong srtpErrors = new AtomicLong();
    final AtomicLong earlyPackets = new AtomicLong();
    final AtomicLong keyframeRequests = new AtomicLong();
    final AtomicLong rtcpIn = new AtomicLong();
    /** RTP received that decrypted, bytes as on the wire (SRTP size). */
    final AtomicLong bytesReceived = new AtomicLong();
    final AtomicLong dtlsRecordsIn = new AtomicLong();
    final AtomicLong dtlsRecordsOut = new AtomicLong();
    private final TransportCcRecorder twcc = new TransportCcRecorder();
    private volatile boolean twccSeen;
    private volatile boolean keyframeWanted;

    // Send side, generator thread only.
    private final byte[] out = new byte[1600];
    private final ByteBuffer outBuffer = ByteBuffer.wrap(out);
    final AtomicLong rtpSent = new AtomicLong();
    /** Every RTP datagram this client sent (media and malformed), bytes as on the wire (SRTP size). */
    final AtomicLong rtpBytesSent = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    private long nextReportNs;

    private final InetSocketAddress localAddress;
    /** The video codec this client answers (and, publishing, sends): "vp8", "vp9" or "av1". */
    final String codec;
    final boolean vp9;
    final boolean av1;

    SyntheticClient(String name, int conference, boolean publishes, DtlsCertificate certificate,
                    ExecutorService blocking, InetAddress loopback) throws IOException {
        this(name, conference, publishes, certificate, blocking, loopback, "vp8");
    }

    /** {@code codec}: the video codec the client sends and takes ("vp8", "vp9", "av1"). */
    SyntheticClient(String name, int conference, boolean publishes, DtlsCertificate certificate,
                    ExecutorService blocking, InetAddress loopback, String codec) throws IOException {
        this.codec = codec;
        this.vp9 = codec.equals("vp9");
        this.av1 = codec.equals("av1");
        this.name = name;
        this.conference = conference;
        this.publishes = publishes;
        this.certificate = certificate;
        this.blocking = blocking;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        this.ssrcs = publishes ? new SdpAnswer.Ssrcs(r.nextInt(1, Integer.MAX_VALUE), r.nextInt(1, Integer.MAX_VALUE),
                r.nextInt(1, Integer.MAX_VALUE)) : new SdpAnswer.Ssrcs(0, 0, 0);
        this.socket = DatagramChannel.open();
        socket.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
        socket.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
        socket.bind(new InetSocketAddress(loopback, 0));
        socket.configureBlocking(false);
        this.localAddress = (InetSocketAddress) socket.getLocalAddress();
    }

    /** Opens the signaling socket; {@link #mediaReady} completes when SRTP keys are in place. */
    CompletableFuture<SyntheticClient> join(HttpClient http, String signalingUrl) {
        Receivers.SHARED.register(socket, this);
        http.newWebSocketBuilder().buildAsync(URI.create(signalingUrl), new Listener())
                .whenComplete((w, e) -> {
                    if (e != null) {
                        fail("WebSocket: " + e.getMessage());
                    }
                });
        return mediaReady;
    }

    /**
     * Plays a conference over WHEP instead: POSTs a receive-only offer to {@code whepUrl} with the
     * viewer {@code token}, takes the answer as the bridge's transport parameters, and connects as
     * the controlling ICE agent. {@link #mediaReady} completes when SRTP keys are in place.
     */
    CompletableFuture<SyntheticClient> watch(HttpClient http, String whepUrl, String token) {
        Receivers.SHARED.register(socket, this);
        controlling = true;
        wsOpenNs = System.nanoTime(); // no WebSocket: the request counts from here
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(URI.create(whepUrl))
                .timeout(java.time.Duration.ofSeconds(20))
                .header("Content-Type", "application/sdp").header("Authorization", "Bearer " + token)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        SdpAnswer.writeViewerOffer(ufrag, pwd, certificate.fingerprintSha256())))
                .build();
        http.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
            if (e != null) {
                fail("WHEP: " + e.getMessage());
            } else if (r.statusCode() != 201) {
                fail("WHEP: HTTP " + r.statusCode() + " " + r.body().trim());
            } else {
                try {
                    offerNs = System.nanoTime();
                    offer = SdpAnswer.readOffer(r.body());
                    startIce(offer);
                } catch (Exception ex) {
                    fail("WHEP answer: " + ex.getMessage());
                }
            }
        });
        return mediaReady;
    }

    /** The mid of the offer's m-line this client publishes its audio or video into. */
    String publishMid(boolean video) {
        for (SdpAnswer.Section s : offer.sections()) {
            if (s.video() == video && s.direction().equals("recvonly")) {
                return s.mid();
            }
        }
        throw new IllegalStateException(name + ": the offer has no " + (video ? "video" : "audio") + " m-line to publish into");
    }

    /** The bridge's ICE ufrag for this endpoint (after the first offer), else null. */
    String bridgeUfrag() {
        SdpAnswer.Offer x = offer;
        return x == null ? null : x.iceUfrag();
    }

    /** The bridge's media port (after the first offer), else 0. */
    int bridgePort() {
        InetSocketAddress b = bridge;
        return b == null ? 0 : b.getPort();
    }

    boolean isMediaReady() {
        return srtpOut != null && !closed;
    }

    /** Why the client failed, with its DTLS datagram counts for diagnosis; null when it did not. */
    String failure() {
        return failure == null ? null : failure + " (ICE " + (iceConnected ? "connected" : "not connected")
                + ", DTLS datagrams in " + dtlsRecordsIn.get() + " out " + dtlsRecordsOut.get() + ")";
    }

    private void fail(String why) {
        if (failure == null) {
            failure = why + " after " + (System.nanoTime() - createdNs) / 1_000_000 + " ms";
        }
        mediaReady.completeExceptionally(new IOException(name + ": " + why));
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            ws = webSocket;
            wsOpenNs = System.nanoTime();
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    onMessage(JSON.readTree(text));
                } catch (Exception e) {
                    fail("signaling: " + e);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (!closed) {
                fail("signaling closed " + statusCode + " " + reason);
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (!closed) {
                fail("signaling error " + error);
            }
        }
    }

    private void onMessage(JsonNode msg) throws Exception {
        switch (msg.path("type").asText()) {
            case "offer" -> {
                SdpAnswer.Offer o = SdpAnswer.readOffer(msg.path("sdp").asText());
                boolean first = offer == null;
                if (first) {
                    offerNs = System.nanoTime();
                }
                offer = o;
                String sdp = SdpAnswer.write(o, ufrag, pwd, certificate.fingerprintSha256(), ssrcs, name, codec);
                ObjectNode answer = JSON.createObjectNode().put("type", "answer")
                        .put("revision", msg.path("revision").asInt()).put("sdp", sdp);
                ws.sendText(JSON.writeValueAsString(answer), true).join();
                if (first) {
                    startIce(o);
                    // Keepalive as the SDK does: the bridge's WebSocket idle timeout closes a silent socket.
                    Scheduler.repeat(this::ping, 10_000, 10_000, () -> closed || failure != null);
                }
            }
            case "error" -> {
                if (!msg.path("code").asText().equals("stale-revision")) {
                    fail("bridge error " + msg);
                }
            }
            case "bye" -> fail("bye " + msg.path("reason").asText());
            default -> {
                // welcome, participantJoined/Left, pong: nothing to do
            }
        }
    }

    private void ping() {
        WebSocket w = ws;
        if (w != null) {
            w.sendText("{\"type\":\"ping\",\"ts\":" + System.currentTimeMillis() + "}", true);
        }
    }

    private void startIce(SdpAnswer.Offer o) {
        for (SdpAnswer.Candidate c : o.candidates()) {
            InetSocketAddress a = new InetSocketAddress(c.address(), c.port());
            // The load stays on loopback: never check a candidate elsewhere.
            if (a.getAddress() != null && a.getAddress().isLoopbackAddress()
                    && a.getAddress().getClass() == localAddress.getAddress().getClass()) {
                bridge = a;
                break;
            }
        }
        if (bridge == null) {
            StringBuilder offered = new StringBuilder();
            o.candidates().forEach(c -> offered.append(offered.length() == 0 ? "" : ", ").append(c.address()));
            fail("the bridge offers no loopback candidate (it offers " + (offered.length() == 0 ? "none" : offered)
                    + "); the load stays on this machine: start the bridge with junction.media.addresses = [\"127.0.0.1\"]"
                    + " (as config/loadtest.conf does) or use loadtest/bench.sh");
            return;
        }
        Scheduler.repeat(this::iceTick, 0, 50, () -> closed);
    }

    /**
     * Binding requests every 50 ms until connected, then every 2.5 s as consent freshness. A
     * controlling client (WHEP) nominates (USE-CANDIDATE) and, once its own check succeeded, goes on
     * nominating every 500 ms (as a browser's "strong" pings) until its keys are in: its own success
     * says nothing of whether the bridge, controlled, has taken the nomination (it needs its
     * triggered check answered first). Not faster: a new check on a pair cancels the bridge's
     * in-progress triggered check on it (RFC 8445 §7.3.1.4), so checks faster than the round trip
     * under load would never let it finish.
     */
    private long lastCheckNs;

    private void iceTick() {
        long now = System.nanoTime();
        boolean nominating = controlling && srtpOut == null && iceConnected;
        if (iceConnected && now - lastCheckNs < (nominating ? 500_000_000L : 2_500_000_000L)) {
            return;
        }
        lastCheckNs = now;
        byte[] b = new byte[256];
        int n = StunMessages.bindingRequest(b, offer.iceUfrag() + ":" + ufrag, offer.icePassword(), tieBreaker, controlling,
                nominating);
        sendRaw(b, n);
    }

    private void sendRaw(byte[] b, int n) {
        try {
            socket.send(ByteBuffer.wrap(b, 0, n), bridge);
        } catch (IOException e) {
            if (!closed) {
                sendErrors.incrementAndGet();
            }
        }
    }

    private final RtpPacket rtp = new RtpPacket();

    /** A selector thread: one datagram from the socket, demultiplexed (RFC 7983) and handled. */
    @Override
    public void onDatagram(byte[] buf, int len, InetSocketAddress from) {
        if (closed) {
            return;
        }
        int b0 = buf[0] & 0xFF;
        long now = System.nanoTime();
        if (b0 < 4) {
            onStun(buf, len, from);
        } else if (b0 >= 20 && b0 < 64) {
            byte[] copy = new byte[len];
            System.arraycopy(buf, 0, copy, 0, len);
            dtlsRecordsIn.incrementAndGet();
            dtlsIn.offer(copy);
        } else if (b0 >= 128 && b0 < 192) {
            SrtpSession in = srtpIn;
            if (in == null) {
                earlyPackets.incrementAndGet();
                return;
            }
            int pt = buf[1] & 0xFF;
            if (pt >= 192 && pt <= 223) {
                int n = in.unprotectRtcp(buf, 0, len);
                if (n < 0) {
                    srtpErrors.incrementAndGet();
                } else {
                    onRtcp(buf, n);
                }
            } else {
                int n = in.unprotectRtp(buf, 0, len);
                if (n < 0) {
                    srtpErrors.incrementAndGet();
                } else if (rtp.wrap(buf, 0, n)) {
                    bytesReceived.addAndGet(len);
                    onRtp(rtp, now);
                }
            }
        }
    }

    private void onStun(byte[] buf, int len, InetSocketAddress from) {
        if (!StunMessages.isStun(buf, len)) {
            return;
        }
        int type = StunMessages.type(buf);
        if (type == StunMessages.BINDING_REQUEST) {
            byte[] resp = new byte[128];
            sendRaw(resp, StunMessages.bindingSuccess(resp, buf, from, pwd));
        } else if (type == StunMessages.BINDING_SUCCESS && !iceConnected) {
            iceNs = System.nanoTime();
            iceConnected = true;
            startDtls();
        }
    }

    private void startDtls() {
        if (dtlsStarted) {
            return;
        }
        dtlsStarted = true;
        blocking.execute(() -> {
            try {
                DtlsClient client = new DtlsClient(certificate, SrtpProfile.AEAD_AES_128_GCM,
                        SrtpProfile.AES128_CM_HMAC_SHA1_80);
                dtls = new DTLSClientProtocol().connect(client, new UdpTransport());
                if (!client.serverFingerprint().equalsIgnoreCase(offer.fingerprint())) {
                    fail("the bridge's certificate does not match the offer's fingerprint");
                    return;
                }
                SrtpProfile profile = SrtpProfile.byId(client.negotiatedProfile());
                srtpIn = new SrtpSession(profile, client.keyingMaterial(), false);
                srtpOut = new SrtpSession(profile, client.keyingMaterial(), false);
                mediaReadyNs = System.nanoTime();
                mediaReady.complete(this);
            } catch (Exception e) {
                if (!closed) {
                    fail("DTLS: " + e);
                }
            }
        });
    }

    /** BouncyCastle's view of the socket: DTLS records only, demultiplexed by the receive thread. */
    private final class UdpTransport implements DatagramTransport {
        /** A flight's records in as few datagrams as fit, as browsers send them. */
        private final io.junction.bridge.transport.dtls.FlightPacker packer = new io.junction.bridge.transport.dtls.FlightPacker(1200,
                (buf, off, len) -> socket.send(ByteBuffer.wrap(buf, off, len), bridge));

        @Override
        public int getReceiveLimit() {
            return 1500;
        }

        @Override
        public int getSendLimit() {
            return 1200;
        }

        @Override
        public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
            packer.flush();
            try {
                byte[] d = dtlsIn.poll(waitMillis, TimeUnit.MILLISECONDS);
                if (d == null) {
                    if (closed) {
                        throw new IOException("closed");
                    }
                    return -1;
                }
                int n = Math.min(len, d.length);
                System.arraycopy(d, 0, buf, off, n);
                return n;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void send(byte[] buf, int off, int len) throws IOException {
            dtlsRecordsOut.incrementAndGet();
            packer.add(buf, off, len);
        }

        @Override
        public void close() {
            // the socket is closed by the client
        }
    }

    private void onRtp(RtpPacket rtp, long nowNs) {
        int ssrc = rtp.ssrc();
        SeqTracker t = tracks.get(ssrc);
        if (t == null) {
            t = new SeqTracker(rtp.payloadType() == SdpAnswer.PT_OPUS);
            tracks.put(ssrc, t);
        }
        t.received(rtp.sequenceNumber());
        int stampAt = MediaGenerator.stampOffset(rtp);
        if (stampAt >= 0) {
            t.counted(MediaGenerator.counter(rtp.buffer(), stampAt));
        }
        int at = twccSeen || rtp.hasExtensions() ? rtp.findExtension(SdpAnswer.EXT_TRANSPORT_CC) : -1;
        if (at >= 0) {
            twccSeen = true;
            synchronized (twcc) {
                twcc.record(ByteIo.readU16(rtp.buffer(), at), nowNs);
            }
        }
        if (measuring && stampAt >= 0) {
            latencyUs.record((nowNs - MediaGenerator.sendTime(rtp.buffer(), stampAt)) / 1000);
        }
    }

    private void onRtcp(byte[] buf, int len) {
        rtcpIn.incrementAndGet();
        int at = 0;
        while (at + 4 <= len) {
            int fmt = buf[at] & 0x1F;
            int pt = buf[at + 1] & 0xFF;
            int words = ByteIo.readU16(buf, at + 2);
            if (pt == 206 && (fmt == 1 || fmt == 4)) {
                keyframeRequests.incrementAndGet();
                keyframeWanted = true;
            }
            at += (words + 1) * 4;
        }
    }

    /** Called by the generator when a PLI or FIR arrived since the last call. */
    boolean takeKeyframeRequest() {
        if (keyframeWanted) {
            keyframeWanted = false;
            return true;
        }
        return false;
    }

    /** Generator thread: protects and sends the RTP packet in {@link #rtpBuffer()}. */
    void sendRtp(int len) {
        if (sendRtpDatagram(srtpOut.protectRtp(out, 0, len))) {
            rtpSent.incrementAndGet();
        }
    }

    private boolean sendRtpDatagram(int n) {
        if (send(n)) {
            rtpBytesSent.addAndGet(n);
            return true;
        }
        return false;
    }

    byte[] rtpBuffer() {
        return out;
    }

    /** Packets of garbage sent (see {@link #sendMalformed}). */
    final java.util.concurrent.atomic.AtomicLong malformedSent = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Generator thread: one packet a well-behaved client never sends, SRTP-protected so it reaches the
     * bridge's parsers: RTP from an unknown SSRC with a mid and an unknown rid, RTP from an unknown
     * SSRC without extensions, RTP whose header extension claims more than the packet holds, a VP8
     * packet of one byte from an unknown SSRC, transport-cc feedback of random bytes, NACK and PLI for
     * SSRCs nobody sends, an RTCP packet whose length field lies.
     */
    void sendMalformed(java.util.Random r) {
        int kind = r.nextInt(7);
        int ssrc = 0x7E000000 | r.nextInt(0xFFFFFF);
        int n;
        if (kind <= 3) {
            out[0] = (byte) (kind == 1 || kind == 3 ? 0x80 : 0x90);
            out[1] = (byte) (kind == 3 ? 96 : r.nextInt(128));
            ByteIo.writeU16(out, 2, r.nextInt(0x10000));
            ByteIo.writeInt(out, 4, r.nextInt());
            ByteIo.writeInt(out, 8, ssrc);
            n = 12;
            if (kind == 0) { // mid '1' + rid 'zz'
                ByteIo.writeU16(out, 12, 0xBEDE);
                ByteIo.writeU16(out, 14, 2);
                out[16] = 0x40;
                out[17] = '1';
                out[18] = (byte) 0xA1;
                out[19] = 'z';
                out[20] = 'z';
                out[21] = 0;
                out[22] = 0;
                out[23] = 0;
                n = 24;
            } else if (kind == 2) { // extension length of 200 words in a 40-byte packet
                ByteIo.writeU16(out, 12, 0xBEDE);
                ByteIo.writeU16(out, 14, 200);
                n = 16;
            }
            int payload = kind == 3 ? 1 : 24;
            for (int i = 0; i < payload; i++) {
                out[n++] = (byte) r.nextInt(256);
            }
            if (sendRtpDatagram(srtpOut.protectRtp(out, 0, n))) {
                malformedSent.incrementAndGet();
            }
            return;
        }
        int senderSsrc = publishes ? ssrcs.video() : 1;
        if (kind == 4) { // transport-cc feedback of random content (valid RTCP framing)
            int words = 4 + r.nextInt(12);
            out[0] = (byte) 0x8F;
            out[1] = (byte) 205;
            ByteIo.writeU16(out, 2, words);
            ByteIo.writeInt(out, 4, senderSsrc);
            for (int i = 8; i < (words + 1) * 4; i++) {
                out[i] = (byte) r.nextInt(256);
            }
            n = (words + 1) * 4;
        } else if (kind == 5) { // NACK then PLI for an SSRC nobody sends
            n = Nack.write(out, 0, senderSsrc, ssrc, new int[] {r.nextInt()}, 1);
            n += Pli.write(out, n, senderSsrc, ssrc);
        } else { // an RR whose length field says 40 words
            n = ReceiverReport.writeHeader(out, 0, senderSsrc, 0);
            ByteIo.writeU16(out, 2, 40);
            for (int i = n; i < n + 8; i++) {
                out[i] = (byte) r.nextInt(256);
            }
            n += 8;
        }
        if (send(srtpOut.protectRtcp(out, 0, n))) {
            malformedSent.incrementAndGet();
        }
    }

    /** Generator thread: receiver reports every second, transport-cc feedback when due. */
    void sendFeedback(long nowNs) {
        int senderSsrc = publishes ? ssrcs.video() : 1;
        if (twccSeen) {
            int n;
            synchronized (twcc) {
                n = twcc.due(nowNs) ? twcc.writeFeedback(out, 0, senderSsrc, 0, nowNs) : 0;
            }
            if (n > 0) {
                sendRtcp(n);
            }
        }
        if (nowNs < nextReportNs) {
            return;
        }
        nextReportNs = nowNs + 1_000_000_000L;
        List<Map.Entry<Integer, SeqTracker>> list = new ArrayList<>(tracks.entrySet());
        int blocks = Math.min(list.size(), 31);
        int n = ReceiverReport.writeHeader(out, 0, senderSsrc, blocks);
        for (int i = 0; i < blocks; i++) {
            SeqTracker t = list.get(i).getValue();
            n += ReportBlock.write(out, n, list.get(i).getKey(), t.fractionLostSinceLastReport(),
                    Math.max(0, t.lost()), t.highestExtended(), 0, 0, 0);
        }
        sendRtcp(n);
    }

    private void sendRtcp(int len) {
        send(srtpOut.protectRtcp(out, 0, len));
    }

    /** Sends the {@code n} protected bytes in {@link #out}; counts a protect error, a full socket buffer or an I/O error. */
    private boolean send(int n) {
        if (n < 0) {
            sendErrors.incrementAndGet();
            return false;
        }
        outBuffer.clear().limit(n);
        try {
            if (socket.send(outBuffer, bridge) > 0) {
                return true;
            }
        } catch (IOException e) {
            // counted below
        }
        sendErrors.incrementAndGet();
        return false;
    }

    /** Leaves politely: {@code leave} on the WebSocket, DTLS close_notify, then closes the socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        WebSocket w = ws;
        if (w != null) {
            try {
                w.sendText("{\"type\":\"leave\"}", true).get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the bridge may already be gone
            }
            w.abort();
        }
        DTLSTransport d = dtls;
        if (d != null) {
            try {
                d.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static String randomToken(int n) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(n);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
