package io.junction.bridge.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.junction.bridge.rtp.Fixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One class per RTCP message: each read from bytes Chromium sent (chromium-captures.txt; the values
 * expected were decoded by hand from the hex, not by these classes), and each writer's output read
 * back. Chromium sent no PLI, FIR or BYE in the captures (the bridge asks for keyframes itself, and a
 * closed peer connection sent no BYE): those are read from bytes laid out by hand from the RFC.
 */
class RtcpMessagesTest {
    /** The sub-packet {@code index} of a compound fixture: {offset, length}. */
    private static int[] sub(byte[] p, int index) {
        RtcpCompound c = new RtcpCompound();
        assertTrue(c.wrap(p, 0, p.length));
        for (int i = 0; i <= index; i++) {
            assertTrue(c.next(), "sub-packet " + i);
        }
        return new int[] {c.offset(), c.length()};
    }

    // ------------------------------------------------------------------ captured from Chromium

    @Test
    void senderReportsAsChromiumSentThem() {
        record Row(String fixture, long ntp, int rtp, long packets, long octets) {}
        for (Row r : List.of(
                new Row("rtcp-sr-sdes", 0xeeaf85ee830520d1L, 0xb23bcba4, 0, 0),
                new Row("rtcp-sr-sdes-remb", 0xeeaf85f5307f993dL, 0xb244f760, 182, 155_776))) {
            byte[] p = Fixtures.get(r.fixture());
            int[] s = sub(p, 0);
            assertTrue(SenderReport.is(p, s[0], s[1]), r.fixture());
            assertFalse(ReceiverReport.is(p, s[0], s[1]));
            assertEquals(0x32cffbf7, SenderReport.senderSsrc(p, s[0]));
            assertEquals(r.ntp(), SenderReport.ntp(p, s[0]), r.fixture());
            assertEquals(r.rtp(), SenderReport.rtpTimestamp(p, s[0]));
            assertEquals(r.packets(), SenderReport.packetCount(p, s[0]));
            assertEquals(r.octets(), SenderReport.octetCount(p, s[0]));
            assertEquals(0, SenderReport.reportBlockCount(p, s[0], s[1]));
        }
    }

    @Test
    void sdesCnameAsChromiumSentIt() {
        byte[] p = Fixtures.get("rtcp-sr-sdes");
        int[] s = sub(p, 1);
        assertTrue(Sdes.is(p, s[0], s[1]));
        assertEquals(0x32cffbf7, Sdes.firstChunkSsrc(p, s[0]));
        int at = Sdes.findCname(p, s[0], s[1]);
        assertTrue(at > 0);
        assertEquals("eZttNB0Eg01w/wtX", new String(p, at + 2, p[at + 1], StandardCharsets.US_ASCII));
        assertEquals(-1, Sdes.findCname(p, s[0], 10), "an item running past the packet is not read");
    }

    @Test
    void receiverReportBlocksAsChromiumSentThem() {
        record Block(int ssrc, int fraction, int cumulative, long highest, long jitter, int lsr, long dlsr) {}
        record Row(String fixture, int sender, List<Block> blocks) {}
        for (Row r : List.of(
                new Row("rtcp-rr", 0x3b8e9062, List.of(new Block(0xdd1e02c5, 0, 0, 1232, 3383, 0, 0))),
                new Row("rtcp-rr-2blocks", 0x7c4327a7, List.of(
                        new Block(0xa6dab723, 15, 1, 55_070, 1074, 0x1ed62dc2, 51_002),
                        new Block(0x97dab04c, 25, 15, 36_351, 289, 0x1ed62dc2, 51_002))))) {
            byte[] p = Fixtures.get(r.fixture());
            int[] s = sub(p, 0);
            assertTrue(ReceiverReport.is(p, s[0], s[1]));
            assertEquals(r.sender(), ReceiverReport.senderSsrc(p, s[0]));
            assertEquals(r.blocks().size(), ReceiverReport.reportBlockCount(p, s[0], s[1]));
            for (int i = 0; i < r.blocks().size(); i++) {
                Block b = r.blocks().get(i);
                int at = ReceiverReport.reportBlockOffset(s[0], i);
                assertEquals(b.ssrc(), ReportBlock.ssrc(p, at), r.fixture() + " block " + i);
                assertEquals(b.fraction(), ReportBlock.fractionLost(p, at));
                assertEquals(b.cumulative(), ReportBlock.cumulativeLost(p, at));
                assertEquals(b.highest(), ReportBlock.extendedHighestSequence(p, at));
                assertEquals(b.jitter(), ReportBlock.jitter(p, at));
                assertEquals(b.lsr(), ReportBlock.lastSr(p, at));
                assertEquals(b.dlsr(), ReportBlock.delaySinceLastSr(p, at));
            }
        }
    }

