package io.activation.ingest;

import io.activation.contact.ContactFields;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
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

    private static final JsonMapper PEEK = JsonMapper.builder().build();
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new InternalError("MD5 not supported", e);
        }
    });

    private final JsonMapper json = JsonMapper.builder().build();
    private final Clock clock;
    private final IngestProperties properties;

    ChangeEvents(Clock clock, IngestProperties properties) {
        this.clock = clock;
        this.properties = properties;
    }

    OutboxMessage contactChanged(String type, StoredRow contact, Map<String, Object> previous,
            Collection<String> changed, String origin) {
        long id = contact.id();
        return envelope(type, id, "contacts/" + id, origin, null, UUID.randomUUID(), g -> {
            g.writeNumberProperty("contactId", id);
            g.writeName("externalId");
            writeValue(g, contact.values().get("external_id"));
            // Built-in columns under their API names; two columns never share one, so no name repeats.
            g.writeName("values");
            g.writeStartObject();
            contact.values().forEach((column, value) -> {
                if (ContactFields.isBuiltIn(column)) {
                    g.writeName(apiName(column));
                    writeValue(g, value);
                }
            });
            g.writeName("attributes");
            g.writeStartObject();
            contact.values().forEach((column, value) -> {
                if (!ContactFields.isBuiltIn(column)) {
                    g.writeName(column);
                    writeValue(g, value);
                }
            });
            g.writeEndObject();
            g.writeEndObject();
            writeNames(g, "changed", changed, true);
            g.writeName("previous");
            g.writeStartObject();
            previous.forEach((k, v) -> {
                g.writeName(apiName(k));
                writeValue(g, v);
            });
            g.writeEndObject();
        });
    }

    OutboxMessage contactDeleted(StoredRow contact, String origin) {
        long id = contact.id();
        return envelope(CONTACT_DELETED, id, "contacts/" + id, origin, null, UUID.randomUUID(), g -> {
            g.writeNumberProperty("contactId", id);
            g.writeName("externalId");
            writeValue(g, contact.values().get("external_id"));
        });
    }

    OutboxMessage contactMerged(long contactId, long mergedContactId, String anonymousId, String origin) {
        return envelope(CONTACT_MERGED, contactId, "contacts/" + contactId, origin, null, UUID.randomUUID(), g -> {
            g.writeNumberProperty("contactId", contactId);
            g.writeNumberProperty("mergedContactId", mergedContactId);
            g.writeStringProperty("anonymousId", anonymousId);
        });
    }

    OutboxMessage rowChanged(String type, TableSchema table, StoredRow row, Map<String, Object> previous,
            Collection<String> changed, String origin) {
        Object key = row.key(table);
        return envelope(type, row.contactId(), table.name() + "/" + key, origin, table.name() + ":" + key,
                UUID.randomUUID(), g -> {
                    rowHead(g, table, row, key);
                    g.writeName("values");
                    writeMap(g, row.values());
                    writeNames(g, "changed", changed, false);
                    g.writeName("previous");
                    writeMap(g, previous);
                });
    }

    OutboxMessage rowDeleted(TableSchema table, StoredRow row, String origin) {
        Object key = row.key(table);
        return envelope(ROW_DELETED, row.contactId(), table.name() + "/" + key, origin, table.name() + ":" + key,
                UUID.randomUUID(), g -> rowHead(g, table, row, key));
    }

    /**
     * @param propertiesJson the event's properties as JSON text, as a default {@code JsonMapper} writes them (the
     *     ingest path has serialized them already, to check and store them): copied into the envelope as they are
     */
    OutboxMessage eventRecorded(UUID eventId, long contactId, String eventType, Instant occurredAt,
            String propertiesJson, String origin) {
        String id = eventId.toString();
        return envelope(EVENT_RECORDED, contactId, "events/" + id, origin, null, id, g -> {
            g.writeStringProperty("eventId", id);
            g.writeNumberProperty("contactId", contactId);
            g.writeStringProperty("eventType", eventType);
            g.writeStringProperty("occurredAt", Timestamps.iso(occurredAt));
            g.writeName("properties");
            g.writeRawValue(propertiesJson);
        });
    }

    /**
     * An event of another package (journeys, segments, consents) in the same envelope, on {@code activation.events}
     * keyed by the contact. Pass a deterministic {@code id} (e.g. {@link #deterministicId}) when a replayed
     * producer must publish the same event id again, so consumers can deduplicate.
     */
    public OutboxMessage event(String type, long contactId, String subject, String origin, ObjectNode data, UUID id) {
        return event(properties.eventsTopic(), type, contactId, subject, origin, data, id);
    }

    /** The same envelope on another topic (e.g. {@code activation.messages}), keyed by the contact. */
    public OutboxMessage event(String topic, String type, long contactId, String subject, String origin,
            ObjectNode data, UUID id) {
        return new OutboxMessage(topic, Long.toString(contactId),
                payload(type, contactId, subject, origin, id.toString(), data == null ? null : g -> writeFields(g, data)));
    }

    /**
     * The same id as {@code UUID.nameUUIDFromBytes(seed.getBytes(UTF_8))} (a version 3, MD5-based name UUID), so
     * ids already published stay the same, without looking the digest up by name on every call.
     */
    public static UUID deterministicId(String seed) {
        MessageDigest md5 = MD5.get();
        byte[] hash = md5.digest(seed.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x30);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (hash[i] & 0xff);
        }
        for (int i = 8; i < 16; i++) {
            lsb = (lsb << 8) | (hash[i] & 0xff);
        }
        return new UUID(msb, lsb);
    }

    /**
     * The CloudEvents {@code type} of an envelope this class built, read without parsing the rest (the envelope
     * names its type before its data); empty when the text is not such an envelope. Lets consumers of
     * {@code activation.events} drop the records they have no use for before parsing them.
     */
    public static String typeOf(String cloudEvent) {
        if (cloudEvent == null) {
            return "";
        }
        try (JsonParser p = PEEK.createParser(cloudEvent)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "";
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.PROPERTY_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("type".equals(name)) {
                    return value == JsonToken.VALUE_STRING ? p.getString() : "";
                }
                p.skipChildren();
            }
            return "";
        } catch (JacksonException e) {
            return "";
        }
    }

    /**
     * {@code data.<field>} of a CloudEvent of type {@code type} as a long, read with a streaming parser that skips
     * everything else (a JSON tree per record was most of a busy consumer's CPU); null when the record is of another
     * type, has no such field, or the field is not a number that fits a long (a fraction is truncated, as
     * {@code JsonNode.asLong} does). The parser is the caller's, positioned before the envelope; what is not JSON
     * throws {@link JacksonException}, so each caller decides whether that is worth a log line.
     */
    public static Long longInData(JsonParser p, String type, String field) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        String seenType = null;
        Long value = null;
        for (JsonToken t = p.nextToken(); t == JsonToken.PROPERTY_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if ("type".equals(name)) {
                seenType = v == JsonToken.VALUE_STRING ? p.getString() : null;
            } else if ("data".equals(name) && v == JsonToken.START_OBJECT) {
                value = null;
                for (JsonToken d = p.nextToken(); d == JsonToken.PROPERTY_NAME; d = p.nextToken()) {
                    String name2 = p.currentName();
                    JsonToken dv = p.nextToken();
                    if (field.equals(name2)) {
                        value = longOf(p, dv);
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                if ("data".equals(name)) {
                    value = null;
                }
                p.skipChildren();
            }
        }
        return type.equals(seenType) ? value : null;
    }

    /** The current value as a long, or null when it is not a number that fits one. */
    private static Long longOf(JsonParser p, JsonToken token) {
        if (token == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType numberType = p.getNumberType();
            return numberType == JsonParser.NumberType.INT || numberType == JsonParser.NumberType.LONG
                    ? p.getLongValue() : null;
        }
        if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            return d >= Long.MIN_VALUE && d <= Long.MAX_VALUE ? (long) d : null;
        }
        p.skipChildren();
        return null;
    }

    @FunctionalInterface
    private interface DataWriter {
        void write(JsonGenerator g);
    }

    private OutboxMessage envelope(String type, Long contactId, String subject, String origin,
            String keyWithoutContact, UUID id, DataWriter data) {
        return envelope(type, contactId, subject, origin, keyWithoutContact, id.toString(), data);
    }

    private OutboxMessage envelope(String type, Long contactId, String subject, String origin,
            String keyWithoutContact, String id, DataWriter data) {
        String key = contactId != null ? contactId.toString() : keyWithoutContact;
        return new OutboxMessage(properties.eventsTopic(), key, payload(type, contactId, subject, origin, id, data));
    }

    /** The envelope, written field by field in the order consumers and the stored outbox have always seen. */
    private String payload(String type, Long contactId, String subject, String origin, String id, DataWriter data) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("specversion", "1.0");
            g.writeStringProperty("id", id);
            g.writeStringProperty("source", "/activation/" + origin);
            g.writeStringProperty("type", type);
            g.writeStringProperty("subject", subject);
            g.writeStringProperty("time", Timestamps.iso(clock.instant()));
            g.writeStringProperty("datacontenttype", "application/json");
            if (contactId != null) {
                g.writeStringProperty("contactid", contactId.toString());
            }
            g.writeName("data");
            if (data == null) {
                g.writeNull();
            } else {
                g.writeStartObject();
                data.write(g);
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return out.toString();
    }

    private static void rowHead(JsonGenerator g, TableSchema table, StoredRow row, Object key) {
        g.writeStringProperty("table", table.name());
        g.writeName("key");
        writeValue(g, key);
        g.writeNumberProperty("rowId", row.id());
        if (row.contactId() != null) {
            g.writeNumberProperty("contactId", row.contactId());
        }
    }

    /** The fields of {@code data}, inside the object the caller opened. */
    private static void writeFields(JsonGenerator g, ObjectNode data) {
        for (Map.Entry<String, JsonNode> field : data.properties()) {
            g.writeName(field.getKey());
            g.writeTree(field.getValue());
        }
    }

    private static void writeMap(JsonGenerator g, Map<String, Object> values) {
        g.writeStartObject();
        values.forEach((k, v) -> {
            g.writeName(k);
            writeValue(g, v);
        });
        g.writeEndObject();
    }

    private static void writeNames(JsonGenerator g, String name, Collection<String> columns, boolean contact) {
        g.writeName(name);
        g.writeStartArray();
        for (String c : columns) {
            g.writeString(contact ? apiName(c) : c);
        }
        g.writeEndArray();
    }

    /** A canonical value as {@link Values#toJson} renders it, without building the node. */
    private static void writeValue(JsonGenerator g, Object value) {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof JsonNode node) {
            g.writeTree(node);
        } else if (value instanceof Long l) {
            g.writeNumber(l);
        } else if (value instanceof BigDecimal d) {
            g.writeNumber(d);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeString(value.toString());
        }
    }

    private static String apiName(String column) {
        return ContactFields.apiName(column).orElse(column);
    }
}
