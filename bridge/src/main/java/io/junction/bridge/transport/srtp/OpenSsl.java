package io.junction.bridge.transport.srtp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system's OpenSSL 3 cipher calls that {@link OpenSslSrtp} needs, through Junction's small JNI
 * library ({@code bridge/src/main/c/junction_srtp.c}, built by Maven with gcc into
 * {@code native/<os-arch>/} of the jar). Every call works on the Java array in place: no copy, no
 * allocation. Callers check offsets and lengths against the array first: the native side does not.
 */
final class OpenSsl {
    private static final Logger LOG = LoggerFactory.getLogger(OpenSsl.class);
    static final int GCM = 0;
    static final int CTR = 1;

    private static final String PROBLEM = load();

    private OpenSsl() {
    }

    /** Whether the library loaded (and works: one GCM round trip at load). */
    static boolean available() {
        return PROBLEM == null;
    }

    /** Why it is not available, or null. */
    static String problem() {
        return PROBLEM;
    }

    private static String load() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        String dir;
        if (!os.contains("linux")) {
            return "no native SRTP library for " + os;
        } else if (arch.equals("amd64") || arch.equals("x86_64")) {
            dir = "linux-x86-64";
        } else if (arch.equals("aarch64")) {
            dir = "linux-aarch64";
        } else {
            return "no native SRTP library for linux-" + arch;
        }
        String resource = "/native/" + dir + "/libjunction_srtp.so";
        try (InputStream in = OpenSsl.class.getResourceAsStream(resource)) {
            if (in == null) {
                return resource + " is not in the build (gcc was missing when it was built)";
            }
            Path tmp = Files.createTempFile("libjunction_srtp", ".so");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            tmp.toFile().deleteOnExit();
            System.load(tmp.toAbsolutePath().toString());
            return selfCheck();
        } catch (IOException | LinkageError | RuntimeException e) {
            LOG.debug("native SRTP library did not load", e);
            return "native SRTP library did not load: " + e;
        }
    }

    /** One GCM seal and open of a few bytes, so a broken libcrypto is found at start-up, not on a packet. */
    private static String selfCheck() {
        byte[] key = new byte[16];
        long enc = cipherNew(GCM, key, true);
        long dec = cipherNew(GCM, key, false);
        try {
            if (enc == 0 || dec == 0) {
                return "OpenSSL AES-GCM context could not be made";
            }
            byte[] b = new byte[4 + 16];
            b[0] = 1;
            b[3] = 7;
            if (gcm(enc, true, b, 0, 0, 0, 0, 0, 4, 4, 1, 2) != 0 || b[0] == 1 && b[3] == 7) {
                return "OpenSSL AES-GCM did not encrypt";
            }
            if (gcm(dec, false, b, 0, 0, 0, 0, 0, 4, 4, 1, 2) != 0 || b[0] != 1 || b[3] != 7) {
                return "OpenSSL AES-GCM did not decrypt";
            }
            if (gcm(enc, true, b, 0, 0, 0, 0, 0, 4, 4, 1, 2) == 0 && gcm(dec, false, b, 0, 0, 0, 0, 0, 4, 4, 1, 3) == 0) {
                return "OpenSSL AES-GCM accepted a wrong tag";
            }
            return null;
        } finally {
            if (enc != 0) {
                cipherFree(enc);
            }
            if (dec != 0) {
                cipherFree(dec);
            }
        }
    }

    /** A cipher context ({@link #GCM} or {@link #CTR}) for a 16- or 32-byte key; 0 on failure. */
    static native long cipherNew(int kind, byte[] key, boolean encrypt);

    static native void cipherFree(long ctx);

    /**
     * AES-GCM in place: authenticates two AAD ranges, then encrypts (tag written at {@code tagOff})
     * or decrypts (tag at {@code tagOff} checked) the data range. IV: {@code ivHi}'s 8 bytes, then the
     * low 4 of {@code ivLo}, big-endian. Returns 0, or -1 when the tag does not verify.
     */
    static native int gcm(long ctx, boolean encrypt, byte[] buf, int aadOff, int aadLen, int aad2Off, int aad2Len,
            int dataOff, int dataLen, int tagOff, long ivHi, long ivLo);

    /** AES-CTR keystream XORed onto the range; IV {@code ivHi} then {@code ivLo}, big-endian. 0 or -1. */
    static native int ctr(long ctx, byte[] buf, int off, int len, long ivHi, long ivLo);

    /** An HMAC-SHA1 context for the key; 0 on failure. */
    static native long hmacNew(byte[] key);

    static native void hmacFree(long ctx);

    /**
     * HMAC-SHA1 over the range and then, when {@code withRoc}, {@code roc} big-endian; the first
     * {@code tagLen} bytes are written at {@code tagOff} or, when {@code verify}, compared with what
     * is there (constant time). Returns 0, or -1 on a mismatch.
     */
    static native int hmacSha1(long ctx, byte[] buf, int off, int len, boolean withRoc, int roc, int tagOff, int tagLen,
            boolean verify);
}
