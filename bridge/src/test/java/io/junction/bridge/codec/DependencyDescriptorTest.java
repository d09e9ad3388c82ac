package io.junction.bridge.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import org.junit.jupiter.api.Test;

/** The dependency descriptor as Chromium sends it with AV1: L3T3_KEY (one stream) and L1T3 simulcast. */
class DependencyDescriptorTest {
    private static final int EXT_DD = 12;
    private final DependencyDescriptor dd = new DependencyDescriptor();

    /** Reads the descriptor of a captured packet; returns what read() said. */
    private boolean read(String fixture) {
        byte[] b = Fixtures.get(fixture);
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(b, 0, b.length));
        int at = rtp.findExtension(EXT_DD);
        assertTrue(at >= 0, "the packet carries the descriptor");
        return dd.read(b, at, rtp.extensionLength());
    }

    @Test
    void threeSpatialLayersWithKeyframeOnlyInterLayerPrediction() {
        assertTrue(read("dd-svc-structure"));
        assertTrue(dd.structurePresent());
        assertEquals(3, dd.spatialLayers());
        assertEquals(2, dd.maxTemporalId());
        assertEquals(9, dd.decodeTargets(), "three spatial by three temporal");
        assertEquals((1L << 9) - 1, dd.activeDecodeTargets(), "all active after a structure");
        assertEquals(320, dd.width(0));
        assertEquals(180, dd.height(0));
        assertEquals(640, dd.width(1));
        assertEquals(360, dd.height(1));
        assertEquals(1280, dd.width(2));
        assertEquals(720, dd.height(2));
        assertEquals(3, dd.chains(), "one chain per spatial layer");
        for (int d = 0; d < 9; d++) {
            assertEquals(d / 3, dd.decodeTargetSpatialId(d));
            assertEquals(d % 3, dd.decodeTargetTemporalId(d));
            assertEquals(d / 3, dd.chainProtecting(d));
        }
        // the key picture's base layer: the start of everything, depending on nothing
        assertEquals(1, dd.frameNumber());
        assertTrue(dd.startOfFrame() && dd.endOfFrame());
        assertEquals(0, dd.spatialId());
        assertEquals(0, dd.temporalId());
        assertEquals(0, dd.frameDiffCount());
        // then, without a structure, the key picture's upper layers: each depends on the one below
        assertTrue(read("dd-svc-1"));
        assertFalse(dd.structurePresent());
        assertEquals(2, dd.frameNumber());
        assertEquals(1, dd.spatialId());
        assertEquals(0, dd.temporalId());
        assertEquals(1, dd.frameDiffCount());
        assertEquals(1, dd.frameDiff(0), "S1 of the key picture refers to S0 just before it");
        assertTrue(read("dd-svc-2"));
        assertEquals(2, dd.spatialId());
        assertTrue(dd.startOfFrame());
        assertFalse(dd.endOfFrame(), "a frame of several packets");
        // the next picture: each layer refers to its own layer only (k-SVC)
        assertTrue(read("dd-svc-3"));
        assertEquals(4, dd.frameNumber());
        assertEquals(0, dd.spatialId());
        assertEquals(2, dd.temporalId());
        assertEquals(1, dd.frameDiffCount());
        assertEquals(3, dd.frameDiff(0), "S0 refers to S0 of the key picture, three frames back");
        assertTrue(read("dd-svc-4"));
        assertEquals(1, dd.spatialId());
        assertEquals(3, dd.frameDiff(0), "S1 refers to S1, not to S0 of its picture");
        assertEquals(0, dd.decodeTargetIndication(0), "not part of S0's decode targets");
    }

    @Test
    void simulcastLayerWithCustomDiffsAndChains() {
        assertFalse(read("dd-sim-3"), "no template is known before a structure");
        assertTrue(read("dd-sim-structure"));
        assertEquals(1, dd.spatialLayers());
        assertEquals(2, dd.maxTemporalId());
        assertEquals(3, dd.decodeTargets());
        assertEquals(320, dd.width(0));
        assertEquals(180, dd.height(0));
        assertEquals(1, dd.chains());
        assertTrue(read("dd-sim-2"));
        assertEquals(6, dd.frameNumber());
        assertTrue(read("dd-sim-3"));
        assertFalse(dd.startOfFrame(), "a frame's last packet");
        assertTrue(dd.endOfFrame());
        assertTrue(read("dd-sim-4"));
        assertEquals(15, dd.frameNumber());
        assertTrue(dd.frameDiffCount() >= 1, "custom frame diffs");
        for (int i = 0; i < dd.frameDiffCount(); i++) {
            assertTrue(dd.frameDiff(i) >= 1 && dd.frameDiff(i) <= 15 - 1);
        }
    }

    @Test
    void truncatedOrInconsistentDescriptorsAreRefused() {
        byte[] b = Fixtures.get("dd-svc-structure");
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(b, 0, b.length));
        int at = rtp.findExtension(EXT_DD);
        int len = rtp.extensionLength();
        DependencyDescriptor fresh = new DependencyDescriptor();
        for (int cut = 0; cut < len; cut++) {
            assertFalse(fresh.read(b, at, cut), "cut at " + cut + " of " + len);
        }
        assertTrue(fresh.read(b, at, len));
        // a template id beyond the structure's templates
        byte[] bad = {(byte) 0xFF, 0x00, 0x09};
        assertFalse(fresh.read(bad, 0, bad.length));
    }

    /** What the projection gets from Chromium's AV1 L3T3_KEY descriptors. */
    @Test
    void describesKeySvcForTheProjection() {
        FrameInfo f = new FrameInfo();
        assertTrue(read("dd-svc-structure"));
        dd.describe(f);
        assertTrue(f.dependencies);
        assertTrue(f.keyframeStart, "a structure on a frame that depends on nothing: a keyframe");
        assertTrue(f.startOfFrame);
        assertEquals(0, f.spatialId);
        assertEquals(3, f.spatialLayers);
        assertEquals(180, f.spatialHeights[0]);
        assertEquals(720, f.spatialHeights[2]);
        assertEquals(720, f.height);
        assertEquals(0b111, f.presentInSpatial, "every layer builds on the key picture's base");
        assertEquals(0b111, f.temporalSwitchPoints, "a keyframe starts every temporal target");
        assertEquals(1, f.frameNumber);
        f.reset();
        assertTrue(read("dd-svc-1"));
        dd.describe(f);
        assertEquals(1, f.spatialId);
        assertFalse(f.startOfFrame, "the picture started at its base layer");
        assertEquals(0b110, f.presentInSpatial);
        // the next picture's base layer: only the base layer's targets need it (k-SVC)
        assertTrue(read("dd-svc-3"));
        dd.describe(f);
        assertEquals(0, f.spatialId);
        assertEquals(2, f.temporalId);
        assertTrue(f.startOfFrame);
        assertFalse(f.keyframeStart);
        assertEquals(0b001, f.presentInSpatial);
        assertTrue(f.layersIndependent, "learnt: upper layers do not need the base layer between keyframes");
        assertTrue(read("dd-svc-4"));
        dd.describe(f);
        assertEquals(0b010, f.presentInSpatial);
        assertEquals(1, f.spatialId);
    }

    /** L1T3 (an AV1 simulcast encoding): one spatial layer, temporal switch points at base-layer frames. */
    @Test
    void describesTemporalLayersOfASimulcastEncoding() {
        FrameInfo f = new FrameInfo();
        assertTrue(read("dd-sim-structure"));
        dd.describe(f);
        assertEquals(FrameInfo.NONE, f.spatialId, "one spatial layer: no spatial selection");
        assertEquals(0, f.temporalId);
        assertEquals(0b111, f.temporalSwitchPoints);
        int upperSeen = 0;
        for (String name : new String[] {"dd-sim-1", "dd-sim-2", "dd-sim-3", "dd-sim-4", "dd-sim-5", "dd-sim-6"}) {
            f.reset();
            assertTrue(read(name), name);
            dd.describe(f);
            assertTrue(f.temporalId >= 0 && f.temporalId <= 2, name);
            if (f.temporalId == 0) {
                assertEquals(0b111, f.temporalSwitchPoints, name + ": a base-layer frame starts every target");
            } else {
                upperSeen++;
                // Chromium's L1T3: a T1 frame is discardable for the two-layer target (no switch there)
                // but a switch point of the three-layer one; a T2 frame is a switch point of none
                assertEquals(f.temporalId == 1 ? 0b100 : 0, f.temporalSwitchPoints, name);
                assertFalse(f.layerSync, name + ": no switch point of its own layer's target");
            }
            assertEquals(dd.frameNumber(), f.frameNumber);
        }
        assertEquals(3, upperSeen, "the captures hold upper temporal layer frames");
    }

    @Test
    void frameNumberAndActiveDecodeTargetsAreRewrittenInPlace() {
        byte[] b = Fixtures.get("dd-svc-3");
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(b, 0, b.length));
        int at = rtp.findExtension(EXT_DD);
        int len = rtp.extensionLength();
        assertEquals(4, DependencyDescriptor.frameNumber(b, at, len));
        DependencyDescriptor.writeFrameNumber(b, at, 0xBEEF);
        assertEquals(0xBEEF, DependencyDescriptor.frameNumber(b, at, len));
        assertEquals(-1, DependencyDescriptor.frameNumber(b, at, 2), "too short");

        // a sender that turned targets off says so after the structure: L1T3 (three targets), mask 0b011
        byte[] masked = l1t3WithMask(0b011, 0x1234);
        DependencyDescriptor reader = new DependencyDescriptor();
        assertTrue(reader.read(masked, 0, masked.length));
        assertTrue(reader.hasActiveDecodeTargets());
        assertEquals(0b011L, reader.activeDecodeTargets());
        assertEquals(3, reader.decodeTargets());
        byte[] copy = new byte[masked.length + 5];
        System.arraycopy(masked, 0, copy, 5, masked.length);
        long only = reader.decodableTargets(-1, 0, false); // the base temporal layer only
        assertEquals(0b001L, only);
        reader.writeActiveDecodeTargets(copy, 5, reader.activeDecodeTargets() & only);
        DependencyDescriptor again = new DependencyDescriptor();
        assertTrue(again.read(copy, 5, masked.length));
        assertEquals(0b001L, again.activeDecodeTargets());
        assertEquals(0x1234, again.frameNumber(), "the rest of the descriptor unchanged");
        assertEquals(2, again.maxTemporalId());
        // with spatial layers (Chromium's L3T3_KEY structure): targets of the receiver's layer, and in
        // full SVC those below it too
        assertTrue(read("dd-svc-structure"));
        assertFalse(dd.hasActiveDecodeTargets(), "Chromium's keyframe: every target active, no mask");
        assertEquals(0b000_111_111L, dd.decodableTargets(1, 2, false));
        assertEquals(0b000_111_000L, dd.decodableTargets(1, 2, true));
        assertEquals(0b011_000_000L, dd.decodableTargets(2, 1, true));
    }

    /**
     * Chromium sends the descriptor with VP8 too once it is negotiated, and then its VP8 payload
     * descriptor carries neither picture id nor temporal index (only the S and N bits): the layers
     * are known from the dependency descriptor alone. Twelve consecutive captured packets of one
     * simulcast layer (L1T3; frame numbers step by three: Chromium counts frames across its
     * simulcast encodings).
     */
    @Test
    void isTheOnlyLayerInformationOfChromiumsVp8() {
        Vp8Codec vp8 = new Vp8Codec();
        FrameInfo fromVp8 = new FrameInfo();
        FrameInfo fromDd = new FrameInfo();
        int[] tids = {0, 0, 2, 0, 0, 2, 1, 2, 0, 2, 1, 0};
        int[] frameNumbers = {1, 1, 3, 6, 6, 9, 12, 15, 18, 21, 24, 27};
        for (int i = 0; i < 12; i++) {
            String name = "dd-vp8-" + i;
            byte[] b = Fixtures.get(name);
            RtpPacket rtp = new RtpPacket();
            assertTrue(rtp.wrap(b, 0, b.length));
            assertTrue(vp8.inspect(b, rtp.payloadOffset(), rtp.payloadLength(), fromVp8), name);
            assertEquals(FrameInfo.NONE, fromVp8.temporalId, name + ": no temporal index in the VP8 descriptor");
            assertEquals(FrameInfo.NONE, fromVp8.pictureId, name + ": no picture id either");
            assertTrue(read(name), name);
            fromDd.reset();
            dd.describe(fromDd);
            assertEquals(tids[i], fromDd.temporalId, name);
            assertEquals(frameNumbers[i], fromDd.frameNumber, name);
            assertEquals(fromVp8.keyframeStart, fromDd.keyframeStart, name + ": keyframes carry the structure");
            assertEquals(fromVp8.startOfFrame, fromDd.startOfFrame, name);
            assertEquals(FrameInfo.NONE, fromDd.spatialId, name);
            if (fromDd.keyframeStart) {
                assertEquals(0b111, fromDd.temporalSwitchPoints, name);
            }
            if (tids[i] == 2) {
                assertEquals(0, fromDd.temporalSwitchPoints, name + ": the top layer's frames start no target");
            }
        }
    }

    /**
     * A descriptor written bit by bit: first and last packet of frame {@code frameNumber}, template 0, an
     * L1T3 structure (three templates T0, T1, T2; three decode targets; no chains, no resolutions) and
     * the active decode targets {@code mask}.
     */
    private static byte[] l1t3WithMask(int mask, int frameNumber) {
        StringBuilder b = new StringBuilder();
        java.util.function.BiConsumer<Integer, Integer> put = (value, n) -> {
            for (int i = n - 1; i >= 0; i--) {
                b.append((value >>> i) & 1);
            }
        };
        put.accept(1, 1); // start_of_frame
        put.accept(1, 1); // end_of_frame
        put.accept(0, 6); // template id
        put.accept(frameNumber, 16);
        put.accept(1, 1); // template_dependency_structure_present
        put.accept(1, 1); // active_decode_targets_present
        put.accept(0, 3); // custom dtis, fdiffs, chains
        put.accept(0, 6); // template_id_offset
        put.accept(2, 5); // dt_cnt_minus_one: three targets
        put.accept(1, 2); // T0, next temporal
        put.accept(1, 2); // T1, next temporal
        put.accept(3, 2); // T2, no more layers
        int[][] dtis = {{2, 2, 2}, {0, 2, 3}, {0, 0, 1}}; // switch / required / discardable
        for (int[] t : dtis) {
            for (int d : t) {
                put.accept(d, 2);
            }
        }
        int[] fdiff = {4, 2, 1};
        for (int f : fdiff) {
            put.accept(1, 1);
            put.accept(f - 1, 4);
            put.accept(0, 1);
        }
        put.accept(0, 2); // ns(4): no chains
        put.accept(0, 1); // no resolutions
        put.accept(mask, 3);
        while (b.length() % 8 != 0) {
            b.append('0');
        }
        byte[] out = new byte[b.length() / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(b.substring(i * 8, i * 8 + 8), 2);
        }
        return out;
    }
}
