package io.junction.bridge.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RtpPacketTest {
    private final RtpPacket rtp = new RtpPacket();

    @Test
    void chromiumOpusPacketWithOneByteExtensions() {
        byte[] p = Fixtures.get("opus");
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals(111, rtp.payloadType());
        assertEquals(0x2ef0, rtp.sequenceNumber());
        assertEquals(0xe73c4652, rtp.timestamp());
        assertEquals(0x4131b136, rtp.ssrc());
        assertFalse(rtp.marker());
        assertTrue(rtp.hasExtensions());
        // bede 0003: [22 b95517] abs-send-time, [31 0009] transport-cc, [40 30] mid "0", [10 a6] audio level
        assertEquals("0", rtp.extensionString(4));
        int abs = rtp.findExtension(2);
        assertEquals(3, rtp.extensionLength());
        assertEquals(0xb95517, ByteIo.readU24(p, abs));
        int twcc = rtp.findExtension(3);
        assertEquals(2, rtp.extensionLength());
        assertEquals(9, ByteIo.readU16(p, twcc));
        int level = rtp.findExtension(1);
        assertEquals(1, rtp.extensionLength());
        assertEquals(0xa6, p[level] & 0xFF, "voice activity bit set, level 38 dBov");
        assertEquals(-1, rtp.findExtension(10), "no rid on audio");
        assertEquals(12 + 4 + 12, rtp.headerLength());
        assertEquals(p.length - 28, rtp.payloadLength());
    }

    @Test
    void chromiumVp8PacketCarriesMidOne() {
        byte[] p = Fixtures.get("vp8");
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals(96, rtp.payloadType());
        assertEquals("1", rtp.extensionString(4));
        assertEquals(0x579f97ab, rtp.timestamp());
    }

    @Test
    void eraseTurnsAnElementIntoPaddingAndKeepsTheOthers() {
        byte[] p = Fixtures.get("opus");
        assertTrue(rtp.wrap(p, 0, p.length));
        int len = p.length;
        assertTrue(rtp.eraseExtension(4));
        assertFalse(rtp.eraseExtension(4));
        assertTrue(rtp.wrap(p, 0, len));
        assertEquals(-1, rtp.findExtension(4));
        assertEquals(0xa6, p[rtp.findExtension(1)] & 0xFF, "the element after the erased one still parses");
        assertEquals(9, ByteIo.readU16(p, rtp.findExtension(3)));
        assertEquals(len, rtp.length());
    }

    @Test
    void rewriteHeaderFieldsInPlaceAtAnOffset() {
        byte[] p = Fixtures.withRoom(Fixtures.get("vp8"), 32, 64);
        assertTrue(rtp.wrap(p, 32, p.length - 96));
        rtp.setSequenceNumber(0xFFFF);
        rtp.setTimestamp(0x80000001);
        rtp.setSsrc(0xCAFEBABE);
        rtp.setPayloadType(100);
        RtpPacket again = new RtpPacket();
        assertTrue(again.wrap(p, 32, p.length - 96));
        assertEquals(0xFFFF, again.sequenceNumber());
        assertEquals(0x80000001, again.timestamp());
        assertEquals(0xCAFEBABE, again.ssrc());
        assertEquals(100, again.payloadType());
        assertEquals("1", again.extensionString(4));
    }

    @Test
    void twoByteHeaderExtensions() {
        // RFC 8285 §4.3: profile 0x1000, elements id=5 len=0, id=7 len=3 "abc", padding.
        byte[] p = HexFormat.of().parseHex("906000010000000200000003" + "10000003" + "0500" + "0703616263" + "0000000000" + "aabbcc");
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals("abc", rtp.extensionString(7));
        int at = rtp.findExtension(5);
        assertTrue(at > 0);
        assertEquals(0, rtp.extensionLength());
        assertTrue(rtp.eraseExtension(7));
        assertEquals(-1, rtp.findExtension(7));
        assertEquals(3, rtp.payloadLength());
    }

    @Test
    void paddingIsExcludedFromPayload() {
        byte[] p = HexFormat.of().parseHex("a06000010000000200000003" + "11223344" + "00000004");
        assertTrue(rtp.wrap(p, 0, p.length));
        assertEquals(4, rtp.payloadLength());
        byte[] bad = HexFormat.of().parseHex("a0600001000000020000000311223344000000ff");
        assertFalse(rtp.wrap(bad, 0, bad.length));
        assertEquals(RtpPacket.DropReason.BAD_PADDING, rtp.invalidReason());
    }

    @Test
    void rejectsEveryTruncationAndWrongVersion() {
        for (String name : new String[] {"opus", "vp8", "rtx"}) {
            byte[] p = Fixtures.get(name);
            assertTrue(rtp.wrap(p, 0, p.length));
            int header = rtp.headerLength();
            for (int len = 0; len < header; len++) {
                assertFalse(rtp.wrap(p, 0, len), name + " truncated to " + len);
            }
        }
        byte[] p = Fixtures.get("opus");
        p[0] = (byte) (p[0] & 0x3F);
        assertFalse(rtp.wrap(p, 0, p.length));
        assertEquals(RtpPacket.DropReason.BAD_VERSION, rtp.invalidReason());
        byte[] cc = Fixtures.get("opus");
        cc[0] = (byte) ((cc[0] & 0xF0) | 0x0F);
        assertFalse(rtp.wrap(cc, 0, 40));
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(7);
        byte[] buf = new byte[1500];
        for (int i = 0; i < 200_000; i++) {
            int len = r.nextInt(buf.length);
            r.nextBytes(buf);
            buf[0] = (byte) (0x80 | (buf[0] & 0x3F));
            if (rtp.wrap(buf, 0, len)) {
                for (int id = 0; id < 16; id++) {
                    int at = rtp.findExtension(id);
                    if (at >= 0) {
                        assertTrue(at + rtp.extensionLength() <= len);
                    }
                }
                rtp.eraseExtension(4);
                assertTrue(rtp.payloadOffset() + rtp.payloadLength() <= len);
            }
        }
    }

    @Test
    void mutatedCapturesNeverThrow() {
        Random r = new Random(11);
        byte[] original = Fixtures.get("vp8");
        for (int i = 0; i < 100_000; i++) {
            byte[] p = original.clone();
            for (int k = 0; k < 3; k++) {
                p[r.nextInt(40)] = (byte) r.nextInt();
            }
            if (rtp.wrap(p, 0, p.length)) {
                rtp.findExtension(r.nextInt(16));
                rtp.eraseExtension(r.nextInt(16));
            }
        }
    }

    @Test
    void parseAndRewriteAllocateNothing() {
        byte[] p = Fixtures.get("vp8");
        byte[] copy = p.clone();
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) { // warm up
            work(p, copy, i);
        }
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++) {
            work(p, copy, i);
        }
        long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes over 100k packets");
    }

    private void work(byte[] p, byte[] original, int i) {
        System.arraycopy(original, 0, p, 0, p.length);
        rtp.wrap(p, 0, p.length);
        rtp.setSequenceNumber(rtp.sequenceNumber() + i);
        rtp.setSsrc(i);
        rtp.eraseExtension(4);
        rtp.findExtension(3);
    }
}
