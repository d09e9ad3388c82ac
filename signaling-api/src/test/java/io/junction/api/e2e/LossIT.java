package io.junction.api.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.api.TestServer;
import io.junction.bridge.stats.MediaCounters;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 5 % random loss on media in both directions (nft rules in the test's own namespace, on the
 * bridge's media port), two participants for 30 s. On the publisher → bridge leg the bridge NACKs
 * the publisher and forwards what its RTX repairs; on the bridge → receiver leg the receiver NACKs
 * and the bridge answers from its retransmission cache. Video must keep at least 80 % of the frame
 * rate measured without loss in the same test, with few freezes; audio (not retransmitted: Opus
 * conceals) must stay under {@link #MAX_CONCEALED_FRACTION} concealed samples.
 */
class LossIT {
    static final int LOSS_PERCENT = 5;
    static final int BASELINE_S = 10;
    static final int LOSS_S = 30;
    /** Audio crosses two lossy legs (≈ 9.75 % end-to-end packet loss) with no retransmission. */
    static final double MAX_CONCEALED_FRACTION = 0.15;
    static final long MAX_FREEZES = 3;

    static void run(String... args) throws Exception {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", args) + ": " + out);
    }

    /** Receiver-side counters: video nack/frames/freezes, audio concealment. */
    @SuppressWarnings("unchecked")
    static Map<String, Number> inbound(Participant p) {
        return (Map<String, Number>) p.browser.jsAsync("""
                const done = arguments[arguments.length - 1];
                window.junctionRoom.pc.getStats().then((s) => {
                  const o = {nack: 0, frames: 0, lost: 0, freezes: 0, videoPackets: 0, concealed: 0, samples: 0, audioLost: 0,
                             sentFrames: 0, bwe: 0, sentHeight: 0, limit: 0, retransmitted: 0,
                             rtxIn: 0, framesDropped: 0, pli: 0, keyframes: 0, discarded: 0};
                  s.forEach((r) => {
                    if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) o.bwe = r.availableOutgoingBitrate;
                    if (r.type === 'outbound-rtp' && r.kind === 'video') {
                      o.sentFrames += r.framesEncoded || 0; o.sentHeight = r.frameHeight || 0;
                      o.limit = ['none', 'cpu', 'bandwidth', 'other'].indexOf(r.qualityLimitationReason);
                      o.retransmitted += r.retransmittedPacketsSent || 0;
                    }
                    if (r.type !== 'inbound-rtp') return;
                    if (r.kind === 'video') {
                      o.nack += r.nackCount || 0; o.frames += r.framesDecoded || 0; o.lost += r.packetsLost || 0;
                      o.freezes += r.freezeCount || 0; o.videoPackets += r.packetsReceived || 0;
                      o.rtxIn += r.retransmittedPacketsReceived || 0; o.framesDropped += r.framesDropped || 0;
                      o.pli += r.pliCount || 0; o.keyframes += r.keyFramesDecoded || 0; o.discarded += r.packetsDiscarded || 0;
                    } else {
                      o.concealed += r.concealedSamples || 0; o.samples += r.totalSamplesReceived || 0;
                      o.audioLost += r.packetsLost || 0;
                    }
                  });
                  done(o); });
                """);
    }

    static double delta(Map<String, Number> after, Map<String, Number> before, String key) {
        return after.get(key).doubleValue() - before.get(key).doubleValue();
    }

    @Test
    void videoKeepsDecodingAtFivePercentLossBothWays() throws Exception {
        LoopbackNamespace.assertLoopbackOnly();
        try (TestServer t = TestServer.start(); Participant a = new Participant("LossA"); Participant b = new Participant("LossB")) {
            a.join(t.publicUrl(""), "lossy");
            b.join(t.publicUrl(""), "lossy");
            CallIT.await("both joined", 15000, () -> a.joined() && b.joined());
            String ida = a.endpointId();
            String idb = b.endpointId();
            CallIT.await("each decodes the other", 20000, () -> {
                Participant.Remote ra = b.remotes().get(ida);
                Participant.Remote rb = a.remotes().get(idb);
                return ra != null && ra.framesDecoded() > 0 && rb != null && rb.framesDecoded() > 0;
            });
            Thread.sleep(3000); // past the start-up ramp
            Participant[] receivers = {a, b};
            Map<String, Number>[] base0 = snapshot(receivers);
            Thread.sleep(BASELINE_S * 1000L);
            Map<String, Number>[] base1 = snapshot(receivers);

            MediaCounters c = t.server.bridge().media().counters();
            long nackSent0 = c.nackSentPackets.sum();
            long recovered0 = c.rtxRecovered.sum();
            long rtxSent0 = c.rtxSent.sum();
            long rtxBytes0 = c.rtxBytesSent.sum();
            long gaveUp0 = c.lossGivenUp.sum();
            long missing0 = c.nackMissing.sum();
            long repairNs0 = c.repairDelayNs.sum();
            long keyframes0 = c.keyframeRequestsSent.sum();
            long pliIn0 = c.pliReceived.sum();
            String port = String.valueOf(t.server.bridge().mediaPort());
            run("nft", "add", "table", "inet", "junction_test");
            // Dropped on input, as a lossy network would: a drop on the output hook fails the sender's
            // sendto() with EPERM, which Chromium treats as a send error rather than as loss.
            // On loopback every datagram crosses the input hook once: sport = bridge → browser, dport = browser → bridge.
            run("nft", "add", "chain", "inet", "junction_test", "in", "{ type filter hook input priority 0 ; }");
            run("nft", "add", "rule", "inet", "junction_test", "in", "udp", "sport", port,
                    "numgen", "random", "mod", "100", "<", String.valueOf(LOSS_PERCENT), "drop");
            run("nft", "add", "rule", "inet", "junction_test", "in", "udp", "dport", port,
                    "numgen", "random", "mod", "100", "<", String.valueOf(LOSS_PERCENT), "drop");
            Map<String, Number>[] loss0;
            Map<String, Number>[] loss1;
            try {
                loss0 = snapshot(receivers);
                Thread.sleep(LOSS_S * 1000L);
                loss1 = snapshot(receivers);
            } finally {
                run("nft", "delete", "table", "inet", "junction_test");
            }
            long bridgeNacked = c.nackSentPackets.sum() - nackSent0;
            long recovered = c.rtxRecovered.sum() - recovered0;
            long rtxSent = c.rtxSent.sum() - rtxSent0;
            long rtxBytes = c.rtxBytesSent.sum() - rtxBytes0;
            StringBuilder report = new StringBuilder(String.format(
                    "loss %d%% both ways, %d s: bridge NACKed %d publisher packets, %d repaired by RTX (mean %.1f ms after the gap), "
                            + "%d given up; answered receivers' NACKs with %d RTX (%d bytes), %d not in cache; "
                            + "PLI from receivers %d, keyframe requests to publishers %d; send errors %d",
                    LOSS_PERCENT, LOSS_S, bridgeNacked, recovered,
                    recovered == 0 ? 0 : (c.repairDelayNs.sum() - repairNs0) / 1e6 / recovered,
                    c.lossGivenUp.sum() - gaveUp0, rtxSent, rtxBytes,
                    c.nackMissing.sum() - missing0, c.pliReceived.sum() - pliIn0, c.keyframeRequestsSent.sum() - keyframes0, c.sendErrors.sum()));
            java.util.List<String> failures = new java.util.ArrayList<>();
            for (int i = 0; i < receivers.length; i++) {
                double baseFps = delta(base1[i], base0[i], "frames") / BASELINE_S;
                double lossFps = delta(loss1[i], loss0[i], "frames") / LOSS_S;
                double nacks = delta(loss1[i], loss0[i], "nack");
                double freezes = delta(loss1[i], loss0[i], "freezes");
                double samples = delta(loss1[i], loss0[i], "samples");
                double concealed = samples <= 0 ? 1 : delta(loss1[i], loss0[i], "concealed") / samples;
                double audioLost = delta(loss1[i], loss0[i], "audioLost");
                String who = receivers[i].name;
                report.append(String.format("%n  %s as publisher: encoded %.1f fps without loss, %.1f with; now %sp, estimate %.0f bit/s, limit %s, retransmitted %.0f",
                        who, delta(base1[i], base0[i], "sentFrames") / BASELINE_S, delta(loss1[i], loss0[i], "sentFrames") / LOSS_S,
                        loss1[i].get("sentHeight"), loss1[i].get("bwe").doubleValue(), loss1[i].get("limit"),
                        delta(loss1[i], loss0[i], "retransmitted")));
                report.append(String.format("%n  %s receiving: video packets %.0f, lost %.0f, retransmitted received %.0f, discarded %.0f, "
                                + "frames dropped %.0f, PLI sent %.0f, keyframes decoded %.0f",
                        who, delta(loss1[i], loss0[i], "videoPackets"), delta(loss1[i], loss0[i], "lost"), delta(loss1[i], loss0[i], "rtxIn"),
                        delta(loss1[i], loss0[i], "discarded"), delta(loss1[i], loss0[i], "framesDropped"),
                        delta(loss1[i], loss0[i], "pli"), delta(loss1[i], loss0[i], "keyframes")));
                report.append(String.format("%n  %s: %.1f fps without loss, %.1f fps with (%.0f %%), receiver NACKs %.0f, "
                                + "freezes %.0f, audio packets lost %.0f, concealed %.1f %% of samples",
                        who, baseFps, lossFps, 100 * lossFps / baseFps, nacks, freezes, audioLost, 100 * concealed));
                check(failures, nacks > 0, who + " NACKed");
                check(failures, lossFps >= 0.8 * baseFps, who + " keeps 80 % of its frame rate");
                check(failures, freezes <= MAX_FREEZES, who + " has at most " + MAX_FREEZES + " freezes");
                check(failures, concealed <= MAX_CONCEALED_FRACTION, who + " conceals at most " + MAX_CONCEALED_FRACTION);
            }
            report.append(String.format("%n  bridge drops:"));
            for (io.junction.bridge.stats.DropReason r : io.junction.bridge.stats.DropReason.values()) {
                if (c.drops(r) > 0) {
                    report.append(' ').append(r.label()).append('=').append(c.drops(r));
                }
            }
            assertTrue(failures.isEmpty(), failures + ": " + report);
            System.out.println(report);
            assertTrue(bridgeNacked > 0, "the bridge NACKed the publishers: " + report);
            assertTrue(recovered > 0, "publishers' RTX repaired losses: " + report);
            assertTrue(rtxSent > 0, "the bridge answered receivers with RTX: " + report);
        }
    }

    private static void check(java.util.List<String> failures, boolean ok, String what) {
        if (!ok) {
            failures.add(what);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Number>[] snapshot(Participant[] ps) {
        Map<String, Number>[] out = new Map[ps.length];
        for (int i = 0; i < ps.length; i++) {
            out[i] = inbound(ps[i]);
        }
        return out;
    }
}
