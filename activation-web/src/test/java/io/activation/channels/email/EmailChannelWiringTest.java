package io.activation.channels.email;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import io.activation.testing.ApiTest;
import io.activation.web.embedded.EmbeddedMailServer;
import io.activation.web.embedded.EmbeddedServices;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * In the application: the embedded mail catcher sets {@code spring.mail.host}, so the e-mail ChannelSender is a bean
 * the sender runtime finds by channel, and what it sends arrives at the catcher, readable over IMAP.
 */
class EmailChannelWiringTest extends ApiTest {

    @Autowired
    List<ChannelSender> senders;

    @Test
    void theEmailSenderIsABeanAndDeliversToTheMailCatcher() throws Exception {
        ChannelSender email = senders.stream().filter(s -> s.channel().equals("email")).findFirst().orElseThrow();
        assertThat(email).isInstanceOf(SmtpSender.class);
        String address = unique("wiring") + "@example.org";
        String key = unique("req") + ":email";
        SendResult result = email.send(new OutboundMessage(key, 1, 1, "email", new Recipient(address, null, Map.of()),
                new Content(Map.of(Content.SUBJECT, "Hello", Content.TEXT, "Hello there",
                        Content.UNSUBSCRIBE_URL, "http://localhost:8080/u/abc"), Map.of()), 1, clock.instant(),
                Map.of()));
        assertThat(result).isInstanceOf(SendResult.Accepted.class);

        EmbeddedMailServer mail = EmbeddedServices.sharedIfCreated().orElseThrow().mail();
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect(mail.host(), mail.imapPort(), address, "any");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            MimeMessage m = (MimeMessage) inbox.getMessage(1);
            assertThat(m.getHeader(SmtpSender.MESSAGE_KEY_HEADER, null)).isEqualTo(key);
            assertThat(m.getHeader("List-Unsubscribe", null)).isEqualTo("<http://localhost:8080/u/abc>");
            assertThat(m.getHeader("List-Unsubscribe-Post", null)).as("no one-click target given").isNull();
            assertThat(m.getSentDate().toInstant().getEpochSecond()).isEqualTo(clock.instant().getEpochSecond());
        } finally {
            store.close();
        }
    }
}
