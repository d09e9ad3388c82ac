package io.junction.bridge.transport.srtp;

import io.junction.bridge.forward.IntObjectMap;
import io.junction.bridge.rtp.ByteIo;
import java.lang.ref.Cleaner;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * SRTP and SRTCP (RFC 3711; AES-GCM per RFC 7714) on the system's OpenSSL through {@link OpenSsl}:
 * Junction's own implementation, used when the native library loads (else jitsi-srtp, through
 * {@link SrtpSession}). Every call works in place and allocates nothing once a stream is known.
 *
 * <p>With a key derivation rate of 0 (what DTLS-SRTP uses) the session keys do not depend on the
 * SSRC or the index, so one cipher context per direction and kind (RTP, RTCP) serves every stream;
 * per stream there is only its rollover counter, highest sequence number and replay window.
 * State for a stream is created only after its first packet authenticates, so forged packets with
 * random SSRCs leave nothing behind.
 *
 * <p>Not thread-safe: one endpoint's packet worker. The OpenSSL contexts are freed by a
 * {@link Cleaner} once the session is unreachable, never while a thread could still use them.
 */
final class OpenSslSrtp implements PacketProtection {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int GCM_TAG = 16;
    private static final int HMAC_TAG = 10;
    private static final int SRTCP_INDEX = 4;

    private final boolean gcm;
    private final boolean replayProtection;
    private final int tagLength;
    private final Keys rtpTx;
    private final Keys rtpRx;
    private final Keys rtcpTx;
    private final Keys rtcpRx;
    private final Streams txStreams = new Streams();
    private final Streams rxStreams = new Streams();
    private final IntObjectMap<RtcpSender> rtcpSenders = new IntObjectMap<>();
    private final IntObjectMap<ReplayWindow> rtcpReceived = new IntObjectMap<>();

    OpenSslSrtp(SrtpProfile profile, byte[] txKey, byte[] txSalt, byte[] rxKey, byte[] rxSalt, boolean replayProtection) {
        this.gcm = profile == SrtpProfile.AEAD_AES_128_GCM;
        this.tagLength = gcm ? GCM_TAG : HMAC_TAG;
        this.replayProtection = replayProtection;
        Handles handles = new Handles();
        try {
            rtpTx = keys(handles, txKey, txSalt, 0, true);
            rtcpTx = keys(handles, txKey, txSalt, 3, true);
            rtpRx = keys(handles, rxKey, rxSalt, 0, false);
            rtcpRx = keys(handles, rxKey, rxSalt, 3, false);
        } catch (RuntimeException e) {
            handles.run();
            throw e;
        }
        CLEANER.register(this, handles);
    }

    /** Streams with state: RTP both ways, SRTCP senders and receivers (tests). */
    int knownStreams() {
        return txStreams.size() + rxStreams.size() + rtcpSenders.size() + rtcpReceived.size();
    }

    /** One direction's session keys for RTP or RTCP: cipher (and HMAC) context, salt as IV words. */
    private static final class Keys {
        final long cipher;
        final long mac;
        final long saltHi;
        final long saltLo;

        Keys(long cipher, long mac, long saltHi, long saltLo) {
            this.cipher = cipher;
            this.mac = mac;
            this.saltHi = saltHi;
            this.saltLo = saltLo;
        }
    }

    /** The native contexts to free; run by the cleaner (or at once when construction fails). */
    private static final class Handles implements Runnable {
        final long[] ciphers = new long[4];
        final long[] macs = new long[4];
        int n;

        @Override
        public synchronized void run() {
            for (int i = 0; i < n; i++) {
                if (ciphers[i] != 0) {
                    OpenSsl.cipherFree(ciphers[i]);
                    ciphers[i] = 0;
                }
                if (macs[i] != 0) {
                    OpenSsl.hmacFree(macs[i]);
                    macs[i] = 0;
                }
            }
        }
    }

