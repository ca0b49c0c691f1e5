package io.activation.api.segment;

import io.activation.api.segment.SegmentMessage.Type;
import io.activation.contact.ContactRef;
import io.activation.ingest.Ingestion;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a Segment call into what it will write, before any transaction starts: the checked message, its event,
 * the contact attributes of an identify call and the table rows of a mapped track call. Everything the write
 * could refuse is refused here, so a batch can be written in one transaction.
 */
@Component
class MessagePlanner {

    /**
     * A checked call and everything it writes. {@code index} is its position in the batch (0 for a single call);
     * {@code contactValues} is set for identify calls only.
     */
    record PlannedMessage(int index, SegmentMessage message, Ingestion.EventInput event, ObjectNode contactValues,
            List<TableMappings.PlannedRow> rows, List<FieldError> warnings) {}

    /** The limits the core puts on event properties (see {@code Ingestion.recordEvents}). */
    private static final int MAX_PROPERTIES_CHARS = 32_768;

    private final ContactTraits traits;
    private final TableMappings mappings;
    private final JsonMapper json;

    MessagePlanner(ContactTraits traits, TableMappings mappings, JsonMapper json) {
        this.traits = traits;
        this.mappings = mappings;
        this.json = json;
    }

    /**
     * Plans one call; an {@link InvalidInputException} names every wrong field with {@code prefix} before it.
     *
     * @param implied the method of the endpoint, or null inside a batch
     * @param receivedAt the server's time of receipt, for clock-skew correction
     */
    PlannedMessage plan(int index, JsonNode raw, Type implied, SegmentMessage.Envelope envelope,
            Instant receivedAt, String prefix) {
        SegmentMessage message = SegmentMessage.parse(raw, implied, envelope, receivedAt, prefix);
        ObjectNode contactValues = message.type() == Type.IDENTIFY ? traits.columns(message.payload(), prefix)
                : null;
        ObjectNode properties = properties(message);
        check(properties, prefix + (message.type() == Type.IDENTIFY || message.type() == Type.GROUP ? "traits"
                : "properties"));
        ContactRef contact = message.contact();
        Ingestion.EventInput event = new Ingestion.EventInput(contact, message.eventType(), message.occurredAt(),
                properties);
        TableMappings.Planned rows = mappings.plan(message, prefix);
        return new PlannedMessage(index, message, event, contactValues, rows.rows(), rows.warnings());
    }

    /**
     * The event's properties: what the call sent ({@code properties}, or {@code traits} for identify), page facts
     * from the context where the properties lack them, and the Segment metadata under {@code segment}. A property
     * the client itself named {@code segment} is kept inside it as {@code segment.property}.
     */
    private static ObjectNode properties(SegmentMessage message) {
        ObjectNode sent = message.payload().deepCopy();
        ObjectNode properties;
        switch (message.type()) {
            case GROUP -> {
                properties = sent.objectNode();
                properties.set("groupId", message.body().get("groupId"));
                properties.set("traits", sent);
            }
            case ALIAS -> {
                properties = sent.objectNode();
                properties.set("previousId", message.body().get("previousId"));
            }
            case PAGE, SCREEN -> {
                properties = sent;
                putIfAbsent(properties, "name", message.body().get("name"));
                putIfAbsent(properties, "category", message.body().get("category"));
                JsonNode page = message.context().path("page");
                for (String field : List.of("url", "path", "title", "referrer", "search")) {
                    putIfAbsent(properties, field, page.get(field));
                }
            }
            default -> properties = sent;
        }
        ObjectNode metadata = message.metadata();
        JsonNode clash = properties.remove("segment");
        if (clash != null) {
            metadata.set("property", clash);
        }
        properties.set("segment", metadata);
        return properties;
    }

    private static void putIfAbsent(ObjectNode properties, String field, JsonNode value) {
        if (value != null && !value.isNull() && !properties.has(field)) {
            properties.set(field, value);
        }
    }

    /** What {@code Ingestion.recordEvents} would refuse, refused before anything is written. */
    private void check(ObjectNode properties, String field) {
        String serialized = json.writeValueAsString(properties);
        if (serialized.length() > MAX_PROPERTIES_CHARS) {
            throw new InvalidInputException(field, "together with the call's context must be at most "
                    + MAX_PROPERTIES_CHARS + " characters of JSON");
        }
        if (serialized.contains("\\u0000")) {
            throw new InvalidInputException(field, "must not contain the NUL character (\\u0000)");
        }
        for (int i = 0; i < serialized.length(); i++) {
            char c = serialized.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < serialized.length()
                    && Character.isLowSurrogate(serialized.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidInputException(field, "is not valid Unicode text (unpaired surrogate)");
            }
        }
    }
}
