package io.junction.bridge.bench;

import io.junction.bridge.rtp.RtpPacket;
import io.junction.bridge.transport.srtp.SrtpProfile;
import io.junction.bridge.transport.srtp.SrtpSession;
import io.junction.bridge.worker.Packet;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The bridge's per-packet work for one forwarded 1200-byte VP8 packet and one subscriber, as the
 * packet path does it: copy the datagram into a pooled packet, SRTP unprotect with the publisher's
 * context, parse the RTP header and extensions, copy for the subscriber, rewrite SSRC / sequence
 * number / timestamp, erase the publisher's mid/rid/transport-cc extensions, SRTP protect with the
 * subscriber's context. Socket I/O is not included.
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

    private SrtpSession publisherRx;
    private SrtpSession subscriberTx;
    private byte[] encrypted;
    private int encryptedLength;
    private final Packet received = new Packet();
    private final Packet forwarded = new Packet();
    private final RtpPacket rtp = new RtpPacket();
    private int outSeq;

    @Setup
    public void setup() {
        SrtpProfile p = SrtpProfile.valueOf(profile);
        byte[] km = new byte[p.keyingMaterialLength()];
        new SecureRandom().nextBytes(km);
        SrtpSession publisherTx = new SrtpSession(p, km, false);
        publisherRx = new SrtpSession(p, km, true, false);
        byte[] km2 = new byte[p.keyingMaterialLength()];
        new SecureRandom().nextBytes(km2);
        subscriberTx = new SrtpSession(p, km2, true);
        // A VP8 packet as Chromium sends it: one-byte extensions abs-send-time, transport-cc, mid.
        byte[] plain = new byte[1200];
        byte[] header = java.util.HexFormat.of().parseHex("90602b6a579f97ab3b8e9062bede000322be460b3100484031000000");
        System.arraycopy(header, 0, plain, 0, header.length);
        for (int i = header.length; i < plain.length; i++) {
            plain[i] = (byte) i;
        }
        encrypted = new byte[Packet.CAPACITY];
        System.arraycopy(plain, 0, encrypted, 0, plain.length);
        encryptedLength = publisherTx.protectRtp(encrypted, 0, plain.length);
    }

    @Benchmark
    public int forwardOnePacket() {
        Packet in = received;
        in.copyFrom(encrypted, 0, encryptedLength);
        int n = publisherRx.unprotectRtp(in.buf, in.off, in.len);
        if (n < 0) {
            throw new IllegalStateException("unprotect failed: " + n);
        }
        in.len = n;
        rtp.wrap(in.buf, in.off, in.len);
        Packet out = forwarded;
        out.copyFrom(in);
        rtp.wrap(out.buf, out.off, out.len);
        outSeq = (outSeq + 1) & 0xFFFF;
        rtp.setSequenceNumber(outSeq);
        rtp.setTimestamp(rtp.timestamp() + 3000);
        rtp.setSsrc(0x12345678);
        rtp.eraseExtension(4);
        rtp.eraseExtension(10);
        rtp.eraseExtension(11);
        rtp.eraseExtension(3);
        return subscriberTx.protectRtp(out.buf, out.off, out.len);
    }
}
