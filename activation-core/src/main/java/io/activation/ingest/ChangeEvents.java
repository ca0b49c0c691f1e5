package io.activation.ingest;

import io.activation.contact.ContactFields;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the CloudEvents 1.0 JSON envelopes (structured mode) published on {@code activation.events}. The Kafka key
 * is the contact id, so one contact's changes keep their order; reference-table rows, which belong to no contact,
 * are keyed by table and business key. Types are stable names under {@code io.activation.}.
 */
@Component
public class ChangeEvents {

    public static final String CONTACT_CREATED = "io.activation.contact.created";
    public static final String CONTACT_UPDATED = "io.activation.contact.updated";
    public static final String CONTACT_DELETED = "io.activation.contact.deleted";
    public static final String CONTACT_MERGED = "io.activation.contact.merged";
    public static final String ROW_CREATED = "io.activation.row.created";
    public static final String ROW_UPDATED = "io.activation.row.updated";
    public static final String ROW_DELETED = "io.activation.row.deleted";
    public static final String EVENT_RECORDED = "io.activation.event.recorded";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final JsonMapper json = JsonMapper.builder().build();
    private final Clock clock;
    private final IngestProperties properties;

    ChangeEvents(Clock clock, IngestProperties properties) {
        this.clock = clock;
        this.properties = properties;
    }

    OutboxMessage contactChanged(String type, StoredRow contact, Map<String, Object> previous,
            Collection<String> changed, String origin) {
        ObjectNode data = F.objectNode();
        data.put("contactId", contact.id());
        data.set("externalId", Values.toJson(contact.values().get("external_id")));
        data.set("values", contactValues(contact.values()));
        data.set("changed", names(changed, true));
        ObjectNode before = F.objectNode();
        previous.forEach((k, v) -> before.set(apiName(k), Values.toJson(v)));
        data.set("previous", before);
        return envelope(type, contact.id(), "contacts/" + contact.id(), origin, data);
    }

    OutboxMessage contactDeleted(StoredRow contact, String origin) {
        ObjectNode data = F.objectNode();
        data.put("contactId", contact.id());
        data.set("externalId", Values.toJson(contact.values().get("external_id")));
        return envelope(CONTACT_DELETED, contact.id(), "contacts/" + contact.id(), origin, data);
    }

    OutboxMessage contactMerged(long contactId, long mergedContactId, String anonymousId, String origin) {
        ObjectNode data = F.objectNode();
        data.put("contactId", contactId);
        data.put("mergedContactId", mergedContactId);
        data.put("anonymousId", anonymousId);
        return envelope(CONTACT_MERGED, contactId, "contacts/" + contactId, origin, data);
    }

    OutboxMessage rowChanged(String type, TableSchema table, StoredRow row, Map<String, Object> previous,
            Collection<String> changed, String origin) {
        ObjectNode data = F.objectNode();
        data.put("table", table.name());
        data.set("key", Values.toJson(row.key(table)));
        data.put("rowId", row.id());
        if (row.contactId() != null) {
            data.put("contactId", row.contactId());
        }
        ObjectNode values = F.objectNode();
        row.values().forEach((k, v) -> values.set(k, Values.toJson(v)));
        data.set("values", values);
        data.set("changed", names(changed, false));
        ObjectNode before = F.objectNode();
        previous.forEach((k, v) -> before.set(k, Values.toJson(v)));
        data.set("previous", before);
        String subject = table.name() + "/" + row.key(table);
        return envelope(type, row.contactId(), subject, origin, data, table.name() + ":" + row.key(table));
    }

    OutboxMessage rowDeleted(TableSchema table, StoredRow row, String origin) {
        ObjectNode data = F.objectNode();
        data.put("table", table.name());
        data.set("key", Values.toJson(row.key(table)));
        data.put("rowId", row.id());
        if (row.contactId() != null) {
            data.put("contactId", row.contactId());
        }
        return envelope(ROW_DELETED, row.contactId(), table.name() + "/" + row.key(table), origin, data,
                table.name() + ":" + row.key(table));
    }

    OutboxMessage eventRecorded(UUID eventId, long contactId, String eventType, Instant occurredAt,
            JsonNode properties, String origin) {
        ObjectNode data = F.objectNode();
        data.put("eventId", eventId.toString());
        data.put("contactId", contactId);
        data.put("eventType", eventType);
        data.put("occurredAt", occurredAt.toString());
        data.set("properties", properties);
        return envelope(EVENT_RECORDED, contactId, "events/" + eventId, origin, data, null, eventId);
    }

    /**
     * An event of another package (journeys, segments, consents) in the same envelope, on {@code activation.events}
     * keyed by the contact. Pass a deterministic {@code id} (e.g. {@link UUID#nameUUIDFromBytes}) when a replayed
     * producer must publish the same event id again, so consumers can deduplicate.
     */
    public OutboxMessage event(String type, long contactId, String subject, String origin, ObjectNode data, UUID id) {
        return envelope(type, contactId, subject, origin, data, null, id);
    }

    /** The same envelope on another topic (e.g. {@code activation.messages}), keyed by the contact. */
    public OutboxMessage event(String topic, String type, long contactId, String subject, String origin,
            ObjectNode data, UUID id) {
        OutboxMessage m = envelope(type, contactId, subject, origin, data, null, id);
        return new OutboxMessage(topic, m.key(), m.payload());
    }

    private OutboxMessage envelope(String type, Long contactId, String subject, String origin, ObjectNode data) {
        return envelope(type, contactId, subject, origin, data, null);
    }

    private OutboxMessage envelope(String type, Long contactId, String subject, String origin, ObjectNode data,
            String keyWithoutContact) {
        return envelope(type, contactId, subject, origin, data, keyWithoutContact, UUID.randomUUID());
    }

    private OutboxMessage envelope(String type, Long contactId, String subject, String origin, ObjectNode data,
            String keyWithoutContact, UUID id) {
        ObjectNode event = F.objectNode();
        event.put("specversion", "1.0");
        event.put("id", id.toString());
        event.put("source", "/activation/" + origin);
        event.put("type", type);
        event.put("subject", subject);
        event.put("time", clock.instant().toString());
        event.put("datacontenttype", "application/json");
        if (contactId != null) {
            event.put("contactid", contactId.toString());
        }
        event.set("data", data);
        String key = contactId != null ? contactId.toString() : keyWithoutContact;
        return new OutboxMessage(properties.eventsTopic(), key, json.writeValueAsString(event));
    }

    private static ObjectNode contactValues(Map<String, Object> values) {
        ObjectNode node = F.objectNode();
        ObjectNode custom = F.objectNode();
        values.forEach((column, value) -> {
            if (ContactFields.isBuiltIn(column)) {
                node.set(apiName(column), Values.toJson(value));
            } else {
                custom.set(column, Values.toJson(value));
            }
        });
        node.set("attributes", custom);
        return node;
    }

    private static ArrayNode names(Collection<String> columns, boolean contact) {
        ArrayNode array = F.arrayNode();
        columns.forEach(c -> array.add(contact ? apiName(c) : c));
        return array;
    }

    private static String apiName(String column) {
        return ContactFields.apiName(column).orElse(column);
    }
}
