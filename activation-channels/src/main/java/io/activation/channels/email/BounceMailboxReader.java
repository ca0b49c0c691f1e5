package io.activation.channels.email;

import io.activation.delivery.spi.ProviderFeedback;
import io.activation.delivery.spi.StatusReport;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.search.FlagTerm;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the bounce mailbox over IMAP: every unseen message is parsed ({@link BounceParser}); each DSN recipient
 * outcome and each ARF complaint goes to {@link ProviderFeedback#status}. A report handed on is deleted (or marked
 * seen with {@code delete-processed: false}); a message that is no report of ours (an auto-reply, spam) is marked
 * seen and left for a person to look at. When the feedback receiver fails, the message stays unseen and is read
 * again on the next poll (the receiver matches by message key, so a repeat is harmless).
 */
public class BounceMailboxReader {

    private static final Logger log = LoggerFactory.getLogger(BounceMailboxReader.class);

    private final EmailProperties.Bounces settings;
    private final Supplier<ProviderFeedback> feedback;
    private final Clock clock;
    private final Session session;

    public BounceMailboxReader(EmailProperties.Bounces settings, Supplier<ProviderFeedback> feedback, Clock clock,
            EmailProperties timeouts) {
        this.settings = settings;
        this.feedback = feedback;
        this.clock = clock;
        Properties p = new Properties();
        String prefix = "mail." + settings.protocol() + ".";
        p.put(prefix + "connectiontimeout", String.valueOf(timeouts.connectTimeout().toMillis()));
        p.put(prefix + "timeout", String.valueOf(timeouts.readTimeout().toMillis()));
        this.session = Session.getInstance(p);
    }

    /** What one poll did. */
    public record Poll(int read, int reported, int ignored) {}

    /** Reads the mailbox once. */
    public Poll poll() {
        ProviderFeedback receiver = feedback.get();
        if (receiver == null) {
            log.warn("Bounce mailbox not read: no ProviderFeedback in this process (the core's delivery feedback "
                    + "is missing)");
            return new Poll(0, 0, 0);
        }
        int read = 0;
        int reported = 0;
        int ignored = 0;
        try {
            Store store = session.getStore(settings.protocol());
            store.connect(settings.host(), settings.port(), settings.username(), settings.password());
            try {
                Folder folder = store.getFolder(settings.folder());
                folder.open(Folder.READ_WRITE);
                try {
                    Message[] unseen = folder.search(new FlagTerm(new Flags(Flags.Flag.SEEN), false));
                    for (Message message : unseen) {
                        if (read >= settings.maxPerPoll()) {
                            break;
                        }
                        read++;
                        List<StatusReport> reports;
                        try {
                            Instant received = message.getReceivedDate() == null ? clock.instant()
                                    : message.getReceivedDate().toInstant();
                            // A local copy of the whole message: parsed from its bytes, not through IMAP's
                            // BODYSTRUCTURE view of report parts.
                            reports = BounceParser.parse(new MimeMessage((MimeMessage) message), received);
                        } catch (MessagingException | IOException | RuntimeException e) {
                            log.warn("Bounce mailbox: message {} could not be parsed; left seen", 
                                    message.getMessageNumber(), e);
                            message.setFlag(Flags.Flag.SEEN, true);
                            ignored++;
                            continue;
                        }
                        if (reports.isEmpty()) {
                            message.setFlag(Flags.Flag.SEEN, true);
                            ignored++;
                            continue;
                        }
                        try {
                            for (StatusReport report : reports) {
                                receiver.status(report);
                            }
                        } catch (RuntimeException e) {
                            log.warn("Bounce mailbox: feedback for {} failed; read again next poll",
                                    reports.get(0).messageKey(), e);
                            message.setFlag(Flags.Flag.SEEN, false);
                            break;
                        }
                        reported += reports.size();
                        message.setFlag(settings.deleteProcessed() ? Flags.Flag.DELETED : Flags.Flag.SEEN, true);
                    }
                } finally {
                    folder.close(settings.deleteProcessed());
                }
            } finally {
                store.close();
            }
        } catch (MessagingException e) {
            log.warn("Bounce mailbox {}://{}@{}:{}/{} could not be read: {}", settings.protocol(),
                    settings.username(), settings.host(), settings.port(), settings.folder(), e.getMessage());
        }
        if (read > 0) {
            log.info("Bounce mailbox: {} read, {} status reports, {} not ours", read, reported, ignored);
        }
        return new Poll(read, reported, ignored);
    }
}
