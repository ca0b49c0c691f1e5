package io.activation.api.value;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * RFM on a small synthetic shop whose quintiles are computed by hand (see the table in each assertion): ten
 * customers with purchases, ties in all three dimensions, cancelled orders, a purchase after the reference date,
 * a purchase near midnight that only counts on the right day in the model's time zone, a customer without orders
 * and one whose only order was cancelled.
 */
class RfmApiTest extends ApiTest {

    /** Purchases: customer, order number suffix, time (UTC), cancelled, lines of quantity x unit price. */
    private record Order(int customer, String no, String at, boolean cancelled, String... lines) {}

    private static final List<Order> ORDERS = List.of(
            new Order(1, "1a", "2024-01-30T10:00:00Z", false, "4x12.50", "1x50"),
            new Order(1, "1b", "2024-02-05T10:00:00Z", false, "1x7777"), // after the reference date
            new Order(2, "2a", "2023-12-01T10:00:00Z", false, "2x25"),
            new Order(2, "2b", "2024-01-21T10:00:00Z", false, "2x25"),
            new Order(3, "3a", "2024-01-20T23:30:00Z", false, "1x20"), // 21 Jan in Brussels
            new Order(4, "4a", "2023-10-01T10:00:00Z", false, "1x100"),
            new Order(4, "4b", "2023-11-01T10:00:00Z", false, "1x100"),
            new Order(4, "4c", "2024-01-01T10:00:00Z", false, "1x100"),
            new Order(5, "5a", "2023-12-02T10:00:00Z", false, "2x5"),
            new Order(6, "6a", "2023-01-01T10:00:00Z", false, "1x100"),
            new Order(6, "6b", "2023-03-01T10:00:00Z", false, "1x100"),
            new Order(6, "6c", "2023-05-01T10:00:00Z", false, "1x100"),
            new Order(6, "6d", "2023-07-01T10:00:00Z", false, "1x100"),
            new Order(6, "6e", "2023-11-02T10:00:00Z", false, "1x100"),
            new Order(7, "7a", "2023-10-02T10:00:00Z", false, "1x20"),
            new Order(7, "7b", "2023-11-02T10:00:00Z", false, "1x20"),
            new Order(8, "8a", "2023-08-04T10:00:00Z", false, "1x5"),
            new Order(9, "9a", "2022-01-01T10:00:00Z", false, "1x250"),
            new Order(9, "9b", "2022-06-01T10:00:00Z", false, "1x250"),
            new Order(9, "9c", "2022-09-01T10:00:00Z", false, "1x250"),
            new Order(9, "9d", "2023-02-05T10:00:00Z", false, "1x250"),
            new Order(10, "10a", "2023-02-05T10:00:00Z", false, "3x5"),
            new Order(10, "C10b", "2024-01-30T10:00:00Z", true, "-1x999"), // cancelled: ignored
            new Order(12, "C12a", "2024-01-15T10:00:00Z", true, "-1x10"));

