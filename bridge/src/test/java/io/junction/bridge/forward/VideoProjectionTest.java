package io.junction.bridge.forward;

import io.junction.bridge.codec.FrameInfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * Property-style: a simulated three-layer VP8 simulcast publisher (own SSRC, sequence, timestamp,
 * picture id and TL0PICIDX bases per layer; temporal pattern 0-2-1-2; keyframes now and then and on
 * request), random layer and temporal switches, random loss and reordering. Whatever happens, the
 * subscriber's stream must be one continuous stream.
 */
class VideoProjectionTest {
    /** What a codec would have read of each packet (reused, as the packet path does). */
    private static final FrameInfo FRAME = new FrameInfo();

    /** One packet as the publisher sent it. */
    record Pkt(int encoding, int ssrc, int seq, int ts, int tid, boolean sync, boolean keyStart, boolean frameStart,
               int pictureId, int tl0, int frameNo, long sentNs) {}

    /** One packet as forwarded. */
    record Out(Pkt in, int seq, int ts, int pictureId, int tl0) {}

    static final class Layer {
        final int index;
        final int ssrc;
        int seq;
        int ts;
        int pictureId;
        int tl0;
        int frameInGop;
        boolean keyframeRequested = true;

        Layer(int index, Random r) {
            this.index = index;
            this.ssrc = r.nextInt();
            this.seq = r.nextInt(0x10000);
            this.ts = r.nextInt();
            this.pictureId = r.nextInt(0x8000);
            this.tl0 = r.nextInt(256);
        }
    }

    private static final int[] PATTERN = {0, 2, 1, 2};

    /** Runs a random scenario and checks every property; returns the number of layer switches. */
    static long run(long seed, double loss, boolean reorder) {
        Random r = new Random(seed);
        Layer[] layers = {new Layer(0, r), new Layer(1, r), new Layer(2, r)};
        VideoProjection vp = new VideoProjection(90_000, r.nextInt(0x10000), r.nextInt());
        vp.setTarget(r.nextInt(3), VideoProjection.ALL_TEMPORAL);
        List<Out> out = new ArrayList<>();
        List<Pkt> lostForwardable = new ArrayList<>();
        List<Pkt> pending = new ArrayList<>();
        long now = 1_000_000_000L;
        int frameNo = 0;
        int firstFrameOfSwitch = -1;
        for (int f = 0; f < 900; f++) { // 30 s at 30 fps
            now += 33_333_333L;
            frameNo++;
            if (r.nextInt(60) == 0) {
                vp.setTarget(r.nextInt(10) == 0 ? -1 : r.nextInt(3), r.nextInt(4));
            }
            for (Layer l : layers) {
                boolean key = l.keyframeRequested || r.nextInt(300) == 0;
                if (key) {
                    l.keyframeRequested = false;
                    l.frameInGop = 0;
                }
                int tid = key ? 0 : PATTERN[l.frameInGop % 4];
                boolean sync = !key && tid > 0 && l.frameInGop % 4 <= 2 && r.nextInt(3) == 0;
                if (tid == 0) {
                    l.tl0 = (l.tl0 + 1) & 0xFF;
                }
                l.pictureId = (l.pictureId + 1) & 0x7FFF;
                l.ts += 3000;
                int packets = 1 + r.nextInt(key ? 6 : 3);
                for (int k = 0; k < packets; k++) {
                    l.seq = (l.seq + 1) & 0xFFFF;
                    pending.add(new Pkt(l.index, l.ssrc, l.seq, l.ts, tid, sync, key && k == 0, k == 0, l.pictureId,
                            l.tl0, frameNo, now));
                }
                l.frameInGop++;
            }
            if (reorder && pending.size() > 2 && r.nextInt(4) == 0) {
                // reordering within one layer's stream (the order across SSRCs means nothing)
                int i = r.nextInt(pending.size() - 1);
                if (pending.get(i).encoding == pending.get(i + 1).encoding) {
                    pending.add(i, pending.remove(i + 1));
                }
            }
            for (Pkt p : pending) {
                if (r.nextDouble() < loss) {
                    lostForwardable.add(p);
                    continue;
                }
                int before = vp.currentEncoding();
                if (vp.accept(p.encoding, p.ssrc, p.seq, p.ts, FRAME.set(p.tid, p.sync, p.keyStart, p.frameStart, p.pictureId, p.tl0), now)) {
                    if (before != vp.currentEncoding()) {
                        assertTrue(p.keyStart, "a layer switch happens only at the start of a keyframe");
                        firstFrameOfSwitch = p.frameNo;
                    }
                    assertEquals(p.encoding, vp.currentEncoding());
                    assertTrue(p.tid <= vp.currentTemporal(), "temporal layer " + p.tid + " above " + vp.currentTemporal());
                    out.add(new Out(p, vp.outSeq(), vp.outTs(), vp.outPictureId(), vp.outTl0()));
                }
            }
            pending.clear();
            if (vp.wantsKeyframe()) {
                layers[vp.targetEncoding()].keyframeRequested = true;
            }
        }
        assertTrue(firstFrameOfSwitch > 0 || vp.layerSwitches == 0);
        checkContinuity(out, loss == 0, vp.lateTemporalDrops + vp.lateBeforeSwitch);
        return vp.layerSwitches;
    }

