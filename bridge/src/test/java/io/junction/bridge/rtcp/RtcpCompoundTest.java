package io.junction.bridge.rtcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.Fixtures;
import org.junit.jupiter.api.Test;

class RtcpCompoundTest {
    private final RtcpCompound rtcp = new RtcpCompound();

    private List<String> types(byte[] p, int len) {
        List<String> out = new ArrayList<>();
        rtcp.wrap(p, 0, len);
        while (rtcp.next()) {
            out.add(rtcp.packetType() + "/" + rtcp.countOrFormat() + "/" + rtcp.length());
        }
        return out;
    }

    @Test
    void chromiumSenderReportWithSdes() {
        byte[] p = Fixtures.get("rtcp-sr-sdes");
        assertEquals(List.of("200/0/28", "202/1/28"), types(p, p.length));
        assertFalse(rtcp.malformed());
        rtcp.wrap(p, 0, p.length);
        rtcp.next();
        assertEquals(ByteIo.readInt(p, 4), rtcp.senderSsrc());
    }

    @Test
    void chromiumReceiverReport() {
        byte[] p = Fixtures.get("rtcp-rr");
        assertEquals(List.of("201/1/32"), types(p, p.length));
    }

    @Test
    void chromiumRembInCompound() {
        byte[] p = Fixtures.get("rtcp-sr-sdes-remb");
        assertEquals(List.of("200/0/28", "202/1/28", "206/15/24"), types(p, p.length));
        rtcp.wrap(p, 0, p.length);
        rtcp.next();
        rtcp.next();
        rtcp.next();
        assertTrue(Remb.is(p, rtcp.offset(), rtcp.length()));
        assertFalse(Pli.is(p, rtcp.offset(), rtcp.length()));
        assertEquals(79_136, Remb.bitrate(p, rtcp.offset()), "exponent 0, mantissa 0x13520 as Chromium wrote it");
    }

    @Test
    void firCarriesTheTargetAndSequenceNumber() {
        byte[] b = new byte[40];
        int n = Fir.write(b, 0, 0x01020304, 0xAABBCCDD, 255);
        assertEquals(List.of("206/4/20"), types(b, n));
        assertTrue(rtcp.wrap(b, 0, n));
        assertTrue(rtcp.next());
        assertTrue(Fir.is(b, rtcp.offset(), rtcp.length()));
        assertFalse(Pli.is(b, rtcp.offset(), rtcp.length()));
        assertEquals(0xAABBCCDD, Fir.entrySsrc(b, rtcp.offset(), 0));
        assertEquals(255, Fir.entrySequence(b, rtcp.offset(), 0));
        io.junction.bridge.forward.SourceEncoding track = new io.junction.bridge.forward.SourceTrack("e",
                io.junction.bridge.forward.MediaKind.VIDEO, "t", 1, 2, null).encodings()[0];
        int first = track.nextFirSequence();
        assertEquals(first + 1, track.nextFirSequence(), "each FIR gets the next number");
        for (int i = 0; i < 254; i++) {
            track.nextFirSequence();
        }
        assertEquals(first, track.nextFirSequence(), "8-bit wrap");
    }

    @Test
    void rembAndByeWrittenByTheBridgeParseBack() {
        byte[] b = new byte[64];
        int n = Remb.write(b, 0, 0x01020304, 2_500_000, new int[] {0x3f74e644, 0x11}, 2);
        n += Bye.write(b, n, 0x55667788);
        assertEquals(List.of("206/15/28", "203/1/8"), types(b, n));
        assertTrue(rtcp.wrap(b, 0, n));
        assertTrue(rtcp.next());
        assertTrue(Remb.is(b, rtcp.offset(), rtcp.length()));
        long decoded = Remb.bitrate(b, rtcp.offset());
        assertTrue(decoded <= 2_500_000 && decoded > 2_500_000 - 16, "18-bit mantissa keeps the value within 2^exp: " + decoded);
        assertEquals(2, b[16]);
        assertEquals(0x3f74e644, ByteIo.readInt(b, 20));
        assertTrue(rtcp.next());
        assertEquals(RtcpCompound.BYE, rtcp.packetType());
        assertEquals(0x55667788, rtcp.senderSsrc());
        assertFalse(rtcp.next());
        assertFalse(rtcp.malformed());
    }

    @Test
    void pliRoundTrip() {
        byte[] b = new byte[32];
        int n = Pli.write(b, 4, 0x11223344, 0xAABBCCDD);
        assertEquals(12, n);
        assertEquals("81ce00021122334" + "4aabbccdd", HexFormat.of().formatHex(b, 4, 16));
        assertTrue(rtcp.wrap(b, 4, n));
        assertTrue(rtcp.next());
        assertTrue(Pli.is(b, rtcp.offset(), rtcp.length()));
        assertEquals(0xAABBCCDD, Pli.mediaSsrc(b, rtcp.offset()));
        assertEquals(0x11223344, rtcp.senderSsrc());
        assertFalse(rtcp.next());
        assertFalse(rtcp.malformed());
    }

    @Test
    void firEntrySsrc() {
        // RFC 5104 §4.3.1: PSFB FMT 4, sender, media ssrc 0, FCI: ssrc, seq nr, reserved.
        byte[] p = HexFormat.of().parseHex("84ce00040000000100000000" + "0000000a" + "07000000");
        rtcp.wrap(p, 0, p.length);
        assertTrue(rtcp.next());
        assertTrue(Fir.is(p, rtcp.offset(), rtcp.length()));
        assertEquals(10, Fir.entrySsrc(p, rtcp.offset(), 0));
    }

    @Test
    void truncatedCompoundIsMalformedAfterTheValidPart() {
        byte[] p = Fixtures.get("rtcp-sr-sdes-remb");
        for (int len = 0; len < p.length; len++) {
            rtcp.wrap(p, 0, len);
            int seen = 0;
            while (rtcp.next()) {
                seen++;
                assertTrue(rtcp.offset() + rtcp.length() <= len);
            }
            boolean boundary = len == 0 || len == 28 || len == 56;
            assertEquals(!boundary, rtcp.malformed(), "length " + len);
            assertTrue(seen <= 3);
        }
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(3);
        byte[] buf = new byte[1500];
        for (int i = 0; i < 200_000; i++) {
            r.nextBytes(buf);
            int len = r.nextInt(200);
            if (rtcp.wrap(buf, 0, len)) {
                while (rtcp.next()) {
                    Pli.is(buf, rtcp.offset(), rtcp.length());
                    Fir.is(buf, rtcp.offset(), rtcp.length());
                    Remb.is(buf, rtcp.offset(), rtcp.length());
                    Nack.is(buf, rtcp.offset(), rtcp.length());
                    TransportCcFeedback.is(buf, rtcp.offset(), rtcp.length());
                    if (Pli.is(buf, rtcp.offset(), rtcp.length())) {
                        Pli.mediaSsrc(buf, rtcp.offset());
                    }
                    if (Fir.is(buf, rtcp.offset(), rtcp.length())) {
                        Fir.entrySsrc(buf, rtcp.offset(), 0);
                    }
                }
            }
        }
    }
}
