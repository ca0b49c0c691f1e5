package io.activation.template;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which parts a template of each channel has, which are required, and where the first API's {@code subject} and
 * {@code body} go. The part names are those of the delivery SPI's {@code Content}.
 */
public final class ChannelParts {

    public static final String SUBJECT = "subject";
    public static final String HTML = "html";
    public static final String TEXT = "text";
    public static final String TITLE = "title";
    public static final String BODY = "body";
    public static final String IMAGE = "image";
    public static final String PASS_TYPE = "passType";
    public static final String DESCRIPTION = "description";
    public static final String LETTER = "letter";
    public static final String UNSUBSCRIBE_URL = "unsubscribeUrl";
    public static final String UNSUBSCRIBE_POST_URL = "unsubscribePostUrl";

    /** Pass types a wallet template may name. */
    public static final Set<String> PASS_TYPES = Set.of("loyalty", "coupon");

    private static final Map<String, List<String>> PARTS = Map.of(
            "email", List.of(SUBJECT, HTML, TEXT),
            "sms", List.of(TEXT),
            "push", List.of(TITLE, BODY, IMAGE),
            "wallet", List.of(PASS_TYPE, DESCRIPTION),
            "print", List.of(LETTER),
            "webhook", List.of(BODY));

    private static final Map<String, String> MAIN = Map.of("email", HTML, "sms", TEXT, "push", BODY,
            "wallet", DESCRIPTION, "print", LETTER, "webhook", BODY);

    private ChannelParts() {}

    /** The parts a channel's template may have, in order. */
    public static List<String> parts(String channel) {
        return PARTS.getOrDefault(channel, List.of());
    }

    /** The part the first API's {@code body} stands for. */
    public static String mainPart(String channel) {
        return MAIN.getOrDefault(channel, BODY);
    }

    /** The part the first API's {@code subject} stands for, or null when the channel has none. */
    public static String subjectPart(String channel) {
        return switch (channel) {
            case "email" -> SUBJECT;
            case "push" -> TITLE;
            default -> null;
        };
    }

    /** Whether the channel's templates carry a key-value map (push data, wallet pass fields). */
    public static boolean hasData(String channel) {
        return "push".equals(channel) || "wallet".equals(channel);
    }

    /** The parts at least one of which must be present, per channel. */
    static List<List<String>> required(String channel) {
        return switch (channel) {
            case "email" -> List.of(List.of(HTML, TEXT));
            case "sms" -> List.of(List.of(TEXT));
            case "push" -> List.of(List.of(BODY));
            case "wallet" -> List.of(List.of(PASS_TYPE), List.of(DESCRIPTION));
            case "print" -> List.of(List.of(LETTER));
            default -> List.of(List.of(BODY));
        };
    }
}