    /** The forwarded stream in output-sequence order: no duplicates, and without loss no gaps. */
    static void checkContinuity(List<Out> out, boolean lossless, long allowedGaps) {
        assertFalse(out.isEmpty(), "something was forwarded");
        Set<Integer> seen = new HashSet<>();
        long ext = out.get(0).seq;
        List<long[]> bySeq = new ArrayList<>(); // ext out seq, index
        for (int i = 0; i < out.size(); i++) {
            Out o = out.get(i);
            if (i > 0) {
                ext += (short) (o.seq - (int) (ext & 0xFFFF));
            }
            assertTrue(seen.add(o.seq), "duplicate output sequence number " + o.seq);
            bySeq.add(new long[] {ext, i});
        }
        bySeq.sort((a, b) -> Long.compare(a[0], b[0]));
        int gaps = 0;
        for (int i = 1; i < bySeq.size(); i++) {
            long step = bySeq.get(i)[0] - bySeq.get(i - 1)[0];
            assertTrue(step >= 1);
            gaps += (int) (step - 1);
            if (step > 1 && System.getenv("VP_DEBUG") != null) {
                System.out.println("gap before " + out.get((int) bySeq.get(i)[1]) + " after " + out.get((int) bySeq.get(i - 1)[1]));
            }
        }
        Out prev = null;
        for (long[] e : bySeq) {
            Out o = out.get((int) e[1]);
            if (prev != null) {
                assertTrue(o.ts - prev.ts >= 0, "timestamps go forward with the sequence: " + prev + " then " + o);
                int picStep = (o.pictureId - prev.pictureId) & 0x7FFF;
                if (prev.in.frameNo == o.in.frameNo && prev.in.encoding == o.in.encoding) {
                    assertEquals(0, picStep, "one frame, one picture id");
                    assertEquals(prev.ts, o.ts, "one frame, one timestamp");
                } else if (lossless && e[0] == bySeq.get(bySeq.indexOf(e) - 1)[0] + 1) {
                    assertEquals(1, picStep, "picture ids of forwarded frames follow each other: " + prev + " then " + o);
                    int tl0Step = (o.tl0 - prev.tl0) & 0xFF;
                    assertEquals(o.in.tid == 0 ? 1 : 0, tl0Step, "TL0PICIDX steps once per base-layer frame: " + prev + " then " + o);
                } else {
                    assertTrue(picStep >= 1 && picStep < 0x4000, "picture ids move forward");
                }
            }
            prev = o;
        }
        if (lossless) {
            assertTrue(gaps <= allowedGaps, gaps + " gaps without loss; only " + allowedGaps
                    + " upper-layer packets arrived after later packets had gone out");
        }
    }

    @RepeatedTest(20)
    void continuousAcrossRandomSwitchesWithoutLoss(RepetitionInfo rep) {
        long switches = run(1000 + rep.getCurrentRepetition(), 0, false);
        assertTrue(switches > 0, "the scenario switched layers");
    }

    @RepeatedTest(20)
    void continuousAcrossRandomSwitchesWithReordering(RepetitionInfo rep) {
        run(2000 + rep.getCurrentRepetition(), 0, true);
    }

    @RepeatedTest(20)
    void noDuplicatesAndForwardOnlyWithLossAndReordering(RepetitionInfo rep) {
        run(3000 + rep.getCurrentRepetition(), 0.05, true);
    }

