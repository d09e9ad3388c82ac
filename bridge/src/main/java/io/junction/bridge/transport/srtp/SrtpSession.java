package io.junction.bridge.transport.srtp;

import io.junction.bridge.forward.IntObjectMap;
import java.security.GeneralSecurityException;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.srtp.crypto.Aes;
import org.jitsi.srtp.crypto.JitsiOpenSslProvider;
import org.jitsi.utils.logging2.Logger;
import org.jitsi.utils.logging2.LoggerImpl;
import org.slf4j.LoggerFactory;

/**
 * SRTP and SRTCP for one endpoint (RFC 3711, RFC 7714), keyed from the DTLS exporter (RFC 5764 §4.2).
 * Every method works in place on the caller's array and returns the new length or a negative error
 * code. Not thread-safe: used only on the endpoint's packet worker.
 *
 * <p>Buffers need at least {@link #MIN_TAIL_ROOM} bytes after the packet: AES-GCM appends a 16-byte
 * tag, HMAC-SHA1 10 bytes, SRTCP 4 more for the index (docs/architecture.md, "SRTP buffers": what GCM does otherwise).
 */
public final class SrtpSession implements PacketProtection {
    public static final int ERR_AUTH = -1;
    public static final int ERR_REPLAY = -2;
    public static final int ERR_INVALID = -3;
    public static final int MIN_TAIL_ROOM = 20;

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(SrtpSession.class);
    private static final Logger JITSI_LOGGER = new LoggerImpl(SrtpSession.class.getName());
    private static volatile String cipherFactory;

