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
}
