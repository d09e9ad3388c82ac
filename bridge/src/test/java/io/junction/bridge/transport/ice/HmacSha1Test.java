package io.junction.bridge.transport.ice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** HMAC-SHA1 against RFC 2202's test cases and the JDK's Mac; one instance reused across messages. */
class HmacSha1Test {
    private static byte[] mac(HmacSha1 h, byte[] data) {
        h.update(data, 0, data.length);
        byte[] out = new byte[HmacSha1.LENGTH + 3];
        h.doFinal(out, 3);
        return Arrays.copyOfRange(out, 3, out.length);
    }

    private static byte[] repeat(int b, int n) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    @Test
    void rfc2202TestCases() {
        HexFormat hex = HexFormat.of();
        assertArrayEquals(hex.parseHex("b617318655057264e28bc0b6fb378c8ef146be00"),
                mac(new HmacSha1(repeat(0x0b, 20)), "Hi There".getBytes(StandardCharsets.US_ASCII)), "case 1");
        HmacSha1 jefe = new HmacSha1("Jefe".getBytes(StandardCharsets.US_ASCII));
        byte[] what = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(hex.parseHex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"), mac(jefe, what), "case 2");
        assertArrayEquals(hex.parseHex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"), mac(jefe, what), "case 2 again, same instance");
        assertArrayEquals(hex.parseHex("125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
                mac(new HmacSha1(repeat(0xaa, 20)), repeat(0xdd, 50)), "case 3");
        assertArrayEquals(hex.parseHex("aa4ae5e15272d00e95705637ce8a3b55ed402112"),
                mac(new HmacSha1(repeat(0xaa, 80)), "Test Using Larger Than Block-Size Key - Hash Key First"
                        .getBytes(StandardCharsets.US_ASCII)), "case 6: a key longer than the block is hashed first");
    }

    @Test
    void matchesTheJdkMacPieceByPiece() throws Exception {
        Random random = new Random(2104);
        for (int k = 0; k < 200; k++) {
            byte[] key = new byte[1 + random.nextInt(100)];
            random.nextBytes(key);
            Mac jdk = Mac.getInstance("HmacSHA1");
            jdk.init(new SecretKeySpec(key, "HmacSHA1"));
            HmacSha1 ours = new HmacSha1(key);
            for (int m = 0; m < 5; m++) {
                byte[] data = new byte[random.nextInt(300)];
                random.nextBytes(data);
                int cut = data.length == 0 ? 0 : random.nextInt(data.length);
                ours.update(data, 0, cut);
                if (cut < data.length) {
                    ours.update(data[cut]);
                    ours.update(data, cut + 1, data.length - cut - 1);
                }
                byte[] out = new byte[HmacSha1.LENGTH];
                ours.doFinal(out, 0);
                assertArrayEquals(jdk.doFinal(data), out, "key " + k + " message " + m);
            }
        }
    }

    @Test
    void allocatesNothingPerMessage() {
        HmacSha1 h = new HmacSha1("VOkJxbRl1RmTxUk/WvJxBt".getBytes(StandardCharsets.US_ASCII));
        byte[] data = new byte[100];
        byte[] out = new byte[HmacSha1.LENGTH];
        for (int i = 0; i < 20_000; i++) { // warm
            h.update(data, 0, data.length);
            h.doFinal(out, 0);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++) {
            h.update(data, 0, data.length);
            h.update((byte) i);
            h.doFinal(out, 0);
        }
        long bytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(bytes < 1024, bytes + " bytes allocated by 100 000 MACs");
    }
}