    @Test
    void nacksAsChromiumSentThem() {
        record Row(String fixture, int media, List<Integer> lost) {}
        for (Row r : List.of(
                new Row("rtcp-nack", 0x97dab04c, List.of(0x8dbc, 0x8dbd, 0x8dbe)),
                new Row("rtcp-nack-2items", 0xd1158c23, List.of(0xd5bd, 0xd5bd + 8, 0xd5e1, 0xd5e1 + 4)))) {
            byte[] p = Fixtures.get(r.fixture());
            int[] s = sub(p, 0);
            assertTrue(Nack.is(p, s[0], s[1]));
            assertFalse(TransportCcFeedback.is(p, s[0], s[1]));
            assertFalse(Pli.is(p, s[0], s[1]), "same FMT, other packet type");
            assertEquals(r.media(), Nack.mediaSsrc(p, s[0]));
            assertEquals(r.lost(), lost(p, s[0], s[1]), r.fixture());
        }
    }

    @Test
    void rembAsChromiumSentIt() {
        byte[] p = Fixtures.get("rtcp-sr-sdes-remb");
        int[] s = sub(p, 2);
        assertTrue(Remb.is(p, s[0], s[1]));
        assertEquals(79_136, Remb.bitrate(p, s[0]));
        assertEquals(1, Remb.ssrcCount(p, s[0], s[1]));
        assertEquals(0x3f74e644, Remb.ssrc(p, s[0], 0));
    }

    @Test
    void transportCcAsChromiumSentIt() {
        byte[] p = Fixtures.get("rtcp-transport-cc");
        int[] s = sub(p, 0);
        assertTrue(TransportCcFeedback.is(p, s[0], s[1]));
        assertFalse(Nack.is(p, s[0], s[1]));
        List<Integer> seqs = new ArrayList<>();
        assertTrue(TransportCcFeedback.parse(p, s[0], s[1], (seq, received, arrivalUs) -> seqs.add(seq)));
        assertEquals(9, seqs.size(), "packet status count");
        assertEquals(842, seqs.get(0), "base sequence number");
    }

    // ------------------------------------------------------------------ laid out from the RFCs

    @Test
    void pliFirAndByeFromTheRfcLayouts() {
        byte[] pli = HexFormat.of().parseHex("81ce0002" + "11223344" + "aabbccdd"); // RFC 4585 §6.3.1
        assertTrue(Pli.is(pli, 0, pli.length));
        assertEquals(0xaabbccdd, Pli.mediaSsrc(pli, 0));
        byte[] fir = HexFormat.of().parseHex("84ce0006" + "00000001" + "00000000" + "0000000a" + "07000000"
                + "0000000b" + "08000000"); // RFC 5104 §4.3.1, two entries
        assertTrue(Fir.is(fir, 0, fir.length));
        assertFalse(Pli.is(fir, 0, fir.length));
        assertEquals(2, Fir.entryCount(fir.length));
        assertEquals(10, Fir.entrySsrc(fir, 0, 0));
        assertEquals(7, Fir.entrySequence(fir, 0, 0));
        assertEquals(11, Fir.entrySsrc(fir, 0, 1));
        assertEquals(8, Fir.entrySequence(fir, 0, 1));
        byte[] bye = HexFormat.of().parseHex("82cb0002" + "01020304" + "05060708"); // RFC 3550 §6.6
        assertTrue(Bye.is(bye, 0, bye.length));
        assertEquals(2, Bye.ssrcCount(bye, 0, bye.length));
        assertEquals(0x05060708, Bye.ssrc(bye, 0, 1));
        assertEquals(1, Bye.ssrcCount(bye, 0, 8), "the count is bounded by the length");
    }

    // ------------------------------------------------------------------ round trips of every writer

