package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.codec.FrameInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * Property-style, for one scalable stream (VP9 SVC: three spatial layers in one SSRC, temporal pattern
 * 0-2-1-2, as Chromium sends {@code L3T3_KEY} and {@code L3T3}): random spatial and temporal targets,
 * random loss and reordering. The receiver must get a stream it can decode: no sequence gaps without
 * loss, every forwarded layer frame's references forwarded, the RTP marker on the last packet of each
 * picture, and spatial switches only where the structure allows them.
 */
class SvcProjectionTest {
    private static final int[] PATTERN = {0, 2, 1, 2};
    private static final int LAYERS = 3;
    private static final boolean DEBUG = System.getenv("SVC_DEBUG") != null;

    /** One packet as the publisher sent it. */
    record Pkt(int seq, int ts, int picture, int pictureId, int sid, int tid, boolean key, boolean begin, boolean end,
               boolean marker, boolean interPicture, boolean interLayer, boolean sync, int frameNumber) {}

    /** One packet as forwarded ({@code frameNumber}: of its dependency descriptor, -1 without). */
    record Out(Pkt in, int seq, int pictureId, boolean marker, int frameNumber, int inFrameNumber) {}

    /** The reference of a delta layer frame: the latest earlier picture of a lower temporal layer (or the base). */
    static int reference(List<Integer> tids, int picture) {
        int tid = tids.get(picture);
        for (int q = picture - 1; q >= 0; q--) {
            int t = tids.get(q);
            if (t == 0 || t < tid) {
                return q;
            }
        }
        return -1;
    }

    static void run(long seed, boolean kSvc, double loss, boolean reorder) {
        run(seed, kSvc, loss, reorder, false);
    }

