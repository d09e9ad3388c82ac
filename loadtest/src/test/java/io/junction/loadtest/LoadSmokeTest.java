package io.junction.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.JunctionServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CI run of the load tool: a real bridge (in this JVM, on loopback) and 2 conferences x 3
 * synthetic endpoints (2 publishers, 1 subscriber) speaking REST, WebSocket, ICE, DTLS and SRTP for
 * 10 s. Everything the bridge forwards must arrive, in sequence, with nothing lost.
 */
class LoadSmokeTest {
    private static JunctionServer server;

    @BeforeAll
    static void startBridge() throws Exception {
        server = TestBridge.start(TestBridge.LOOPBACK_MEDIA);
    }

    @AfterAll
    static void stopBridge() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void twoConferencesOfThreeForwardEverythingInSequence() throws Exception {
        Options options = Options.parse("--admin", "http://127.0.0.1:" + server.adminPort(), "--conferences", "2",
                "--publishers", "2", "--subscribers", "1", "--duration", "10", "--video-bitrate", "300k",
                "--no-baseline");
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        RtpBytes before = RtpBytes.now();
        var media = server.bridge().media().counters();
        long callsBefore = media.sendCalls.sum();
        long datagramsBefore = media.sendCallDatagrams.sum();
        long readBefore = media.receiveCallDatagrams.sum();
        long sentByPublishersBefore = media.packetsReceived.sum();
        long sendErrorsBefore = media.sendErrors.sum();
        // While it runs: in every scrape, each bridge-wide bitrate is the sum of the two conferences'.
        java.util.concurrent.atomic.AtomicInteger checked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<String> mismatches = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread scraper = new Thread(() -> scrapeWhileRunning(checked, mismatches));
        scraper.start();
        java.util.concurrent.atomic.AtomicInteger events = new java.util.concurrent.atomic.AtomicInteger();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        var dashboard = http.sendAsync(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + server.adminPort() + "/v1/dashboard/events")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> response.body().forEach(line -> checkDashboardEvent(line, events, mismatches)));
        LoadRun run = new LoadRun(options, new PrintStream(progress, true, StandardCharsets.UTF_8));
        Report r;
        try {
            r = run.run();
        } finally {
            scraper.interrupt();
            scraper.join();
            dashboard.cancel(true);
        }
        String text = r.text();
        System.out.print(progress.toString(StandardCharsets.UTF_8));
        System.out.print(text);
        System.out.println(r.json());