    @Test
    void switchesOnlyAtAKeyframeOfTheTarget() {
        VideoProjection vp = new VideoProjection(90_000, 100, 1000);
        vp.setTarget(0, VideoProjection.ALL_TEMPORAL);
        assertFalse(vp.accept(0, 11, 500, 9000, FRAME.set(0, false, false, true, 7, 1), 0), "no keyframe yet");
        assertTrue(vp.wantsKeyframe());
        assertTrue(vp.accept(0, 11, 501, 9000, FRAME.set(0, false, true, true, 8, 1), 0));
        assertEquals(100, vp.outSeq(), "the first packet continues from the initial sequence number");
        assertFalse(vp.wantsKeyframe());
        vp.setTarget(2, VideoProjection.ALL_TEMPORAL);
        assertTrue(vp.accept(0, 11, 502, 12000, FRAME.set(0, false, false, true, 9, 2), 33_000_000L), "layer 0 goes on until layer 2's keyframe");
        assertFalse(vp.accept(2, 33, 7000, 5, FRAME.set(0, false, false, true, 300, 40), 33_000_000L), "layer 2 delta frame");
        assertTrue(vp.accept(2, 33, 7001, 3005, FRAME.set(0, false, true, true, 301, 41), 66_000_000L));
        assertEquals(102, vp.outSeq());
        assertEquals(10, vp.outPictureId(), "picture id continues");
        assertEquals(3, vp.outTl0(), "TL0PICIDX continues");
        // first packet: the initial timestamp + 1; then 3000 ticks later (4001); then 33 ms (2970 ticks) on
        assertEquals(1000 + 1 + 3000 + 2970, vp.outTs(),
                "timestamp moves on by the elapsed time");
        assertFalse(vp.accept(0, 11, 503, 15000, FRAME.set(0, false, false, true, 10, 3), 66_000_000L), "old layer dropped");
        assertFalse(vp.accept(2, 33, 6999, 5, FRAME.set(0, false, false, false, 300, 40), 66_000_000L),
                "a late packet of the new layer from before its keyframe is dropped");
        assertEquals(1, vp.layerSwitches);
    }

    @Test
    void droppedTemporalLayerLeavesNoGaps() {
        VideoProjection vp = new VideoProjection(90_000, 0, 0);
        vp.setTarget(0, 0);
        assertTrue(vp.accept(0, 1, 10, 0, FRAME.set(0, false, true, true, 100, 5), 0));
        assertFalse(vp.accept(0, 1, 11, 3000, FRAME.set(2, false, false, true, 101, 5), 0));
        assertFalse(vp.accept(0, 1, 12, 6000, FRAME.set(1, false, false, true, 102, 5), 0));
        assertFalse(vp.accept(0, 1, 13, 6000, FRAME.set(1, false, false, false, 102, 5), 0));
        assertTrue(vp.accept(0, 1, 14, 9000, FRAME.set(0, false, false, true, 103, 6), 0));
        assertEquals(1, vp.outSeq());
        assertEquals(101, vp.outPictureId(), "the dropped frames' picture ids are taken out");
        assertEquals(6, vp.outTl0());
        assertEquals(3, vp.droppedTemporal);
    }

    @Test
    void aPendingDownSwitchSendsOnlyTheBaseTemporalLayerOrNothingWhenUrgent() {
        VideoProjection vp = new VideoProjection(90_000, 0, 0);
        vp.setTarget(2, VideoProjection.ALL_TEMPORAL);
        assertTrue(vp.accept(2, 9, 100, 0, FRAME.set(0, false, true, true, 1, 1), 0));
        assertTrue(vp.accept(2, 9, 101, 3000, FRAME.set(2, false, false, true, 2, 1), 0));
        vp.setTarget(0, VideoProjection.ALL_TEMPORAL);
        assertFalse(vp.accept(2, 9, 102, 6000, FRAME.set(1, false, false, true, 3, 1), 0), "waiting for layer 0: no upper temporal layers");
        assertTrue(vp.accept(2, 9, 103, 9000, FRAME.set(0, false, false, true, 4, 2), 0), "base layer goes on until the keyframe");
        vp.setTarget(0, VideoProjection.ALL_TEMPORAL, true);
        assertFalse(vp.accept(2, 9, 104, 12000, FRAME.set(0, false, false, true, 5, 3), 0), "urgent: the old layer stops at once");
        assertTrue(vp.accept(0, 7, 500, 40, FRAME.set(0, false, true, true, 90, 60), 0), "the new layer starts at its keyframe");
        assertEquals(1, vp.urgentStops);
    }