    /**
     * With {@code dd}, the layers are described as a dependency descriptor describes them
     * ({@link FrameInfo#dependencies}): which spatial layers' decode targets need each layer frame, and
     * base temporal layer frames as switch points of every temporal target; the payload descriptor's
     * own hints (layer sync, k-SVC) are left out, so only the descriptor can make the stream decodable.
     */
    static void run(long seed, boolean kSvc, double loss, boolean reorder, boolean dd) {
        Random r = new Random(seed);
        int frameNumber = r.nextInt(0x10000);
        VideoProjection vp = new VideoProjection(90_000, r.nextInt(0x10000), r.nextInt());
        vp.setTarget(0, r.nextInt(LAYERS), VideoProjection.ALL_TEMPORAL, false);
        FrameInfo frame = new FrameInfo();
        int seq = r.nextInt(0x10000);
        int ts = r.nextInt();
        int pictureId = r.nextInt(0x8000);
        boolean keyRequested = true;
        int gop = 0;
        List<Integer> tids = new ArrayList<>();
        List<Boolean> keys = new ArrayList<>();
        List<Out> out = new ArrayList<>();
        long now = 1_000_000_000L;
        for (int picture = 0; picture < 900; picture++) {
            now += 33_333_333L;
            if (r.nextInt(30) == 0) {
                vp.setTarget(0, r.nextInt(LAYERS), r.nextInt(4), false);
            }
            boolean key = keyRequested || r.nextInt(300) == 0;
            if (key) {
                keyRequested = false;
                gop = 0;
            }
            int tid = key ? 0 : PATTERN[gop % 4];
            gop++;
            tids.add(tid);
            keys.add(key);
            pictureId = (pictureId + 1) & 0x7FFF;
            ts += 3000;
            int ref = key ? -1 : reference(tids, picture);
            boolean sync = key || tids.get(ref) == 0; // refers only to the base layer
            List<Pkt> pending = new ArrayList<>();
            for (int sid = 0; sid < LAYERS; sid++) {
                int packets = 1 + r.nextInt(key ? 4 : 3);
                boolean interLayer = sid > 0 && (key || !kSvc);
                for (int k = 0; k < packets; k++) {
                    seq = (seq + 1) & 0xFFFF;
                    boolean end = k == packets - 1;
                    pending.add(new Pkt(seq, ts, picture, pictureId, sid, tid, key && sid == 0 && k == 0, k == 0, end,
                            end && sid == LAYERS - 1, !key, interLayer, sync, frameNumber));
                }
                frameNumber = (frameNumber + 1) & 0xFFFF; // one descriptor frame per layer frame
            }
            if (reorder && r.nextInt(4) == 0) {
                int i = r.nextInt(pending.size() - 1);
                pending.add(i, pending.remove(i + 1));
            }
            for (Pkt p : pending) {
                if (r.nextDouble() < loss) {
                    continue;
                }
                frame.reset();
                frame.valid = true;
                frame.pictureIdGaps = true;
                frame.temporalId = p.tid;
                frame.spatialId = p.sid;
                frame.layerSync = p.sync;
                frame.keyframeStart = p.key;
                frame.startOfFrame = p.begin && p.sid == 0;
                frame.endOfLayerFrame = p.end;
                frame.marker = p.marker;
                frame.interPicturePredicted = p.interPicture;
                frame.interLayerPredicted = p.interLayer;
                frame.layersIndependent = kSvc;
                frame.spatialLayers = LAYERS;
                frame.pictureId = p.pictureId;
                if (dd) {
                    frame.dependencies = true;
                    frame.frameNumber = p.frameNumber;
                    frame.layerSync = false;
                    frame.interPicturePredicted = false; // not what decides with a descriptor
                    // the decode targets of layer s need this layer frame: its own, and every one above
                    // it in keyframe pictures (or always, in full SVC)
                    boolean upperBuildOnIt = !p.interPicture || !kSvc;
                    frame.presentInSpatial = upperBuildOnIt ? ((1 << LAYERS) - 1) & ~((1 << p.sid) - 1) : 1 << p.sid;
                    frame.temporalSwitchPoints = p.tid == 0 ? 0b111 : 0; // base-layer frames start every target
                }
                boolean ok = vp.accept(0, 1234, p.seq, p.ts, frame, now);
                if (DEBUG) {
                    System.out.println(p + (ok ? " -> " + vp.outSeq() : " dropped") + " cur=" + vp.currentSpatial() + "/" + vp.currentTemporal() + " tgt=" + vp.targetSpatial() + "/" + vp.targetTemporal());
                }
                if (ok) {
                    assertTrue(p.sid <= vp.currentSpatial(), "layer " + p.sid + " above " + vp.currentSpatial());
                    assertTrue(p.tid <= vp.currentTemporal());
                    out.add(new Out(p, vp.outSeq(), vp.outPictureId(), vp.outMarker(), vp.outFrameNumber(),
                            dd ? p.frameNumber : -1));
                }
            }
            if (vp.wantsKeyframe()) {
                keyRequested = true;
            }
        }
        check(out, tids, keys, kSvc, loss == 0 && !reorder);
    }

