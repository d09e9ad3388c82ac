package io.junction.bridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.codec.Vp8Descriptor;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.rtcp.Pli;
import io.junction.bridge.rtcp.ReceiverReport;
import io.junction.bridge.rtcp.ReportBlock;
import io.junction.bridge.rtcp.RtcpCompound;
import io.junction.bridge.rtcp.Sdes;
import io.junction.bridge.rtcp.SenderReport;
import io.junction.bridge.rtcp.TransportCcFeedback;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.stats.DropReason;
import io.junction.bridge.transport.PacketTransport;
import io.junction.bridge.transport.srtp.SrtpProfile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real receive and send stages, end to end in process ({@link PacketPathHarness}): packets
 * captured from Chromium go in SRTP-protected as a browser sends them, and what comes out to the other
 * endpoint is read back as a browser would. After every test no pool packet is outstanding.
 */
class PacketPathTest {
    /** Captured from Chromium: an Opus packet (mid 0) and simulcast VP8 keyframe starts of layers q and f (mid 1). */
    private static final byte[] OPUS = Fixtures.get("opus");
    private static final byte[] VP8_Q = Fixtures.get("vp8-sim-key-q");
    private static final byte[] VP8_F = Fixtures.get("vp8-sim-key-f");
    private static final int Q_SSRC = ByteIo.readInt(VP8_Q, 8);

    private PacketPathHarness h;
    private PacketPathHarness.Endpoint pub;
    private PacketPathHarness.Endpoint sub;
    private Subscription audioSub;
    private Subscription videoSub;
    private SourceTrack audio;
    private SourceTrack video;
    private long now = 1_000_000_000L;
    private int tcc = 100;

    void setUp(SrtpProfile profile) {
        h = new PacketPathHarness(profile);
        pub = h.endpoint("pub");
        sub = h.endpoint("sub");
        audio = pub.publish("0", MediaKind.AUDIO, List.of());
        video = pub.publish("1", MediaKind.VIDEO, List.of("q", "h", "f"));
        audioSub = sub.subscribe(audio, "2");
        videoSub = sub.subscribe(video, "3");
        videoSub.video().setTarget(0, VideoProjection.ALL_TEMPORAL);
    }

    @BeforeEach
    void gcmByDefault() {
        setUp(SrtpProfile.AEAD_AES_128_GCM);
    }

    @AfterEach
    void nothingLeaks() {
        assertEquals(0, h.releaseAndCountOutstanding(), "pool packets still held after the test");
        h.close();
    }

