package io.activation.delivery;

import io.activation.platform.FieldError;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * How a message may be delivered, besides its channels and priority: its purpose (transactional messages need no
 * marketing consent and pass frequency caps and quiet hours), what quiet hours do to it, how long it may wait
 * (deferred by a cap or quiet hours) before it is dropped, and how long a channel has to confirm delivery before the
 * next channel is tried.
 *
 * @param expiresAfter null: no expiry (a request a cap blocks is then dropped at once, it cannot wait)
 * @param confirmWithin null: a sent message counts as delivered
 */
public record SendOptions(Purpose purpose, QuietHoursPolicy quietHours, Duration expiresAfter,
        Duration confirmWithin) {

    /** The fields of a send step (besides {@code channels}) these options are read from. */
    public static final Set<String> FIELDS = Set.of("purpose", "quietHours", "expiresAfter", "confirmWithin");

    public static final SendOptions DEFAULT = new SendOptions(Purpose.MARKETING, QuietHoursPolicy.DEFER, null, null);

    private static final Duration MAX = Duration.ofDays(365);

    public SendOptions {
        purpose = purpose == null ? Purpose.MARKETING : purpose;
        quietHours = quietHours == null ? QuietHoursPolicy.DEFER : quietHours;
    }

    /** Why a message is sent: marketing needs the contact's marketing consent; transactional does not. */
    public enum Purpose {
        MARKETING, TRANSACTIONAL;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Purpose of(String code) {
            return valueOf(code.toUpperCase(Locale.ROOT));
        }
    }

    /** What quiet hours do to a marketing message: wait until they end, or skip it. */
    public enum QuietHoursPolicy {
        DEFER, SKIP;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static QuietHoursPolicy of(String code) {
            return valueOf(code.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * Reads the options of a send object ({@code {"channels": [...], "purpose": "transactional", "quietHours":
     * "skip", "expiresAfter": "P1D", "confirmWithin": "PT2H"}}); problems go to {@code errors}, named below
     * {@code path}.
     */
    public static SendOptions parse(JsonNode send, String path, List<FieldError> errors) {
        Purpose purpose = Purpose.MARKETING;
        JsonNode p = send.get("purpose");
        if (p != null && !p.isNull()) {
            if (p.isString() && Set.of("marketing", "transactional").contains(p.asString())) {
                purpose = Purpose.of(p.asString());
            } else {
                errors.add(new FieldError(path + ".purpose", "must be marketing or transactional"));
            }
        }
        QuietHoursPolicy quietHours = QuietHoursPolicy.DEFER;
        JsonNode q = send.get("quietHours");
        if (q != null && !q.isNull()) {
            if (q.isString() && Set.of("defer", "skip").contains(q.asString())) {
                quietHours = QuietHoursPolicy.of(q.asString());
            } else {
                errors.add(new FieldError(path + ".quietHours", "must be defer or skip"));
            }
        }
        return new SendOptions(purpose, quietHours, duration(send.get("expiresAfter"), path + ".expiresAfter",
                errors), duration(send.get("confirmWithin"), path + ".confirmWithin", errors));
    }

    private static Duration duration(JsonNode node, String path, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            errors.add(new FieldError(path, "must be an ISO-8601 duration such as PT2H or P1D"));
            return null;
        }
        try {
            Duration d = Duration.parse(node.asString());
            if (d.isNegative() || d.isZero() || d.compareTo(MAX) > 0) {
                errors.add(new FieldError(path, "must be positive and at most 365 days"));
                return null;
            }
            return d;
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(path, "'" + node.asString() + "' is not an ISO-8601 duration such as PT2H or"
                    + " P1D"));
            return null;
        }
    }
}
