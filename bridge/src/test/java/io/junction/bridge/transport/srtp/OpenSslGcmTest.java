package io.junction.bridge.transport.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two AES-GCM implementations of the native library ({@code junction_srtp.c}): the direct one
 * (AES-NI and OpenSSL's GCM mode functions) against the published GCM test vector and against
 * OpenSSL's EVP, byte for byte, over many lengths and AAD splits, both directions.
 */
class OpenSslGcmTest {
    private static final HexFormat HEX = HexFormat.of();
    private long[] open = new long[0];

    @BeforeAll
    static void nativeLibrary() {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"));
        assertTrue(OpenSsl.available(), "native SRTP library: " + OpenSsl.problem());
    }

    @AfterEach
    void free() {
        for (long c : open) {
            OpenSsl.cipherFree(c);
        }
    }

    private long cipher(int kind, byte[] key, boolean encrypt) {
        long c = OpenSsl.cipherNew(kind, key, encrypt);
        assertNotEquals(0, c);
        open = java.util.Arrays.copyOf(open, open.length + 1);
        open[open.length - 1] = c;
        return c;
    }

    /** The direct implementation runs wherever the CPU has what it needs: this is what the bridge gets. */
    @Test
    void directImplementationOnCpusWithAesNi() throws Exception {
        String arch = System.getProperty("os.arch", "");
        Path cpuinfo = Path.of("/proc/cpuinfo");
        assumeTrue((arch.equals("amd64") || arch.equals("x86_64")) && Files.isReadable(cpuinfo));
        String flags = Files.readString(cpuinfo);
        boolean has = flags.contains(" aes ") && flags.contains(" pclmulqdq ") && flags.contains(" sse4_1 ");
        assertEquals(has ? 1 : 0, OpenSsl.directGcm());
        long direct = cipher(OpenSsl.GCM, new byte[16], true);
        long evp = cipher(OpenSsl.GCM_EVP, new byte[16], true);
        assertEquals(has ? 1 : 0, direct & 1, "a direct handle is tagged in its lowest bit");
        assertEquals(0, evp & 1);
    }

    /**
     * The GCM specification's test case 4 (McGrew and Viega, "The Galois/Counter Mode of Operation",
     * also NIST's gcmEncryptExtIV128 set): AES-128, 96-bit IV, 20 bytes of AAD, 60 bytes of text.
     */
    @Test
    void publishedTestVector() {
        byte[] key = HEX.parseHex("feffe9928665731c6d6a8f9467308308");
        byte[] aad = HEX.parseHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        byte[] plain = HEX.parseHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        byte[] expected = HEX.parseHex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" + "5bc94fbc3221a5db94fae95ae7121a47");
        long ivHi = 0xcafebabefacedbadL;
        long ivLo = 0xdecaf888L;
        for (int kind : new int[] {OpenSsl.GCM, OpenSsl.GCM_EVP}) {
            long enc = cipher(kind, key, true);
            long dec = cipher(kind, key, false);
            byte[] buf = new byte[aad.length + plain.length + 16];
            System.arraycopy(aad, 0, buf, 0, aad.length);
            System.arraycopy(plain, 0, buf, aad.length, plain.length);
            // the AAD in two ranges, as SRTCP passes it (header, then the index after the tag)
            assertEquals(0, OpenSsl.gcm(enc, true, buf, 0, 8, 8, 12, 20, plain.length, 20 + plain.length, ivHi, ivLo));
            assertArrayEquals(expected, java.util.Arrays.copyOfRange(buf, 20, buf.length), "kind " + kind);
            assertEquals(0, OpenSsl.gcm(dec, false, buf, 0, 20, 0, 0, 20, plain.length, 20 + plain.length, ivHi, ivLo));
            assertArrayEquals(plain, java.util.Arrays.copyOfRange(buf, 20, 20 + plain.length));
        }
    }

    /** Direct and EVP agree to the byte for every length an SRTP packet can have, and each opens the other's. */
    @Test
    void directAndEvpAgree() {
        Random r = new Random(7);
        byte[] key = new byte[16];
        r.nextBytes(key);
        long directEnc = cipher(OpenSsl.GCM, key, true);
        long directDec = cipher(OpenSsl.GCM, key, false);
        long evpEnc = cipher(OpenSsl.GCM_EVP, key, true);
        long evpDec = cipher(OpenSsl.GCM_EVP, key, false);
        for (int i = 0; i < 3000; i++) {
            int aadLen = r.nextInt(4) == 0 ? 0 : 12 + r.nextInt(60);
            int aad2Len = r.nextInt(3) == 0 ? 4 : 0;
            int dataLen = i < 300 ? i : r.nextInt(1500);
            int total = aadLen + dataLen + 16 + aad2Len;
            byte[] a = new byte[total + 5];
            r.nextBytes(a);
            byte[] b = a.clone();
            long ivHi = r.nextLong();
            long ivLo = r.nextInt();
            int tagOff = aadLen + dataLen;
            int aad2Off = tagOff + 16;
            assertEquals(0, OpenSsl.gcm(directEnc, true, a, 0, aadLen, aad2Off, aad2Len, aadLen, dataLen, tagOff, ivHi, ivLo));
            assertEquals(0, OpenSsl.gcm(evpEnc, true, b, 0, aadLen, aad2Off, aad2Len, aadLen, dataLen, tagOff, ivHi, ivLo));
            assertArrayEquals(b, a, "aad " + aadLen + "+" + aad2Len + ", data " + dataLen);
            byte[] c = a.clone();
            assertEquals(0, OpenSsl.gcm(directDec, false, a, 0, aadLen, aad2Off, aad2Len, aadLen, dataLen, tagOff, ivHi, ivLo));
            assertEquals(0, OpenSsl.gcm(evpDec, false, b, 0, aadLen, aad2Off, aad2Len, aadLen, dataLen, tagOff, ivHi, ivLo));
            assertArrayEquals(b, a);
            // one flipped bit anywhere authenticated, and the direct decryption refuses it
            int flip = r.nextInt(aadLen + dataLen + 16 + aad2Len);
            if (flip >= tagOff + 16) {
                flip = aad2Off + (flip - tagOff - 16);
            }
            c[flip] ^= (byte) (1 << r.nextInt(8));
            assertEquals(-1, OpenSsl.gcm(directDec, false, c, 0, aadLen, aad2Off, aad2Len, aadLen, dataLen, tagOff, ivHi, ivLo),
                    "accepted a packet with byte " + flip + " changed");
        }
    }
}
