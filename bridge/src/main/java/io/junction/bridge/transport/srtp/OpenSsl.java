package io.junction.bridge.transport.srtp;

/**
 * The system's OpenSSL 3 cipher calls that {@link OpenSslSrtp} needs, through Junction's small JNI
 * library ({@code bridge/src/main/c/junction_srtp.c} in
 * {@link io.junction.bridge.transport.NativeLibrary}). Every call works on the Java array in place: no copy, no
 * allocation. Callers check offsets and lengths against the array first: the native side does not.
 */
final class OpenSsl {
    static final int GCM = 0;
    static final int CTR = 1;
    /** AES-GCM through OpenSSL's EVP interface, never the direct implementation (see {@link #directGcm()}). */
    static final int GCM_EVP = 2;

    /**
     * The kind {@link OpenSslSrtp} asks for AES-GCM: {@link #GCM}, or {@link #GCM_EVP} with
     * {@code -Djunction.srtp.gcm=evp} (to compare the two in a load run; the benchmark sets it).
     */
    static volatile int gcmKind = "evp".equals(System.getProperty("junction.srtp.gcm")) ? GCM_EVP : GCM;

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
        String problem = io.junction.bridge.transport.NativeLibrary.problem();
        return problem != null ? problem : selfCheck();
    }

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

    /**
     * A cipher context ({@link #GCM}, {@link #CTR} or {@link #GCM_EVP}) for a 16- or 32-byte key; 0 on
     * failure. {@link #GCM} with a 16-byte key on an x86-64 CPU with AES-NI and PCLMULQDQ runs the
     * direct implementation (junction_srtp.c: OpenSSL's GCM mode functions driven by AES-NI, without
     * OpenSSL 3's per-call provider dispatch); otherwise, and for {@link #GCM_EVP}, OpenSSL's EVP.
     */
    static native long cipherNew(int kind, byte[] key, boolean encrypt);

    /** 1 when {@link #GCM} contexts with 16-byte keys run the direct implementation on this machine, else 0. */
    static native int directGcm();

    /** What AES-128-GCM runs on here, for the start-up log. */
    static String gcmImplementation() {
        return gcmKind == GCM && directGcm() == 1 ? "AES-NI + OpenSSL GHASH (direct)" : "OpenSSL EVP";
    }

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