    private final SrtpProfile profile;
    private final SrtpContextFactory rxFactory;
    private final SrtpContextFactory txFactory;
    private final IntObjectMap<SrtpCryptoContext> rxRtp = new IntObjectMap<>();
    private final IntObjectMap<SrtpCryptoContext> txRtp = new IntObjectMap<>();
    private final IntObjectMap<SrtcpCryptoContext> rxRtcp = new IntObjectMap<>();
    private final IntObjectMap<SrtcpCryptoContext> txRtcp = new IntObjectMap<>();
    private final PacketView view = new PacketView();

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
        selectCipherFactory("auto");
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
        var rxPolicy = profile.policy();
        rxPolicy.setReceiveReplayEnabled(replayProtection);
        this.rxFactory = new SrtpContextFactory(false, isServer ? clientKey : serverKey,
                isServer ? clientSalt : serverSalt, rxPolicy, rxPolicy, JITSI_LOGGER);
        this.txFactory = new SrtpContextFactory(true, isServer ? serverKey : clientKey,
                isServer ? serverSalt : clientSalt, profile.policy(), profile.policy(), JITSI_LOGGER);
    }

    /**
     * Chooses jitsi-srtp's AES implementation once per process: OpenSSL (native, bundled with
     * jitsi-srtp, linked against the system libcrypto) when it loads, else the JDK's.
     *
     * @param preference "auto", "openssl" or "java"
     * @return the factory in use
     */
    public static synchronized String selectCipherFactory(String preference) {
        if (cipherFactory != null) {
            return cipherFactory;
        }
        String chosen;
        if (!"java".equals(preference) && openSslLoads()) {
            chosen = "OpenSSL";
        } else {
            if ("openssl".equals(preference)) {
                LOG.warn("OpenSSL SRTP cipher requested but the native library did not load; using the JDK");
            }
            chosen = "SunJCE";
        }
        Aes.setFactoryClassName(chosen);
        cipherFactory = chosen;
        LOG.info("SRTP AES implementation: {}", chosen);
        return chosen;
    }

    /**
     * Runs every profile once (RTP and RTCP, both directions) so that jitsi-srtp's lazy set-up (cipher
     * factory creation and benchmark, class loading) happens at start-up instead of stalling the
     * first packet worker that derives a context. Idempotent; takes a few hundred milliseconds once.
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

    public static String cipherFactory() {
        return cipherFactory;
    }

    public SrtpProfile profile() {
        return profile;
    }

    private static byte[] slice(byte[] b, int off, int len) {
        byte[] out = new byte[len];
        System.arraycopy(b, off, out, 0, len);
        return out;
    }

    private static int rtpSsrc(byte[] buf, int off) {
        return ((buf[off + 8] & 0xFF) << 24) | ((buf[off + 9] & 0xFF) << 16) | ((buf[off + 10] & 0xFF) << 8)
                | (buf[off + 11] & 0xFF);
    }

    private static int rtcpSsrc(byte[] buf, int off) {
        return ((buf[off + 4] & 0xFF) << 24) | ((buf[off + 5] & 0xFF) << 16) | ((buf[off + 6] & 0xFF) << 8)
                | (buf[off + 7] & 0xFF);
    }

    private static int result(SrtpErrorStatus status, PacketView v) {
        return switch (status) {
            case OK -> v.getLength();
            case AUTH_FAIL -> ERR_AUTH;
            case REPLAY_FAIL, REPLAY_OLD -> ERR_REPLAY;
            default -> ERR_INVALID;
        };
    }

    private static boolean tailRoomOk(byte[] buf, int off, int len) {
        return buf.length - off - len >= MIN_TAIL_ROOM;
    }

    /** Decrypts and authenticates an SRTP packet in place. */
    @Override
    public int unprotectRtp(byte[] buf, int off, int len) {
        if (len < 12 + 4 || !tailRoomOk(buf, off, len)) {
            return ERR_INVALID;
        }
        int ssrc = rtpSsrc(buf, off);
        try {
            SrtpCryptoContext ctx = rxRtp.get(ssrc);
            if (ctx == null) {
                ctx = rxFactory.deriveContext(ssrc, 0);
                rxRtp.put(ssrc, ctx);
            }
            return result(ctx.reverseTransformPacket(view.set(buf, off, len), false), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return ERR_INVALID;
        }
    }

    /** Encrypts and authenticates an RTP packet in place; the result is longer by the tag. */
    @Override
    public int protectRtp(byte[] buf, int off, int len) {
        if (len < 12 || !tailRoomOk(buf, off, len)) {
            return ERR_INVALID;
        }
        int ssrc = rtpSsrc(buf, off);
        try {
            SrtpCryptoContext ctx = txRtp.get(ssrc);
            if (ctx == null) {
                ctx = txFactory.deriveContext(ssrc, 0);
                txRtp.put(ssrc, ctx);
            }
            return result(ctx.transformPacket(view.set(buf, off, len)), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return ERR_INVALID;
        }
    }

    /** Decrypts and authenticates an SRTCP packet in place. */
    @Override
    public int unprotectRtcp(byte[] buf, int off, int len) {
        if (len < 8 + 4 || !tailRoomOk(buf, off, len)) {
            return ERR_INVALID;
        }
        int ssrc = rtcpSsrc(buf, off);
        try {
            SrtcpCryptoContext ctx = rxRtcp.get(ssrc);
            if (ctx == null) {
                ctx = rxFactory.deriveControlContext(ssrc);
                rxRtcp.put(ssrc, ctx);
            }
            return result(ctx.reverseTransformPacket(view.set(buf, off, len)), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return ERR_INVALID;
        }
    }

    /** Encrypts and authenticates an RTCP packet in place. */
    @Override
    public int protectRtcp(byte[] buf, int off, int len) {
        if (len < 8 || !tailRoomOk(buf, off, len)) {
            return ERR_INVALID;
        }
        int ssrc = rtcpSsrc(buf, off);
        try {
            SrtcpCryptoContext ctx = txRtcp.get(ssrc);
            if (ctx == null) {
                ctx = txFactory.deriveControlContext(ssrc);
                txRtcp.put(ssrc, ctx);
            }
            return result(ctx.transformPacket(view.set(buf, off, len)), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return ERR_INVALID;
        }
    }

    public void close() {
        rxFactory.close();
        txFactory.close();
    }
}
