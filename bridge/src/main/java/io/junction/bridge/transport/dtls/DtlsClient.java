package io.junction.bridge.transport.dtls;

import io.junction.bridge.transport.srtp.SrtpProfile;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Hashtable;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ExporterLabel;
import org.bouncycastle.tls.HashAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsSRTPUtils;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.UseSRTPData;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * A browser-like DTLS client (BouncyCastle): its own ECDSA certificate, use_srtp, DTLS 1.2. The bridge
 * never uses it; the DTLS tests and the load generator play the browser with it.
 */
public final class DtlsClient extends DefaultTlsClient {
    private final DtlsCertificate certificate;
    private final int[] profiles;
    private volatile byte[] keyingMaterial;
    private volatile int negotiatedProfile = -1;
    private volatile String serverFingerprint;
    private final BcTlsCrypto crypto;

    public DtlsClient(DtlsCertificate certificate, SrtpProfile... profiles) {
        this(new BcTlsCrypto(new SecureRandom()), certificate, profiles);
    }

    private DtlsClient(BcTlsCrypto crypto, DtlsCertificate certificate, SrtpProfile... profiles) {
        super(crypto);
        this.crypto = crypto;
        this.certificate = certificate;
        this.profiles = java.util.Arrays.stream(profiles).mapToInt(SrtpProfile::protectionProfileId).toArray();
    }

    /** The exported SRTP keying material, set when the handshake completes. */
    public byte[] keyingMaterial() {
        return keyingMaterial;
    }

    /** The negotiated use_srtp protection profile id, or -1 before the server hello. */
    public int negotiatedProfile() {
        return negotiatedProfile;
    }

    /** The SHA-256 fingerprint of the server's certificate, as in SDP. */
    public String serverFingerprint() {
        return serverFingerprint;
    }

    @Override
    protected ProtocolVersion[] getSupportedVersions() {
        return ProtocolVersion.DTLSv12.only();
    }

    /** First retransmission after 200 ms, doubling (as the bridge's server; BouncyCastle's default is 1 s). */
    @Override
    public int getHandshakeResendTimeMillis() {
        return 200;
    }

    @Override
    protected int[] getSupportedCipherSuites() {
        return new int[] {CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Hashtable getClientExtensions() throws IOException {
        Hashtable ext = super.getClientExtensions();
        if (ext == null) {
            ext = new Hashtable();
        }
        TlsSRTPUtils.addUseSRTPExtension(ext, new UseSRTPData(profiles, new byte[0]));
        return ext;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void processServerExtensions(Hashtable serverExtensions) throws IOException {
        super.processServerExtensions(serverExtensions);
        negotiatedProfile = TlsSRTPUtils.getUseSRTPExtension(serverExtensions).getProtectionProfiles()[0];
    }

    @Override
    public TlsAuthentication getAuthentication() {
        return new TlsAuthentication() {
            @Override
            public void notifyServerCertificate(TlsServerCertificate serverCertificate) throws IOException {
                serverFingerprint = DtlsCertificate.fingerprint(serverCertificate.getCertificate().getCertificateAt(0).getEncoded());
            }

            @Override
            public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                TlsCertificate cert = crypto.createCertificate(certificate.derNoCopy());
                return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto,
                        certificate.privateKey(), new Certificate(new TlsCertificate[] {cert}),
                        new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
            }
        };
    }

    @Override
    public void notifyHandshakeComplete() throws IOException {
        super.notifyHandshakeComplete();
        SrtpProfile p = SrtpProfile.byId(negotiatedProfile);
        keyingMaterial = context.exportKeyingMaterial(ExporterLabel.dtls_srtp, null, p.keyingMaterialLength());
    }
}