    /** Session keys for label base 0 (SRTP) or 3 (SRTCP), RFC 3711 §4.3 with a key derivation rate of 0. */
    private Keys keys(Handles handles, byte[] masterKey, byte[] masterSalt, int labelBase, boolean encrypt) {
        byte[] key = kdf(masterKey, masterSalt, labelBase, masterKey.length);
        byte[] salt = kdf(masterKey, masterSalt, labelBase + 2, masterSalt.length);
        int slot = handles.n++;
        long cipher = OpenSsl.cipherNew(gcm ? OpenSsl.gcmKind : OpenSsl.CTR, key, encrypt);
        handles.ciphers[slot] = cipher;
        long mac = 0;
        if (!gcm) {
            mac = OpenSsl.hmacNew(kdf(masterKey, masterSalt, labelBase + 1, 20));
            handles.macs[slot] = mac;
        }
        if (cipher == 0 || (!gcm && mac == 0)) {
            throw new IllegalStateException("OpenSSL context could not be made");
        }
        long hi = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (salt[i] & 0xFF);
        }
        long lo = 0;
        if (gcm) {
            for (int i = 8; i < 12; i++) {
                lo = (lo << 8) | (salt[i] & 0xFF);
            }
        } else {
            for (int i = 8; i < 16; i++) {
                lo = (lo << 8) | (i < 14 ? salt[i] & 0xFF : 0);
            }
        }
        return new Keys(cipher, mac, hi, lo);
    }

    /**
     * The AES-CM key derivation function (RFC 3711 §4.3.1, and RFC 7714 §11 for GCM's 12-byte salt,
     * padded with zeros as libsrtp does): AES in counter mode under the master key, from the master
     * salt with the label at byte 7.
     */
    static byte[] kdf(byte[] masterKey, byte[] masterSalt, int label, int length) {
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(masterKey, "AES"));
            byte[] block = new byte[16];
            System.arraycopy(masterSalt, 0, block, 0, Math.min(14, masterSalt.length));
            block[7] ^= (byte) label;
            byte[] out = new byte[(length + 15) / 16 * 16];
            for (int j = 0; j * 16 < length; j++) {
                block[14] = (byte) (j >> 8);
                block[15] = (byte) j;
                aes.doFinal(block, 0, 16, out, 16 * j);
            }
            return java.util.Arrays.copyOf(out, length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES key derivation failed", e);
        }
    }

    /**
     * One direction's RTP streams by SSRC. The two used last are looked at before the map: a
     * receiver's packets come in runs of one or two SSRCs (a frame's video packets, its audio), and
     * with hundreds of receivers on a worker each map is cold in the cache (1 → 200: the map lookup
     * was 5 % of the bridge's CPU). Streams are never removed.
     */
    private static final class Streams {
        private final IntObjectMap<RtpStream> map = new IntObjectMap<>();
        private RtpStream recent0;
        private RtpStream recent1;

        RtpStream get(int ssrc) {
            RtpStream s = recent0;
            if (s != null && s.ssrc == ssrc) {
                return s;
            }
            s = recent1;
            if (s == null || s.ssrc != ssrc) {
                s = map.get(ssrc);
                if (s == null) {
                    return null;
                }
            }
            recent1 = recent0;
            recent0 = s;
            return s;
        }

        void add(RtpStream s) {
            map.put(s.ssrc, s);
        }

        int size() {
            return map.size();
        }
    }

    /** One RTP stream's rollover counter and highest sequence number (RFC 3711 §3.3.1), and its replay window. */
    private static final class RtpStream {
        final int ssrc;
        long roc;
        int highestSeq;
        final ReplayWindow replay;

        RtpStream(int ssrc, long index, boolean receiving) {
            this.ssrc = ssrc;
            roc = index >>> 16;
            highestSeq = (int) (index & 0xFFFF);
            replay = receiving ? new ReplayWindow() : null;
        }

        /** RFC 3711 Appendix A: the index of {@code seq} from the highest so far; -1 before the stream's start. */
        long index(int seq) {
            long v = roc;
            if (highestSeq < 32768) {
                if (seq - highestSeq > 32768) {
                    v = roc - 1;
                }
            } else if (highestSeq - 32768 > seq) {
                v = roc + 1;
            }
            return v < 0 || v > 0xFFFF_FFFFL ? -1 : (v << 16) | seq;
        }

        void update(long index) {
            if (index > ((roc << 16) | highestSeq)) {
                roc = index >>> 16;
                highestSeq = (int) (index & 0xFFFF);
            }
        }
    }

    /** The SRTCP index a sender SSRC uses next (31 bits). */
    private static final class RtcpSender {
        int next;
    }

    /** The RTP header's length (fixed part, CSRCs, extension), or -1 when it does not fit in {@code len}. */
    static int rtpHeaderLength(byte[] b, int off, int len) {
        if (len < 12 || (b[off] & 0xC0) != 0x80) {
            return -1;
        }
        int h = 12 + 4 * (b[off] & 0x0F);
        if ((b[off] & 0x10) != 0) {
            if (h + 4 > len) {
                return -1;
            }
            h += 4 + 4 * ByteIo.readU16(b, off + h + 2);
        }
        return h <= len ? h : -1;
    }

    /** GCM IV words (RFC 7714 §8.1, §9.1): 00 00 | SSRC | index (48 bits), XOR the salt. */
    private static long gcmIvHi(Keys k, int ssrc, long index) {
        return k.saltHi ^ (((ssrc & 0xFFFF_FFFFL) << 16) | (index >>> 32));
    }

    private static long gcmIvLo(Keys k, long index) {
        return k.saltLo ^ (index & 0xFFFF_FFFFL);
    }

    /** AES-CM IV words (RFC 3711 §4.1.1): salt XOR SSRC at bytes 4..7 XOR index at bytes 8..13. */
    private static long ctrIvHi(Keys k, int ssrc) {
        return k.saltHi ^ (ssrc & 0xFFFF_FFFFL);
    }

    private static long ctrIvLo(Keys k, long index) {
        return k.saltLo ^ (index << 16);
    }

    @Override
    public int protectRtp(byte[] buf, int off, int len) {
        if (off < 0 || len < 12 || buf.length - off - len < tagLength) {
            return SrtpSession.ERR_INVALID;
        }
        int h = rtpHeaderLength(buf, off, len);
        if (h < 0) {
            return SrtpSession.ERR_INVALID;
        }
        int seq = ByteIo.readU16(buf, off + 2);
        int ssrc = ByteIo.readInt(buf, off + 8);
        RtpStream s = txStreams.get(ssrc);
        long index;
        if (s == null) {
            index = seq;
            s = new RtpStream(ssrc, index, false);
            txStreams.add(s);
        } else {
            index = s.index(seq);
            if (index < 0) {
                return SrtpSession.ERR_INVALID;
            }
            s.update(index);
        }
        Keys k = rtpTx;
        if (gcm) {
            if (OpenSsl.gcm(k.cipher, true, buf, off, h, 0, 0, off + h, len - h, off + len, gcmIvHi(k, ssrc, index),
                    gcmIvLo(k, index)) != 0) {
                return SrtpSession.ERR_INVALID;
            }
        } else if (OpenSsl.ctr(k.cipher, buf, off + h, len - h, ctrIvHi(k, ssrc), ctrIvLo(k, index)) != 0
                || OpenSsl.hmacSha1(k.mac, buf, off, len, true, (int) (index >>> 16), off + len, HMAC_TAG, false) != 0) {
            return SrtpSession.ERR_INVALID;
        }
        return len + tagLength;
    }

    @Override
    public int unprotectRtp(byte[] buf, int off, int len) {
        if (off < 0 || len < 12 + tagLength || off + len > buf.length) {
            return SrtpSession.ERR_INVALID;
        }
        int body = len - tagLength;
        int h = rtpHeaderLength(buf, off, body);
        if (h < 0) {
            return SrtpSession.ERR_INVALID;
        }
        int seq = ByteIo.readU16(buf, off + 2);
        int ssrc = ByteIo.readInt(buf, off + 8);
        RtpStream s = rxStreams.get(ssrc);
        long index = s == null ? seq : s.index(seq);
        if (index < 0 || (s != null && replayProtection && s.replay.rejects(index))) {
            return SrtpSession.ERR_REPLAY;
        }
        Keys k = rtpRx;
        if (gcm) {
            if (OpenSsl.gcm(k.cipher, false, buf, off, h, 0, 0, off + h, body - h, off + body, gcmIvHi(k, ssrc, index),
                    gcmIvLo(k, index)) != 0) {
                return SrtpSession.ERR_AUTH;
            }
        } else {
            if (OpenSsl.hmacSha1(k.mac, buf, off, body, true, (int) (index >>> 16), off + body, HMAC_TAG, true) != 0) {
                return SrtpSession.ERR_AUTH;
            }
            if (OpenSsl.ctr(k.cipher, buf, off + h, body - h, ctrIvHi(k, ssrc), ctrIvLo(k, index)) != 0) {
                return SrtpSession.ERR_INVALID;
            }
        }
        if (s == null) {
            s = new RtpStream(ssrc, index, true);
            rxStreams.add(s);
        } else {
            s.update(index);
        }
        s.replay.accept(index);
        return body;
    }

    @Override
    public int protectRtcp(byte[] buf, int off, int len) {
        if (off < 0 || len < 8 || buf.length - off - len < tagLength + SRTCP_INDEX) {
            return SrtpSession.ERR_INVALID;
        }
        int ssrc = ByteIo.readInt(buf, off + 4);
        RtcpSender sender = rtcpSenders.get(ssrc);
        if (sender == null) {
            sender = new RtcpSender();
            rtcpSenders.put(ssrc, sender);
        }
        int index = sender.next;
        sender.next = (index + 1) & 0x7FFF_FFFF;
        int eIndex = 0x8000_0000 | index;
        Keys k = rtcpTx;
        if (gcm) {
            // header | ciphertext | tag | E + index; the AAD is the first 8 bytes and E + index
            ByteIo.writeInt(buf, off + len + GCM_TAG, eIndex);
            if (OpenSsl.gcm(k.cipher, true, buf, off, 8, off + len + GCM_TAG, SRTCP_INDEX, off + 8, len - 8, off + len,
                    gcmIvHi(k, ssrc, index), gcmIvLo(k, index)) != 0) {
                return SrtpSession.ERR_INVALID;
            }
        } else {
            // header | ciphertext | E + index | tag over all before it
            ByteIo.writeInt(buf, off + len, eIndex);
            if (OpenSsl.ctr(k.cipher, buf, off + 8, len - 8, ctrIvHi(k, ssrc), ctrIvLo(k, index)) != 0
                    || OpenSsl.hmacSha1(k.mac, buf, off, len + SRTCP_INDEX, false, 0, off + len + SRTCP_INDEX, HMAC_TAG,
                            false) != 0) {
                return SrtpSession.ERR_INVALID;
            }
        }
        return len + tagLength + SRTCP_INDEX;
    }

    @Override
    public int unprotectRtcp(byte[] buf, int off, int len) {
        if (off < 0 || len < 8 + tagLength + SRTCP_INDEX || off + len > buf.length) {
            return SrtpSession.ERR_INVALID;
        }
        int ssrc = ByteIo.readInt(buf, off + 4);
        int body = len - tagLength - SRTCP_INDEX;
        int eIndexAt = gcm ? off + len - SRTCP_INDEX : off + body;
        int eIndex = ByteIo.readInt(buf, eIndexAt);
        boolean encrypted = eIndex < 0;
        int index = eIndex & 0x7FFF_FFFF;
        ReplayWindow replay = rtcpReceived.get(ssrc);
        if (replay != null && replayProtection && replay.rejects(index)) {
            return SrtpSession.ERR_REPLAY;
        }
        Keys k = rtcpRx;
        if (gcm) {
            int aadLen = encrypted ? 8 : body;
            if (OpenSsl.gcm(k.cipher, false, buf, off, aadLen, eIndexAt, SRTCP_INDEX, off + aadLen, body - aadLen,
                    off + body, gcmIvHi(k, ssrc, index), gcmIvLo(k, index)) != 0) {
                return SrtpSession.ERR_AUTH;
            }
        } else {
            if (OpenSsl.hmacSha1(k.mac, buf, off, body + SRTCP_INDEX, false, 0, off + body + SRTCP_INDEX, HMAC_TAG,
                    true) != 0) {
                return SrtpSession.ERR_AUTH;
            }
            if (encrypted && OpenSsl.ctr(k.cipher, buf, off + 8, body - 8, ctrIvHi(k, ssrc), ctrIvLo(k, index)) != 0) {
                return SrtpSession.ERR_INVALID;
            }
        }
        if (replay == null) {
            replay = new ReplayWindow();
            rtcpReceived.put(ssrc, replay);
        }
        replay.accept(index);
        return body;
    }
}