        assertEquals(6, r.connected(), "every endpoint connects: " + r.failures());
        assertEquals(6, r.connectedAtEnd(), "and stays connected: " + r.failures());
        // Each publisher's audio (50/s) and video (about 30 frames/s) reach the two other endpoints.
        double perPublisher = r.sentPacketsPerSecond() / 4;
        assertTrue(perPublisher > 70, "publishers send audio and video: " + text);
        assertTrue(r.forwardedPacketsPerSecond() > r.sentPacketsPerSecond() * 2 * 0.95,
                "the bridge forwards each packet to both other endpoints: " + text);
        assertTrue(r.expectedPackets() > 5_000, text);
        assertEquals(0, r.lostPackets(), "no sequence gaps: " + text);
        assertEquals(0, r.lostBeforeMeasuring(), "no loss in the settle time either: " + text);
        assertEquals(0, r.sequenceGaps(), "continuous RTP sequence numbers: " + text);
        assertTrue(r.deliveredPercentOfFanOut() > 99.5, "every packet reaches every other endpoint: " + text);
        assertEquals(0, r.latePackets(), "no reordering or duplicates: " + text);
        assertEquals(0, r.srtpErrors(), text);
        assertTrue(r.latencyP50Ms() > 0 && r.latencyP50Ms() < 50, "latency measured from the payload stamp: " + text);
        assertTrue(r.joinP50Ms() > 0, text);
        assertTrue(r.bridgeCpuSeconds() > 0, "bridge CPU read from /metrics: " + text);
        String json = r.json();
        assertTrue(json.contains("\"forwardedPacketsPerSecond\"") && json.contains("\"cpuMicrosPerForwardedPacket\""), json);
        assertEquals(0, server.bridge().conferences().size(), "the tool removes what it created");
        // The media went out through the packet workers' native send batches, not ice4j: a packet's
        // fan-out to two receivers leaves in one system call.
        long calls = media.sendCalls.sum() - callsBefore;
        long datagrams = media.sendCallDatagrams.sum() - datagramsBefore;
        System.out.printf("native sends: %d datagrams in %d system calls (%.2f per call)%n", datagrams, calls,
                (double) datagrams / Math.max(1, calls));
        assertTrue(datagrams >= r.expectedPackets(), "every forwarded packet went out natively: " + datagrams + " datagrams, "
                + r.expectedPackets() + " packets expected by the clients");
        assertTrue(datagrams > calls * 1.5, "batched: " + datagrams + " datagrams in " + calls + " calls");
        assertEquals(0, media.sendErrors.sum() - sendErrorsBefore, "no send errors");
        // ... and came in on the packet workers' own connected sockets: nearly every datagram the bridge
        // received (the rest: ICE checks and the DTLS handshake, before a pair is selected, through ice4j)
        long read = media.receiveCallDatagrams.sum() - readBefore;
        long received = media.packetsReceived.sum() - sentByPublishersBefore;
        System.out.printf("native reads: %d of %d datagrams received%n", read, received);
        assertTrue(read >= received * 0.98, "read natively: " + read + " of " + received);

