package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.contact.ContactFields;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The envelopes are written by a streaming generator; these tests pin them to the JSON the former tree-based
 * builder produced (field order included), since stored outbox rows and every consumer read that text.
 */
class ChangeEventsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Instant NOW = Instant.parse("2026-11-22T21:00:05.120Z");

    private static IngestProperties properties() {
        return new IngestProperties(DataSize.ofMegabytes(5), 1000, Duration.ofHours(24), "activation.events", 6,
                (short) 1, 500, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofMillis(10), 20000);
    }

    private final ChangeEvents events = new ChangeEvents(Clock.fixed(NOW, ZoneOffset.UTC), properties());

    @Test
    void aRecordedEventIsPinnedToTheEnvelopeConsumersRead() {
        UUID id = UUID.fromString("0b6c1f1e-8d2a-4c1e-9a55-3f1d2a7b9c01");
        JsonNode props = JSON.readTree("{\"sku\":\"SKU-1\",\"price\":12.90,\"tags\":[\"a\",\"é\\\"\"],\"n\":null}");
        OutboxMessage m = events.eventRecorded(id, 42, "product_viewed", Instant.parse("2026-11-22T20:59:59Z"),
                JSON.writeValueAsString(props), "api");
        assertThat(m.topic()).isEqualTo("activation.events");
        assertThat(m.key()).isEqualTo("42");
        assertThat(m.payload()).isEqualTo("{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"/activation/api\","
                + "\"type\":\"io.activation.event.recorded\",\"subject\":\"events/" + id + "\","
                + "\"time\":\"2026-11-22T21:00:05.120Z\",\"datacontenttype\":\"application/json\",\"contactid\":\"42\","
                + "\"data\":{\"eventId\":\"" + id + "\",\"contactId\":42,\"eventType\":\"product_viewed\","
                + "\"occurredAt\":\"2026-11-22T20:59:59Z\",\"properties\":{\"sku\":\"SKU-1\",\"price\":12.9,"
                + "\"tags\":[\"a\",\"é\\\"\"],\"n\":null}}}");
        ObjectNode data = F.objectNode();
        data.put("eventId", id.toString());
        data.put("contactId", 42L);
        data.put("eventType", "product_viewed");
        data.put("occurredAt", "2026-11-22T20:59:59Z");
        data.set("properties", props);
        assertThat(m.payload()).isEqualTo(treeEnvelope(ChangeEvents.EVENT_RECORDED, 42L, "events/" + id, "api", data,
                id.toString()));
        assertThat(ChangeEvents.typeOf(m.payload())).isEqualTo(ChangeEvents.EVENT_RECORDED);
    }

    @Test
    void theEventsOfOtherPackagesKeepTheirDataAsGiven() {
        ObjectNode data = F.objectNode();
        data.put("contactId", 7L);
        data.put("amount", new BigDecimal("1E+3"));
        data.put("ratio", new BigDecimal("0.50"));
        data.put("double", 0.1d);
        data.putNull("none");
        data.set("nested", F.objectNode().put("x", "line\nbreak\u2028").set("list", F.arrayNode().add(1).add(true)));
        UUID id = ChangeEvents.deterministicId("journey-timer:99");
        OutboxMessage m = events.event("io.activation.journey.timer-fired", 7, "journeys/3", "journeys", data, id);
        assertThat(m.topic()).isEqualTo("activation.events");
        assertThat(m.key()).isEqualTo("7");
        assertThat(m.payload()).isEqualTo(treeEnvelope("io.activation.journey.timer-fired", 7L, "journeys/3",
                "journeys", data, id.toString()));
        OutboxMessage other = events.event("activation.messages", "io.activation.message.requested", 7, "x", "api",
                data, id);
        assertThat(other.topic()).isEqualTo("activation.messages");
        assertThat(other.key()).isEqualTo("7");
        assertThat(other.payload()).isEqualTo(treeEnvelope("io.activation.message.requested", 7L, "x", "api", data,
                id.toString()));
    }

    @Test
    void contactAndRowChangesMatchTheTreeRendering() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("external_id", "c-1");
        values.put("loyalty_tier", "gold");
        values.put("email", "a@example.com");
        values.put("lifetime_value", new BigDecimal("120.50"));
        values.put("vip", Boolean.TRUE);
        values.put("visits", 3L);
        values.put("prefs", JSON.readTree("{\"a\":[1,2]}"));
        values.put("first_name", null);
        StoredRow contact = new StoredRow(5, null, values, NOW, NOW);
        Map<String, Object> previous = new LinkedHashMap<>();
        previous.put("email", "old@example.com");
        previous.put("visits", 2L);
        OutboxMessage m = events.contactChanged(ChangeEvents.CONTACT_UPDATED, contact, previous,
                List.of("email", "visits"), "api");
        String id = JSON.readTree(m.payload()).path("id").asString();
        ObjectNode data = F.objectNode();
        data.put("contactId", 5L);
        data.set("externalId", Values.toJson("c-1"));
        ObjectNode valueNode = F.objectNode();
        ObjectNode custom = F.objectNode();
        values.forEach((column, value) -> {
            if (ContactFields.isBuiltIn(column)) {
                valueNode.set(ContactFields.apiName(column).orElse(column), Values.toJson(value));
            } else {
                custom.set(column, Values.toJson(value));
            }
        });
        valueNode.set("attributes", custom);
        data.set("values", valueNode);
        data.set("changed", F.arrayNode().add("email").add("visits"));
        data.set("previous", F.objectNode().put("email", "old@example.com").put("visits", 2L));
        assertThat(m.key()).isEqualTo("5");
        assertThat(m.payload()).isEqualTo(treeEnvelope(ChangeEvents.CONTACT_UPDATED, 5L, "contacts/5", "api", data,
                id));

        TableSchema products = new TableSchema("products", TableKind.REFERENCE, "sku", Optional.empty(), "",
                List.of(), 1);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("sku", "P-1");
        row.put("price", new BigDecimal("9.90"));
        StoredRow stored = new StoredRow(11, null, row, NOW, NOW);
        OutboxMessage changed = events.rowChanged(ChangeEvents.ROW_UPDATED, products, stored,
                Map.of("price", new BigDecimal("12.00")), List.of("price"), "import");
        ObjectNode rowData = F.objectNode();
        rowData.put("table", "products");
        rowData.put("key", "P-1");
        rowData.put("rowId", 11L);
        rowData.set("values", F.objectNode().put("sku", "P-1").put("price", new BigDecimal("9.90")));
        rowData.set("changed", F.arrayNode().add("price"));
        rowData.set("previous", F.objectNode().put("price", new BigDecimal("12.00")));
        assertThat(changed.key()).isEqualTo("products:P-1");
        assertThat(changed.payload()).isEqualTo(treeEnvelope(ChangeEvents.ROW_UPDATED, null, "products/P-1",
                "import", rowData, JSON.readTree(changed.payload()).path("id").asString()));
        assertThat(ChangeEvents.typeOf(changed.payload())).isEqualTo(ChangeEvents.ROW_UPDATED);
    }

    @Test
    void deterministicIdsAreTheNameBasedUuidsAlreadyPublished() {
        for (String seed : List.of("", "journey-timer:1", "message-request:é-42", "x".repeat(500))) {
            assertThat(ChangeEvents.deterministicId(seed))
                    .isEqualTo(UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void timestampsAreWhatInstantToStringWrites() {
        for (String t : List.of("2026-11-22T21:00:05Z", "2026-11-22T21:00:05.100Z", "2026-11-22T21:00:05.000100Z",
                "2026-11-22T21:00:05.000000001Z", "2026-11-22T21:00:05.123456789Z", "1970-01-01T00:00:00Z",
                "0999-12-31T23:59:59.5Z", "+12026-01-01T00:00:00Z", "-0001-01-01T00:00:00Z")) {
            Instant instant = Instant.parse(t);
            assertThat(Timestamps.iso(instant)).isEqualTo(instant.toString());
            assertThat(Timestamps.iso(instant.plusNanos(1_000_000))).isEqualTo(instant.plusNanos(1_000_000).toString());
        }
    }

    @Test
    void theTypeIsPeekedWithoutParsingTheRestAndAnythingElseHasNone() {
        assertThat(ChangeEvents.typeOf("{\"id\":\"1\",\"data\":{\"type\":\"inner\"},\"type\":\"outer\"}"))
                .isEqualTo("outer");
        assertThat(ChangeEvents.typeOf("{\"type\":\"io.x\",\"data\":{not json")).isEqualTo("io.x");
        assertThat(ChangeEvents.typeOf("not json")).isEmpty();
        assertThat(ChangeEvents.typeOf("[\"type\"]")).isEmpty();
        assertThat(ChangeEvents.typeOf("{\"type\":3}")).isEmpty();
        assertThat(ChangeEvents.typeOf(null)).isEmpty();
    }

    /** The former builder: an {@code ObjectNode} envelope serialized by a {@code JsonMapper}. */
    private static String treeEnvelope(String type, Long contactId, String subject, String origin, ObjectNode data,
            String id) {
        ObjectNode event = F.objectNode();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", "/activation/" + origin);
        event.put("type", type);
        event.put("subject", subject);
        event.put("time", NOW.toString());
        event.put("datacontenttype", "application/json");
        if (contactId != null) {
            event.put("contactid", contactId.toString());
        }
        event.set("data", data);
        return JSON.writeValueAsString(event);
    }
}
