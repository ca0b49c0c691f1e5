package io.activation.channels.email;

import io.activation.channels.MutableTestClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.activation.delivery.spi.InboundMessage;
import io.activation.delivery.spi.ProviderFeedback;
import io.activation.delivery.spi.StatusReport;
import io.activation.delivery.spi.StatusReport.Status;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bounce mailbox read over real IMAP (GreenMail), reports handed to a recording ProviderFeedback. */
class BounceMailboxReaderTest {

    private static final String BOX = "bounces@shop.example";
    private static final String OUR_ID = MessageIds.forKey("cart-1:email", "shop.example");

    private GreenMail greenMail;
    private GreenMailUser user;
    private final Recording feedback = new Recording();
    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T12:00:00Z"));

    /** A ProviderFeedback that records what it is told, and can be told to fail. */
    static final class Recording implements ProviderFeedback {
        final List<StatusReport> reports = new CopyOnWriteArrayList<>();
        volatile boolean failing;

        @Override
        public void status(StatusReport report) {
            if (failing) {
                throw new IllegalStateException("database down");
            }
            reports.add(report);
        }

        @Override
        public void inbound(InboundMessage message) {
            throw new UnsupportedOperationException();
        }
    }

    @BeforeEach
    void start() throws Exception {
        greenMail = new GreenMail(new ServerSetup[] {
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort()});
        greenMail.withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        greenMail.start();
        user = greenMail.setUser(BOX, BOX, "secret");
    }

    @AfterEach
    void stop() {
        greenMail.stop();
    }

    private BounceMailboxReader reader(ProviderFeedback receiver) {
        EmailProperties.Bounces settings = new EmailProperties.Bounces(true, "127.0.0.1",
                greenMail.getImap().getPort(), "imap", BOX, "secret", "INBOX", Duration.ofSeconds(60), 100, true);
        return new BounceMailboxReader(settings, () -> receiver, clock, Messages.settings(1, Duration.ofSeconds(5)));
    }

    @Test
    void reportsAreHandedOnAndDeletedWhatIsNotOursStaysSeen() throws Exception {
        user.deliver(BounceParserTest.mime(Reports.dsn("failed", "5.1.1", Reports.returned("cart-1:email", OUR_ID),
                "message/rfc822")));
        user.deliver(BounceParserTest.mime(Reports.arf(Reports.returned(null, OUR_ID))));
        user.deliver(BounceParserTest.mime("From: ada@example.org\r\nTo: " + BOX + "\r\nSubject: Out of office\r\n"
                + "Content-Type: text/plain\r\n\r\nI am away.\r\n"));

        BounceMailboxReader reader = reader(feedback);
        assertThat(reader.poll()).isEqualTo(new BounceMailboxReader.Poll(3, 2, 1));
        assertThat(feedback.reports).extracting(StatusReport::messageKey, StatusReport::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("cart-1:email", Status.HARD_BOUNCE),
                org.assertj.core.groups.Tuple.tuple("cart-1:email", Status.COMPLAINT));

        assertThat(reader.poll()).isEqualTo(new BounceMailboxReader.Poll(0, 0, 0));
        assertThat(feedback.reports).hasSize(2);
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", greenMail.getImap().getPort(), BOX, "secret");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            assertThat(inbox.getMessage(1).getSubject()).isEqualTo("Out of office");
            assertThat(inbox.getMessage(1).isSet(Flags.Flag.SEEN)).isTrue();
        } finally {
            store.close();
        }
    }

    @Test
    void whenTheFeedbackFailsTheReportIsReadAgainNextPoll() throws Exception {
        user.deliver(BounceParserTest.mime(Reports.dsn("failed", "5.1.1", Reports.returned("cart-1:email", OUR_ID),
                "message/rfc822")));
        feedback.failing = true;
        BounceMailboxReader reader = reader(feedback);
        assertThat(reader.poll()).isEqualTo(new BounceMailboxReader.Poll(1, 0, 0));
        feedback.failing = false;
        assertThat(reader.poll()).isEqualTo(new BounceMailboxReader.Poll(1, 1, 0));
        assertThat(feedback.reports).extracting(StatusReport::status).containsExactly(Status.HARD_BOUNCE);
    }

    @Test
    void withoutAFeedbackReceiverTheMailboxIsLeftAlone() throws Exception {
        user.deliver(BounceParserTest.mime(Reports.dsn("failed", "5.1.1", Reports.returned("cart-1:email", OUR_ID),
                "message/rfc822")));
        assertThat(reader(null).poll()).isEqualTo(new BounceMailboxReader.Poll(0, 0, 0));
        assertThat(reader(feedback).poll()).isEqualTo(new BounceMailboxReader.Poll(1, 1, 0));
    }
}
