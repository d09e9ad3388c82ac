/*
 * Junction's SRTP cipher calls: AES-GCM, AES-CTR and HMAC-SHA1 from the system's OpenSSL 3
 * (libcrypto.so.3), called on the Java array in place (JNI critical region: no copy, no Java
 * allocation). The SRTP logic (key derivation, indexes, replay) is in Java: OpenSslSrtp.java.
 *
 * Built by Maven (bridge/src/main/c/build.sh) with gcc; needs only jni.h from the JDK. The few
 * OpenSSL functions used are declared here, so no OpenSSL headers (libssl-dev) are needed.
 *
 * AES-128-GCM has two implementations behind one handle (docs/architecture.md, "SRTP"):
 *  - EVP (any CPU, any key size): OpenSSL 3's EVP_CIPHER_CTX. Each packet costs five EVP calls, and
 *    in OpenSSL 3 each goes through the provider's dispatch and OSSL_PARAM plumbing (setting the IV,
 *    fetching the tag): about 300 ns per packet before a byte is encrypted, more than the cipher
 *    itself for an audio packet.
 *  - direct (x86-64 with AES-NI and PCLMULQDQ, 16-byte keys): OpenSSL's GCM mode functions
 *    (CRYPTO_gcm128_*, public API in <openssl/modes.h>: GHASH with PCLMULQDQ/AVX, the tag compare in
 *    constant time) driven by AES-NI through compiler intrinsics here: the key schedule (FIPS-197
 *    expansion, AESKEYGENASSIST) and CTR mode eight blocks at a time. No dispatch, no parameters:
 *    2-3x faster for audio-sized packets, ~1.5x for 1200-byte video (docs/performance.md).
 * A direct handle has its lowest bit set (both kinds are malloc'd, so at least 16-byte aligned).
 * Kind 2 asks for EVP whatever the CPU (OpenSsl.java: -Djunction.srtp.gcm=evp, for comparisons).
 */
#include <jni.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
void OPENSSL_cleanse(void *ptr, size_t len);

typedef struct gcm128_context GCM128_CONTEXT;
typedef void (*block128_f)(const unsigned char in[16], unsigned char out[16], const void *key);
typedef void (*ctr128_f)(const unsigned char *in, unsigned char *out, size_t blocks, const void *key,
                         const unsigned char ivec[16]);
GCM128_CONTEXT *CRYPTO_gcm128_new(void *key, block128_f block);
void CRYPTO_gcm128_release(GCM128_CONTEXT *ctx);
void CRYPTO_gcm128_setiv(GCM128_CONTEXT *ctx, const unsigned char *iv, size_t len);
int CRYPTO_gcm128_aad(GCM128_CONTEXT *ctx, const unsigned char *aad, size_t len);
int CRYPTO_gcm128_encrypt_ctr32(GCM128_CONTEXT *ctx, const unsigned char *in, unsigned char *out, size_t len,
                                ctr128_f stream);
int CRYPTO_gcm128_decrypt_ctr32(GCM128_CONTEXT *ctx, const unsigned char *in, unsigned char *out, size_t len,
                                ctr128_f stream);
int CRYPTO_gcm128_finish(GCM128_CONTEXT *ctx, const unsigned char *tag, size_t len);
void CRYPTO_gcm128_tag(GCM128_CONTEXT *ctx, unsigned char *tag, size_t len);

#define EVP_CTRL_GCM_SET_IVLEN 0x9
#define EVP_CTRL_GCM_GET_TAG 0x10
#define EVP_CTRL_GCM_SET_TAG 0x11
#define GCM_TAG 16

#define FN(name) Java_io_junction_bridge_transport_srtp_OpenSsl_##name

#if defined(__x86_64__)
#include <immintrin.h>
#define DIRECT_GCM 1

/* The eleven AES-128 round keys (FIPS-197 §5.2), for AESENC. */
typedef struct {
    __m128i rk[11];
} aes128_key;

/* A direct AES-128-GCM context: the round keys and OpenSSL's GCM state that points at them. */
typedef struct {
    aes128_key key;
    GCM128_CONTEXT *gcm;
} direct_gcm;

