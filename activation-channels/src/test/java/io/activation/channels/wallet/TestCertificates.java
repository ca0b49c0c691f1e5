package io.activation.channels.wallet;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-made chain standing in for Apple's: a CA ("WWDR"), a pass type certificate it issued (signs passes, APNs
 * client certificate) and a server certificate for the local APNs stand-in on localhost. Written as the files the
 * channel is configured with.
 */
final class TestCertificates {

    static final String PASS_TYPE = "pass.io.activation.test";
    static final String PASSWORD = "test-password";

    final X509Certificate ca;
    final X509Certificate pass;
    final X509Certificate server;
    final PrivateKey serverKey;
    final Path passP12;
    final Path wwdrDer;
    final Path caPem;

    private static final AtomicLong SERIAL = new AtomicLong(1000);

    TestCertificates(Path directory) {
        try {
            KeyPair caKeys = keys();
            ca = certificate("CN=Test WWDR CA, O=Activation Tests", caKeys, "CN=Test WWDR CA, O=Activation Tests",
                    caKeys.getPrivate(), true, null, null);
            KeyPair passKeys = keys();
            pass = certificate("UID=" + PASS_TYPE + ", CN=Pass Type ID: " + PASS_TYPE + ", OU=TEAM123456",
                    passKeys, "CN=Test WWDR CA, O=Activation Tests", caKeys.getPrivate(), false,
                    KeyPurposeId.id_kp_clientAuth, null);
            KeyPair serverKeys = keys();
            server = certificate("CN=localhost", serverKeys, "CN=Test WWDR CA, O=Activation Tests",
                    caKeys.getPrivate(), false, KeyPurposeId.id_kp_serverAuth, "localhost");
            serverKey = serverKeys.getPrivate();

            KeyStore p12 = KeyStore.getInstance("PKCS12");
            p12.load(null, null);
            p12.setKeyEntry("pass", passKeys.getPrivate(), PASSWORD.toCharArray(),
                    new X509Certificate[] {pass, ca});
            passP12 = directory.resolve("pass.p12");
            try (OutputStream out = Files.newOutputStream(passP12)) {
                p12.store(out, PASSWORD.toCharArray());
            }
            wwdrDer = Files.write(directory.resolve("wwdr.cer"), ca.getEncoded());
            StringWriter pem = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
                writer.writeObject(ca);
            }
            caPem = Files.writeString(directory.resolve("ca.pem"), pem.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509Certificate certificate(String subject, KeyPair keys, String issuer, PrivateKey issuerKey,
            boolean ca, KeyPurposeId purpose, String dnsName) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(1, ChronoUnit.DAYS)),
                Date.from(now.plus(30, ChronoUnit.DAYS)), new X500Name(subject), keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        }
        if (dnsName != null) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, dnsName),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(
                new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
    }
}
