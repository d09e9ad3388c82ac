package io.junction.bridge.transport.dtls;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The bridge's DTLS identity: an ECDSA P-256 self-signed certificate (SHA256withECDSA), whose
 * SHA-256 fingerprint goes into every offer ({@code a=fingerprint:sha-256}).
 */
public final class DtlsCertificate {
    private final byte[] der;
    private final AsymmetricKeyParameter privateKey;
    private final String fingerprintSha256;
    private final Instant notAfter;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey, Instant notAfter) {
        this.der = der;
        this.privateKey = privateKey;
        this.fingerprintSha256 = fingerprint(der);
        this.notAfter = notAfter;
    }

    /** A fresh certificate valid for 30 days. */
    public static DtlsCertificate generate() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            KeyPair kp = gen.generateKeyPair();
            Instant now = Instant.now();
            Instant notAfter = now.plus(Duration.ofDays(30));
            X500Name subject = new X500Name("CN=junction");
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(notAfter), subject, kp.getPublic());
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
            return new DtlsCertificate(holder.getEncoded(), PrivateKeyFactory.createKey(kp.getPrivate().getEncoded()),
                    notAfter);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate the DTLS certificate", e);
        }
    }

    /** SHA-256 of DER bytes as uppercase hex pairs joined by colons (RFC 8122 §5). */
    public static String fingerprint(byte[] der) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(der);
            StringBuilder sb = new StringBuilder(digest.length * 3);
            for (int i = 0; i < digest.length; i++) {
                if (i > 0) {
                    sb.append(':');
                }
                sb.append(String.format("%02X", digest[i] & 0xFF));
            }
            return sb.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] der() {
        return der.clone();
    }

    byte[] derNoCopy() {
        return der;
    }

    AsymmetricKeyParameter privateKey() {
        return privateKey;
    }

    public String fingerprintSha256() {
        return fingerprintSha256;
    }

    public Instant notAfter() {
        return notAfter;
    }
}
