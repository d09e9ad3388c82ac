package io.junction.bridge.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.Fixtures;
import org.junit.jupiter.api.Test;

class RtcpWritersTest {
    @Test
    void senderReportWithCnameIsAValidCompound() {
        byte[] b = new byte[200];
        int n = SenderReport.write(b, 4, 0xCAFEBABE, 0x0123456789ABCDEFL, 0x11223344, 500, 600_000);
        n += Sdes.writeCname(b, 4 + n, 0xCAFEBABE, "junction-abc".getBytes(StandardCharsets.US_ASCII));
        RtcpCompound c = new RtcpCompound();
        assertTrue(c.wrap(b, 4, n));
        assertTrue(c.next());
        assertEquals(RtcpCompound.SR, c.packetType());
        assertEquals(28, c.length());
        assertEquals(0xCAFEBABE, c.senderSsrc());
        assertEquals(0x01234567, ByteIo.readInt(b, 4 + 8));
        assertEquals(0x89ABCDEF, ByteIo.readInt(b, 4 + 12));
        assertEquals(0x11223344, ByteIo.readInt(b, 4 + 16));
        assertEquals(0, reportBlocks(b, c));
        assertTrue(c.next());
        assertEquals(RtcpCompound.SDES, c.packetType());
        assertEquals(1, c.countOrFormat());
        assertEquals(0, c.length() % 4);
        int item = c.offset() + 8;
        assertEquals(1, b[item]);
        assertEquals(12, b[item + 1]);
        assertEquals("junction-abc", new String(b, item + 2, 12, StandardCharsets.US_ASCII));
        assertFalse(c.next());
        assertFalse(c.malformed());
    }

    @Test
    void receiverReportBlocksRoundTrip() {
        byte[] b = new byte[100];
        int at = 8;
        at += ReportBlock.write(b, at, 7, 64, -3, 0x1_0005L, 900, 0x12345678, 65536);
        at += ReportBlock.write(b, at, 8, 0, 0x900000, 70_000, 0, 0, 0);
        ReceiverReport.writeHeader(b, 0, 99, 2);
        RtcpCompound c = new RtcpCompound();
        assertTrue(c.wrap(b, 0, at));
        assertTrue(c.next());
        assertEquals(RtcpCompound.RR, c.packetType());
        assertEquals(2, reportBlocks(b, c));
        int first = ReceiverReport.reportBlockOffset(c.offset(), 0);
        assertEquals(7, ByteIo.readInt(b, first));
        assertEquals(64, b[first + 4] & 0xFF);
        assertEquals(-3, (ByteIo.readU24(b, first + 5) << 8) >> 8, "signed 24-bit cumulative loss");
        assertEquals(0x1_0005, ByteIo.readInt(b, first + 8));
        assertEquals(900, ByteIo.readInt(b, first + 12));
        assertEquals(0x12345678, ByteIo.readInt(b, first + 16));
        assertEquals(65536, ByteIo.readInt(b, first + 20));
        int second = ReceiverReport.reportBlockOffset(c.offset(), 1);
        assertEquals(0x7FFFFF, ByteIo.readU24(b, second + 5), "clamped to the largest positive value");
    }

    @Test
    void chromiumSenderReportHasNoReportBlocksAndReceiverReportOne() {
        byte[] sr = Fixtures.get("rtcp-sr-sdes");
        RtcpCompound c = new RtcpCompound();
        c.wrap(sr, 0, sr.length);
        c.next();
        assertEquals(0, reportBlocks(sr, c));
        byte[] rr = Fixtures.get("rtcp-rr");
        c.wrap(rr, 0, rr.length);
        c.next();
        assertEquals(1, reportBlocks(rr, c));
    }

    private static int reportBlocks(byte[] b, RtcpCompound c) {
        return c.packetType() == RtcpCompound.SR ? SenderReport.reportBlockCount(b, c.offset(), c.length())
                : ReceiverReport.reportBlockCount(b, c.offset(), c.length());
    }
}
