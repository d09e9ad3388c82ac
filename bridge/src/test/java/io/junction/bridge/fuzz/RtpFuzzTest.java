package io.junction.bridge.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.junction.bridge.codec.Av1Codec;
import io.junction.bridge.codec.FrameInfo;
import io.junction.bridge.codec.H264Codec;
import io.junction.bridge.codec.Vp8Codec;
import io.junction.bridge.codec.Vp8Descriptor;
import io.junction.bridge.codec.Vp9Codec;
import io.junction.bridge.codec.Vp9Descriptor;
import io.junction.bridge.rtp.RtpPacket;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the RTP header view and the codec payload readers (see
 * docs/reliability.md for how to run it long). Every input is parsed where it sits inside a larger
 * buffer, twice, with different bytes around it: whatever the parser reports must not change, so it
 * never reads outside the packet; what it reports must lie inside the packet.
 */
class RtpFuzzTest {
    private static final int AROUND = 16;

    private static byte[] embed(byte[] data, byte fill) {
        byte[] b = new byte[AROUND + data.length + AROUND];
        Arrays.fill(b, fill);
        System.arraycopy(data, 0, b, AROUND, data.length);
        return b;
    }

    /** Everything the view reports about one packet, to compare two readings. */
    private static String describe(byte[] buf, int len) {
        RtpPacket p = new RtpPacket();
        if (!p.wrap(buf, AROUND, len)) {
            return "invalid " + p.invalidReason();
        }
        int end = AROUND + len;
        assertTrue(p.headerLength() >= RtpPacket.FIXED_HEADER && p.payloadOffset() <= end, "header inside the packet");
        assertTrue(p.payloadLength() >= 0 && p.payloadOffset() + p.payloadLength() <= end, "payload inside the packet");
        StringBuilder s = new StringBuilder().append(p.payloadType()).append('/').append(p.sequenceNumber()).append('/')
                .append(p.timestamp()).append('/').append(p.ssrc()).append('/').append(p.marker()).append('/')
                .append(p.headerLength()).append('/').append(p.payloadLength());
        for (int id = 1; id <= 14; id++) {
            int at = p.findExtension(id);
            if (at >= 0) {
                // (a two-byte element may have no data, and then sit at the very end of the header)
                assertTrue(at >= AROUND + RtpPacket.FIXED_HEADER && at + p.extensionLength() <= p.payloadOffset(),
                        "extension " + id + " inside the header");
                s.append(" x").append(id).append('@').append(at).append('=').append(p.extensionString(id));
            }
        }
        return s.toString();
    }

    @FuzzTest
    void rtpHeader(byte[] data) {
        byte[] a = embed(data, (byte) 0);
        byte[] b = embed(data, (byte) 0xFF);
        String da = describe(a, data.length);
        assertEquals(da, describe(b, data.length), "the reading depends on bytes outside the packet");
        RtpPacket p = new RtpPacket();
        if (p.wrap(a, AROUND, data.length)) {
            // erasing an extension (as the bridge does before forwarding) keeps a valid packet without it
            for (int id = 1; id <= 14; id++) {
                if (p.findExtension(id) >= 0) {
                    p.eraseExtension(id);
                    RtpPacket again = new RtpPacket();
                    assertTrue(again.wrap(a, AROUND, data.length), "still valid after erasing extension " + id);
                    assertEquals(-1, again.findExtension(id), "extension " + id + " erased");
                    assertEquals(p.payloadLength(), again.payloadLength());
                    p = again;
                }
            }
        }
    }

