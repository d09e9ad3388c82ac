package io.junction.bridge.transport.srtp;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * SRTP alone: one RTP packet (1200 bytes: video; 120: audio) protected by one session and
 * unprotected by the other, per implementation (Junction's native binding, its AES-GCM direct or
 * through OpenSSL's EVP, against jitsi-srtp on OpenSSL) and profile.
 * {@code mvn -pl bridge -Pbench test-compile exec:exec -Dbench=SrtpBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SrtpBenchmark {
    @Param({"AEAD_AES_128_GCM", "AES128_CM_HMAC_SHA1_80"})
    public String profile;

    @Param({"native", "native-evp", "openssl"})
    public String srtp;

    @Param({"1200", "120"})
    public int size;

    private SrtpSession client;
    private SrtpSession server;
    private byte[] plain;
    private final byte[] buf = new byte[1300];
    private int seq;

    @Setup(Level.Trial)
    public void setup() {
        SrtpProfile p = SrtpProfile.valueOf(profile);
        byte[] km = new byte[p.keyingMaterialLength()];
        new java.util.Random(1).nextBytes(km);
        plain = new byte[size];
        String impl = srtp.startsWith("native") ? SrtpSession.NATIVE : "OpenSSL";
        if (!srtp.startsWith("native")) {
            SrtpSession.selectCipherFactory("openssl");
        }
        OpenSsl.gcmKind = srtp.equals("native-evp") ? OpenSsl.GCM_EVP : OpenSsl.GCM;
        client = new SrtpSession(p, km, false, true, impl);
        server = new SrtpSession(p, km, true, true, impl);
        plain[0] = (byte) 0x80;
        plain[1] = 96;
        plain[11] = 5;
    }

    @Benchmark
    public int protectAndUnprotect() {
        System.arraycopy(plain, 0, buf, 0, plain.length);
        buf[2] = (byte) (seq >> 8);
        buf[3] = (byte) seq;
        seq = (seq + 1) & 0xFFFF;
        int n = client.protectRtp(buf, 0, plain.length);
        return server.unprotectRtp(buf, 0, n);
    }
}