__attribute__((target("aes,sse4.1")))
static inline __m128i expand_step(__m128i key, __m128i assist) {
    assist = _mm_shuffle_epi32(assist, 0xff);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

#define EXPAND(i, rcon) k->rk[i] = expand_step(k->rk[(i) - 1], _mm_aeskeygenassist_si128(k->rk[(i) - 1], rcon))

__attribute__((target("aes,sse4.1")))
static void aes128_expand(aes128_key *k, const unsigned char *key) {
    k->rk[0] = _mm_loadu_si128((const __m128i *) key);
    EXPAND(1, 0x01); EXPAND(2, 0x02); EXPAND(3, 0x04); EXPAND(4, 0x08); EXPAND(5, 0x10);
    EXPAND(6, 0x20); EXPAND(7, 0x40); EXPAND(8, 0x80); EXPAND(9, 0x1b); EXPAND(10, 0x36);
}

/* AES-128 of one block held in a register. */
__attribute__((target("aes,sse4.1")))
static inline __m128i aes128_encrypt(__m128i b, const aes128_key *k) {
    b = _mm_xor_si128(b, k->rk[0]);
#pragma GCC unroll 9
    for (int r = 1; r < 10; r++) {
        b = _mm_aesenc_si128(b, k->rk[r]);
    }
    return _mm_aesenclast_si128(b, k->rk[10]);
}

/* block128_f: one block (GCM's hash key E(K, 0) and the tag mask E(K, Y0)). */
__attribute__((target("aes,sse4.1")))
static void aes128_block(const unsigned char in[16], unsigned char out[16], const void *key) {
    _mm_storeu_si128((__m128i *) out, aes128_encrypt(_mm_loadu_si128((const __m128i *) in), key));
}

/*
 * ctr128_f: XORs `blocks` blocks of AES-CTR keystream onto in, into out; the counter is the last
 * four bytes of ivec, big-endian, and wraps within them (GCM's inc32). Eight blocks in flight, so
 * AESENC's latency is hidden behind its throughput.
 */
__attribute__((target("aes,sse4.1")))
static void aes128_ctr32(const unsigned char *in, unsigned char *out, size_t blocks, const void *key,
                         const unsigned char ivec[16]) {
    const aes128_key *k = key;
    const __m128i iv = _mm_loadu_si128((const __m128i *) ivec);
    uint32_t ctr = ((uint32_t) ivec[12] << 24) | ((uint32_t) ivec[13] << 16) | ((uint32_t) ivec[14] << 8) | ivec[15];
    while (blocks >= 8) {
        __m128i b[8];
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            b[j] = _mm_xor_si128(_mm_insert_epi32(iv, (int) __builtin_bswap32(ctr + (uint32_t) j), 3), k->rk[0]);
        }
#pragma GCC unroll 9
        for (int r = 1; r < 10; r++) {
            __m128i rk = k->rk[r];
#pragma GCC unroll 8
            for (int j = 0; j < 8; j++) {
                b[j] = _mm_aesenc_si128(b[j], rk);
            }
        }
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            b[j] = _mm_aesenclast_si128(b[j], k->rk[10]);
            _mm_storeu_si128((__m128i *) out + j, _mm_xor_si128(b[j], _mm_loadu_si128((const __m128i *) in + j)));
        }
        ctr += 8;
        blocks -= 8;
        in += 128;
        out += 128;
    }
    for (; blocks > 0; blocks--, ctr++, in += 16, out += 16) {
        __m128i b = aes128_encrypt(_mm_insert_epi32(iv, (int) __builtin_bswap32(ctr), 3), k);
        _mm_storeu_si128((__m128i *) out, _mm_xor_si128(b, _mm_loadu_si128((const __m128i *) in)));
    }
}

