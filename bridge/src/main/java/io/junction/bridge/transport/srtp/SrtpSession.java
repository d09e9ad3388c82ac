package io.junction.bridge.transport.srtp;

import org.jitsi.srtp.crypto.Aes;
import org.jitsi.srtp.crypto.JitsiOpenSslProvider;
import org.slf4j.LoggerFactory;

/**
 * SRTP and SRTCP for one endpoint (RFC 3711, RFC 7714), keyed from the DTLS exporter (RFC 5764 §4.2).
 * Every method works in place on the caller's array and returns the new length or a negative error
 * code. Not thread-safe: used only on the endpoint's packet worker.
 *
 * <p>The work is done by Junction's own {@link OpenSslSrtp} (the system's OpenSSL through a small JNI
 * library; no allocation per packet) when it loads, else by jitsi-srtp ({@link JitsiSrtp}); see
 * {@link #selectCipherFactory} and {@code media.srtp-crypto}.
 *
 * <p>Buffers need at least {@link #MIN_TAIL_ROOM} bytes after the packet: AES-GCM appends a 16-byte
 * tag, HMAC-SHA1 10 bytes, SRTCP 4 more for the index (docs/architecture.md, "SRTP buffers": what GCM does otherwise).
 */
public final class SrtpSession implements PacketProtection {
    public static final int ERR_AUTH = -1;
    public static final int ERR_REPLAY = -2;
    public static final int ERR_INVALID = -3;
    public static final int MIN_TAIL_ROOM = 20;

    /** Junction's own SRTP on the system's OpenSSL (the name {@link #cipherFactory} gives). */
    public static final String NATIVE = "native OpenSSL";
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(SrtpSession.class);
    private static volatile String cipherFactory;

    private final SrtpProfile profile;
    private final PacketProtection impl;

    /**
     * @param keyingMaterial DTLS export: client_key | server_key | client_salt | server_salt
     * @param isServer       true when this side was the DTLS server (it then sends with the server keys)
     */
    public SrtpSession(SrtpProfile profile, byte[] keyingMaterial, boolean isServer) {
        this(profile, keyingMaterial, isServer, true);
    }

    /**
     * @param replayProtection false only for benchmarks that decrypt one captured packet repeatedly
     */
    public SrtpSession(SrtpProfile profile, byte[] keyingMaterial, boolean isServer, boolean replayProtection) {
        this(profile, keyingMaterial, isServer, replayProtection, selectCipherFactory("auto"));
    }

    /** With a given implementation: {@link #NATIVE}, or jitsi-srtp with the factory already selected. */
    SrtpSession(SrtpProfile profile, byte[] keyingMaterial, boolean isServer, boolean replayProtection, String implementation) {
        if (keyingMaterial.length != profile.keyingMaterialLength()) {
            throw new IllegalArgumentException("keying material must be " + profile.keyingMaterialLength() + " bytes");
        }
        int k = profile.keyLength();
        int s = profile.saltLength();
        byte[] clientKey = slice(keyingMaterial, 0, k);
        byte[] serverKey = slice(keyingMaterial, k, k);
        byte[] clientSalt = slice(keyingMaterial, 2 * k, s);
        byte[] serverSalt = slice(keyingMaterial, 2 * k + s, s);
        this.profile = profile;
        byte[] txKey = isServer ? serverKey : clientKey;
        byte[] txSalt = isServer ? serverSalt : clientSalt;
        byte[] rxKey = isServer ? clientKey : serverKey;
        byte[] rxSalt = isServer ? clientSalt : serverSalt;
        this.impl = NATIVE.equals(implementation)
                ? new OpenSslSrtp(profile, txKey, txSalt, rxKey, rxSalt, replayProtection)
                : new JitsiSrtp(profile, txKey, txSalt, rxKey, rxSalt, replayProtection);
    }

