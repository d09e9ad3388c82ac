package io.junction.bridge.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.rtcp.RtcpCompound;
import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.transport.PacketTransport;
import java.util.List;

/**
 * Coverage-guided fuzzing of the whole receive and send path ({@link PacketPathHarness}, no SRTP so
 * the fuzzer reaches past it): a publisher and a subscriber send any mix of raw datagrams and
 * mutated captured Chromium packets (RTP of every stream, RTX, RTCP reports and feedback). Whatever
 * comes in, nothing throws, every datagram the bridge sends either endpoint is well-formed RTP or
 * RTCP, and no pool packet is left outstanding.
 */
class PacketPathFuzzTest {
    private static final String[] TEMPLATES = {"opus", "vp8", "vp8-keyframe-start", "rtx", "vp8-sim-key-q", "vp8-sim-tid2",
            "vp8-sim-key-f", "rtx-repaired-rid", "rtcp-sr-sdes", "rtcp-rr", "rtcp-sr-sdes-remb", "rtcp-rr-2blocks",
            "rtcp-nack", "rtcp-nack-2items", "rtcp-transport-cc"};
    private static final byte[][] PACKETS = new byte[TEMPLATES.length][];

    static {
        for (int i = 0; i < TEMPLATES.length; i++) {
            PACKETS[i] = Fixtures.get(TEMPLATES[i]);
        }
    }

    @FuzzTest
    void packetPath(FuzzedDataProvider in) {
        PacketPathHarness h = new PacketPathHarness(null);
        try {
            PacketPathHarness.Endpoint pub = h.endpoint("pub");
            PacketPathHarness.Endpoint sub = h.endpoint("sub");
            SourceTrack audio = pub.publish("0", MediaKind.AUDIO, List.of());
            SourceTrack video = pub.publish("1", MediaKind.VIDEO, List.of("q", "h", "f"));
            sub.subscribe(audio, "2");
            Subscription videoSub = sub.subscribe(video, "3");
            videoSub.video().setTarget(in.consumeInt(0, 2), VideoProjection.ALL_TEMPORAL);
            long now = 1_000_000_000L;
            for (int n = 0; n < 64 && in.remainingBytes() > 0; n++) {
                now += in.consumeInt(0, 200) * 1_000_000L;
                boolean fromPublisher = in.consumeBoolean();
                byte[] datagram;
                if (in.consumeBoolean()) {
                    datagram = in.consumeBytes(in.consumeInt(0, 1400));
                } else {
                    datagram = PACKETS[in.consumeInt(0, PACKETS.length - 1)].clone();
                    for (int k = in.consumeInt(0, 8); k > 0 && datagram.length > 0; k--) {
                        datagram[in.consumeInt(0, datagram.length - 1)] = in.consumeByte();
                    }
                }
                (fromPublisher ? pub : sub).send(datagram, now);
            }
            wellFormed(sub.received(), "subscriber");
            wellFormed(pub.received(), "publisher");
            assertEquals(0, h.releaseAndCountOutstanding(), "pool packets leaked");
        } finally {
            h.close();
        }
    }

    private static void wellFormed(List<byte[]> sent, String to) {
        RtpPacket rtp = new RtpPacket();
        RtcpCompound rtcp = new RtcpCompound();
        for (byte[] d : sent) {
            if (PacketTransport.isRtcp(d, 0, d.length)) {
                assertTrue(rtcp.wrap(d, 0, d.length), "the bridge sent the " + to + " an RTCP datagram it cannot walk");
                while (rtcp.next()) {
                    // walk to the end
                }
                assertTrue(!rtcp.malformed(), "the bridge sent the " + to + " malformed RTCP");
            } else {
                assertTrue(rtp.wrap(d, 0, d.length), "the bridge sent the " + to + " malformed RTP: " + rtp.invalidReason());
            }
        }
    }
}
