package io.activation.api.segment;

import io.activation.api.web.CanonicalJson;
import io.activation.contact.ContactRef;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One Segment call, checked: its type, who it is about, its message id and when it happened (clock skew
 * corrected). {@code body} is the message as it will be fingerprinted and read by mappings: the call as sent, with
 * its {@code type} and the batch's {@code context} merged in.
 *
 * @param name the event name of a track call, the page or screen name of a page or screen call, else null
 */
record SegmentMessage(Type type, String messageId, String userId, String anonymousId, String name, ObjectNode body,
        Instant occurredAt) {

    /** Fields that change between retries of the same message and so are left out of its fingerprint. */
    static final Set<String> VOLATILE_FIELDS = Set.of("sentAt", "_metadata", "writeKey");

    /** Prefix of a messageId as an idempotency key; keys are at most 255 characters. */
    static final String KEY_PREFIX = "segment:";
    private static final int MAX_MESSAGE_ID_LENGTH = 255 - KEY_PREFIX.length();

    /** Events more than this far in the future (after clock skew correction) are refused, as by the core. */
    private static final Duration MAX_FUTURE = Duration.ofHours(24);

    /** The Segment methods. */
    enum Type {
        IDENTIFY("identify", "identify"),
        TRACK("track", null),
        PAGE("page", "page_viewed"),
        SCREEN("screen", "screen_viewed"),
        GROUP("group", "group"),
        ALIAS("alias", "alias");

        final String wireName;
        private final String eventType;

        Type(String wireName, String eventType) {
            this.wireName = wireName;
            this.eventType = eventType;
        }

        static Optional<Type> of(String wireName) {
            for (Type type : values()) {
                if (type.wireName.equals(wireName)) {
                    return Optional.of(type);
                }
            }
            return Optional.empty();
        }
    }

    /** What a batch adds to each of its messages: a shared context and the time the batch was sent. */
    record Envelope(ObjectNode context, Instant sentAt) {
        static final Envelope NONE = new Envelope(null, null);
    }

    /**
     * Checks a call. {@code implied} is the method of the endpoint for single calls, null inside a batch (where
     * the message names its {@code type}); {@code prefix} is the path of the message in the request
     * ({@code ""} or {@code batch[3].}), for the field names of errors.
     */
    static SegmentMessage parse(JsonNode raw, Type implied, Envelope envelope, Instant receivedAt, String prefix) {
        if (raw == null || !raw.isObject()) {
            throw new InvalidInputException(prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
                    "must be a JSON object (a Segment call)");
        }
        List<FieldError> errors = new ArrayList<>();
        ObjectNode body = ((ObjectNode) raw).deepCopy();
        Type type = type(body.get("type"), implied, prefix, errors);
        String messageId = messageId(body.get("messageId"), prefix, errors);
        String userId = id(body.get("userId"), prefix + "userId", errors);
        String anonymousId = id(body.get("anonymousId"), prefix + "anonymousId", errors);
        if (type == Type.ALIAS) {
            if (userId == null) {
                errors.add(new FieldError(prefix + "userId", "is required: the id the user is known by now"));
            }
            if (id(body.get("previousId"), prefix + "previousId", errors) == null) {
                errors.add(new FieldError(prefix + "previousId", "is required: the id the user was known by"));
            }
        } else if (userId == null && anonymousId == null && !hasIdError(errors, prefix)) {
            errors.add(new FieldError(prefix + "userId", "is required when there is no anonymousId: every call"
                    + " must name the user (userId) or the visitor (anonymousId)"));
            errors.add(new FieldError(prefix + "anonymousId", "is required when there is no userId"));
        }
        String name = null;
        if (type == Type.TRACK) {
            JsonNode event = body.get("event");
            if (event == null || event.isNull() || (event.isString() && event.stringValue().isBlank())) {
                errors.add(new FieldError(prefix + "event", "is required: the name of the action, such as"
                        + " 'Product Viewed'"));
            } else if (!event.isString()) {
                errors.add(new FieldError(prefix + "event", "must be a string"));
            } else {
                name = event.stringValue();
                if (EventTypes.of(name).isEmpty()) {
                    errors.add(new FieldError(prefix + "event", "cannot be made an event type: after turning it"
                            + " into snake_case ('Product Viewed' -> product_viewed) it must be 1 to 100 characters"
                            + " of a-z, 0-9, '_', '.', ':' or '-'"));
                }
            }
        } else if (type == Type.PAGE || type == Type.SCREEN) {
            name = optionalString(body.get("name"), prefix + "name", errors);
            optionalString(body.get("category"), prefix + "category", errors);
        }
        if (type == Type.GROUP && id(body.get("groupId"), prefix + "groupId", errors) == null) {
            errors.add(new FieldError(prefix + "groupId", "is required: the id of the account or organisation"));
        }
        String payloadField = type == Type.IDENTIFY || type == Type.GROUP ? "traits" : "properties";
        optionalObject(body.get(payloadField), prefix + payloadField, errors);
        ObjectNode context = optionalObject(body.get("context"), prefix + "context", errors);
        if (envelope.context() != null) {
            ObjectNode merged = envelope.context().deepCopy();
            if (context != null) {
                merged.setAll(context);
            }
            body.set("context", merged);
        }
        Instant timestamp = instant(body.get("timestamp"), prefix + "timestamp", errors);
        Instant original = instant(body.get("originalTimestamp"), prefix + "originalTimestamp", errors);
        Instant sentAt = instant(body.get("sentAt"), prefix + "sentAt", errors);
        if (sentAt == null) {
            sentAt = envelope.sentAt();
        }
        Instant occurredAt = occurredAt(timestamp != null ? timestamp : original, sentAt, receivedAt);
        if (errors.isEmpty() && occurredAt.isAfter(receivedAt.plus(MAX_FUTURE))) {
            errors.add(new FieldError(prefix + (timestamp != null ? "timestamp" : "originalTimestamp"),
                    "lies more than 24 hours in the future (after correcting the client's clock with sentAt)"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        body.put("type", type.wireName);
        return new SegmentMessage(type, messageId, userId, anonymousId, name, body, occurredAt);
    }

    /**
     * Segment's clock-skew correction: the device's clock is off by {@code sentAt - receivedAt}, so the event
     * happened at {@code timestamp + (receivedAt - sentAt)}. Without a timestamp the event happened when received.
     */
    static Instant occurredAt(Instant timestamp, Instant sentAt, Instant receivedAt) {
        if (timestamp == null) {
            return receivedAt;
        }
        if (sentAt == null) {
            return timestamp;
        }
        return timestamp.plus(Duration.between(sentAt, receivedAt));
    }

    /** The Activation event type this call is recorded as. */
    String eventType() {
        return type == Type.TRACK ? EventTypes.of(name).orElseThrow() : type.eventType;
    }

    /** The contact the call is about: the user when known, else the anonymous visitor. */
    ContactRef contact() {
        return userId != null ? ContactRef.external(userId) : ContactRef.anonymous(anonymousId);
    }

    /** {@code properties} (track, page, screen) or {@code traits} (identify, group); empty when absent. */
    ObjectNode payload() {
        JsonNode payload = body.get(type == Type.IDENTIFY || type == Type.GROUP ? "traits" : "properties");
        return payload instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
    }

    ObjectNode context() {
        JsonNode context = body.get("context");
        return context instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
    }

    /** The idempotency fingerprint: the same message sent again (alone or in a batch) has the same one. */
    byte[] fingerprint() {
        return CanonicalJson.fingerprint("POST", "/v1/" + type.wireName, body, VOLATILE_FIELDS);
    }

    /**
     * What is recorded with the event besides its properties: the Segment facts a later reader may need (original
     * name, ids, timestamps as sent, context).
     */
    ObjectNode metadata() {
        ObjectNode segment = JsonNodeFactory.instance.objectNode();
        segment.put("type", type.wireName);
        if (type == Type.TRACK) {
            segment.put("event", name);
        } else if (name != null) {
            segment.put("name", name);
        }
        for (String field : List.of("messageId", "userId", "anonymousId", "previousId", "groupId", "timestamp",
                "originalTimestamp", "sentAt")) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull()) {
                segment.set(field, value);
            }
        }
        if (body.get("context") instanceof ObjectNode context && !context.isEmpty()) {
            segment.set("context", context);
        }
        return segment;
    }

    private static Type type(JsonNode sent, Type implied, String prefix, List<FieldError> errors) {
        String wire = sent != null && sent.isString() ? sent.stringValue().toLowerCase(Locale.ROOT) : null;
        Type named = wire == null ? null : Type.of(wire).orElse(null);
        if (implied != null) {
            if (sent != null && !sent.isNull() && named != implied) {
                errors.add(new FieldError(prefix + "type", "is '" + (wire == null ? sent : wire) + "' but the call"
                        + " was sent to /v1/" + implied.wireName));
            }
            return implied;
        }
        if (named == null) {
            errors.add(new FieldError(prefix + "type", "must be one of identify, track, page, screen, group,"
                    + " alias"));
            return Type.TRACK; // checked as a track call to report its other errors too
        }
        return named;
    }

    private static String messageId(JsonNode node, String prefix, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            errors.add(new FieldError(prefix + "messageId", "must be a string"));
            return null;
        }
        String id = node.stringValue();
        if (id.isEmpty() || id.length() > MAX_MESSAGE_ID_LENGTH || id.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            errors.add(new FieldError(prefix + "messageId", "must be 1 to " + MAX_MESSAGE_ID_LENGTH
                    + " printable ASCII characters"));
            return null;
        }
        return id;
    }

    /** A user, visitor, group or previous id: a string or a whole number; empty means absent. */
    private static String id(JsonNode node, String field, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        String id;
        if (node.isString()) {
            id = node.stringValue();
        } else if (node.isIntegralNumber()) {
            id = node.asString();
        } else {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        if (id.isEmpty()) {
            return null;
        }
        try {
            ContactRef.anonymous(id).validated("x");
        } catch (InvalidInputException e) {
            e.errors().forEach(error -> errors.add(new FieldError(field, error.message())));
            return null;
        }
        return id;
    }

    private static boolean hasIdError(List<FieldError> errors, String prefix) {
        return errors.stream().anyMatch(e -> e.field().equals(prefix + "userId")
                || e.field().equals(prefix + "anonymousId"));
    }

    private static String optionalString(JsonNode node, String field, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        return node.stringValue();
    }

    private static ObjectNode optionalObject(JsonNode node, String field, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            errors.add(new FieldError(field, "must be an object"));
            return null;
        }
        return (ObjectNode) node;
    }

    /** An ISO-8601 timestamp; without an offset it is read as UTC. */
    static Instant instant(JsonNode node, String field, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            String text = node.stringValue().trim();
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException e2) {
                    // fall through to the error
                }
            }
        }
        errors.add(new FieldError(field, "must be an ISO-8601 timestamp such as 2026-11-22T10:00:00.000Z"));
        return null;
    }
}