    static void check(List<Out> out, List<Integer> tids, List<Boolean> keys, boolean kSvc, boolean clean) {
        assertFalse(out.isEmpty());
        // sequence numbers: unique; without loss or reordering, no gaps
        Map<Integer, Out> seqs = new HashMap<>();
        for (Out o : out) {
            Out before = seqs.put(o.seq, o);
            assertTrue(before == null, "duplicate output sequence number " + o.seq + ": " + before + " and " + o);
        }
        // picture ids: a constant offset from the publisher's within one run (gaps kept)
        int offset = (out.get(0).pictureId - out.get(0).in.pictureId) & 0x7FFF;
        for (Out o : out) {
            assertEquals(offset, (o.pictureId - o.in.pictureId) & 0x7FFF, "picture ids keep their gaps");
        }
        // descriptor frame numbers: likewise (frames refer to each other by difference)
        int fnOffset = (out.get(0).frameNumber - out.get(0).inFrameNumber) & 0xFFFF;
        for (Out o : out) {
            assertEquals(o.inFrameNumber < 0 ? -1 : (o.inFrameNumber + fnOffset) & 0xFFFF, o.frameNumber,
                    "frame numbers keep their gaps");
        }
        if (!clean) {
            return;
        }
        for (int i = 1; i < out.size(); i++) {
            int step = (out.get(i).seq - out.get(i - 1).seq) & 0xFFFF;
            assertEquals(1, step, "no gap without loss: " + out.get(i - 1) + " then " + out.get(i));
        }
        // per picture: which layer frames were forwarded (whole), the top one, where the marker is
        Map<Integer, List<Out>> byPicture = new HashMap<>();
        for (Out o : out) {
            byPicture.computeIfAbsent(o.in.picture, k -> new ArrayList<>()).add(o);
        }
        Set<Long> decodable = new HashSet<>(); // picture * 8 + sid
        int prevTop = -1;
        for (int picture = 0; picture < tids.size(); picture++) {
            List<Out> got = byPicture.get(picture);
            if (got == null) {
                continue;
            }
            int top = -1;
            for (Out o : got) {
                top = Math.max(top, o.in.sid);
            }
            for (Out o : got) {
                boolean last = o == got.get(got.size() - 1);
                assertEquals(last, o.marker, "the marker ends the picture at its last forwarded packet: " + o);
            }
            boolean key = keys.get(picture);
            if (prevTop >= 0 && top > prevTop) {
                assertTrue(key, "spatial layer up only at a keyframe (picture " + picture + ")");
            }
            if (prevTop >= 0 && top < prevTop && kSvc) {
                assertTrue(key, "k-SVC: spatial layer down only at a keyframe (picture " + picture + ")");
            }
            prevTop = top;
            if (kSvc && !key) {
                for (Out o : got) {
                    assertEquals(top, o.in.sid, "k-SVC: a delta picture's lower layers are of no use to this receiver");
                }
            }
            // every forwarded layer frame can be decoded: its references were forwarded
            Set<Integer> sids = new HashSet<>();
            for (Out o : got) {
                sids.add(o.in.sid);
            }
            for (int sid : sids) {
                Pkt any = got.stream().filter(o -> o.in.sid == sid).findFirst().orElseThrow().in;
                if (any.interPicture) {
                    int ref = reference(tids, picture);
                    assertTrue(decodable.contains(ref * 8L + sid),
                            "picture " + picture + " layer " + sid + " refers to picture " + ref + ", not forwarded");
                }
                if (any.interLayer) {
                    assertTrue(sids.contains(sid - 1), "picture " + picture + " layer " + sid + " needs layer " + (sid - 1));
                }
                decodable.add(picture * 8L + sid);
            }
        }
    }

    @RepeatedTest(20)
    void kSvcDecodableAcrossRandomSwitches(RepetitionInfo rep) {
        run(5000 + rep.getCurrentRepetition(), true, 0, false);
    }

    @RepeatedTest(20)
    void fullSvcDecodableAcrossRandomSwitches(RepetitionInfo rep) {
        run(6000 + rep.getCurrentRepetition(), false, 0, false);
    }

    @RepeatedTest(20)
    void kSvcFromDependencyDescriptorDecodableAcrossRandomSwitches(RepetitionInfo rep) {
        run(8000 + rep.getCurrentRepetition(), true, 0, false, true);
    }

    @RepeatedTest(20)
    void fullSvcFromDependencyDescriptorDecodableAcrossRandomSwitches(RepetitionInfo rep) {
        run(9000 + rep.getCurrentRepetition(), false, 0, false, true);
    }

    @RepeatedTest(10)
    void dependencyDescriptorNoDuplicatesWithLossAndReordering(RepetitionInfo rep) {
        run(9500 + rep.getCurrentRepetition(), rep.getCurrentRepetition() % 2 == 0, 0.05, true, true);
    }

    @RepeatedTest(10)
    void noDuplicatesWithLossAndReordering(RepetitionInfo rep) {
        run(7000 + rep.getCurrentRepetition(), rep.getCurrentRepetition() % 2 == 0, 0.05, true);
    }