    /**
     * Chooses the SRTP implementation once per process:
     * <ul>
     *   <li>{@code auto}: Junction's native OpenSSL binding when it loads, else jitsi-srtp with OpenSSL
     *       when that loads, else jitsi-srtp with the JDK's AES;</li>
     *   <li>{@code native}: Junction's native binding (jitsi-srtp, with a warning, when it does not load);</li>
     *   <li>{@code openssl}: jitsi-srtp with OpenSSL (its bundled JNI library);</li>
     *   <li>{@code java}: jitsi-srtp with the JDK's AES.</li>
     * </ul>
     *
     * @return the implementation in use: {@link #NATIVE}, "OpenSSL" or "SunJCE" (jitsi-srtp's factories)
     */
    public static synchronized String selectCipherFactory(String preference) {
        if (cipherFactory != null) {
            return cipherFactory;
        }
        String chosen;
        if (("auto".equals(preference) || "native".equals(preference)) && OpenSsl.available()) {
            chosen = NATIVE;
        } else {
            if ("native".equals(preference)) {
                LOG.warn("native SRTP requested but not available ({}); using jitsi-srtp", OpenSsl.problem());
            } else if ("auto".equals(preference)) {
                LOG.info("native SRTP not available ({}); using jitsi-srtp", OpenSsl.problem());
            }
            if (!"java".equals(preference) && openSslLoads()) {
                chosen = "OpenSSL";
            } else {
                if ("openssl".equals(preference)) {
                    LOG.warn("OpenSSL SRTP cipher requested but the native library did not load; using the JDK");
                }
                chosen = "SunJCE";
            }
            Aes.setFactoryClassName(chosen);
        }
        cipherFactory = chosen;
        LOG.info("SRTP implementation: {}", NATIVE.equals(chosen)
                ? "Junction, native OpenSSL; AES-128-GCM: " + OpenSsl.gcmImplementation()
                : "jitsi-srtp, " + chosen + " AES");
        return chosen;
    }

    /**
     * Runs every profile once (RTP and RTCP, both directions) so that lazy set-up (library loading,
     * jitsi-srtp's cipher factory creation and benchmark, class loading) happens at start-up instead
     * of stalling the first packet worker that derives a context. Idempotent; takes a few hundred
     * milliseconds once.
     */
    public static synchronized void warmUp() {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        long t0 = System.nanoTime();
        for (SrtpProfile p : SrtpProfile.values()) {
            byte[] km = new byte[p.keyingMaterialLength()];
            SrtpSession server = new SrtpSession(p, km, true);
            SrtpSession client = new SrtpSession(p, km, false);
            byte[] buf = new byte[256];
            buf[0] = (byte) 0x80;
            buf[1] = 96;
            buf[11] = 1;
            int n = server.protectRtp(buf, 0, 100);
            client.unprotectRtp(buf, 0, n);
            java.util.Arrays.fill(buf, (byte) 0);
            n = io.junction.bridge.rtcp.Pli.write(buf, 0, 1, 2);
            n = client.protectRtcp(buf, 0, n);
            server.unprotectRtcp(buf, 0, n);
        }
        LOG.info("SRTP warm-up took {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private static boolean warmedUp;

    private static boolean openSslLoads() {
        try {
            return JitsiOpenSslProvider.isLoaded();
        } catch (Throwable t) {
            return false;
        }
    }

    /** The implementation in use: {@link #NATIVE}, or jitsi-srtp's "OpenSSL" or "SunJCE"; null before the first choice. */
    public static String cipherFactory() {
        return cipherFactory;
    }

    /** What does the work (tests). */
    PacketProtection implementation() {
        return impl;
    }

    public SrtpProfile profile() {
        return profile;
    }

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }

    /** Decrypts and authenticates an SRTP packet in place. */
    @Override
    public int unprotectRtp(byte[] buf, int off, int len) {
        return impl.unprotectRtp(buf, off, len);
    }

    /** Encrypts and authenticates an RTP packet in place; the result is longer by the tag. */
    @Override
    public int protectRtp(byte[] buf, int off, int len) {
        return impl.protectRtp(buf, off, len);
    }

    @Override
    public int rtpOverhead() {
        return profile.rtpTagLength();
    }

    /** Decrypts and authenticates an SRTCP packet in place. */
    @Override
    public int unprotectRtcp(byte[] buf, int off, int len) {
        return impl.unprotectRtcp(buf, off, len);
    }

    /** Encrypts and authenticates an RTCP packet in place. */
    @Override
    public int protectRtcp(byte[] buf, int off, int len) {
        return impl.protectRtcp(buf, off, len);
    }

    public void close() {
        if (impl instanceof JitsiSrtp j) {
            j.close();
        }
    }
}