    /** The template packet as packet {@code i} of its stream: sequence number, timestamp and transport-wide number moved on. */
    private byte[] nth(byte[] template, int i, int tsStep) {
        byte[] b = template.clone();
        ByteIo.writeU16(b, 2, (ByteIo.readU16(b, 2) + i) & 0xFFFF);
        ByteIo.writeInt(b, 4, ByteIo.readInt(b, 4) + i * tsStep);
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(b, 0, b.length));
        int at = rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC);
        ByteIo.writeU16(b, at, tcc++ & 0xFFFF);
        return b;
    }

    /** The streams' next packet number (each call goes on where the last stopped). */
    private int next;

    private void sendStreams(int packets) {
        for (int end = next + packets; next < end; next++) {
            int i = next;
            now += 10_000_000L;
            pub.send(nth(OPUS, i, 960), now);
            pub.send(nth(VP8_Q, i, 3000), now);
            if (i % 5 == 0) {
                pub.send(nth(VP8_F, i / 5, 3000), now);
            }
        }
    }

    private static List<RtpPacket> rtpWithSsrc(List<byte[]> packets, int ssrc) {
        List<RtpPacket> out = new ArrayList<>();
        for (byte[] b : packets) {
            RtpPacket r = new RtpPacket();
            if (!PacketTransport.isRtcp(b, 0, b.length) && r.wrap(b, 0, b.length) && r.ssrc() == ssrc) {
                out.add(r);
            }
        }
        return out;
    }

    @Test
    void audioAndTheChosenLayerReachTheSubscriberRewritten() {
        sendStreams(120); // 1.2 s: a receiver report to the publisher is due
        List<byte[]> got = sub.received();
        List<RtpPacket> audio = rtpWithSsrc(got, audioSub.outSsrc());
        List<RtpPacket> video = rtpWithSsrc(got, videoSub.outSsrc());
        assertEquals(120, audio.size(), "every audio packet");
        assertEquals(120, video.size(), "every packet of layer q, none of f");
        assertEquals(24, h.counters.videoPacketsSuppressed.sum(), "the f packets were held back");
        for (List<RtpPacket> stream : List.of(audio, video)) {
            for (int i = 1; i < stream.size(); i++) {
                assertEquals((stream.get(i - 1).sequenceNumber() + 1) & 0xFFFF, stream.get(i).sequenceNumber(),
                        "continuous sequence numbers under the subscriber's SSRC");
            }
        }
        assertEquals(3000, video.get(1).timestamp() - video.get(0).timestamp(), "timestamps keep their spacing");
        List<Integer> transportSeqs = new ArrayList<>();
        for (byte[] b : got) {
            RtpPacket r = new RtpPacket();
            if (PacketTransport.isRtcp(b, 0, b.length) || !r.wrap(b, 0, b.length)) {
                continue;
            }
            assertTrue(r.findExtension(CodecCatalog.EXT_MID) < 0, "the publisher's mid is erased");
            assertTrue(r.findExtension(CodecCatalog.EXT_RID) < 0, "the publisher's rid is erased");
            int at = r.findExtension(CodecCatalog.EXT_TRANSPORT_CC);
            transportSeqs.add(ByteIo.readU16(r.buffer(), at));
        }
        for (int i = 0; i < transportSeqs.size(); i++) {
            assertEquals(i, transportSeqs.get(i), "this leg's own transport-wide numbering");
        }
        Vp8Descriptor vp8 = new Vp8Descriptor();
        RtpPacket first = video.get(0);
        assertTrue(vp8.wrap(first.buffer(), first.payloadOffset(), first.payloadLength()));
        assertTrue(vp8.isKeyframeStart());
        assertEquals(320, vp8.width(), "the payload is the q layer's");

        List<byte[]> toPublisher = pub.received();
        boolean feedback = false;
        boolean reportAboutQ = false;
        RtcpCompound c = new RtcpCompound();
        for (byte[] b : toPublisher) {
            assertTrue(c.wrap(b, 0, b.length));
            while (c.next()) {
                feedback |= TransportCcFeedback.is(b, c.offset(), c.length());
                if (ReceiverReport.is(b, c.offset(), c.length())) {
                    for (int i = 0; i < ReceiverReport.reportBlockCount(b, c.offset(), c.length()); i++) {
                        reportAboutQ |= ReportBlock.ssrc(b, ReceiverReport.reportBlockOffset(c.offset(), i)) == Q_SSRC;
                    }
                }
            }
        }
        assertTrue(feedback, "transport-cc feedback to the publisher");
        assertTrue(reportAboutQ, "a receiver report about the learned layer");
    }

    @Test
    void aNackIsAnsweredWithRtxAndAPliReachesThePublisher() {
        sendStreams(20);
        List<RtpPacket> video = rtpWithSsrc(sub.received(), videoSub.outSsrc());
        RtpPacket lost = video.get(5);
        byte[] nack = new byte[16];
        Nack.write(nack, 0, 0x1234, videoSub.outSsrc(), new int[] {lost.sequenceNumber() << 16}, 1);
        now += 10_000_000L;
        sub.send(nack, now);
        List<RtpPacket> rtx = rtpWithSsrc(sub.received(), videoSub.outRtxSsrc());
        assertEquals(1, rtx.size(), "one retransmission");
        RtpPacket r = rtx.get(0);
        assertEquals(lost.sequenceNumber(), ByteIo.readU16(r.buffer(), r.payloadOffset()), "RFC 4588: the OSN first");
        assertArrayEquals(java.util.Arrays.copyOfRange(lost.buffer(), lost.payloadOffset(), lost.payloadOffset() + lost.payloadLength()),
                java.util.Arrays.copyOfRange(r.buffer(), r.payloadOffset() + 2, r.payloadOffset() + r.payloadLength()),
                "then the original payload");
        assertEquals(1, h.counters.rtxSent.sum());

        pub.received();
        byte[] pli = new byte[12];
        Pli.write(pli, 0, 0x1234, videoSub.outSsrc());
        now += 1_000_000_000L;
        sub.send(pli, now);
        List<byte[]> toPublisher = pub.received();
        assertEquals(1, toPublisher.size());
        byte[] b = toPublisher.get(0);
        assertTrue(Pli.is(b, 0, b.length));
        assertEquals(Q_SSRC, Pli.mediaSsrc(b, 0), "asked of the layer this subscriber decodes, under its SSRC");
        assertEquals(1, h.counters.pliReceived.sum());
        sub.send(pli, now + 1_000_000L);
        assertTrue(pub.received().isEmpty(), "a second request within 200 ms is throttled");
    }

    /**
     * A receiver of a large conference has its RTP protected and sent by another worker: it gets the
     * same stream as one served inline (every packet, in order, decryptable — one thread alone uses
     * its outgoing SRTP context —, this leg's transport-wide numbers in order), sent from that
     * worker's thread only, and its NACKs are answered the same way.
     */
    @Test
    void aReceiverWhoseSendsAnotherWorkerMakesGetsTheSameStream() throws Exception {
        try (io.junction.bridge.worker.PacketWorkers others = new io.junction.bridge.worker.PacketWorkers(1, h.pool)) {
            PacketPathHarness.Endpoint far = h.endpoint("far", others.all().get(0));
            Subscription farAudio = far.subscribe(audio, "2");
            Subscription farVideo = far.subscribe(video, "3");
            farVideo.video().setTarget(0, VideoProjection.ALL_TEMPORAL);
            sendStreams(300);
            awaitSent(far, 600);
            List<byte[]> got = far.received();
            List<byte[]> inline = sub.received();
            List<RtpPacket> farA = rtpWithSsrc(got, farAudio.outSsrc());
            List<RtpPacket> farV = rtpWithSsrc(got, farVideo.outSsrc());
            assertEquals(300, farA.size(), "every audio packet");
            assertEquals(300, farV.size(), "every packet of layer q");
            assertEquals(rtpWithSsrc(inline, videoSub.outSsrc()).size(), farV.size(), "as many as the receiver served inline");
            for (List<RtpPacket> stream : List.of(farA, farV)) {
                for (int i = 1; i < stream.size(); i++) {
                    assertEquals((stream.get(i - 1).sequenceNumber() + 1) & 0xFFFF, stream.get(i).sequenceNumber(),
                            "in order, continuous");
                }
            }
            int expected = 0;
            for (byte[] b : got) {
                RtpPacket r = new RtpPacket();
                if (!PacketTransport.isRtcp(b, 0, b.length) && r.wrap(b, 0, b.length)) {
                    assertEquals(expected++, ByteIo.readU16(r.buffer(), r.findExtension(CodecCatalog.EXT_TRANSPORT_CC)),
                            "this leg's transport-wide numbers, in order");
                }
            }
            assertEquals(java.util.Set.of("packet-worker-0"), far.transport.senderThreads, "RTP sent by the send worker only");

            RtpPacket lost = farV.get(295); // still in the retransmission cache (about 1 s)
            byte[] nack = new byte[16];
            Nack.write(nack, 0, 0x1234, farVideo.outSsrc(), new int[] {lost.sequenceNumber() << 16}, 1);
            now += 10_000_000L;
            far.send(nack, now);
            awaitSent(far, 601);
            List<RtpPacket> rtx = rtpWithSsrc(far.received(), farVideo.outRtxSsrc());
            assertEquals(1, rtx.size(), "the NACK answered with one retransmission");
            assertEquals(lost.sequenceNumber(), ByteIo.readU16(rtx.get(0).buffer(), rtx.get(0).payloadOffset()));
            assertEquals(java.util.Set.of("packet-worker-0"), far.transport.senderThreads, "the retransmission too");
            assertEquals(0, h.counters.sendErrors.sum());
        }
    }

    private static void awaitSent(PacketPathHarness.Endpoint e, long packets) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (e.transport.sentPackets < packets && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(packets, e.transport.sentPackets, "sent by the send worker");
    }

    @Test
    void aSenderReportIsReissuedUnderTheSubscribersSsrc() {
        sendStreams(3);
        sub.received();
        byte[] sr = Fixtures.get("rtcp-sr-sdes"); // Chromium's, moved to the q layer's SSRC
        ByteIo.writeInt(sr, 4, Q_SSRC);
        ByteIo.writeInt(sr, 32, Q_SSRC);
        now += 10_000_000L;
        pub.send(sr, now);
        List<byte[]> got = sub.received();
        assertEquals(1, got.size());
        byte[] b = got.get(0);
        assertTrue(SenderReport.is(b, 0, b.length));
        assertEquals(videoSub.outSsrc(), SenderReport.senderSsrc(b, 0));
        assertEquals(SenderReport.ntp(sr, 0), SenderReport.ntp(b, 0), "the publisher's clock relation is kept");
        assertEquals(SenderReport.rtpTimestamp(sr, 0) + videoSub.video().tsDelta(), SenderReport.rtpTimestamp(b, 0),
                "in the subscriber's timestamps");
        assertEquals(3, SenderReport.packetCount(b, 0), "what this subscriber got");
        int at = Sdes.findCname(b, 28, b.length - 28);
        assertEquals("junction-pub", new String(b, at + 2, b[at + 1], StandardCharsets.US_ASCII));
    }

    @Test
    void malformedPacketsAreCountedAndDisturbNothing() {
        sendStreams(5);
        sub.received();
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[1 + r.nextInt(300)];
            r.nextBytes(junk);
            junk[0] = (byte) (0x80 | (junk[0] & 0x3F)); // RTP/RTCP first byte, anything after
            now += 1_000_000L;
            pub.send(junk, now);
        }
        long dropped = 0;
        for (DropReason reason : DropReason.values()) {
            dropped += h.counters.drops(reason);
        }
        assertTrue(dropped + h.counters.rtcpFeedbackDropped.sum() > 1000, "the junk was dropped and counted: " + dropped);
        sendStreams(5);
        assertEquals(5, rtpWithSsrc(sub.received(), videoSub.outSsrc()).size(), "the real stream goes on");
    }

    /**
     * The whole path allocates nothing per packet: the bridge's own stages (without SRTP) and with
     * each SRTP profile on the native implementation the bridge uses ({@code SrtpSession.NATIVE}).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"none", "AEAD_AES_128_GCM", "AES128_CM_HMAC_SHA1_80"})
    void steadyStateForwardingAllocatesNothing(String srtp) {
        h.close();
        if (srtp.equals("none")) {
            setUp(null);
        } else {
            assertEquals(io.junction.bridge.transport.srtp.SrtpSession.NATIVE,
                    io.junction.bridge.transport.srtp.SrtpSession.selectCipherFactory("auto"),
                    "the native SRTP library is built and loads");
            setUp(io.junction.bridge.transport.srtp.SrtpProfile.valueOf(srtp));
        }
        pub.transport.keep = false;
        sub.transport.keep = false;
        byte[][] audio = new byte[64][];
        byte[][] video = new byte[64][];
        for (int i = 0; i < 64; i++) {
            audio[i] = nth(OPUS, i, 960);
            video[i] = nth(VP8_Q, i, 3000);
        }
        int[] seq = {0};
        Runnable round = () -> {
            for (int i = 0; i < 64; i++) {
                int k = seq[0]++;
                now += 1_000_000L;
                advance(audio[i], k, 960);
                advance(video[i], k, 3000);
                pub.send(audio[i], now);
                pub.send(video[i], now);
            }
        };
        for (int i = 0; i < 300; i++) {
            round.run(); // warm-up: caches fill, code is compiled
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sentBefore = sub.transport.sentPackets;
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        int rounds = 500;
        for (int i = 0; i < rounds; i++) {
            round.run();
        }
        long bytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        long forwarded = sub.transport.sentPackets - sentBefore;
        assertTrue(forwarded >= rounds * 128L, "everything was forwarded: " + forwarded);
        double perPacket = (double) bytes / (rounds * 128L);
        System.out.printf("steady-state forwarding, SRTP %s: %d packets in, %d out, %d bytes allocated (%.3f B/packet)%n",
                srtp, rounds * 128L, forwarded, bytes, perPacket);
        assertTrue(perPacket < 0.1, "bytes allocated per packet: " + perPacket);
    }

    /** The packet with its VP8 payload header's P bit set: the same frame start, but an inter frame. */
    private static byte[] asDeltaFrame(byte[] keyframePacket) {
        byte[] b = keyframePacket.clone();
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(b, 0, b.length));
        int at = rtp.payloadOffset();
        int b0 = b[at++] & 0xFF;
        if ((b0 & 0x80) != 0) {
            int x = b[at++] & 0xFF;
            if ((x & 0x80) != 0) {
                at += (b[at] & 0x80) != 0 ? 2 : 1;
            }
            if ((x & 0x40) != 0) {
                at++;
            }
            if ((x & 0x30) != 0) {
                at++;
            }
        }
        b[at] |= 0x01;
        Vp8Descriptor d = new Vp8Descriptor();
        assertTrue(d.wrap(b, rtp.payloadOffset(), rtp.payloadLength()));
        assertTrue(d.isStartOfFrame() && !d.isKeyframeStart());
        return b;
    }

    /** Keyframe requests (PLI or FIR) among what the bridge sent the publisher. */
    private static int keyframeRequests(List<byte[]> toPublisher) {
        int n = 0;
        RtcpCompound c = new RtcpCompound();
        for (byte[] b : toPublisher) {
            if (!PacketTransport.isRtcp(b, 0, b.length) || !c.wrap(b, 0, b.length)) {
                continue;
            }
            while (c.next()) {
                if (Pli.is(b, c.offset(), c.length()) || io.junction.bridge.rtcp.Fir.is(b, c.offset(), c.length())) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Fault: a publisher that stops sending keyframes (its encoder never answers). Kept: its audio;
     * the bridge keeps asking, at most every 200 ms. Lost: its video for a new subscriber, who gets
     * no inter frame it could not decode; video starts at the next keyframe.
     */
    @Test
    void aPublisherWithoutKeyframesGetsBoundedRequestsAndNoUndecodableFrames() {
        byte[] delta = asDeltaFrame(VP8_Q);
        for (int i = 0; i < 300; i++) { // 3 s
            now += 10_000_000L;
            pub.send(nth(OPUS, i, 960), now);
            pub.send(nth(delta, i, 3000), now);
        }
        List<byte[]> got = sub.received();
        assertEquals(300, rtpWithSsrc(got, audioSub.outSsrc()).size(), "audio goes on");
        assertEquals(0, rtpWithSsrc(got, videoSub.outSsrc()).size(), "no frame the subscriber could not decode");
        int requests = keyframeRequests(pub.received());
        assertTrue(requests >= 3 && requests <= 16, "asked again and again, at most every 200 ms: " + requests);

        now += 10_000_000L;
        pub.send(nth(VP8_Q, 300, 3000), now);
        for (int i = 301; i < 310; i++) {
            now += 10_000_000L;
            pub.send(nth(delta, i, 3000), now);
        }
        List<RtpPacket> video = rtpWithSsrc(sub.received(), videoSub.outSsrc());
        assertEquals(10, video.size(), "video starts at the keyframe");
        Vp8Descriptor d = new Vp8Descriptor();
        assertTrue(d.wrap(video.get(0).buffer(), video.get(0).payloadOffset(), video.get(0).payloadLength()));
        assertTrue(d.isKeyframeStart(), "the first frame forwarded is the keyframe");
        now += 1_000_000_000L;
        pub.send(nth(delta, 310, 3000), now);
        assertEquals(0, keyframeRequests(pub.received()), "and then the requests stop");
    }

    /**
     * Fault: the publisher's RTP clock jumps (an encoder restart, a clock step), forwards and back.
     * Kept: every packet, the subscriber's sequence numbers stay continuous, and the jump reaches the
     * subscriber as it was sent (timestamps are shifted by a constant, never re-clocked), so the
     * receiver's jitter buffer sees what the publisher did; a sender report after the jump still maps
     * into the subscriber's timestamps. Lost: nothing.
     */
    @Test
    void anRtpTimestampJumpPassesThroughWithContinuousSequenceNumbers() {
        sendStreams(10);
        sub.received();
        List<byte[]> packets = new ArrayList<>();
        int[] jumps = {0x40000000, -0x70000000, 123_456_789};
        for (int j = 0; j < jumps.length; j++) {
            for (int i = 0; i < 10; i++) {
                int k = 10 + j * 10 + i;
                byte[] v = nth(VP8_Q, k, 3000);
                byte[] a = nth(OPUS, k, 960);
                int shift = 0;
                for (int m = 0; m <= j; m++) {
                    shift += jumps[m];
                }
                ByteIo.writeInt(v, 4, ByteIo.readInt(v, 4) + shift);
                ByteIo.writeInt(a, 4, ByteIo.readInt(a, 4) + shift);
                packets.add(v);
                now += 10_000_000L;
                pub.send(a, now);
                pub.send(v, now);
            }
        }
        List<byte[]> got = sub.received();
        List<RtpPacket> video = rtpWithSsrc(got, videoSub.outSsrc());
        List<RtpPacket> audio = rtpWithSsrc(got, audioSub.outSsrc());
        assertEquals(30, video.size(), "every video packet");
        assertEquals(30, audio.size(), "every audio packet");
        for (int i = 1; i < 30; i++) {
            assertEquals((video.get(i - 1).sequenceNumber() + 1) & 0xFFFF, video.get(i).sequenceNumber());
            int sent = ByteIo.readInt(packets.get(i), 4) - ByteIo.readInt(packets.get(i - 1), 4);
            assertEquals(sent, video.get(i).timestamp() - video.get(i - 1).timestamp(), "the publisher's step, as sent");
        }
        byte[] sr = Fixtures.get("rtcp-sr-sdes");
        ByteIo.writeInt(sr, 4, Q_SSRC);
        ByteIo.writeInt(sr, 32, Q_SSRC);
        ByteIo.writeInt(sr, 16, ByteIo.readInt(packets.get(29), 4));
        now += 10_000_000L;
        pub.send(sr, now);
        List<byte[]> reports = sub.received();
        assertEquals(1, reports.size());
        assertEquals(video.get(29).timestamp(), SenderReport.rtpTimestamp(reports.get(0), 0),
                "the report's timestamp maps like the last packet's");
        long dropped = 0;
        for (DropReason reason : DropReason.values()) {
            dropped += h.counters.drops(reason);
        }
        assertEquals(0, dropped, "nothing dropped");
    }

    /**
     * Fault: a subscriber that never sends feedback (no receiver reports, no transport-cc, no REMB;
     * an old or broken client). Kept: its stream, at what the start estimate allows; the memory it
     * costs stays bounded (retransmission cache and transport-wide history are rings). Lost: any
     * rise of its estimate (the bridge never probes blind), and repair (nobody asks for it).
     */
    @Test
    void aSubscriberThatNeverSendsFeedbackKeepsItsStreamAndCostsBoundedMemory() {
        sendStreams(100);
        sub.path.allocation().allocate(now, List.of("pub"));
        long startEstimate = sub.path.allocation().downlinkEstimateBps();
        sub.received();
        long outstandingAfter1s = h.pool.outstanding();
        List<Integer> videoPerSecond = new ArrayList<>();
        for (int second = 0; second < 30; second++) {
            sendStreams(100);
            sub.path.allocation().allocate(now, List.of("pub"));
            List<byte[]> got = sub.received();
            assertEquals(100, rtpWithSsrc(got, audioSub.outSsrc()).size(), "audio, second " + second);
            videoPerSecond.add(rtpWithSsrc(got, videoSub.outSsrc()).size());
        }
        // the layer the start estimate allows (here f, every fifth packet), the same one to the end
        List<Integer> settled = videoPerSecond.subList(1, videoPerSecond.size());
        assertTrue(settled.stream().allMatch(n -> n >= 20 && n.equals(settled.get(0))), "video packets per second: " + videoPerSecond);
        long outstandingAfter31s = h.pool.outstanding();
        assertTrue(outstandingAfter31s <= outstandingAfter1s + 150,
                "pool packets held for it: " + outstandingAfter1s + " after 1 s, " + outstandingAfter31s + " after 31 s");
        assertEquals(startEstimate, sub.path.allocation().downlinkEstimateBps(), "no feedback, no new estimate");
        assertEquals(0, h.counters.rtxSent.sum(), "no repair without a NACK");
    }

    /** Moves a stream's packet on to number {@code k}: sequence number, timestamp, transport-wide number. */
    private void advance(byte[] b, int k, int tsStep) {
        ByteIo.writeU16(b, 2, k & 0xFFFF);
        ByteIo.writeInt(b, 4, k * tsStep);
        ByteIo.writeU16(b, 21, tcc++ & 0xFFFF); // after abs-send-time (bytes 16-19) and the transport-cc header (20)
    }
}