    /** A receiver of the middle layer of a k-SVC stream: lower layers only in keyframe pictures, the marker moved. */
    @Test
    void middleLayerOfKSvc() {
        VideoProjection vp = new VideoProjection(90_000, 0, 0);
        vp.setTarget(0, 1, VideoProjection.ALL_TEMPORAL, false);
        FrameInfo f = new FrameInfo();
        // keyframe picture: S0, S1 (depends on S0), S2 (depends on S1, carries the marker)
        assertTrue(vp.accept(0, 7, 10, 0, svc(f, 0, 0, true, false, true, false), 0));
        assertFalse(vp.outMarker());
        assertTrue(vp.accept(0, 7, 11, 0, svc(f, 1, 0, false, false, true, false), 0));
        assertTrue(vp.outMarker(), "the picture ends at the layer this receiver gets");
        assertFalse(vp.accept(0, 7, 12, 0, svc(f, 2, 0, false, false, true, true), 0));
        // delta picture: only S1
        assertFalse(vp.accept(0, 7, 13, 3000, svc(f, 0, 0, false, true, true, false), 0), "S0 not needed by S1 in k-SVC");
        assertTrue(vp.accept(0, 7, 14, 3000, svc(f, 1, 0, false, true, true, false), 0));
        assertEquals(2, vp.outSeq(), "the dropped packets leave no gap");
        assertTrue(vp.outMarker());
        assertFalse(vp.accept(0, 7, 15, 3000, svc(f, 2, 0, false, true, true, true), 0));
        assertEquals(3, vp.droppedSpatial);
        // up to S2: needs a keyframe
        vp.setTarget(0, 2, VideoProjection.ALL_TEMPORAL, false);
        assertFalse(vp.accept(0, 7, 16, 6000, svc(f, 0, 0, false, true, true, false), 0));
        assertTrue(vp.accept(0, 7, 17, 6000, svc(f, 1, 0, false, true, true, false), 0), "S1 goes on meanwhile");
        assertFalse(vp.accept(0, 7, 18, 6000, svc(f, 2, 0, false, true, true, true), 0));
        assertTrue(vp.wantsKeyframe());
        assertTrue(vp.accept(0, 7, 19, 9000, svc(f, 0, 0, true, false, true, false), 0));
        assertTrue(vp.accept(0, 7, 20, 9000, svc(f, 1, 0, false, false, true, false), 0));
        assertFalse(vp.outMarker());
        assertTrue(vp.accept(0, 7, 21, 9000, svc(f, 2, 0, false, false, true, true), 0));
        assertTrue(vp.outMarker());
        assertFalse(vp.wantsKeyframe());
        assertEquals(2, vp.currentSpatial());
    }

    /** Full SVC: down at the next picture, without a keyframe. */
    @Test
    void fullSvcGoesDownAtTheNextPicture() {
        kSvc = false;
        VideoProjection vp = new VideoProjection(90_000, 0, 0);
        vp.setTarget(0, 2, VideoProjection.ALL_TEMPORAL, false);
        FrameInfo f = new FrameInfo();
        assertTrue(vp.accept(0, 7, 10, 0, svc(f, 0, 0, true, false, true, false), 0));
        vp.setTarget(0, 0, VideoProjection.ALL_TEMPORAL, false);
        assertTrue(vp.accept(0, 7, 11, 0, svc(f, 1, 0, false, false, true, false), 0), "the picture under way is finished");
        assertTrue(vp.accept(0, 7, 12, 0, svc(f, 2, 0, false, false, true, true), 0));
        assertTrue(vp.accept(0, 7, 13, 3000, svc(f, 0, 0, false, true, true, false), 0));
        assertTrue(vp.outMarker(), "S0 now ends the picture");
        assertFalse(vp.wantsKeyframe());
        assertEquals(0, vp.currentSpatial());
    }

    /** Whether {@link #svc} describes a k-SVC stream (upper layers predicted from lower ones only in keyframes). */
    private boolean kSvc = true;

    private FrameInfo svc(FrameInfo f, int sid, int tid, boolean key, boolean interPicture, boolean end, boolean marker) {
        f.reset();
        f.valid = true;
        f.pictureIdGaps = true;
        f.spatialId = sid;
        f.temporalId = tid;
        f.keyframeStart = key;
        f.startOfFrame = sid == 0;
        f.endOfLayerFrame = end;
        f.marker = marker;
        f.interPicturePredicted = interPicture;
        f.interLayerPredicted = sid > 0 && (!interPicture || !kSvc);
        f.layersIndependent = kSvc;
        f.spatialLayers = 3;
        f.pictureId = 100;
        return f;
    }
}
