package io.activation.channels.email;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sender's body parts made of encoded octets ({@link SmtpSender#textPart}) write exactly what the parts made
 * with {@code setText} and the transfer encoding header wrote before, for every encoding the sender chooses.
 */
class SmtpPartsTest {

    private static final Session SESSION = Session.getInstance(new Properties());

    @Test
    void writesTheSameOctetsAsSetText() throws Exception {
        List<String> texts = List.of(
                "Hello Ada,\nyour cart is waiting.\n",
                "<p>Tabs\tand CRLF\r\nonly</p>",
                "no line end at all",
                "",
                "\n\n\nblank lines\n\n",
                ".leading dot\n.\n..two",
                "x".repeat(999),
                "short\n" + "y".repeat(998) + "\nend",
                "Grüße aus Köln, Ihr Warenkorb wartet\nZeile zwei = gleich",
                "Bonjour Zoë, votre panier (12,50 €) vous attend",
                "ありがとうございます、カートに商品が残っています",
                "Emoji 🎉🎉🎉 and text",
                "🎉🎉🎉🎉🎉🎉",
                "bell\u0007 and delete\u007F",
                "trailing blanks   \nand tabs\t\n",
                "é".repeat(600),
                "<html><body><p>Hi Ada1,</p><a href=\"https://shop.example/t/c/abc?x=1&amp;y=2\">Link</a></body></html>");
        for (String text : texts) {
            for (String subtype : List.of("plain", "html")) {
                assertThat(written(SmtpSender.textPart(text, subtype))).as("%s (%s)", text, subtype)
                        .isEqualTo(written(setText(text, subtype)));
            }
        }
        Random random = new Random(42);
        String alphabet = "abcXYZ 019\t\r\n.=<>\"&é€ü日🎉\u0007";
        for (int n = 0; n < 2_000; n++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(400);
            for (int i = 0; i < length; i++) {
                int at = random.nextInt(alphabet.length());
                char c = alphabet.charAt(at);
                if (Character.isHighSurrogate(c)) {
                    sb.append(c).append(alphabet.charAt(at + 1));
                } else if (!Character.isLowSurrogate(c)) {
                    sb.append(c);
                }
            }
            String text = sb.toString();
            assertThat(written(SmtpSender.textPart(text, "plain"))).as(text)
                    .isEqualTo(written(setText(text, "plain")));
        }
    }

    /** How the sender built each part before. */
    private static MimeBodyPart setText(String text, String subtype) throws Exception {
        MimeBodyPart part = new MimeBodyPart();
        part.setText(text, StandardCharsets.UTF_8.name(), subtype);
        part.setHeader("Content-Transfer-Encoding", SmtpSender.transferEncoding(text));
        return part;
    }

    /** The whole message around the part, as written to the connection (the boundary made constant). */
    private static String written(MimeBodyPart part) throws Exception {
        MimeMessage message = new MimeMessage(SESSION);
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(part);
        message.setContent(alternative);
        message.setSentDate(new java.util.Date(0));
        message.setHeader("Message-ID", "<fixed@example.org>");
        message.saveChanges();
        message.setHeader("Message-ID", "<fixed@example.org>");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        String boundary = new jakarta.mail.internet.ContentType(alternative.getContentType()).getParameter("boundary");
        return out.toString(StandardCharsets.ISO_8859_1).replace(boundary, "BOUNDARY");
    }

    @Test
    void theDateHeaderIsWhatSetSentDateWrites() throws Exception {
        SmtpSender.SentDates dates = new SmtpSender.SentDates();
        java.time.Instant now = java.time.Instant.now();
        List<java.time.Instant> instants = List.of(now, now.plusMillis(1), now.plusMillis(999), now.plusSeconds(1),
                now.minusSeconds(3600), java.time.Instant.EPOCH, java.time.Instant.parse("1969-12-31T23:59:59.500Z"),
                java.time.Instant.parse("2038-01-19T03:14:08Z"), java.time.Instant.parse("2026-03-29T01:59:59.999Z"),
                java.time.Instant.parse("2026-03-29T02:00:00Z"), now, now);
        for (java.time.Instant at : instants) {
            MimeMessage m = new MimeMessage(SESSION);
            m.setSentDate(java.util.Date.from(at));
            assertThat(dates.header(at)).as("%s", at).isEqualTo(m.getHeader("Date")[0]);
        }
    }

    @Test
    void aSubjectIsPutOnOneLineAsReplaceAllDid() {
        List<String> subjects = List.of("", "Hello Ada", "two\nlines", "crlf\r\nend\r\n", "\r\r\n\n", "lone\rcr",
                "tab\tstays", "Grüße\nKöln");
        for (String subject : subjects) {
            assertThat(SmtpSender.oneLineSubject(subject)).isEqualTo(subject.replaceAll("[\\r\\n]+", " "));
        }
        Random random = new Random(7);
        String alphabet = "ab \r\n\tü";
        for (int n = 0; n < 2_000; n++) {
            StringBuilder sb = new StringBuilder();
            for (int i = random.nextInt(30); i > 0; i--) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String subject = sb.toString();
            assertThat(SmtpSender.oneLineSubject(subject)).isEqualTo(subject.replaceAll("[\\r\\n]+", " "));
        }
    }
}
