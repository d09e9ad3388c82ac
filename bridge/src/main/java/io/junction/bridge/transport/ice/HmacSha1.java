package io.junction.bridge.transport.ice;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA1 (RFC 2104) keyed once, for STUN's MESSAGE-INTEGRITY on the packet workers: the JDK's
 * {@code Mac.doFinal} allocates the inner digest's array on every call (and {@code doFinal(byte[], int)}
 * a second one to copy from), so a consent check cost four arrays; this writes both digests into
 * arrays it keeps. Not thread-safe: one per endpoint, used on its worker.
 */
final class HmacSha1 {
    static final int LENGTH = 20;
    private static final int BLOCK = 64;

    private final MessageDigest md;
    private final byte[] ipad = new byte[BLOCK];
    private final byte[] opad = new byte[BLOCK];
    private final byte[] inner = new byte[LENGTH];
    /** Whether the inner pad has gone into the digest for the message under way. */
    private boolean started;

    HmacSha1(byte[] key) {
        try {
            md = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-1", e);
        }
        byte[] k = key.length > BLOCK ? md.digest(key) : key;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i < k.length ? k[i] : 0;
            ipad[i] = (byte) (b ^ 0x36);
            opad[i] = (byte) (b ^ 0x5c);
        }
    }

    void update(byte[] b, int off, int len) {
        start();
        md.update(b, off, len);
    }

    void update(byte b) {
        start();
        md.update(b);
    }

    /** Writes the MAC of what was given since the last call ({@link #LENGTH} bytes at {@code off}); then ready for the next message. */
    void doFinal(byte[] out, int off) {
        start();
        started = false;
        try {
            md.digest(inner, 0, LENGTH);
            md.update(opad);
            md.update(inner);
            md.digest(out, off, LENGTH);
        } catch (DigestException e) {
            throw new IllegalArgumentException("no room for the MAC at " + off, e);
        }
    }

    private void start() {
        if (!started) {
            started = true;
            md.update(ipad);
        }
    }
}
