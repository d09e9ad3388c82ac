package io.junction.bridge.transport.srtp;

import org.jitsi.srtp.SrtpPolicy;

/**
 * The SRTP protection profiles the bridge negotiates in DTLS use_srtp (RFC 5764, RFC 7714), in order
 * of preference, with their key sizes and the matching jitsi-srtp policy.
 */
public enum SrtpProfile {
    /** RFC 7714 AEAD_AES_128_GCM: 16-byte key, 12-byte salt, 16-byte tag. */
    AEAD_AES_128_GCM(0x0007, 16, 12),
    /** RFC 5764 SRTP_AES128_CM_HMAC_SHA1_80: 16-byte key, 14-byte salt, 10-byte tag. */
    AES128_CM_HMAC_SHA1_80(0x0001, 16, 14);

    private final int protectionProfileId;
    private final int keyLength;
    private final int saltLength;

    SrtpProfile(int protectionProfileId, int keyLength, int saltLength) {
        this.protectionProfileId = protectionProfileId;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
    }

    /** The DTLS-SRTP protection profile id (IANA "DTLS-SRTP Protection Profiles"). */
    public int protectionProfileId() {
        return protectionProfileId;
    }

    /** Bytes an SRTP packet carries after its payload: the GCM tag (16) or the HMAC-SHA1-80 tag (10). */
    public int rtpTagLength() {
        return this == AEAD_AES_128_GCM ? 16 : 10;
    }

    public int keyLength() {
        return keyLength;
    }

    public int saltLength() {
        return saltLength;
    }

    /** Bytes to export from DTLS: client and server key and salt. */
    public int keyingMaterialLength() {
        return 2 * (keyLength + saltLength);
    }

    SrtpPolicy policy() {
        return switch (this) {
            case AEAD_AES_128_GCM -> new SrtpPolicy(SrtpPolicy.AESGCM_ENCRYPTION, 16,
                    SrtpPolicy.NULL_AUTHENTICATION, 0, 16, 12);
            case AES128_CM_HMAC_SHA1_80 -> new SrtpPolicy(SrtpPolicy.AESCM_ENCRYPTION, 16,
                    SrtpPolicy.HMACSHA1_AUTHENTICATION, 20, 10, 14);
        };
    }

    /** The profile with this DTLS id, or null. */
    public static SrtpProfile byId(int id) {
        for (SrtpProfile p : values()) {
            if (p.protectionProfileId == id) {
                return p;
            }
        }
        return null;
    }
}
