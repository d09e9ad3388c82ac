/*
 * Junction's SRTP cipher calls: AES-GCM, AES-CTR and HMAC-SHA1 from the system's OpenSSL 3
 * (libcrypto.so.3), called on the Java array in place (JNI critical region: no copy, no Java
 * allocation). The SRTP logic (key derivation, indexes, replay) is in Java: OpenSslSrtp.java.
 *
 * Built by Maven (bridge/src/main/c/build.sh) with gcc; needs only jni.h from the JDK. The few
 * OpenSSL functions used are declared here, so no OpenSSL headers (libssl-dev) are needed.
 */
#include <jni.h>
#include <stddef.h>
#include <stdint.h>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;
typedef struct engine_st ENGINE;
typedef struct hmac_ctx_st HMAC_CTX;
typedef struct evp_md_st EVP_MD;

EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void);
void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *ctx);
const EVP_CIPHER *EVP_aes_128_gcm(void);
const EVP_CIPHER *EVP_aes_256_gcm(void);
const EVP_CIPHER *EVP_aes_128_ctr(void);
const EVP_CIPHER *EVP_aes_256_ctr(void);
int EVP_CipherInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *type, ENGINE *impl, const unsigned char *key,
                      const unsigned char *iv, int enc);
int EVP_CipherUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl);
int EVP_CipherFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl);
int EVP_CIPHER_CTX_ctrl(EVP_CIPHER_CTX *ctx, int type, int arg, void *ptr);
HMAC_CTX *HMAC_CTX_new(void);
void HMAC_CTX_free(HMAC_CTX *ctx);
int HMAC_Init_ex(HMAC_CTX *ctx, const void *key, int len, const EVP_MD *md, ENGINE *impl);
int HMAC_Update(HMAC_CTX *ctx, const unsigned char *data, size_t len);
int HMAC_Final(HMAC_CTX *ctx, unsigned char *md, unsigned int *len);
const EVP_MD *EVP_sha1(void);
int CRYPTO_memcmp(const void *a, const void *b, size_t len);

#define EVP_CTRL_GCM_SET_IVLEN 0x9
#define EVP_CTRL_GCM_GET_TAG 0x10
#define EVP_CTRL_GCM_SET_TAG 0x11
#define GCM_TAG 16

#define FN(name) Java_io_junction_bridge_transport_srtp_OpenSsl_##name

static void put_be64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char) v;
        v >>= 8;
    }
}

/* kind 0: AES-GCM, 1: AES-CTR; key 16 or 32 bytes. Returns the context, 0 on failure. */
JNIEXPORT jlong JNICALL FN(cipherNew)(JNIEnv *env, jclass cls, jint kind, jbyteArray key, jboolean encrypt) {
    jsize keyLen = (*env)->GetArrayLength(env, key);
    const EVP_CIPHER *type;
    if (kind == 0) {
        type = keyLen == 16 ? EVP_aes_128_gcm() : keyLen == 32 ? EVP_aes_256_gcm() : NULL;
    } else {
        type = keyLen == 16 ? EVP_aes_128_ctr() : keyLen == 32 ? EVP_aes_256_ctr() : NULL;
    }
    if (type == NULL) {
        return 0;
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return 0;
    }
    jbyte k[32];
    (*env)->GetByteArrayRegion(env, key, 0, keyLen, k);
    int ok = EVP_CipherInit_ex(ctx, type, NULL, NULL, NULL, encrypt ? 1 : 0)
             && (kind != 0 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL))
             && EVP_CipherInit_ex(ctx, NULL, NULL, (const unsigned char *) k, NULL, -1);
    for (int i = 0; i < 32; i++) {
        k[i] = 0;
    }
    if (!ok) {
        EVP_CIPHER_CTX_free(ctx);
        return 0;
    }
    return (jlong) (intptr_t) ctx;
}

JNIEXPORT void JNICALL FN(cipherFree)(JNIEnv *env, jclass cls, jlong ctx) {
    EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *) (intptr_t) ctx);
}

/*
 * AES-GCM on buf in place: authenticates [aadOff, aadOff + aadLen) and [aad2Off, aad2Off + aad2Len),
 * then encrypts (writing the tag at tagOff) or decrypts (checking the tag at tagOff) [dataOff,
 * dataOff + dataLen). The 12-byte IV is ivHi's 8 bytes then ivLo's low 4, big-endian. The caller has
 * checked every range against the array. Returns 0, or -1 when the tag does not verify (or OpenSSL fails).
 */
