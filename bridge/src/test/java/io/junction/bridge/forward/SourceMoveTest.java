package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.codec.FrameInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * A subscription that moves from one source to another (a WHEP viewer following the stage,
 * {@link Subscription#retarget}), driven as the fan-out drives it: each source's packets come with the
 * layer index the fan-out computes ({@link VideoProjection#LEAVING} + index for the source being left).
 * The viewer must see one continuous stream: the old source until a keyframe of the new one, then only
 * the new one, with no gap, duplicate or jump in sequence numbers and picture ids, and timestamps that
 * only move on.
 */
class SourceMoveTest {
    private static final FrameInfo FRAME = new FrameInfo();

    /** A one-layer VP8 publisher: own SSRC and bases; temporal pattern 0-2-1-2; keyframes on request only. */
    static final class Publisher {
        final SourceTrack track;
        final int ssrc;
        int seq;
        int ts;
        int pictureId;
        int tl0;
        int frame;
        boolean keyframeRequested;

        Publisher(String id, Random r) {
            track = new SourceTrack(id, MediaKind.VIDEO, id + "-video", r.nextInt(), 0, null);
            ssrc = track.primarySsrc();
            seq = r.nextInt(0x10000);
            ts = r.nextInt();
            pictureId = r.nextInt(0x8000);
            tl0 = r.nextInt(256);
        }
    }

    record Out(String source, boolean keyStart, int seq, int ts, int pictureId) {}

    private final List<Out> out = new ArrayList<>();
    private long now = 1_000_000_000L;

    /** One frame of {@code p} (1-3 packets) through {@code sub} as the fan-out would pass it. */
    private void frame(Publisher p, Subscription sub, Random r) {
        if (!List.of(p.track.subscriptions()).contains(sub)) {
            p.frame++; // not subscribed: the fan-out never shows it this packet
            return;
        }
        boolean key = p.keyframeRequested || p.frame == 0;
        p.keyframeRequested = false;
        int tid = key ? 0 : new int[] {0, 2, 1, 2}[p.frame % 4];
        if (tid == 0) {
            p.tl0 = (p.tl0 + 1) & 0xFF;
        }
        p.pictureId = (p.pictureId + 1) & 0x7FFF;
        p.ts += 3000;
        p.frame++;
        VideoProjection vp = sub.video();
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
            p.seq = (p.seq + 1) & 0xFFFF;
            int layer = p.track == sub.source() ? 0 : VideoProjection.LEAVING;
            FRAME.set(tid, false, key && k == 0, k == 0, p.pictureId, p.tl0);
            if (vp.accept(layer, p.ssrc, p.seq, p.ts, FRAME, now)) {
                out.add(new Out(p.track.endpointId(), key && k == 0, vp.outSeq(), vp.outTs(), vp.outPictureId()));
            } else if (vp.wantsKeyframe() && vp.targetEncoding() == layer) {
                p.keyframeRequested = true; // FanOut asks this publisher (the new source) for a keyframe
            }
        }
    }

    @Test
    void theOldSourceGoesOnUntilTheNewOnesKeyframeThenOnlyTheNewOne() {
        Random r = new Random(7);
        Publisher a = new Publisher("a", r);
        Publisher b = new Publisher("b", r);
        Subscription sub = new Subscription(a.track, "viewer", 1111, 2222, "1", 100, 5000, null);
        a.track.addSubscription(sub);
        sub.video().setTarget(0, VideoProjection.ALL_TEMPORAL);
        for (int i = 0; i < 30; i++) {
            frame(a, sub, r);
            frame(b, sub, r);
        }
        int beforeMove = out.size();
        assertTrue(beforeMove > 30 && out.stream().allMatch(o -> o.source().equals("a")));

        sub.retarget(b.track);
        assertArrayEquals(new Subscription[] {sub}, a.track.subscriptions(), "still fed by the old source");
        assertArrayEquals(new Subscription[] {sub}, b.track.subscriptions());
        assertTrue(sub.video().wantsKeyframe());
        frame(a, sub, r); // the old one goes on…
        assertTrue(out.size() > beforeMove && out.get(out.size() - 1).source().equals("a"), "no freeze before the keyframe");
        assertTrue(sub.finishMove(), "still moving");
        frame(b, sub, r); // …b's first packet is dropped and its keyframe asked for
        assertTrue(b.keyframeRequested);
        for (int i = 0; i < 10; i++) {
            frame(a, sub, r);
            frame(b, sub, r);
        }
        assertFalse(sub.finishMove(), "moved");
        assertEquals(0, a.track.subscriptions().length, "the old source lets go once the new one is forwarded");
        int firstB = indexOfFirst("b");
        assertTrue(out.get(firstB).keyStart(), "the new source starts at a keyframe");
        assertTrue(out.subList(firstB, out.size()).stream().allMatch(o -> o.source().equals("b")), "then only b");
        assertContinuous();
    }

    @Test
    void movingBackBeforeTheKeyframeKeepsTheOldSourceWithoutAGap() {
        Random r = new Random(8);
        Publisher a = new Publisher("a", r);
        Publisher b = new Publisher("b", r);
        Publisher c = new Publisher("c", r);
        Subscription sub = new Subscription(a.track, "viewer", 1111, 2222, "1", 100, 5000, null);
        a.track.addSubscription(sub);
        sub.video().setTarget(0, VideoProjection.ALL_TEMPORAL);
        for (int i = 0; i < 10; i++) {
            frame(a, sub, r);
        }
        sub.retarget(b.track);
        sub.retarget(c.track); // a is still forwarded; b never was
        assertEquals(0, b.track.subscriptions().length);
        assertEquals(1, a.track.subscriptions().length);
        frame(a, sub, r);
        sub.retarget(a.track); // back to the one still forwarded: no keyframe needed
        assertEquals(0, c.track.subscriptions().length);
        assertFalse(sub.video().wantsKeyframe());
        assertFalse(sub.finishMove());
        for (int i = 0; i < 10; i++) {
            frame(a, sub, r);
        }
        assertTrue(out.stream().allMatch(o -> o.source().equals("a")));
        assertEquals(0, sub.video().layerSwitches, "a never stopped");
        assertContinuous();
    }

    /** Random moves among three sources, each completing or not: always one continuous stream. */
    @RepeatedTest(50)
    void randomMovesKeepOneContinuousStream(RepetitionInfo info) {
        Random r = new Random(info.getCurrentRepetition());
        Publisher[] pubs = {new Publisher("a", r), new Publisher("b", r), new Publisher("c", r)};
        Subscription sub = new Subscription(pubs[0].track, "viewer", 1111, 2222, "1", r.nextInt(0x10000), r.nextInt(), null);
        pubs[0].track.addSubscription(sub);
        sub.video().setTarget(0, VideoProjection.ALL_TEMPORAL);
        for (int f = 0; f < 600; f++) {
            now += 33_333_333L;
            if (r.nextInt(20) == 0) {
                sub.retarget(pubs[r.nextInt(3)].track);
            }
            for (Publisher p : pubs) {
                frame(p, sub, r);
            }
            sub.finishMove();
            int holders = 0;
            for (Publisher p : pubs) {
                holders += List.of(p.track.subscriptions()).contains(sub) ? 1 : 0;
            }
            assertTrue(holders == 1 || (holders == 2 && sub.leaving() != null), "fed by its source, and the one it leaves");
        }
        assertContinuous();
    }

    private int indexOfFirst(String source) {
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).source().equals(source)) {
                return i;
            }
        }
        return -1;
    }

    /** Consecutive sequence numbers; picture ids never go back or skip; timestamps never go back. */
    private void assertContinuous() {
        for (int i = 1; i < out.size(); i++) {
            Out prev = out.get(i - 1);
            Out o = out.get(i);
            assertEquals((prev.seq() + 1) & 0xFFFF, o.seq(), "sequence at " + i + ": " + prev + " → " + o);
            int pic = (o.pictureId() - prev.pictureId()) & 0x7FFF;
            assertTrue(pic == 0 || pic == 1, "picture id at " + i + ": " + prev + " → " + o);
            assertTrue(o.ts() - prev.ts() >= 0, "timestamp at " + i + ": " + prev + " → " + o);
        }
    }
}
