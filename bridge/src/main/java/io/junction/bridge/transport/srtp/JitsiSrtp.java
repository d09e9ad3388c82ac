package io.junction.bridge.transport.srtp;

import io.junction.bridge.forward.IntObjectMap;
import io.junction.bridge.rtp.ByteIo;
import java.security.GeneralSecurityException;
import org.jitsi.srtp.SrtcpCryptoContext;
import org.jitsi.srtp.SrtpContextFactory;
import org.jitsi.srtp.SrtpCryptoContext;
import org.jitsi.srtp.SrtpErrorStatus;
import org.jitsi.utils.logging2.Logger;
import org.jitsi.utils.logging2.LoggerImpl;

/**
 * SRTP through jitsi-srtp (one crypto context per SSRC and direction, its AES from OpenSSL or the
 * JDK as {@link SrtpSession#selectCipherFactory} chose): what {@link SrtpSession} uses when
 * Junction's native library ({@link OpenSslSrtp}) is not available or not wanted. Its JCE calls
 * allocate 64–100 bytes per packet (a parameter spec and IV copies per packet).
 */
final class JitsiSrtp implements PacketProtection {
    private static final Logger JITSI_LOGGER = new LoggerImpl(JitsiSrtp.class.getName());

    private final SrtpContextFactory rxFactory;
    private final SrtpContextFactory txFactory;
    private final IntObjectMap<SrtpCryptoContext> rxRtp = new IntObjectMap<>();
    private final IntObjectMap<SrtpCryptoContext> txRtp = new IntObjectMap<>();
    private final IntObjectMap<SrtcpCryptoContext> rxRtcp = new IntObjectMap<>();
    private final IntObjectMap<SrtcpCryptoContext> txRtcp = new IntObjectMap<>();
    private final PacketView view = new PacketView();

    JitsiSrtp(SrtpProfile profile, byte[] txKey, byte[] txSalt, byte[] rxKey, byte[] rxSalt, boolean replayProtection) {
        var rxPolicy = profile.policy();
        rxPolicy.setReceiveReplayEnabled(replayProtection);
        this.rxFactory = new SrtpContextFactory(false, rxKey, rxSalt, rxPolicy, rxPolicy, JITSI_LOGGER);
        this.txFactory = new SrtpContextFactory(true, txKey, txSalt, profile.policy(), profile.policy(), JITSI_LOGGER);
    }

    private static int result(SrtpErrorStatus status, PacketView v) {
        return switch (status) {
            case OK -> v.getLength();
            case AUTH_FAIL -> SrtpSession.ERR_AUTH;
            case REPLAY_FAIL, REPLAY_OLD -> SrtpSession.ERR_REPLAY;
            default -> SrtpSession.ERR_INVALID;
        };
    }

    private static boolean tailRoomOk(byte[] buf, int off, int len) {
        return buf.length - off - len >= SrtpSession.MIN_TAIL_ROOM;
    }

    @Override
    public int unprotectRtp(byte[] buf, int off, int len) {
        if (len < 12 + 4 || !tailRoomOk(buf, off, len)) {
            return SrtpSession.ERR_INVALID;
        }
        int ssrc = ByteIo.readInt(buf, off + 8);
        try {
            SrtpCryptoContext ctx = rxRtp.get(ssrc);
            if (ctx == null) {
                ctx = rxFactory.deriveContext(ssrc, 0);
                rxRtp.put(ssrc, ctx);
            }
            return result(ctx.reverseTransformPacket(view.set(buf, off, len), false), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpSession.ERR_INVALID;
        }
    }

    @Override
    public int protectRtp(byte[] buf, int off, int len) {
        if (len < 12 || !tailRoomOk(buf, off, len)) {
            return SrtpSession.ERR_INVALID;
        }
        int ssrc = ByteIo.readInt(buf, off + 8);
        try {
            SrtpCryptoContext ctx = txRtp.get(ssrc);
            if (ctx == null) {
                ctx = txFactory.deriveContext(ssrc, 0);
                txRtp.put(ssrc, ctx);
            }
            return result(ctx.transformPacket(view.set(buf, off, len)), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpSession.ERR_INVALID;
        }
    }

    @Override
    public int unprotectRtcp(byte[] buf, int off, int len) {
        if (len < 8 + 4 || !tailRoomOk(buf, off, len)) {
            return SrtpSession.ERR_INVALID;
        }
        int ssrc = ByteIo.readInt(buf, off + 4);
        try {
            SrtcpCryptoContext ctx = rxRtcp.get(ssrc);
            if (ctx == null) {
                ctx = rxFactory.deriveControlContext(ssrc);
                rxRtcp.put(ssrc, ctx);
            }
            return result(ctx.reverseTransformPacket(view.set(buf, off, len)), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpSession.ERR_INVALID;
        }
    }

    @Override
    public int protectRtcp(byte[] buf, int off, int len) {
        if (len < 8 || !tailRoomOk(buf, off, len)) {
            return SrtpSession.ERR_INVALID;
        }
        int ssrc = ByteIo.readInt(buf, off + 4);
        try {
            SrtcpCryptoContext ctx = txRtcp.get(ssrc);
            if (ctx == null) {
                ctx = txFactory.deriveControlContext(ssrc);
                txRtcp.put(ssrc, ctx);
            }
            return result(ctx.transformPacket(view.set(buf, off, len)), view);
        } catch (GeneralSecurityException | RuntimeException e) {
            return SrtpSession.ERR_INVALID;
        }
    }

    void close() {
        rxFactory.close();
        txFactory.close();
    }
}
