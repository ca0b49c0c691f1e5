package io.activation.channels.email;

import io.activation.channels.MutableTestClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.delivery.spi.SendResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DKIM: the signature on the wire verifies (RFC 6376, relaxed/relaxed, rsa-sha256) with the public key of the PEM
 * the sender was given, over the headers that matter for one-click unsubscribe; a changed body breaks it.
 */
class DkimSigningTest {

    @TempDir
    Path dir;

    @Test
    void theSignatureOnTheWireVerifiesWithThePublicKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        Path pem = dir.resolve("dkim.pem");
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        EmailProperties.Dkim dkim = new EmailProperties.Dkim(true, "shop.example", "s2026", pem.toString(),
                List.of("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
                        "List-Unsubscribe", "List-Unsubscribe-Post", "X-Activation-Message-Key"), false);

        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer();
                SmtpSender sender = new SmtpSender(SmtpServer.of("127.0.0.1", smtp.port()),
                        Messages.settings(1, Duration.ofSeconds(5), 0, 10, Map.of(), Duration.ofSeconds(5), dkim,
                                ""), new MutableTestClock(Instant.parse("2026-11-22T10:00:00Z")))) {
            assertThat(sender.send(Messages.email("dkim-1:email", "ada@example.org")))
                    .isInstanceOf(SendResult.Accepted.class);
            String raw = smtp.accepted().get(0);

            Map<String, String> tags = tags(header(raw, "DKIM-Signature"));
            assertThat(tags).containsEntry("v", "1").containsEntry("a", "rsa-sha256")
                    .containsEntry("c", "relaxed/relaxed").containsEntry("d", "shop.example")
                    .containsEntry("s", "s2026");
            Set<String> signed = new HashSet<>();
            for (String h : tags.get("h").split(":")) {
                signed.add(h.trim().toLowerCase(Locale.ROOT));
            }
            assertThat(signed).contains("from", "to", "subject", "date", "message-id", "list-unsubscribe",
                    "list-unsubscribe-post", "x-activation-message-key");
            assertThat(SmtpSenderFaultTest.header(raw, "Message-ID"))
                    .as("signing keeps the deterministic Message-ID")
                    .isEqualTo(MessageIds.forKey("dkim-1:email", "shop.example"));

            assertThat(verifies(raw, keys.getPublic())).isTrue();
            String tampered = raw.replace("Blue kettle", "Red kettle");
            assertThat(tampered).isNotEqualTo(raw);
            assertThat(verifies(tampered, keys.getPublic())).isFalse();
        }
    }

    @Test
    void aSignedMessageWithoutReplyToTheEndOfDataIsInDoubtToo() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        Path pem = dir.resolve("dkim2.pem");
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(
                generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        EmailProperties.Dkim dkim = new EmailProperties.Dkim(true, "shop.example", "s2026", pem.toString(),
                List.of("From", "Subject"), false);
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer().stallAfterData();
                SmtpSender sender = new SmtpSender(SmtpServer.of("127.0.0.1", smtp.port()),
                        Messages.settings(1, Duration.ofMillis(700), 0, 10, Map.of(), Duration.ofSeconds(5), dkim,
                                ""), new MutableTestClock(Instant.parse("2026-11-22T10:00:00Z")))) {
            assertThat(sender.send(Messages.email("dkim-doubt:email", "ada@example.org"))).isInstanceOfSatisfying(SendResult.InDoubt.class,
                    d -> assertThat(d.providerId()).isEqualTo(MessageIds.bare(MessageIds.forKey("dkim-doubt:email", "shop.example"))));
            assertThat(smtp.received()).hasSize(1);
            assertThat(smtp.received().get(0)).contains("DKIM-Signature:");
        }
    }

    @Test
    void aPkcs1KeyIsRefusedWithTheConversionCommand() throws Exception {
        Path pem = dir.resolve("rsa.pem");
        Files.writeString(pem, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> DkimSigning.readPrivateKey(pem)).hasMessageContaining("openssl pkcs8");
    }

    // ---- a minimal RFC 6376 verifier (relaxed/relaxed, rsa-sha256) ----

    static boolean verifies(String raw, PublicKey key) throws Exception {
        int split = raw.indexOf("\r\n\r\n");
        String headerBlock = raw.substring(0, split + 2);
        String body = raw.substring(split + 4);
        List<String[]> headers = unfoldedHeaders(headerBlock);
        String signatureHeader = null;
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase("DKIM-Signature")) {
                signatureHeader = h[1];
            }
        }
        Map<String, String> tags = tags(signatureHeader);
        String bodyHash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(relaxedBody(body).getBytes(StandardCharsets.UTF_8)));
        if (!bodyHash.equals(tags.get("bh"))) {
            return false;
        }
        StringBuilder data = new StringBuilder();
        List<String[]> unused = new ArrayList<>(headers);
        for (String name : tags.get("h").split(":")) {
            String wanted = name.trim();
            for (int i = unused.size() - 1; i >= 0; i--) {
                if (unused.get(i)[0].equalsIgnoreCase(wanted)) {
                    data.append(relaxedHeader(unused.get(i)[0], unused.get(i)[1])).append("\r\n");
                    unused.remove(i);
                    break;
                }
            }
        }
        // Only the b= tag is emptied, not bh=.
        String withoutB = signatureHeader.replaceAll("(^|;)(\\s*b\\s*=)[^;]*", "$1$2");
        data.append(relaxedHeader("DKIM-Signature", withoutB));
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(key);
        verifier.update(data.toString().getBytes(StandardCharsets.UTF_8));
        return verifier.verify(Base64.getDecoder().decode(tags.get("b").replaceAll("\\s", "")));
    }

    private static List<String[]> unfoldedHeaders(String block) {
        List<String[]> out = new ArrayList<>();
        String unfolded = block.replaceAll("\r\n([ \t])", "$1");
        for (String line : unfolded.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.add(new String[] {line.substring(0, colon), line.substring(colon + 1)});
            }
        }
        return out;
    }

    private static String relaxedHeader(String name, String value) {
        return name.trim().toLowerCase(Locale.ROOT) + ":" + value.replaceAll("[ \t]+", " ").trim();
    }

    private static String relaxedBody(String body) {
        String[] lines = body.split("\r\n", -1);
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.replaceAll("[ \t]+", " ").replaceAll(" $", ""));
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out.isEmpty() ? "" : String.join("\r\n", out) + "\r\n";
    }

    private static String header(String raw, String name) {
        for (String[] h : unfoldedHeaders(raw.substring(0, raw.indexOf("\r\n\r\n") + 2))) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    private static Map<String, String> tags(String value) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String tag : value.split(";")) {
            int eq = tag.indexOf('=');
            if (eq > 0) {
                tags.put(tag.substring(0, eq).trim(), tag.substring(eq + 1).replaceAll("\\s", ""));
            }
        }
        return tags;
    }
}