    /** A packet described by a dependency descriptor: temporal layer, switch points, frame number (no picture id). */
    private static FrameInfo dd(FrameInfo f, int tid, boolean key, int switchPoints, int frameNumber) {
        f.set(tid, false, key, true, FrameInfo.NONE, FrameInfo.NONE);
        f.dependencies = true;
        f.presentInSpatial = 1;
        f.temporalSwitchPoints = switchPoints;
        f.frameNumber = frameNumber;
        return f;
    }

    /**
     * With a dependency descriptor a temporal layer goes up exactly where the descriptor says its
     * target may start (Chromium's L1T3: T0 frames start every target, a T1 frame only the top one).
     */
    @Test
    void dependencyDescriptorSwitchPointsDecideTemporalUpSwitches() {
        VideoProjection vp = new VideoProjection(90_000, 0, 0);
        FrameInfo f = new FrameInfo();
        vp.setTarget(0, 0);
        assertTrue(vp.accept(0, 1, 10, 0, dd(f, 0, true, 0b111, 100), 0));
        assertFalse(vp.accept(0, 1, 11, 3000, dd(f, 2, false, 0, 101), 0));
        vp.setTarget(0, 1);
        assertFalse(vp.accept(0, 1, 12, 6000, dd(f, 1, false, 0b100, 102), 0),
                "a T1 frame that is no switch point of the two-layer target");
        assertEquals(0, vp.currentTemporal());
        assertFalse(vp.accept(0, 1, 13, 9000, dd(f, 2, false, 0, 103), 0));
        assertTrue(vp.accept(0, 1, 14, 12000, dd(f, 0, false, 0b111, 104), 0));
        assertEquals(1, vp.currentTemporal(), "up at the base-layer frame, which starts every target");
        assertEquals(104, vp.outFrameNumber(), "frame numbers keep their gaps");
        vp.setTarget(0, 2);
        assertFalse(vp.accept(0, 1, 15, 15000, dd(f, 2, false, 0, 105), 0));
        assertTrue(vp.accept(0, 1, 16, 18000, dd(f, 1, false, 0b100, 106), 0), "T1 is forwarded (current 1)");
        assertEquals(2, vp.currentTemporal(), "and is a switch point of the three-layer target");
        assertTrue(vp.accept(0, 1, 17, 21000, dd(f, 2, false, 0, 107), 0));
    }

    /**
     * Encodings that count their descriptor frames separately: after a switch the receiver's frame
     * numbers go on from the last it got (a receiver drops a keyframe numbered below the previous
     * keyframe), and differences within the new encoding stay.
     */
    @Test
    void dependencyDescriptorFrameNumbersContinueAcrossAnEncodingSwitch() {
        VideoProjection vp = new VideoProjection(90_000, 0, 0);
        FrameInfo f = new FrameInfo();
        vp.setTarget(2, VideoProjection.ALL_TEMPORAL);
        assertTrue(vp.accept(2, 9, 100, 0, dd(f, 0, true, 0b111, 40_000), 0));
        assertEquals(40_000, vp.outFrameNumber(), "the first encoding's numbers as they are");
        assertTrue(vp.accept(2, 9, 101, 3000, dd(f, 0, false, 0b111, 40_003), 0));
        vp.setTarget(0, VideoProjection.ALL_TEMPORAL);
        assertTrue(vp.accept(0, 7, 500, 40, dd(f, 0, true, 0b111, 12), 0));
        assertEquals(40_004, vp.outFrameNumber(), "the new encoding continues after the last number sent");
        assertTrue(vp.accept(0, 7, 501, 3040, dd(f, 0, false, 0b111, 15), 0));
        assertEquals(40_007, vp.outFrameNumber(), "its own differences kept");
        vp.setTarget(2, VideoProjection.ALL_TEMPORAL);
        assertTrue(vp.accept(2, 9, 140, 90000, dd(f, 0, true, 0b111, 65_534), 0));
        assertEquals(40_008, vp.outFrameNumber());
        assertTrue(vp.accept(2, 9, 141, 93000, dd(f, 0, false, 0b111, 1), 0));
        assertEquals(40_011, vp.outFrameNumber(), "across the 16-bit wrap");
    }
}
