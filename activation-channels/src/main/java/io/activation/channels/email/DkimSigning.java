package io.activation.channels.email;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import org.simplejavamail.utils.mail.dkim.Canonicalization;
import org.simplejavamail.utils.mail.dkim.DkimException;
import org.simplejavamail.utils.mail.dkim.DkimMessage;
import org.simplejavamail.utils.mail.dkim.DkimSigner;
import org.simplejavamail.utils.mail.dkim.SigningAlgorithm;

/**
 * DKIM signing with {@code org.simplejavamail:utils-mail-dkim}: rsa-sha256, relaxed/relaxed, the key from a PEM file
 * (PKCS#8). The signature is computed when the message is written to the SMTP connection.
 */
final class DkimSigning {

    private final DkimSigner signer;
    private final String domain;
    private final String selector;

    private DkimSigning(DkimSigner signer, String domain, String selector) {
        this.signer = signer;
        this.domain = domain;
        this.selector = selector;
    }

    static DkimSigning from(EmailProperties.Dkim settings) {
        if (settings.domain().isBlank() || settings.selector().isBlank() || settings.privateKeyPath().isBlank()) {
            throw new IllegalStateException("activation.channels.email.dkim.enabled needs dkim.domain, "
                    + "dkim.selector and dkim.private-key-path");
        }
        RSAPrivateKey key = readPrivateKey(Path.of(settings.privateKeyPath()));
        try {
            DkimSigner signer = new DkimSigner(settings.domain(), settings.selector(), key);
            signer.setSigningAlgorithm(SigningAlgorithm.SHA256_WITH_RSA);
            signer.setHeaderCanonicalization(Canonicalization.RELAXED);
            signer.setBodyCanonicalization(Canonicalization.RELAXED);
            signer.setLengthParam(false);
            signer.setCheckDomainKey(settings.checkDnsRecord());
            for (String header : settings.headers()) {
                signer.addHeaderToSign(header);
            }
            return new DkimSigning(signer, settings.domain(), settings.selector());
        } catch (DkimException e) {
            throw new IllegalStateException("DKIM signer could not be set up: " + e.getMessage(), e);
        }
    }

    /** Reads an RSA private key from PEM ({@code BEGIN PRIVATE KEY}, PKCS#8). */
    static RSAPrivateKey readPrivateKey(Path pem) {
        String text;
        try {
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("DKIM private key " + pem + " cannot be read: " + e.getMessage(), e);
        }
        if (text.contains("BEGIN RSA PRIVATE KEY")) {
            throw new IllegalStateException("DKIM private key " + pem + " is PKCS#1; convert it to PKCS#8 with "
                    + "`openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem`");
        }
        String base64 = text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalStateException("DKIM private key " + pem + " is not a PKCS#8 RSA key in PEM", e);
        }
    }

    String domain() {
        return domain;
    }

    String selector() {
        return selector;
    }

    /** The message to send: a signing copy of {@code message} (which must be complete: saveChanges done). */
    MimeMessage sign(MimeMessage message, AtomicBoolean written) throws MessagingException {
        return new TrackedDkimMessage(message, signer, written);
    }

    /** Notes when the whole message was written to the DATA stream. */
    private static final class TrackedDkimMessage extends DkimMessage {
        private final AtomicBoolean written;

        TrackedDkimMessage(MimeMessage message, DkimSigner signer, AtomicBoolean written)
                throws MessagingException {
            super(message, signer);
            this.written = written;
        }

        @Override
        public void writeTo(OutputStream os, String[] ignoreList) throws IOException, MessagingException {
            super.writeTo(os, ignoreList);
            written.set(true);
        }
    }
}
