package io.junction.bridge.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Unwrapping redundant audio (RFC 2198) as Chromium sends it: Opus 111 inside RED 63. */
class RedTest {
    private static final int HEAD = 40;

    /** The packet in a larger buffer, as the bridge holds it. */
    private static byte[] held(String fixture) {
        return Fixtures.withRoom(Fixtures.get(fixture), HEAD, 16);
    }

    @Test
    void oneRedundantBlockLeavesThePrimaryFrame() {
        byte[] original = Fixtures.get("red-one-redundant");
        RtpPacket before = new RtpPacket();
        assertTrue(before.wrap(original, 0, original.length));
        assertEquals(63, before.payloadType());
        int payload = before.payloadOffset();
        // one block header (F=1, PT 111, offset 960, length 32), the primary's one-byte header, 32 bytes
        assertEquals(0x80 | 111, original[payload] & 0xFF);
        int redundantLength = ((original[payload + 2] & 0x03) << 8) | (original[payload + 3] & 0xFF);
        assertEquals(32, redundantLength);
        assertEquals(111, original[payload + 4] & 0x7F);
        byte[] primary = Arrays.copyOfRange(original, payload + 5 + redundantLength, original.length);

        byte[] buf = held("red-one-redundant");
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(buf, HEAD, original.length));
        int newOff = Red.unwrap(rtp);
        assertEquals(HEAD + 5 + redundantLength, newOff);
        assertEquals(111, rtp.payloadType());
        assertEquals(before.sequenceNumber(), rtp.sequenceNumber());
        assertEquals(before.timestamp(), rtp.timestamp());
        assertEquals(before.ssrc(), rtp.ssrc());
        assertEquals(before.marker(), rtp.marker());
        int kept = 0;
        for (int id = 1; id <= 14; id++) {
            assertEquals(before.extensionString(id), rtp.extensionString(id), "header extension " + id + " kept");
            kept += before.findExtension(id) >= 0 ? 1 : 0;
        }
        assertTrue(kept >= 2, "the capture has extensions to keep (abs-send-time, transport-cc, audio level)");
        assertArrayEquals(primary, Arrays.copyOfRange(buf, rtp.payloadOffset(), rtp.payloadOffset() + rtp.payloadLength()));
        assertEquals(original.length - 5 - redundantLength, rtp.length());
    }

    @Test
    void primaryOnly() {
        byte[] original = Fixtures.get("red-primary-only");
        byte[] buf = held("red-primary-only");
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(buf, HEAD, original.length));
        int payload = rtp.payloadOffset();
        byte[] primary = Arrays.copyOfRange(buf, payload + 1, HEAD + original.length);
        assertEquals(HEAD + 1, Red.unwrap(rtp), "the header moves over the one-byte block header");
        assertEquals(111, rtp.payloadType());
        assertArrayEquals(primary, Arrays.copyOfRange(buf, rtp.payloadOffset(), rtp.payloadOffset() + rtp.payloadLength()));
    }

    @Test
    void malformedRedIsRefusedAndLeftAlone() {
        byte[] original = Fixtures.get("red-one-redundant");
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(original, 0, original.length));
        int payload = rtp.payloadOffset();
        byte[] longBlock = original.clone();
        longBlock[payload + 2] = (byte) (longBlock[payload + 2] | 0x03); // redundant length 800+: past the end
        byte[] copy = longBlock.clone();
        RtpPacket v = new RtpPacket();
        assertTrue(v.wrap(longBlock, 0, longBlock.length));
        assertEquals(-1, Red.unwrap(v));
        assertArrayEquals(copy, longBlock, "unchanged");
        // only block headers with F set, cut before the primary's header
        byte[] cut = Arrays.copyOf(original, payload + 4);
        assertTrue(v.wrap(cut, 0, cut.length));
        assertEquals(-1, Red.unwrap(v));
        // an empty payload
        byte[] empty = Arrays.copyOf(original, payload);
        assertTrue(v.wrap(empty, 0, empty.length));
        assertEquals(-1, Red.unwrap(v));
    }

    @Test
    void paddingIsDropped() {
        byte[] original = Fixtures.get("red-one-redundant");
        byte[] padded = Arrays.copyOf(original, original.length + 4);
        padded[0] |= 0x20;
        padded[padded.length - 1] = 4;
        RtpPacket rtp = new RtpPacket();
        assertTrue(rtp.wrap(padded, 0, padded.length));
        assertTrue(Red.unwrap(rtp) > 0);
        assertEquals(0, padded[rtp.offset()] & 0x20, "no padding bit");
        assertEquals(rtp.length() - rtp.headerLength(), rtp.payloadLength());
    }
}