    @FuzzTest
    void codecPayloads(byte[] data) {
        byte[] a = embed(data, (byte) 0);
        byte[] b = embed(data, (byte) 0xFF);
        assertEquals(vp8(a, data.length), vp8(b, data.length), "VP8 descriptor read outside the payload");
        assertEquals(inspect(new Vp8Codec(), a, data.length), inspect(new Vp8Codec(), b, data.length));
        assertEquals(inspect(new H264Codec(), a, data.length), inspect(new H264Codec(), b, data.length));
        assertEquals(inspect(new Vp9Codec(), a, data.length), inspect(new Vp9Codec(), b, data.length),
                "VP9 descriptor read outside the payload");
        assertEquals(inspect(new Av1Codec(), a, data.length), inspect(new Av1Codec(), b, data.length),
                "AV1 aggregation header or sequence header read outside the payload");
        assertEquals(dependencyDescriptor(a, data.length), dependencyDescriptor(b, data.length),
                "dependency descriptor read outside its bytes");
        assertEquals(H264Codec.isKeyframeStart(a, AROUND, data.length), H264Codec.isKeyframeStart(b, AROUND, data.length));
        // the rewrites below change a (not b): every comparison of a with b comes before them
        Vp9Descriptor v = new Vp9Descriptor();
        if (v.wrap(a, AROUND, data.length)) {
            assertTrue(v.scalabilityLayers() >= 0 && v.scalabilityLayers() <= Vp9Descriptor.MAX_SPATIAL);
            assertTrue(v.referenceCount() >= 0 && v.referenceCount() <= 3);
            if (v.pictureIdBits() > 0) {
                int pid = (v.pictureId() + 321) & ((1 << v.pictureIdBits()) - 1);
                v.setPictureId(a, 0, pid);
                v.setTl0PicIdx(a, 0, v.tl0PicIdx() + 1);
                Vp9Descriptor again = new Vp9Descriptor();
                assertTrue(again.wrap(a, AROUND, data.length), "still readable after the rewrite");
                assertEquals(pid, again.pictureId());
            }
        }
        Vp8Descriptor d = new Vp8Descriptor();
        if (d.wrap(a, AROUND, data.length) && d.pictureIdBits() > 0) {
            // rewriting the picture id and TL0PICIDX in place keeps the descriptor readable with the new values
            int pid = (d.pictureId() + 12345) & ((1 << d.pictureIdBits()) - 1);
            d.setPictureId(a, 0, pid);
            d.setTl0PicIdx(a, 0, d.tl0PicIdx() + 1);
            Vp8Descriptor again = new Vp8Descriptor();
            assertTrue(again.wrap(a, AROUND, data.length));
            assertEquals(pid, again.pictureId());
        }
        for (int i = 0; i < AROUND; i++) {
            assertFalse(a[i] != 0 || a[a.length - 1 - i] != 0, "a rewrite wrote outside the payload");
        }
    }

    private static String vp8(byte[] buf, int len) {
        Vp8Descriptor d = new Vp8Descriptor();
        if (!d.wrap(buf, AROUND, len)) {
            return "invalid";
        }
        return d.isStartOfFrame() + "/" + d.isKeyframeStart() + "/" + d.width() + "x" + d.height() + "/" + d.pictureId()
                + "/" + d.pictureIdBits() + "/" + d.tl0PicIdx() + "/" + d.temporalId() + "/" + d.isLayerSync();
    }

    /** The bytes as a dependency descriptor (twice: the second may use the structure of the first). */
    private static String dependencyDescriptor(byte[] buf, int len) {
        io.junction.bridge.codec.DependencyDescriptor dd = new io.junction.bridge.codec.DependencyDescriptor();
        StringBuilder s = new StringBuilder();
        for (int round = 0; round < 2; round++) {
            if (dd.read(buf, AROUND, len)) {
                assertTrue(dd.spatialLayers() >= 1 && dd.spatialLayers() <= 4);
                assertTrue(dd.frameDiffCount() >= 0 && dd.frameDiffCount() <= 16);
                s.append(dd.frameNumber()).append('/').append(dd.spatialId()).append('/').append(dd.temporalId())
                        .append('/').append(dd.decodeTargets()).append('/').append(dd.frameDiffCount()).append(' ');
                FrameInfo info = new FrameInfo();
                dd.describe(info);
                s.append(info.presentInSpatial).append('/').append(info.temporalSwitchPoints).append('/')
                        .append(info.spatialLayers).append('/').append(info.keyframeStart).append(' ');
                if (dd.hasActiveDecodeTargets()) {
                    // narrowing the active targets in a copy: only those bits change, the rest reads the same
                    byte[] copy = buf.clone();
                    long mask = dd.activeDecodeTargets() & dd.decodableTargets(0, 0, true);
                    dd.writeActiveDecodeTargets(copy, 0, mask);
                    io.junction.bridge.codec.DependencyDescriptor again = new io.junction.bridge.codec.DependencyDescriptor();
                    if (round == 0) {
                        assertTrue(again.read(copy, AROUND, len), "still readable after the rewrite");
                        assertEquals(mask, again.activeDecodeTargets());
                        assertEquals(dd.frameNumber(), again.frameNumber());
                    }
                    for (int i = 0; i < AROUND; i++) {
                        assertEquals(buf[i], copy[i], "the rewrite stays inside the descriptor");
                        assertEquals(buf[buf.length - 1 - i], copy[copy.length - 1 - i]);
                    }
                }
            } else {
                s.append("invalid ");
            }
        }
        return s.toString();
    }

    private static String inspect(io.junction.bridge.codec.VideoCodec codec, byte[] buf, int len) {
        FrameInfo info = new FrameInfo();
        boolean ok = codec.inspect(buf, AROUND, len, info);
        return ok + " " + info.valid + "/" + info.keyframeStart + "/" + info.startOfFrame + "/" + info.temporalId + "/"
                + info.layerSync + "/" + info.pictureId + "/" + info.tl0PicIdx + "/" + info.width + "x" + info.height
                + "/" + info.spatialId + "/" + info.endOfLayerFrame + "/" + info.interLayerPredicted + "/"
                + info.interPicturePredicted + "/" + info.spatialLayers + "/"
                + Arrays.toString(Arrays.copyOf(info.spatialHeights, Math.max(0, info.spatialLayers)));
    }
}