JNIEXPORT jint JNICALL FN(gcm)(JNIEnv *env, jclass cls, jlong handle, jboolean encrypt, jbyteArray array,
                               jint aadOff, jint aadLen, jint aad2Off, jint aad2Len, jint dataOff, jint dataLen,
                               jint tagOff, jlong ivHi, jlong ivLo) {
    EVP_CIPHER_CTX *ctx = (EVP_CIPHER_CTX *) (intptr_t) handle;
    unsigned char iv[16];
    put_be64(iv, (uint64_t) ivHi);
    put_be64(iv + 8, (uint64_t) ivLo << 32);
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, array, NULL);
    if (buf == NULL) {
        return -1;
    }
    int n;
    int ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1)
             && (aadLen == 0 || EVP_CipherUpdate(ctx, NULL, &n, buf + aadOff, aadLen))
             && (aad2Len == 0 || EVP_CipherUpdate(ctx, NULL, &n, buf + aad2Off, aad2Len))
             && (dataLen == 0 || EVP_CipherUpdate(ctx, buf + dataOff, &n, buf + dataOff, dataLen));
    if (ok) {
        if (encrypt) {
            ok = EVP_CipherFinal_ex(ctx, buf + dataOff + dataLen, &n)
                 && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG, buf + tagOff);
        } else {
            ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG, buf + tagOff)
                 && EVP_CipherFinal_ex(ctx, buf + dataOff + dataLen, &n) > 0;
        }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, array, buf, 0);
    return ok ? 0 : -1;
}

/* AES-CTR keystream XORed onto [off, off + len) in place; the 16-byte IV is ivHi then ivLo, big-endian. */
JNIEXPORT jint JNICALL FN(ctr)(JNIEnv *env, jclass cls, jlong handle, jbyteArray array, jint off, jint len,
                               jlong ivHi, jlong ivLo) {
    EVP_CIPHER_CTX *ctx = (EVP_CIPHER_CTX *) (intptr_t) handle;
    unsigned char iv[16];
    put_be64(iv, (uint64_t) ivHi);
    put_be64(iv + 8, (uint64_t) ivLo);
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, array, NULL);
    if (buf == NULL) {
        return -1;
    }
    int n;
    int ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1)
             && (len == 0 || EVP_CipherUpdate(ctx, buf + off, &n, buf + off, len));
    (*env)->ReleasePrimitiveArrayCritical(env, array, buf, 0);
    return ok ? 0 : -1;
}

JNIEXPORT jlong JNICALL FN(hmacNew)(JNIEnv *env, jclass cls, jbyteArray key) {
    jsize keyLen = (*env)->GetArrayLength(env, key);
    if (keyLen > 64) {
        return 0;
    }
    HMAC_CTX *ctx = HMAC_CTX_new();
    if (ctx == NULL) {
        return 0;
    }
    jbyte k[64];
    (*env)->GetByteArrayRegion(env, key, 0, keyLen, k);
    int ok = HMAC_Init_ex(ctx, k, keyLen, EVP_sha1(), NULL);
    for (int i = 0; i < 64; i++) {
        k[i] = 0;
    }
    if (!ok) {
        HMAC_CTX_free(ctx);
        return 0;
    }
    return (jlong) (intptr_t) ctx;
}

JNIEXPORT void JNICALL FN(hmacFree)(JNIEnv *env, jclass cls, jlong ctx) {
    HMAC_CTX_free((HMAC_CTX *) (intptr_t) ctx);
}

/*
 * HMAC-SHA1 over [off, off + len), then (when withRoc) the 4 bytes of roc, big-endian (RFC 3711
 * §4.2). Writes the first tagLen bytes of the MAC at tagOff, or, when verify, compares them with
 * what is there in constant time. Returns 0, or -1 on a mismatch (or an OpenSSL failure).
 */
JNIEXPORT jint JNICALL FN(hmacSha1)(JNIEnv *env, jclass cls, jlong handle, jbyteArray array, jint off, jint len,
                                    jboolean withRoc, jint roc, jint tagOff, jint tagLen, jboolean verify) {
    HMAC_CTX *ctx = (HMAC_CTX *) (intptr_t) handle;
    unsigned char r[4] = {(unsigned char) (roc >> 24), (unsigned char) (roc >> 16), (unsigned char) (roc >> 8),
                          (unsigned char) roc};
    unsigned char mac[20];
    unsigned int macLen = 0;
    if (tagLen > 20) {
        return -1;
    }
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, array, NULL);
    if (buf == NULL) {
        return -1;
    }
    int ok = HMAC_Init_ex(ctx, NULL, 0, NULL, NULL)
             && HMAC_Update(ctx, buf + off, (size_t) len)
             && (!withRoc || HMAC_Update(ctx, r, 4))
             && HMAC_Final(ctx, mac, &macLen) && macLen >= (unsigned int) tagLen;
    if (ok) {
        if (verify) {
            ok = CRYPTO_memcmp(mac, buf + tagOff, (size_t) tagLen) == 0;
        } else {
            for (int i = 0; i < tagLen; i++) {
                buf[tagOff + i] = mac[i];
            }
        }
    }
    (*env)->ReleasePrimitiveArrayCritical(env, array, buf, 0);
    return ok ? 0 : -1;
}
