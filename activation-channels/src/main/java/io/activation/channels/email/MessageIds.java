package io.activation.channels.email;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deterministic, reversible {@code Message-ID}s: {@code <act.BASE64URL(message key)@domain>}. A retry of the same
 * delivery carries the same id (receivers and the recipient's client see one message), and a bounce or a provider
 * event that only quotes the Message-ID still leads back to the delivery's message key. Base64url's alphabet
 * ({@code A-Z a-z 0-9 - _}) is all {@code atext}, so the id is a valid RFC 5322 {@code msg-id}.
 */
final class MessageIds {

    private static final String PREFIX = "act.";
    private static final Pattern ID = Pattern.compile("<?\\s*act\\.([A-Za-z0-9_-]+)@[^>\\s]+\\s*>?");

    private MessageIds() {}

    /** The Message-ID header value (with angle brackets) for a message key. */
    static String forKey(String messageKey, String domain) {
        return "<" + PREFIX + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(messageKey.getBytes(StandardCharsets.UTF_8)) + "@" + domain + ">";
    }

    /** The message key a Message-ID of ours names, or null when it is not one of ours. */
    static String keyOf(String messageId) {
        if (messageId == null) {
            return null;
        }
        Matcher m = ID.matcher(messageId.trim());
        if (!m.matches()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(m.group(1)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The id without angle brackets, as stored as the provider id. */
    static String bare(String messageId) {
        String s = messageId.trim();
        if (s.startsWith("<") && s.endsWith(">")) {
            s = s.substring(1, s.length() - 1);
        }
        return s;
    }
}
