package io.junction.bridge.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtcp.RtcpCompound;
import io.junction.bridge.rtcp.Nack;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.rtp.Rtx;
import io.junction.bridge.worker.Packet;
import io.junction.bridge.worker.PacketPool;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RetransmissionCacheTest {
    private final PacketPool pool = new PacketPool(1024, 0);

    private Packet packetWithSeq(int seq) {
        Packet p = pool.take();
        byte[] vp8 = Fixtures.get("vp8");
        p.copyFrom(vp8, 0, vp8.length);
        ByteIo.writeU16(p.buf, p.off + 2, seq);
        return p;
    }

    @Test
    void servesRecentPacketsAcrossSequenceWrapAround() {
        RetransmissionCache cache = new RetransmissionCache(pool);
        long now = 5_000_000_000L;
        for (int i = 0; i < 600; i++) {
            int seq = (65_300 + i) & 0xFFFF;
            Packet p = packetWithSeq(seq);
            cache.put(p, seq, now + i * 1_000_000L);
            pool.release(p);
        }
        long end = now + 600 * 1_000_000L;
        int newest = (65_300 + 599) & 0xFFFF;
        Packet hit = cache.get(newest, end);
        assertNotNull(hit);
        assertEquals(newest, ByteIo.readU16(hit.buf, hit.off + 2));
        assertNotNull(cache.get((newest - 255) & 0xFFFF, end), "the last 256 are kept");
        assertNull(cache.get((newest - 256) & 0xFFFF, end), "older ones were overwritten");
        assertNull(cache.get(65_300, end), "from before the wrap: gone");
        assertNull(cache.get(newest, end + RetransmissionCache.MAX_AGE_NS + 1), "too old to be useful");
        assertEquals(RetransmissionCache.CAPACITY, pool.outstanding(), "the cache holds one packet per slot");
        cache.clear();
        assertEquals(0, pool.outstanding(), "clear returns every packet to the pool");
    }

    @Test
    void holdsAboutOneSecondOfPacketsNotAFullRing() {
        RetransmissionCache cache = new RetransmissionCache(pool);
        long now = 1_000_000_000L;
        // 60 packets per second (500 kbit/s of video) for 10 s.
        for (int i = 0; i < 600; i++) {
            Packet p = packetWithSeq(i);
            cache.put(p, i, now + i * 16_666_667L);
            pool.release(p);
        }
        long end = now + 599 * 16_666_667L;
        assertEquals(cache.size(), pool.outstanding(), "every held packet is out of the pool, nothing else");
        int held = cache.size();
        org.junit.jupiter.api.Assertions.assertTrue(held >= 60 && held <= 64, "about one second of packets: " + held);
        assertNotNull(cache.get(599 - 59, end), "the last second is served");
        // A burst (256 packets in one instant) fills the ring; a second later it has shrunk back.
        for (int i = 600; i < 856; i++) {
            Packet p = packetWithSeq(i & 0xFFFF);
            cache.put(p, i, end + 1);
            pool.release(p);
        }
        assertEquals(RetransmissionCache.CAPACITY, cache.size());
        long later = end + 1 + RetransmissionCache.MAX_AGE_NS + 1;
        for (int i = 856; i < 1000; i++) {
            Packet p = packetWithSeq(i & 0xFFFF);
            cache.put(p, i, later + (i - 856) * 16_666_667L);
            pool.release(p);
        }
        org.junit.jupiter.api.Assertions.assertTrue(cache.size() <= 144, "the burst's packets went back: " + cache.size());
        cache.clear();
        assertEquals(0, pool.outstanding());
    }

    @Test
    void rtxCarriesTheOriginalSequenceNumberAndPayload() {
        byte[] vp8 = Fixtures.get("vp8");
        RtpPacket original = new RtpPacket();
        original.wrap(vp8, 0, vp8.length);
        byte[] out = new byte[2000];
        int n = Rtx.write(original, out, 0, 0xABCDEF01, 7, 97);
        assertEquals(vp8.length + 2, n);
        RtpPacket rtx = new RtpPacket();
        rtx.wrap(out, 0, n);
        assertEquals(97, rtx.payloadType());
        assertEquals(7, rtx.sequenceNumber());
        assertEquals(0xABCDEF01, rtx.ssrc());
        assertEquals(original.timestamp(), rtx.timestamp());
        assertEquals("1", rtx.extensionString(4), "header extensions are kept");
        assertEquals(original.sequenceNumber(), ByteIo.readU16(out, rtx.payloadOffset()), "OSN");
        assertEquals(Arrays.toString(Arrays.copyOfRange(vp8, original.payloadOffset(), vp8.length)),
                Arrays.toString(Arrays.copyOfRange(out, rtx.payloadOffset() + 2, n)));
    }

    @Test
    void nackItemsRoundTrip() {
        byte[] b = new byte[64];
        int n = Nack.write(b, 0, 1, 0x1234, new int[] {(100 << 16) | 0b101, (65535 << 16)}, 2);
        RtcpCompound c = new RtcpCompound();
        c.wrap(b, 0, n);
        c.next();
        assertEquals(true, Nack.is(b, c.offset(), c.length()));
        assertEquals(0x1234, Nack.mediaSsrc(b, c.offset()));
        assertEquals(2, Nack.itemCount(c.length()));
        assertEquals(100, Nack.item(b, c.offset(), 0) >>> 16);
        assertEquals(0b101, Nack.item(b, c.offset(), 0) & 0xFFFF, "100, 101 and 103 lost");
        assertEquals(65535, Nack.item(b, c.offset(), 1) >>> 16);
    }
}