    @Test
    void everyWriterReadsBack() {
        byte[] b = new byte[400];
        int off = 4;
        int n = SenderReport.write(b, off, 0xCAFEBABE, 0x0123456789ABCDEFL, 0x11223344, 500, 0xFFFF_FFF0L);
        assertTrue(SenderReport.is(b, off, n));
        assertEquals(0x0123456789ABCDEFL, SenderReport.ntp(b, off));
        assertEquals(0x11223344, SenderReport.rtpTimestamp(b, off));
        assertEquals(500, SenderReport.packetCount(b, off));
        assertEquals(0xFFFF_FFF0L, SenderReport.octetCount(b, off), "unsigned 32 bits");

        n = Sdes.writeCname(b, off, 7, "junction-x".getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, n % 4);
        int at = Sdes.findCname(b, off, n);
        assertEquals("junction-x", new String(b, at + 2, b[at + 1], StandardCharsets.US_ASCII));

        n = ReceiverReport.writeHeader(b, off, 9, 1);
        n += ReportBlock.write(b, off + n, 0x0A0B0C0D, 200, -5, 0x1_0002L, 77, 0x01020304, 65536);
        assertTrue(ReceiverReport.is(b, off, n));
        assertEquals(1, ReceiverReport.reportBlockCount(b, off, n));
        int blk = ReceiverReport.reportBlockOffset(off, 0);
        assertEquals(0x0A0B0C0D, ReportBlock.ssrc(b, blk));
        assertEquals(200, ReportBlock.fractionLost(b, blk));
        assertEquals(-5, ReportBlock.cumulativeLost(b, blk));
        assertEquals(0x1_0002L, ReportBlock.extendedHighestSequence(b, blk));
        assertEquals(77, ReportBlock.jitter(b, blk));
        assertEquals(0x01020304, ReportBlock.lastSr(b, blk));
        assertEquals(65536, ReportBlock.delaySinceLastSr(b, blk));

        n = Nack.write(b, off, 1, 2, new int[] {(100 << 16) | 0x8001, 300 << 16}, 2);
        assertTrue(Nack.is(b, off, n));
        assertEquals(2, Nack.mediaSsrc(b, off));
        assertEquals(List.of(100, 101, 116, 300), lost(b, off, n));

        n = Pli.write(b, off, 1, 0xDEADBEEF);
        assertTrue(Pli.is(b, off, n));
        assertEquals(0xDEADBEEF, Pli.mediaSsrc(b, off));

        n = Fir.write(b, off, 1, 0xDEADBEEF, 300);
        assertTrue(Fir.is(b, off, n));
        assertEquals(0xDEADBEEF, Fir.entrySsrc(b, off, 0));
        assertEquals(300 & 0xFF, Fir.entrySequence(b, off, 0));

        n = Remb.write(b, off, 1, 123_456_789L, new int[] {5, 6}, 2);
        assertTrue(Remb.is(b, off, n));
        long br = Remb.bitrate(b, off);
        assertTrue(br <= 123_456_789L && br > 123_456_789L - (1 << 10), "18-bit mantissa: " + br);
        assertEquals(2, Remb.ssrcCount(b, off, n));
        assertEquals(6, Remb.ssrc(b, off, 1));

        n = Bye.write(b, off, 0x11, 0x22);
        assertTrue(Bye.is(b, off, n));
        assertEquals(2, Bye.ssrcCount(b, off, n));
        assertEquals(0x22, Bye.ssrc(b, off, 1));

        long[] arrivals = {1_000_000, -1, 1_000_500, 1_070_000};
        n = TransportCcFeedback.write(b, off, 1, 2, 65_534, arrivals, arrivals.length, 3);
        assertTrue(TransportCcFeedback.is(b, off, n));
        List<String> got = new ArrayList<>();
        TransportCcFeedback.parse(b, off, n, (seq, received, us) -> got.add(seq + ":" + received));
        assertEquals(List.of("65534:true", "65535:false", "0:true", "1:true"), got);
    }

    private static List<Integer> lost(byte[] p, int off, int len) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < Nack.itemCount(len); i++) {
            int item = Nack.item(p, off, i);
            for (int k = 0; k <= 16; k++) {
                int seq = Nack.lostSequence(item, k);
                if (seq >= 0) {
                    out.add(seq);
                }
            }
        }
        return out;
    }
}
