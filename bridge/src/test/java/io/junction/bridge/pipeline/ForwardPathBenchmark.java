package io.junction.bridge.pipeline;

import io.junction.bridge.codec.CodecCatalog;
import io.junction.bridge.forward.MediaKind;
import io.junction.bridge.forward.SourceTrack;
import io.junction.bridge.forward.Subscription;
import io.junction.bridge.forward.VideoProjection;
import io.junction.bridge.rtp.ByteIo;
import io.junction.bridge.rtp.Fixtures;
import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.transport.srtp.SrtpProfile;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The bridge's real packet path for one 1200-byte VP8 packet (Chromium's header and extensions) and
 * {@code subscribers} subscribers, through the stages in {@link PacketPathHarness}: copy into a pooled
 * packet, SRTP unprotect, parse, SSRC lookup, NACK/receive state, codec inspection, projection and
 * copy per subscriber, send stage (SSRC, transport-wide number, retransmission cache, SRTP protect).
 * Socket I/O is not included (the fake transport only counts).
 *
 * <p>{@code forwardOnePacket} also pays the browser's SRTP protect of the incoming packet;
 * {@code clientProtectOnly} measures that alone, so the bridge's share is the difference.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ForwardPathBenchmark {
    @Param({"AEAD_AES_128_GCM", "AES128_CM_HMAC_SHA1_80"})
    public String profile;

    @Param({"1"})
    public int subscribers;

    /** media.srtp-crypto: "native" (Junction's own, on OpenSSL) or "openssl" (jitsi-srtp on OpenSSL). */
    @Param({"native", "openssl"})
    public String srtp;

    private PacketPathHarness harness;
    private PacketPathHarness.Endpoint publisher;
    private final byte[] template = new byte[1200];
    private final byte[] scratch = new byte[1600];
    private int tccAt;
    private int seq;

    @Setup(Level.Trial)
    public void setup() {
        // one choice per JVM: JMH forks a JVM per parameter combination
        String chosen = io.junction.bridge.transport.srtp.SrtpSession.selectCipherFactory(srtp);
        if (srtp.equals("native") != chosen.equals(io.junction.bridge.transport.srtp.SrtpSession.NATIVE)) {
            throw new IllegalStateException("asked for " + srtp + ", got " + chosen);
        }
        harness = new PacketPathHarness(SrtpProfile.valueOf(profile));
        publisher = harness.endpoint("pub");
        SourceTrack video = publisher.publish("1", MediaKind.VIDEO, List.of());
        for (int i = 0; i < subscribers; i++) {
            PacketPathHarness.Endpoint s = harness.endpoint("sub" + i);
            s.transport.keep = false;
            Subscription sub = s.subscribe(video, "2");
            sub.video().setTarget(0, VideoProjection.ALL_TEMPORAL);
        }
        publisher.transport.keep = false;
        byte[] vp8 = Fixtures.get("vp8");
        System.arraycopy(vp8, 0, template, 0, vp8.length);
        for (int i = vp8.length; i < template.length; i++) {
            template[i] = (byte) i;
        }
        RtpPacket rtp = new RtpPacket();
        rtp.wrap(template, 0, template.length);
        tccAt = rtp.findExtension(CodecCatalog.EXT_TRANSPORT_CC);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        harness.close();
    }

    private void nextPacket() {
        System.arraycopy(template, 0, scratch, 0, template.length);
        seq++;
        ByteIo.writeU16(scratch, 2, seq & 0xFFFF);
        ByteIo.writeInt(scratch, 4, seq * 3000);
        ByteIo.writeU16(scratch, tccAt, seq & 0xFFFF);
    }

    @Benchmark
    public long forwardOnePacket() {
        nextPacket();
        publisher.send(scratch, 0, template.length, System.nanoTime());
        return harness.counters.rtpPacketsOut[1].sum();
    }

    @Benchmark
    public int clientProtectOnly() {
        nextPacket();
        return publisher.client.protectRtp(scratch, 0, template.length);
    }
}
