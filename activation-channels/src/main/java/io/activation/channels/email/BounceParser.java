package io.activation.channels.email;

import io.activation.delivery.spi.StatusReport;
import io.activation.delivery.spi.StatusReport.Status;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MailDateFormat;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.ParseException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;

/**
 * Reads asynchronous feedback out of a received e-mail:
 * <ul>
 *   <li>a DSN (RFC 3464: {@code multipart/report; report-type=delivery-status}): per recipient, {@code Action: failed}
 *       with {@code Status: 5.x.x} is a hard bounce, with {@code 4.x.x} a soft bounce; {@code Action: delivered} is a
 *       delivery; {@code delayed}, {@code relayed} and {@code expanded} are progress notes and are not reported</li>
 *   <li>an ARF complaint (RFC 5965: {@code multipart/report; report-type=feedback-report}): a complaint</li>
 * </ul>
 * The original message is found through the returned headers (the {@code message/rfc822} or
 * {@code text/rfc822-headers} part): {@code X-Activation-Message-Key}, else our {@code Message-ID}. Anything else
 * (an auto-reply, a report about a message that is not ours) answers an empty list.
 */
final class BounceParser {

    private BounceParser() {}

    static List<StatusReport> parse(MimeMessage message, Instant receivedAt) throws MessagingException, IOException {
        ContentType type = contentType(message.getContentType());
        if (type == null || !type.match("multipart/report")) {
            return List.of();
        }
        String reportType = String.valueOf(type.getParameter("report-type")).toLowerCase(Locale.ROOT);
        Object content = message.getContent();
        if (!(content instanceof Multipart multipart)) {
            return List.of();
        }
        InternetHeaders original = null;
        List<InternetHeaders> report = List.of();
        for (int i = 0; i < multipart.getCount(); i++) {
            BodyPart part = multipart.getBodyPart(i);
            ContentType partType = contentType(part.getContentType());
            if (partType == null) {
                continue;
            }
            if (partType.match("message/delivery-status") || partType.match("message/feedback-report")) {
                report = headerBlocks(raw(part));
            } else if (partType.match("message/rfc822") || partType.match("text/rfc822-headers")
                    || partType.match("message/rfc822-headers")) {
                original = new InternetHeaders(new ByteArrayInputStream(raw(part)));
            }
        }
        if (original == null || report.isEmpty()) {
            return List.of();
        }
        String key = first(original, SmtpSender.MESSAGE_KEY_HEADER);
        String messageId = first(original, "Message-ID");
        if (key == null) {
            key = MessageIds.keyOf(messageId);
        }
        if (key == null) {
            return List.of();
        }
        String providerId = messageId == null ? null : MessageIds.bare(messageId);
        Instant fallbackAt = message.getSentDate() == null ? receivedAt : message.getSentDate().toInstant();

        List<StatusReport> out = new ArrayList<>();
        if (reportType.equals("feedback-report")) {
            InternetHeaders fields = report.get(0);
            String feedbackType = first(fields, "Feedback-Type");
            Instant at = date(first(fields, "Arrival-Date"), fallbackAt);
            String detail = "complaint (ARF feedback-type " + (feedbackType == null ? "abuse" : feedbackType.trim())
                    + ")" + (first(fields, "User-Agent") == null ? "" : " from " + first(fields, "User-Agent").trim());
            out.add(new StatusReport(SmtpSender.CHANNEL, key, providerId, Status.COMPLAINT, detail, at));
        } else if (reportType.equals("delivery-status")) {
            // The first block is per message (Reporting-MTA, Arrival-Date), each further one per recipient.
            InternetHeaders perMessage = report.get(0);
            Instant messageAt = date(first(perMessage, "Arrival-Date"), fallbackAt);
            for (InternetHeaders recipient : report.subList(1, report.size())) {
                Status status = statusOf(first(recipient, "Action"), first(recipient, "Status"));
                if (status == null) {
                    continue;
                }
                String diagnostic = first(recipient, "Diagnostic-Code");
                String detail = "DSN " + first(recipient, "Action").trim().toLowerCase(Locale.ROOT) + " "
                        + String.valueOf(first(recipient, "Status")).trim()
                        + (first(recipient, "Final-Recipient") == null ? ""
                                : " for " + first(recipient, "Final-Recipient").trim())
                        + (diagnostic == null ? "" : ": " + diagnostic.replaceAll("\\s+", " ").trim());
                Instant at = date(first(recipient, "Last-Attempt-Date"), messageAt);
                out.add(new StatusReport(SmtpSender.CHANNEL, key, providerId, status, detail, at));
            }
        }
        return out;
    }

    /** RFC 3464 action + status to our status; null: not a final outcome worth reporting. */
    static Status statusOf(String action, String status) {
        if (action == null) {
            return null;
        }
        String a = action.trim().toLowerCase(Locale.ROOT);
        String s = status == null ? "" : status.trim();
        switch (a) {
            case "failed":
                if (s.startsWith("5.")) {
                    return Status.HARD_BOUNCE;
                }
                if (s.startsWith("4.")) {
                    return Status.SOFT_BOUNCE;
                }
                return Status.FAILED;
            case "delivered":
                return Status.DELIVERED;
            default:
                return null;
        }
    }

    /** A report body: blocks of header fields separated by blank lines. */
    static List<InternetHeaders> headerBlocks(byte[] body) throws MessagingException {
        String text = new String(body, StandardCharsets.US_ASCII).replace("\r\n", "\n");
        List<InternetHeaders> blocks = new ArrayList<>();
        for (String block : text.split("\n\\s*\n")) {
            if (block.isBlank()) {
                continue;
            }
            InternetHeaders headers = new InternetHeaders(new ByteArrayInputStream(
                    (block.strip() + "\r\n\r\n").replace("\n", "\r\n").replace("\r\r\n", "\r\n")
                            .getBytes(StandardCharsets.US_ASCII)));
            if (headers.getAllHeaders().hasMoreElements()) {
                blocks.add(headers);
            }
        }
        return blocks;
    }

    /** The part's bytes as sent (transfer encoding undone), not whatever object a content handler makes of it. */
    private static byte[] raw(Part part) throws MessagingException, IOException {
        Object content = part.getContent();
        if (content instanceof MimeMessage embedded) {
            var out = new java.io.ByteArrayOutputStream();
            embedded.writeTo(out);
            return out.toByteArray();
        }
        if (content instanceof MimeMultipart) {
            return new byte[0];
        }
        try (InputStream in = part.getInputStream()) {
            return in.readAllBytes();
        }
    }

    private static ContentType contentType(String value) {
        if (value == null) {
            return null;
        }
        try {
            return new ContentType(value);
        } catch (ParseException e) {
            return null;
        }
    }

    private static String first(InternetHeaders headers, String name) {
        String[] values = headers.getHeader(name);
        return values == null || values.length == 0 ? null : values[0];
    }

    private static Instant date(String value, Instant fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            Date d = new MailDateFormat().parse(value.trim());
            return d == null ? fallback : d.toInstant();
        } catch (java.text.ParseException e) {
            return fallback;
        }
    }
}
