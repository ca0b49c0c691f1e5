package io.activation.channels.email;

import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import io.activation.delivery.spi.SendResult.Failure;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MailDateFormat;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UnsupportedEncodingException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The e-mail channel: SMTP through Jakarta Mail (Angus) over a pool of connections that stay open and carry message
 * after message. Each message is {@code multipart/alternative} (text, then HTML) with a deterministic
 * {@code Message-ID} derived from the message key (a retry carries the same id), {@code X-Activation-Message-Key},
 * {@code List-Unsubscribe} and, with a one-click target, {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}
 * (RFC 8058); optionally DKIM-signed; throttled per recipient domain.
 *
 * <p>Outcomes (see docs/channel-email.md and ADR 0015):
 * <ul>
 *   <li>250 to the end of DATA: {@link SendResult.Accepted} with the server's queue id (or the Message-ID)</li>
 *   <li>any 4xx (421, 450, 451, 452 ...), at any command, and a connection failure or timeout before the whole
 *       message was written: {@link SendResult.Retry} (the server has not taken the message)</li>
 *   <li>550, 551, 553 to {@code RCPT TO}: {@link SendResult.Rejected} {@link Failure#HARD_BOUNCE} (when the reply
 *       has an enhanced status code, only 5.1.x addressing failures and 5.2.1; see {@link #isHardBounce}); other
 *       5xx: {@link Failure#OTHER}; an address that is not an RFC 5322 address: {@link Failure#INVALID_ADDRESS}</li>
 *   <li>the whole message written but no reply to the final dot (timeout, connection lost): the server may have
 *       queued it, so it is not sent again: {@link SendResult.InDoubt} with the
 *       Message-ID as provider id (at most once, RFC 1047's trade-off; a DSN or provider event still
 *       reports the outcome later, matched by the message key the Message-ID carries)</li>
 * </ul>
 */
public class SmtpSender implements ChannelSender, AutoCloseable {

    public static final String CHANNEL = "email";
    public static final String MESSAGE_KEY_HEADER = "X-Activation-Message-Key";

    private static final Logger log = LoggerFactory.getLogger(SmtpSender.class);
    private static final Set<Integer> HARD_BOUNCE_CODES = Set.of(550, 551, 553);
    private static final Set<String> HARD_BOUNCE_STATUSES = Set.of("5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10",
            "5.2.1");
    private static final String TRANSFER_ENCODING = "Content-Transfer-Encoding";
    private static final Pattern ENHANCED = Pattern.compile("\\b[245]\\d\\d[ -]([245]\\.\\d{1,3}\\.\\d{1,3})\\b");
    private static final Pattern REPLY_IN_MESSAGE = Pattern.compile("(?:response|greeting)[^0-9]{0,40}([45]\\d\\d)[ -]");
    private static final Pattern QUEUED_AS = Pattern.compile("(?i)queued as ([A-Za-z0-9._-]+)");
    private static final Pattern LINE_BREAKS = Pattern.compile("[\\r\\n]+");

    private final EmailProperties settings;
    private final Clock clock;
    private final Session session;
    private final SmtpConnectionPool pool;
    private final DomainThrottle throttle;
    private final DkimSigning dkim;
    private final InternetAddress from;
    private final String messageIdDomain;
    private final Sleeper sleeper;
    private final SentDates sentDates = new SentDates();

    /** How a send waits for its domain's slot; tests replace it. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** The system property Jakarta Mail's {@code FactoryFinder} reads before it scans the class path. */
    static final String STREAM_PROVIDER_PROPERTY = "jakarta.mail.util.StreamProvider";
    private static final String ANGUS_STREAM_PROVIDER = "org.eclipse.angus.mail.util.MailStreamProvider";

    /**
     * Jakarta Mail 2.1 looks its {@code StreamProvider} up again for every multipart and body part it writes, with a
     * {@code ServiceLoader} scan of every jar on the class path unless this system property names the class (14 % of
     * the CPU of the e-mail pipeline benchmark; jakartaee/mail-api#699). It is set to the provider that scan finds
     * anyway (Angus Mail's), and only when unset and that class is there.
     */
    static void pinStreamProvider() {
        if (System.getProperty(STREAM_PROVIDER_PROPERTY) != null) {
            return;
        }
        try {
            Class.forName(ANGUS_STREAM_PROVIDER, false, SmtpSender.class.getClassLoader());
            System.setProperty(STREAM_PROVIDER_PROPERTY, ANGUS_STREAM_PROVIDER);
        } catch (ClassNotFoundException e) {
            log.debug("{} is not on the class path: Jakarta Mail keeps looking its stream provider up",
                    ANGUS_STREAM_PROVIDER);
        }
    }

    public SmtpSender(SmtpServer server, EmailProperties settings, Clock clock) {
        this(server, settings, clock, d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000));
    }

    public SmtpSender(SmtpServer server, EmailProperties settings, Clock clock, Sleeper sleeper) {
        pinStreamProvider();
        this.settings = settings;
        this.clock = clock;
        this.sleeper = sleeper;
        try {
            this.from = new InternetAddress(settings.from(), true);
            if (!settings.fromName().isBlank()) {
                from.setPersonal(settings.fromName(), StandardCharsets.UTF_8.name());
            }
        } catch (AddressException | UnsupportedEncodingException e) {
            throw new IllegalStateException("activation.channels.email.from is not an e-mail address: "
                    + settings.from(), e);
        }
        this.messageIdDomain = settings.messageIdDomain().isBlank() ? domainOf(from.getAddress())
                : settings.messageIdDomain();
        this.session = Session.getInstance(sessionProperties(server, settings));
        this.pool = new SmtpConnectionPool(session, server, clock, settings.poolSize(), settings.maxIdle(),
                settings.maxMessagesPerConnection());
        this.throttle = new DomainThrottle(clock, settings.perDomainRate(), settings.perDomainBurst(),
                settings.domainRates(), settings.throttleMaxWait());
        this.dkim = settings.dkim().enabled() ? DkimSigning.from(settings.dkim()) : null;
    }

    private static Properties sessionProperties(SmtpServer server, EmailProperties settings) {
        Properties p = new Properties();
        String prefix = "mail." + server.protocol() + ".";
        p.put("mail.transport.protocol", server.protocol());
        p.put(prefix + "host", server.host());
        p.put(prefix + "port", String.valueOf(server.port()));
        p.put(prefix + "connectiontimeout", String.valueOf(settings.connectTimeout().toMillis()));
        p.put(prefix + "timeout", String.valueOf(settings.readTimeout().toMillis()));
        p.put(prefix + "writetimeout", String.valueOf(settings.writeTimeout().toMillis()));
        // Closing a pooled connection must not wait for the reply to QUIT (a broken server would hold it).
        p.put(prefix + "quitwait", "false");
        p.put(prefix + "auth", String.valueOf(server.username() != null));
        String envelopeFrom = settings.bounceAddress().isBlank() ? settings.from() : settings.bounceAddress();
        p.put(prefix + "from", envelopeFrom);
        p.put("mail.mime.allowutf8", "false");
        p.putAll(server.properties());
        return p;
    }

    @Override
    public String channel() {
        return CHANNEL;
    }

    /** SMTP connections opened since start (reuse shows as far fewer connections than messages). */
    public long connectionsOpened() {
        return pool.opened();
    }

    @Override
    public SendResult send(OutboundMessage message) {
        InternetAddress to;
        try {
            to = new InternetAddress(message.recipient().address(), true);
            if (to.isGroup() || domainOf(to.getAddress()).isEmpty()) {
                throw new AddressException("not a single mailbox", message.recipient().address());
            }
            if (message.recipient().displayName() != null && !message.recipient().displayName().isBlank()) {
                to.setPersonal(message.recipient().displayName(), StandardCharsets.UTF_8.name());
            }
        } catch (AddressException | UnsupportedEncodingException e) {
            return new SendResult.Rejected("not an e-mail address: " + message.recipient().address(),
                    Failure.INVALID_ADDRESS);
        }
        Content content = message.content();
        if (blank(content.part(Content.SUBJECT))) {
            return new SendResult.Rejected("the rendered e-mail has no subject", Failure.OTHER);
        }
        if (blank(content.part(Content.HTML)) && blank(content.part(Content.TEXT))) {
            return new SendResult.Rejected("the rendered e-mail has neither an HTML nor a text part", Failure.OTHER);
        }

        String domain = domainOf(to.getAddress());
        DomainThrottle.Slot slot = throttle.reserve(domain);
        if (!slot.granted()) {
            return new SendResult.Retry("sending to " + domain + " is throttled ("
                    + settings.domainRates().getOrDefault(domain, settings.perDomainRate()) + "/s)", slot.delay());
        }
        if (!slot.delay().isZero()) {
            try {
                sleeper.sleep(slot.delay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SendResult.Retry("interrupted while throttled", null);
            }
        }

        String messageId = MessageIds.forKey(message.messageKey(), messageIdDomain);
        AtomicBoolean written = new AtomicBoolean();
        MimeMessage mime;
        try {
            MimeMessage built = build(message, to, messageId, written);
            mime = dkim == null ? built : dkim.sign(built, written);
        } catch (MessagingException | IOException e) {
            return new SendResult.Rejected("the e-mail could not be built: " + e.getMessage(), Failure.OTHER);
        }
        return deliver(mime, to, messageId, written);
    }

    private SendResult deliver(MimeMessage mime, InternetAddress to, String messageId, AtomicBoolean written) {
        while (true) {
            SmtpConnectionPool.Connection connection;
            try {
                connection = pool.borrow(settings.poolWait());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SendResult.Retry("interrupted while waiting for an SMTP connection", null);
            } catch (IllegalStateException e) {
                return new SendResult.Retry("the e-mail sender is shutting down", null);
            }
            if (connection == null) {
                return new SendResult.Retry("no SMTP connection free within " + settings.poolWait(), null);
            }
            boolean reused = connection.isOpen();
            SMTPTransport transport;
            try {
                transport = connection.open();
            } catch (MessagingException | RuntimeException e) {
                pool.discard(connection);
                return new SendResult.Retry("cannot connect to the SMTP server: " + describe(e), null);
            }
            written.set(false);
            try {
                transport.sendMessage(mime, new Address[] {to});
                String reply = transport.getLastServerResponse();
                pool.release(connection);
                return new SendResult.Accepted(providerId(reply, messageId));
            } catch (MessagingException | RuntimeException e) {
                pool.discard(connection);
                SendResult result = outcome(e, written.get(), messageId);
                if (result == null) {
                    // No reply before the whole message was written: nothing was taken. A connection reused from
                    // the pool may simply have been dropped by the server meanwhile (idle timeout): it is discarded
                    // and the next one tried, until a freshly opened connection fails (each pass discards one, so
                    // this ends within the pool's size).
                    if (reused) {
                        log.debug("Pooled SMTP connection failed before DATA ({}); reconnecting", describe(e));
                        continue;
                    }
                    return new SendResult.Retry("SMTP connection failed before the message was accepted: "
                            + describe(e), null);
                }
                return result;
            }
        }
    }

    /**
     * What a failed transaction means: the SMTP reply code decides when there is one; without one (I/O failure,
     * timeout) it depends on whether the message was written in full. Null: a connection failure before the end of
     * the message (retry-able).
     */
    static SendResult outcome(Exception e, boolean written, String messageId) {
        SMTPAddressFailedException rcpt = find(e, SMTPAddressFailedException.class);
        if (rcpt != null && rcpt.getReturnCode() > 0) {
            return byCode(rcpt.getReturnCode(), true, rcpt.getMessage());
        }
        SMTPSendFailedException failed = find(e, SMTPSendFailedException.class);
        if (failed != null && failed.getReturnCode() > 0) {
            String command = failed.getCommand() == null ? "" : failed.getCommand().trim();
            boolean isRcpt = command.toUpperCase().startsWith("RCPT");
            return byCode(failed.getReturnCode(), isRcpt, failed.getMessage());
        }
        Integer greeting = replyCodeIn(e);
        if (greeting != null) {
            return byCode(greeting, false, describe(e));
        }
        if (written) {
            log.warn("No reply from the SMTP server to the end of DATA for {} ({}): the server may have queued it; "
                    + "not sent again, recorded as in doubt", messageId, describe(e));
            return new SendResult.InDoubt("no reply from the SMTP server to the end of DATA (" + describe(e)
                    + ")", MessageIds.bare(messageId));
        }
        return null;
    }

    private static SendResult byCode(int code, boolean rcpt, String detail) {
        String reason = "SMTP " + code + (rcpt ? " to RCPT TO" : "") + ": " + oneLine(detail);
        if (code >= 400 && code < 500) {
            return new SendResult.Retry(reason, null);
        }
        if (code >= 500) {
            return new SendResult.Rejected(reason, rcpt && isHardBounce(code, detail) ? Failure.HARD_BOUNCE
                    : Failure.OTHER);
        }
        return new SendResult.Retry(reason, null);
    }

    /**
     * A permanent refusal of the recipient means the address is bad: 550/551/553. When the reply carries an enhanced
     * status code (RFC 3463), it decides instead: only addressing failures (5.1.1 bad mailbox, 5.1.2 bad domain,
     * 5.1.3 bad syntax, 5.1.6 moved, 5.1.10 null MX) and 5.2.1 (mailbox disabled) suppress the address; a policy or
     * spam block (5.7.x) or a full mailbox (5.2.2) is not the address's fault.
     */
    static boolean isHardBounce(int code, String detail) {
        Matcher enhanced = ENHANCED.matcher(detail == null ? "" : detail);
        if (enhanced.find()) {
            String status = enhanced.group(1);
            return status.startsWith("5.") && HARD_BOUNCE_STATUSES.contains(status);
        }
        return HARD_BOUNCE_CODES.contains(code);
    }

    /** A reply code in an exception without a typed one (a bad greeting, an AUTH refusal): "response: 421 ...". */
    private static Integer replyCodeIn(Exception e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < 10; t = next(t)) {
            Matcher m = REPLY_IN_MESSAGE.matcher(String.valueOf(t.getMessage()));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return null;
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < 10; t = next(t)) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException me && me.getNextException() != null && me.getNextException() != t) {
            return me.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    private static String describe(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = next(t)) {
            parts.add(t.getClass().getSimpleName() + ": " + oneLine(t.getMessage()));
        }
        return String.join(" <- ", parts);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    private static String providerId(String reply, String messageId) {
        if (reply != null) {
            Matcher m = QUEUED_AS.matcher(reply);
            if (m.find()) {
                return m.group(1);
            }
        }
        return MessageIds.bare(messageId);
    }

    private MimeMessage build(OutboundMessage message, InternetAddress to, String messageId, AtomicBoolean written)
            throws MessagingException, IOException {
        Content content = message.content();
        KeyedMessage mime = new KeyedMessage(session, messageId, written);
        mime.setFrom(from);
        mime.setRecipient(jakarta.mail.Message.RecipientType.TO, to);
        mime.setSubject(oneLineSubject(content.part(Content.SUBJECT)), StandardCharsets.UTF_8.name());
        mime.setHeader("Date", sentDates.header(clock.instant()));
        mime.setHeader(MESSAGE_KEY_HEADER, message.messageKey());
        String unsubscribe = listUnsubscribe(content, message.messageKey());
        if (unsubscribe != null) {
            mime.setHeader("List-Unsubscribe", unsubscribe);
            if (!blank(content.part(Content.UNSUBSCRIBE_POST_URL))) {
                mime.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            }
        }
        String text = content.part(Content.TEXT);
        String html = content.part(Content.HTML);
        if (!blank(text) && !blank(html)) {
            MimeMultipart alternative = new MimeMultipart("alternative");
            alternative.addBodyPart(textPart(text, "plain"));
            alternative.addBodyPart(textPart(html, "html"));
            mime.setContent(alternative);
        } else if (!blank(html)) {
            mime.setText(html, StandardCharsets.UTF_8.name(), "html");
            mime.setHeader(TRANSFER_ENCODING, transferEncoding(html));
        } else {
            mime.setText(text, StandardCharsets.UTF_8.name(), "plain");
            mime.setHeader(TRANSFER_ENCODING, transferEncoding(text));
        }
        mime.saveChanges();
        return mime;
    }

    /**
     * The subject on one line: line breaks (runs of CR and LF) become one space, as {@code replaceAll("[\\r\\n]+",
     * " ")} did, with the pattern compiled once and not applied at all to a subject without a line break (the usual
     * case): compiling it per message was about 3 % of the sender threads' samples.
     */
    static String oneLineSubject(String subject) {
        if (subject.indexOf('\r') < 0 && subject.indexOf('\n') < 0) {
            return subject;
        }
        return LINE_BREAKS.matcher(subject).replaceAll(" ");
    }

    /**
     * The {@code Date} header as {@code MimeMessage.setSentDate} writes it ({@link MailDateFormat}, whole seconds,
     * the JVM's time zone), formatted once per second: {@code setSentDate} formats through one static
     * {@code SimpleDateFormat} under a lock shared by every sending thread (about 5 % of the sender threads'
     * samples). {@code SmtpPartsTest} pins the header to {@code setSentDate}'s.
     */
    static final class SentDates {
        private record Formatted(long second, String header) {}

        private final MailDateFormat format = new MailDateFormat();
        private volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

        String header(java.time.Instant at) {
            long second = Math.floorDiv(at.toEpochMilli(), 1000L);
            Formatted f = last;
            if (f.second() != second) {
                String header;
                synchronized (format) {
                    header = format.format(new Date(second * 1000L));
                }
                f = new Formatted(second, header);
                last = f;
            }
            return f.header();
        }
    }

    /**
     * A {@code text/<subtype>; charset=UTF-8} body part made of its encoded octets, with the headers and octets that
     * {@code setText(text, "UTF-8", subtype)} and the transfer encoding header give ({@code SmtpPartsTest} pins
     * them byte for byte). Jakarta Mail copies such a part to the connection in blocks; a part holding a string is
     * written through its content handler's writer one octet at a time down the SMTP stream (5 % of the e-mail
     * pipeline's CPU).
     */
    static MimeBodyPart textPart(String text, String subtype) throws MessagingException, IOException {
        String encoding = transferEncoding(text);
        byte[] octets = text.getBytes(StandardCharsets.UTF_8);
        if (!"7bit".equals(encoding)) {
            java.io.ByteArrayOutputStream encoded = new java.io.ByteArrayOutputStream(octets.length * 2 + 64);
            // Flushed, not closed: Jakarta Mail flushes the encoder after the content (closing base64 adds a line end).
            OutputStream out = jakarta.mail.internet.MimeUtility.encode(encoded, encoding);
            out.write(octets);
            out.flush();
            octets = encoded.toByteArray();
        }
        jakarta.mail.internet.InternetHeaders headers = new jakarta.mail.internet.InternetHeaders();
        headers.setHeader("Content-Type", "text/" + subtype + "; charset=UTF-8");
        headers.setHeader(TRANSFER_ENCODING, encoding);
        return new MimeBodyPart(headers, octets);
    }

    /**
     * The transfer encoding Jakarta Mail would choose for this text ({@code MimeUtility.getEncoding}: 7bit for
     * printable ASCII (tabs and line ends included) in lines of at most 998 octets, quoted-printable while at most a third of the UTF-8 octets are
     * non-ASCII, base64 beyond), decided from the string: left to Jakarta Mail, it writes the whole body through
     * its content handler once more only to count octets (4 % of the e-mail pipeline's CPU).
     */
    static String transferEncoding(String text) {
        long ascii = 0;
        long other = 0;
        int line = 0;
        boolean longLine = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                line = 0;
                ascii++;
            } else if (c < 0x80 && c != 0x7F && (c >= 0x20 || c == '\t')) {
                ascii++;
                longLine |= ++line > 998;
            } else if (c < 0x80) {
                other++;
                longLine |= ++line > 998;
            } else {
                int octets = c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 2 : 3;
                other += octets;
                line += octets;
                longLine |= line > 998;
            }
        }
        if (other == 0 && !longLine) {
            return "7bit";
        }
        return other > ascii ? "base64" : "quoted-printable";
    }

    /**
     * {@code List-Unsubscribe}: the one-click target (RFC 8058: the receiver POSTs to the HTTPS URI of this header),
     * else the page, and the configured mailto; null when there is neither.
     */
    private String listUnsubscribe(Content content, String messageKey) {
        List<String> targets = new ArrayList<>(2);
        String post = content.part(Content.UNSUBSCRIBE_POST_URL);
        String page = content.part(Content.UNSUBSCRIBE_URL);
        String url = !blank(post) ? post : page;
        if (!blank(url)) {
            targets.add("<" + url.trim() + ">");
        }
        if (!settings.unsubscribeMailto().isBlank()) {
            targets.add("<mailto:" + settings.unsubscribeMailto().trim() + "?subject="
                    + URLEncoder.encode("unsubscribe " + messageKey, StandardCharsets.UTF_8).replace("+", "%20")
                    + ">");
        }
        return targets.isEmpty() ? null : String.join(", ", targets);
    }

    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    @Override
    public void close() {
        pool.close();
    }

    /** A message whose Message-ID is ours (not Jakarta Mail's random one) and that notes when it was written out. */
    private static final class KeyedMessage extends MimeMessage {
        private final String messageId;
        private final AtomicBoolean written;

        KeyedMessage(Session session, String messageId, AtomicBoolean written) {
            super(session);
            this.messageId = messageId;
            this.written = written;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }

        @Override
        public void writeTo(OutputStream os, String[] ignoreList) throws IOException, MessagingException {
            super.writeTo(os, ignoreList);
            written.set(true);
        }
    }
}