    @Test
    void scoresQuintilesWithTiesCancellationsAndTimeZone() {
        String prefix = unique("s");
        String orders = defineTable("""
                {"name": "%s_orders", "kind": "INTERACTION", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "TIMESTAMP"},
                                {"name": "cancelled", "type": "BOOLEAN"}]}""".formatted(prefix));
        String lines = defineTable("""
                {"name": "%s_lines", "kind": "INTERACTION", "businessKey": "line_id",
                 "attributes": [{"name": "line_id", "type": "TEXT"},
                                {"name": "order_no", "type": "TEXT", "required": true, "references": "%s"},
                                {"name": "quantity", "type": "INTEGER"}, {"name": "unit_price", "type": "DECIMAL"}]}"""
                .formatted(prefix, orders));
        for (int c = 1; c <= 12; c++) {
            put("/api/v1/contacts/" + customer(prefix, c), "{}").expect(201);
        }
        List<String> orderItems = new ArrayList<>();
        List<String> lineItems = new ArrayList<>();
        for (Order o : ORDERS) {
            String contact = "{\"externalId\": \"" + customer(prefix, o.customer()) + "\"}";
            orderItems.add("{\"contact\": %s, \"values\": {\"order_no\": \"%s\", \"ordered_at\": \"%s\", \"cancelled\": %s}}"
                    .formatted(contact, prefix + o.no(), o.at(), o.cancelled()));
            for (int i = 0; i < o.lines().length; i++) {
                String[] qp = o.lines()[i].split("x");
                lineItems.add("{\"contact\": %s, \"values\": {\"line_id\": \"%s-%d\", \"order_no\": \"%s\", \"quantity\": %s, \"unit_price\": %s}}"
                        .formatted(contact, prefix + o.no(), i, prefix + o.no(), qp[0], qp[1]));
            }
        }
        assertThat(post("/api/v1/tables/" + orders + "/rows/batch", "{\"items\": [" + String.join(",", orderItems)
                + "]}").expect(200).json().get("rejected").intValue()).isZero();
        assertThat(post("/api/v1/tables/" + lines + "/rows/batch", "{\"items\": [" + String.join(",", lineItems)
                + "]}").expect(200).json().get("rejected").intValue()).isZero();

        String model = prefix + "_rfm";
        JsonNode defined = post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "order_no.ordered_at", "orderColumn": "order_no",
                 "amount": {"multiply": ["quantity", "unit_price"]},
                 "exclude": [{"attribute": "order_no.cancelled", "op": "eq", "value": true}],
                 "referenceDate": "2024-01-31", "timeZone": "Europe/Brussels"}""".formatted(model, lines))
                .expect(201).json();
        assertThat(defined.get("computedAt").isNull()).isTrue();
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            JsonNode computed = post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200).json();
            assertThat(computed.get("contacts").intValue()).isEqualTo(10);
            assertThat(computed.get("referenceDate").stringValue()).isEqualTo("2024-01-31");
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    records -> groupChanges(records, model).size() >= 10, Duration.ofSeconds(30));
            JsonNode first = groupChanges(seen, model).stream()
                    .filter(e -> e.at("/data/group").stringValue().equals("Lost")).findFirst().orElseThrow();
            assertThat(first.at("/data/previousGroup").isNull()).isTrue();
            assertThat(first.at("/data/r").intValue()).isEqualTo(1);
            // The same data again: no group changed, nothing published (the barrier is a consent change after it).
            post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200);
            put("/api/v1/contacts/" + customer(prefix, 1) + "/consents/email",
                    "{\"purpose\": \"marketing\", \"status\": \"granted\", \"source\": \"test\"}").expect(200);
            List<ConsumerRecord<String, String>> after = consumeUntil(consumer, records -> records.stream()
                    .anyMatch(r -> r.value().contains("io.activation.consent.changed")), Duration.ofSeconds(30));
            assertThat(groupChanges(after, model)).isEmpty();
        }

        // customer: recency days, frequency, monetary, R, F, M, group (worked out in the class comment's data)
        Map<Integer, String> expected = Map.of(
                1, "1 1 100 5 1 3 New",
                2, "10 2 100 4 3 3 Potential loyalists",
                3, "10 1 20 4 1 2 New",
                4, "30 3 300 4 4 4 Loyal",
                5, "60 1 10 3 1 1 Hibernating",
                6, "90 5 500 2 5 5 Can't lose them",
                7, "90 2 40 2 3 3 At risk",
                8, "180 1 5 2 1 1 Hibernating",
                9, "360 4 1000 1 5 5 Can't lose them",
                10, "360 1 15 1 1 2 Lost");
        expected.forEach((c, line) -> {
            JsonNode s = get("/api/v1/rfm-models/" + model + "/contacts/" + customer(prefix, c)).expect(200).json();
            String actual = s.get("recencyDays").intValue() + " " + s.get("frequency").longValue() + " "
                    + s.get("monetary").decimalValue().stripTrailingZeros().toPlainString() + " " + s.get("r").intValue()
                    + " " + s.get("f").intValue() + " " + s.get("m").intValue() + " " + s.get("group").stringValue();
            assertThat(actual).as("customer %d", c).isEqualTo(line);
        });
        // No orders at all, and only a cancelled order: not scored.
        get("/api/v1/rfm-models/" + model + "/contacts/" + customer(prefix, 11)).expect(404);
        get("/api/v1/rfm-models/" + model + "/contacts/" + customer(prefix, 12)).expect(404);

        JsonNode d = get("/api/v1/rfm-models/" + model + "/distribution").expect(200).json();
        assertThat(d.get("population").intValue()).isEqualTo(10);
        assertThat(bands(d.at("/scores/r"))).isEqualTo("1:2 2:3 3:1 4:3 5:1");
        assertThat(bands(d.at("/scores/f"))).isEqualTo("1:5 3:2 4:1 5:2");
        assertThat(bands(d.at("/scores/m"))).isEqualTo("1:2 2:2 3:3 4:1 5:2");
        assertThat(d.at("/scores/f/0/max").decimalValue()).isEqualByComparingTo(BigDecimal.ONE);
        assertThat(d.at("/groups/New").intValue()).isEqualTo(2);
        assertThat(d.at("/groups/Hibernating").intValue()).isEqualTo(2);
        assertThat(d.at("/groups/Can't lose them").intValue()).isEqualTo(2);
        assertThat(d.at("/groups/Champions").intValue()).isZero();
        assertThat(get("/api/v1/rfm-models/" + model).expect(200).json().get("contactsScored").intValue())
                .isEqualTo(10);

        // A model whose purchase is the table's own row (order column = business key, the default) counts rows:
        // here every line of a non-cancelled order is one purchase.
        String perLine = prefix + "_rfm_lines";
        post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "order_no.ordered_at",
                 "amount": {"multiply": ["quantity", "unit_price"]},
                 "exclude": [{"attribute": "order_no.cancelled", "op": "eq", "value": true}],
                 "referenceDate": "2024-01-31", "timeZone": "Europe/Brussels"}""".formatted(perLine, lines))
                .expect(201);
        post("/api/v1/rfm-models/" + perLine + "/recompute", null).expect(200);
        Map<Integer, Integer> linesPerCustomer = new java.util.TreeMap<>();
        for (Order o : ORDERS) {
            // Not cancelled, and on or before the reference day in Brussels.
            if (!o.cancelled() && java.time.Instant.parse(o.at()).isBefore(java.time.Instant.parse(
                    "2024-01-31T23:00:00Z"))) {
                linesPerCustomer.merge(o.customer(), o.lines().length, Integer::sum);
            }
        }
        linesPerCustomer.forEach((c, n) -> assertThat(get("/api/v1/rfm-models/" + perLine + "/contacts/"
                + customer(prefix, c)).expect(200).json().get("frequency").intValue()).as("lines of customer %d", c)
                .isEqualTo(n));
    }

    @Test
    void badDefinitionsNameTheirFieldsAndCreateNothing() {
        String prefix = unique("b");
        String orders = defineTable("""
                {"name": "%s_orders", "kind": "INTERACTION", "businessKey": "order_no",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "TIMESTAMP"},
                                {"name": "total", "type": "DECIMAL"}]}""".formatted(prefix));
        JsonNode problem = post("/api/v1/rfm-models", """
                {"name": "Bad Name", "dateColumn": "ordered_at", "amount": {"divide": ["a", "b"]},
                 "exclude": [{"attribute": "x", "op": "like"}], "timeZone": "Mars/Base", "colour": 1}""")
                .expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactlyInAnyOrder("name", "table",
                "amount", "exclude[0].op", "timeZone", "colour");
        assertThat(post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "total", "amountColumn": "ordered_at"}"""
                .formatted(prefix, orders)).expect(422).json().at("/errors/0/field").stringValue())
                .isEqualTo("dateColumn");
        assertThat(post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amountColumn": "ordered_at"}"""
                .formatted(prefix, orders)).expect(422).json().at("/errors/0/field").stringValue())
                .isEqualTo("amount.column");
        assertThat(post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "order_no.ordered_at", "amountColumn": "total"}"""
                .formatted(prefix, orders)).expect(422).json().at("/errors/0/field").stringValue())
                .isEqualTo("dateColumn");
        get("/api/v1/rfm-models/" + prefix).expect(404);
        post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amountColumn": "total"}"""
                .formatted(prefix, orders)).expect(201);
        assertThat(post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amountColumn": "total"}"""
                .formatted(prefix, orders)).expect(409).json().get("type").stringValue()).endsWith("rfm-model-exists");
        post("/api/v1/rfm-models/nope_" + prefix + "/recompute", null).expect(404);
    }

    private static List<JsonNode> groupChanges(List<ConsumerRecord<String, String>> records, String model) {
        return records.stream().map(ApiTest::value)
                .filter(e -> e.get("type").stringValue().equals("io.activation.rfm.group-changed"))
                .filter(e -> e.at("/data/model").stringValue().equals(model)).toList();
    }

    private static String customer(String prefix, int n) {
        return prefix + "_c" + n;
    }

    private static String bands(JsonNode bands) {
        List<String> parts = new ArrayList<>();
        bands.forEach(b -> parts.add(b.get("score").intValue() + ":" + b.get("contacts").intValue()));
        return String.join(" ", parts);
    }
}
