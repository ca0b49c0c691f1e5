package io.activation.channels.email;

import io.activation.channels.MutableTestClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.activation.delivery.spi.SendResult;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The happy path against a real SMTP server (GreenMail), read back over IMAP. */
class SmtpSenderGreenMailTest {

    private GreenMail greenMail;
    private SmtpSender sender;
    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T10:00:00Z"));

    @BeforeEach
    void start() {
        greenMail = new GreenMail(new ServerSetup[] {
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort(),
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort()});
        greenMail.withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        greenMail.start();
        sender = new SmtpSender(SmtpServer.of("127.0.0.1", greenMail.getSmtp().getPort()),
                Messages.settings(2, Duration.ofSeconds(10), 0, 10, Map.of(), Duration.ofSeconds(5),
                        EmailProperties.Dkim.off(), "unsubscribe@shop.example"), clock);
    }

    @AfterEach
    void stop() {
        sender.close();
        greenMail.stop();
    }

    @Test
    void aMessageArrivesWithItsHeadersAndBothParts() throws Exception {
        SendResult result = sender.send(Messages.email("cart-1:email", "ada@example.org"));
        assertThat(result).isInstanceOf(SendResult.Accepted.class);
        assertThat(sender.send(Messages.email("cart-2:email", "grace@example.org")))
                .isInstanceOf(SendResult.Accepted.class);
        assertThat(sender.connectionsOpened()).isEqualTo(1);

        Properties p = new Properties();
        Store store = Session.getInstance(p).getStore("imap");
        store.connect("127.0.0.1", greenMail.getImap().getPort(), "ada@example.org", "any");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            MimeMessage m = (MimeMessage) inbox.getMessage(1);

            assertThat(m.getSubject()).isEqualTo("Your cart misses you, Ada ✓");
            assertThat(((InternetAddress) m.getFrom()[0]).getAddress()).isEqualTo("news@shop.example");
            assertThat(((InternetAddress) m.getFrom()[0]).getPersonal()).isEqualTo("The Shop");
            InternetAddress to = (InternetAddress) m.getRecipients(Message.RecipientType.TO)[0];
            assertThat(to.getAddress()).isEqualTo("ada@example.org");
            assertThat(to.getPersonal()).isEqualTo("Ada Lovelace");
            assertThat(m.getMessageID()).isEqualTo(MessageIds.forKey("cart-1:email", "shop.example"));
            assertThat(MessageIds.keyOf(m.getMessageID())).isEqualTo("cart-1:email");
            assertThat(m.getHeader(SmtpSender.MESSAGE_KEY_HEADER, null)).isEqualTo("cart-1:email");
            assertThat(m.getHeader("List-Unsubscribe", null)).isEqualTo("<https://shop.example/u/tok123>, "
                    + "<mailto:unsubscribe@shop.example?subject=unsubscribe%20cart-1%3Aemail>");
            assertThat(m.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
            assertThat(m.getSentDate().toInstant()).isEqualTo(clock.instant());

            assertThat(m.getContentType()).startsWith("multipart/alternative");
            Multipart alternative = (Multipart) m.getContent();
            assertThat(alternative.getCount()).isEqualTo(2);
            assertThat(alternative.getBodyPart(0).getContentType()).startsWith("text/plain; charset=UTF-8");
            assertThat(((String) alternative.getBodyPart(0).getContent()).stripTrailing()).isEqualTo(
                    "Hello Ada,\r\n\r\nthe Blue kettle (EUR 39.90) is still in your cart.");
            assertThat(alternative.getBodyPart(1).getContentType()).startsWith("text/html; charset=UTF-8");
            assertThat((String) alternative.getBodyPart(1).getContent()).isEqualTo(
                    "<p>Hello Ada,</p><p>the <b>Blue kettle</b> (EUR 39.90) is still in your cart.</p>");
        } finally {
            store.close();
        }
    }

    @Test
    void jakartaMailsStreamProviderIsPinnedSoItIsNotLookedUpOnTheClassPathPerMessage() {
        SmtpSender.pinStreamProvider();
        assertThat(System.getProperty(SmtpSender.STREAM_PROVIDER_PROPERTY))
                .isEqualTo("org.eclipse.angus.mail.util.MailStreamProvider");
        assertThat(jakarta.mail.util.StreamProvider.provider().getClass().getName())
                .isEqualTo("org.eclipse.angus.mail.util.MailStreamProvider");
    }
}