/* Whether this CPU runs the direct implementation. */
static int direct_gcm_usable(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

static direct_gcm *direct_gcm_new(const unsigned char *key) {
    void *mem = NULL;
    if (posix_memalign(&mem, 16, sizeof(direct_gcm)) != 0) {
        return NULL;
    }
    direct_gcm *d = mem;
    aes128_expand(&d->key, key);
    d->gcm = CRYPTO_gcm128_new(&d->key, aes128_block);
    if (d->gcm == NULL) {
        OPENSSL_cleanse(d, sizeof(direct_gcm));
        free(d);
        return NULL;
    }
    return d;
}

static void direct_gcm_free(direct_gcm *d) {
    CRYPTO_gcm128_release(d->gcm); /* clears OpenSSL's copy of the hash key */
    OPENSSL_cleanse(&d->key, sizeof(d->key));
    free(d);
}

/* As FN(gcm) below, on a direct context: 0, or -1 when the tag does not verify. */
static int direct_gcm_run(direct_gcm *d, int encrypt, unsigned char *buf, jint aadOff, jint aadLen, jint aad2Off,
                          jint aad2Len, jint dataOff, jint dataLen, jint tagOff, const unsigned char *iv) {
    GCM128_CONTEXT *g = d->gcm;
    CRYPTO_gcm128_setiv(g, iv, 12);
    if ((aadLen > 0 && CRYPTO_gcm128_aad(g, buf + aadOff, (size_t) aadLen) != 0)
            || (aad2Len > 0 && CRYPTO_gcm128_aad(g, buf + aad2Off, (size_t) aad2Len) != 0)) {
        return -1;
    }
    if (encrypt) {
        if (dataLen > 0 && CRYPTO_gcm128_encrypt_ctr32(g, buf + dataOff, buf + dataOff, (size_t) dataLen,
                                                       aes128_ctr32) != 0) {
            return -1;
        }
        CRYPTO_gcm128_tag(g, buf + tagOff, GCM_TAG);
        return 0;
    }
    if (dataLen > 0 && CRYPTO_gcm128_decrypt_ctr32(g, buf + dataOff, buf + dataOff, (size_t) dataLen,
                                                   aes128_ctr32) != 0) {
        return -1;
    }
    return CRYPTO_gcm128_finish(g, buf + tagOff, GCM_TAG) == 0 ? 0 : -1;
}
#else
#define DIRECT_GCM 0
#endif

#define IS_DIRECT(handle) (DIRECT_GCM && ((handle) & 1))

static void put_be64(unsigned char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char) v;
        v >>= 8;
    }
}

/* kind 0: AES-GCM (direct when it can be), 1: AES-CTR, 2: AES-GCM through EVP; key 16 or 32 bytes.
 * Returns the context, 0 on failure. */
JNIEXPORT jlong JNICALL FN(cipherNew)(JNIEnv *env, jclass cls, jint kind, jbyteArray key, jboolean encrypt) {
    jsize keyLen = (*env)->GetArrayLength(env, key);
    const EVP_CIPHER *type;
    if (kind == 0 || kind == 2) {
        type = keyLen == 16 ? EVP_aes_128_gcm() : keyLen == 32 ? EVP_aes_256_gcm() : NULL;
    } else {
        type = keyLen == 16 ? EVP_aes_128_ctr() : keyLen == 32 ? EVP_aes_256_ctr() : NULL;
    }
    if (type == NULL) {
        return 0;
    }
#if DIRECT_GCM
    if (kind == 0 && keyLen == 16 && direct_gcm_usable()) {
        /* the same context encrypts and decrypts: GCM decryption runs the cipher forward too */
        jbyte k[16];
        (*env)->GetByteArrayRegion(env, key, 0, 16, k);
        direct_gcm *d = direct_gcm_new((const unsigned char *) k);
        OPENSSL_cleanse(k, sizeof(k));
        return d == NULL ? 0 : (jlong) ((intptr_t) d | 1);
    }
#endif
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return 0;
    }
    jbyte k[32];
    (*env)->GetByteArrayRegion(env, key, 0, keyLen, k);
    int ok = EVP_CipherInit_ex(ctx, type, NULL, NULL, NULL, encrypt ? 1 : 0)
             && (kind == 1 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL))
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
#if DIRECT_GCM
    if (IS_DIRECT(ctx)) {
        direct_gcm_free((direct_gcm *) (intptr_t) (ctx & ~(jlong) 1));
        return;
    }
#endif
    EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *) (intptr_t) ctx);
}

/* 1 when AES-128-GCM contexts run the direct implementation on this machine, 0 when EVP. */
JNIEXPORT jint JNICALL FN(directGcm)(JNIEnv *env, jclass cls) {
#if DIRECT_GCM
    return direct_gcm_usable();
#else
    return 0;
#endif
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
    unsigned char iv[16];
    put_be64(iv, (uint64_t) ivHi);
    put_be64(iv + 8, (uint64_t) ivLo << 32);
    unsigned char *buf = (*env)->GetPrimitiveArrayCritical(env, array, NULL);
    if (buf == NULL) {
        return -1;
    }
#if DIRECT_GCM
    if (IS_DIRECT(handle)) {
        int r = direct_gcm_run((direct_gcm *) (intptr_t) (handle & ~(jlong) 1), encrypt, buf, aadOff, aadLen,
                               aad2Off, aad2Len, dataOff, dataLen, tagOff, iv);
        (*env)->ReleasePrimitiveArrayCritical(env, array, buf, 0);
        return r;
    }
#endif
    EVP_CIPHER_CTX *ctx = (EVP_CIPHER_CTX *) (intptr_t) handle;
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