        // Bandwidth truth: the bridge's wire counters against what the clients themselves sent and received.
        System.out.println(checked.get() + " scrapes and " + events.get() + " dashboard events compared");
        assertTrue(mismatches.isEmpty(), "bridge-wide bitrate = sum of the conferences' in every scrape: " + mismatches);
        assertTrue(checked.get() >= 5, "scrapes with two conferences: " + checked.get());
        assertTrue(events.get() >= 3, "dashboard events with two conferences: " + events.get());
        RtpBytes.now().minus(before).assertMatches(run.rtpBytesSentAndReceived());
    }

    /** The bridge's RTP byte counters (SRTP size): wire in, accepted, dropped, wire out. */
    private record RtpBytes(long wireIn, long accepted, long dropped, long wireOut) {
        static RtpBytes now() {
            var c = server.bridge().media().counters();
            long dropped = 0;
            for (io.junction.bridge.stats.DropReason reason : io.junction.bridge.stats.DropReason.values()) {
                dropped += c.dropBytes(reason);
            }
            return new RtpBytes(c.rtpWireBytesIn.sum(), c.rtpBytesIn[0].sum() + c.rtpBytesIn[1].sum(), dropped,
                    c.rtpWireBytesOut.sum());
        }

        RtpBytes minus(RtpBytes o) {
            return new RtpBytes(wireIn - o.wireIn, accepted - o.accepted, dropped - o.dropped, wireOut - o.wireOut);
        }

        /** Bandwidth truth: against what the clients themselves sent and received ({@link LoadRun#rtpBytesSentAndReceived}). */
        void assertMatches(long[] clients) {
            String bytes = String.format("clients sent %d B, bridge wire in %d B (accepted %d + dropped %d); bridge wire out %d B, "
                    + "clients received %d B", clients[0], wireIn, accepted, dropped, wireOut, clients[1]);
            System.out.println(bytes);
            assertEquals(clients[0], wireIn, "every RTP byte the clients sent is counted on the wire: " + bytes);
            assertEquals(wireIn, accepted + dropped, "wire in = accepted + dropped: " + bytes);
            // the bridge may send a last packet or two after a client stopped reading
            assertTrue(wireOut >= clients[1] && wireOut - clients[1] <= wireOut / 200, "wire out = what the clients received: " + bytes);
        }
    }

    /** One dashboard event ({@code data: {...}}): with two conferences, the totals must be the sums of the rows. */
    private static void checkDashboardEvent(String line, java.util.concurrent.atomic.AtomicInteger events, java.util.List<String> mismatches) {
        if (!line.startsWith("data: ")) {
            return;
        }
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.substring(6));
            var conferences = json.get("conferences");
            if (conferences.size() != 2 || json.get("bitrateInBps").asDouble() == 0) {
                return;
            }
            for (String field : new String[] {"bitrateInBps", "bitrateOutBps"}) {
                double sum = 0;
                for (var c : conferences) {
                    sum += c.get(field).asDouble();
                }
                double total = json.get(field).asDouble();
                if (Math.abs(total - sum) > 1e-6 * total) {
                    mismatches.add("dashboard " + field + ": " + total + " vs " + sum);
                }
            }
            events.incrementAndGet();
        } catch (java.io.IOException e) {
            mismatches.add("dashboard event unreadable: " + e);
        }
    }

    /** Scrapes /metrics every 300 ms until interrupted; records scrapes where bridge-wide != sum over conferences. */
    private static void scrapeWhileRunning(java.util.concurrent.atomic.AtomicInteger checked, java.util.List<String> mismatches) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics");
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(300);
                String body = http.send(java.net.http.HttpRequest.newBuilder(uri).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                for (String family : new String[] {"bitrate", "media_bitrate"}) {
                    for (String direction : new String[] {"in", "out"}) {
                        double bridge = 0;
                        double sum = 0;
                        int conferences = 0;
                        for (String line : body.split("\n")) {
                            int space = line.lastIndexOf(' ');
                            if (line.startsWith("#") || space < 0 || !line.contains("direction=\"" + direction + "\"")) {
                                continue;
                            }
                            double v = Double.parseDouble(line.substring(space + 1));
                            if (line.startsWith("junction_" + family + "_bits_per_second{")) {
                                bridge = v;
                            } else if (line.startsWith("junction_conference_" + family + "_bits_per_second{")) {
                                sum += v;
                                conferences++;
                            }
                        }
                        if (conferences == 2 && bridge > 0) {
                            checked.incrementAndGet();
                            if (Math.abs(bridge - sum) > 1e-6 * bridge) {
                                mismatches.add(family + " " + direction + ": " + bridge + " vs " + sum);
                            }
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (java.io.IOException e) {
                mismatches.add("scrape failed: " + e);
            }
        }
    }

    /**
     * The same call while every publisher also sends 20 garbage packets a second (unknown SSRCs and
     * rids, broken headers, junk RTCP and transport-cc feedback, truncated VP8): the bridge drops and
     * counts them, and the real media still arrives complete and in sequence.
     */
    @Test
    void malformedPacketsAreDroppedAndDisturbNobody() throws Exception {
        var counters = server.bridge().media().counters();
        long dropsBefore = totalDrops(counters);
        RtpBytes before = RtpBytes.now();
        Options options = Options.parse("--admin", "http://127.0.0.1:" + server.adminPort(), "--conferences", "1",
                "--publishers", "2", "--subscribers", "1", "--duration", "8", "--video-bitrate", "300k",
                "--no-baseline", "--malformed-rate", "20", "--quiet");
        LoadRun run = new LoadRun(options, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        Report r = run.run();
        String text = r.text();
        System.out.print(text);
        long drops = totalDrops(counters) - dropsBefore;
        RtpBytes bytes = RtpBytes.now().minus(before);
        bytes.assertMatches(run.rtpBytesSentAndReceived());
        assertTrue(bytes.dropped() > 0, "the garbage RTP is counted in dropped bytes: " + bytes);
        System.out.println("bridge drops during the malformed run: " + drops);
        assertEquals(3, r.connectedAtEnd(), "every endpoint stays connected: " + r.failures());
        assertTrue(drops >= 100, "the garbage was dropped and counted: " + drops); // RTCP for unknown SSRCs is ignored, not counted
        assertEquals(0, r.lostPackets(), "no real packet lost: " + text);
        assertEquals(0, r.sequenceGaps(), text);
        assertTrue(r.deliveredPercentOfFanOut() > 99.5, text);
        assertEquals(0, r.srtpErrors(), text);
    }

    /** VP9 synthetic streams (valid descriptors): forwarded whole, their keyframes recognised by the bridge. */
    @Test
    void vp9StreamsAreForwardedWhole() throws Exception {
        streamsOfCodecAreForwardedWhole("vp9");
    }

    /**
     * AV1 synthetic streams with a dependency descriptor: the bridge reads every descriptor (none
     * unreadable), forwards the streams whole with the descriptor rewritten per receiver.
     */
    @Test
    void av1StreamsWithDependencyDescriptorsAreForwardedWhole() throws Exception {
        long unreadableBefore = server.bridge().media().counters().dependencyDescriptorsUnreadable.sum();
        streamsOfCodecAreForwardedWhole("av1");
        assertEquals(unreadableBefore, server.bridge().media().counters().dependencyDescriptorsUnreadable.sum(),
                "every descriptor read");
    }

    /**
     * Two publishers of {@code codec} and a subscriber, 5 s: nothing lost, no sequence gaps, and the
     * bridge read their keyframes (one every 3 s from each publisher).
     */
    private void streamsOfCodecAreForwardedWhole(String codec) throws Exception {
        var counters = server.bridge().media().counters();
        long keyframesBefore = counters.keyframesReceived.sum();
        Options options = Options.parse("--admin", "http://127.0.0.1:" + server.adminPort(), "--conferences", "1",
                "--publishers", "2", "--subscribers", "1", "--duration", "5", "--video-bitrate", "300k",
                "--no-baseline", "--codec", codec, "--quiet");
        LoadRun run = new LoadRun(options, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        Report r = run.run();
        String text = r.text();
        System.out.print(text);
        assertEquals(3, r.connectedAtEnd(), r.failures().toString());
        assertEquals(0, r.lostPackets(), text);
        assertEquals(0, r.sequenceGaps(), text);
        assertTrue(r.deliveredPercentOfFanOut() > 99.5, text);
        assertTrue(counters.keyframesReceived.sum() - keyframesBefore >= 2,
                "the bridge read the " + codec + " keyframes (a keyframe every 3 s from each publisher)");
    }

    /** The generator's descriptors, read by the bridge's reader: a keyframe with its structure, then delta frames. */
    @Test
    void generatedDependencyDescriptorsAreValid() {
        byte[] d = new byte[16];
        io.junction.bridge.codec.DependencyDescriptor reader = new io.junction.bridge.codec.DependencyDescriptor();
        io.junction.bridge.codec.FrameInfo f = new io.junction.bridge.codec.FrameInfo();
        int len = MediaGenerator.dependencyDescriptor(d, 65_535, true, true, false);
        assertTrue(reader.read(d, 0, len));
        reader.describe(f);
        assertTrue(f.keyframeStart && f.startOfFrame && !f.endOfLayerFrame, "a keyframe's first packet");
        assertEquals(65_535, f.frameNumber);
        assertEquals(0, f.temporalId);
        assertEquals(1, reader.decodeTargets());
        f.reset();
        len = MediaGenerator.dependencyDescriptor(d, 0, false, false, true);
        assertEquals(3, len);
        assertTrue(reader.read(d, 0, len), "later packets use the structure");
        reader.describe(f);
        assertTrue(!f.keyframeStart && !f.startOfFrame && f.endOfLayerFrame);
        assertEquals(1, reader.frameDiffCount(), "a delta frame refers to the one before");
        assertEquals(0b1, f.temporalSwitchPoints);
    }

    private static long totalDrops(io.junction.bridge.stats.MediaCounters c) {
        long n = c.rtcpFeedbackDropped.sum();
        for (io.junction.bridge.stats.DropReason reason : io.junction.bridge.stats.DropReason.values()) {
            n += c.drops(reason);
        }
        return n;
    }
}
