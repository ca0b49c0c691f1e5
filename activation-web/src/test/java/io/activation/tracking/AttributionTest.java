package io.activation.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.api.tracking.TrackingTestSupport;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Orders attributed to the message clicked before them, with the defaults of application.yml: table orders, revenue
 * column total, window P7D, clicks only, last click. The orders table is the demo data's (defined here when no other
 * test has; the column total added when missing), orders and contacts are fresh per test.
 */
class AttributionTest extends TrackingTestSupport {

    @Autowired
    private Attribution attribution;

    @BeforeEach
    void ordersTable() {
        if (get("/api/v1/tables/orders").status() == 404) {
            post("/api/v1/tables", """
                    {"name": "orders", "kind": "INTERACTION", "businessKey": "order_no", "timeAttribute": "ordered_at",
                     "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "TIMESTAMP"},
                                    {"name": "cancelled", "type": "BOOLEAN"}, {"name": "country", "type": "TEXT"},
                                    {"name": "total", "type": "DECIMAL"}]}""").expect(201);
        } else if (!get("/api/v1/tables/orders").expect(200).json().toString().contains("\"total\"")) {
            post("/api/v1/tables/orders/attributes", "{\"name\": \"total\", \"type\": \"DECIMAL\"}").expect(201);
        }
    }

    @Test
    void anOrderWithinTheWindowIsAttributedToTheLastClickWithItsRevenueOnce() {
        Delivery first = sentEmail();
        long second = delivery(first.requestId(), first.contactId(), null, unique("k"), first.email(), "sent");
        anonymous("GET", links.click(first.id(), "https://shop.example.com/a"), null).expect(302);
        clock.advance(Duration.ofHours(1));
        anonymous("GET", links.click(second, "https://shop.example.com/b"), null).expect(302);
        clock.advance(Duration.ofDays(6));
        String orderNo = unique("o");
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            order(first.externalId(), orderNo, "59.90");
            Map<String, Object> attributed = awaitAttribution(orderNo);
            assertThat(attributed.get("delivery_id")).isEqualTo(second);
            assertThat((BigDecimal) attributed.get("revenue")).isEqualByComparingTo("59.90");
            assertThat(attributed.get("touch")).isEqualTo("click");

            List<ConsumerRecord<String, String>> seen = consumeUntil(events, records -> records.stream()
                    .anyMatch(r -> value(r).path("type").asString("").equals(Attribution.CONVERTED)),
                    DEADLINE);
            JsonNode converted = seen.stream().map(r -> value(r))
                    .filter(e -> e.path("type").asString("").equals(Attribution.CONVERTED)).findFirst().orElseThrow();
            assertThat(converted.at("/data/table").stringValue()).isEqualTo("orders");
            assertThat(converted.at("/data/rowKey").stringValue()).isEqualTo(orderNo);
            assertThat(converted.at("/data/revenue").decimalValue()).isEqualByComparingTo("59.90");
            assertThat(converted.at("/data/deliveryId").longValue()).isEqualTo(second);
            assertThat(converted.at("/data/contactId").longValue()).isEqualTo(first.contactId());

            // The same change event again (a replay) attributes nothing twice; nor does an update of the order.
            JsonNode created = seen.stream().map(r -> value(r))
                    .filter(e -> e.path("type").asString("").equals("io.activation.row.created")
                            && orderNo.equals(e.at("/data/key").asString(""))).findFirst().orElseThrow();
            assertThat(attribution.attribute(created)).isEmpty();
            order(first.externalId(), orderNo, "70.00");
        }
        assertThat(count("select count(*) from message_attributions where table_name = 'orders' and row_key = ?",
                orderNo)).isEqualTo(1);
        JsonNode report = get("/api/v1/tracking/deliveries/" + second).expect(200).json();
        assertThat(report.get("converted").longValue()).isEqualTo(1);
        assertThat(report.get("revenue").decimalValue()).isEqualByComparingTo("59.90");
        assertThat(get("/api/v1/tracking/deliveries/" + first.id()).expect(200).json().get("converted").longValue())
                .isZero();
    }

    @Test
    void anOrderAfterTheWindowOrAfterOnlyAnOpenIsNotAttributed() {
        Delivery d = sentEmail();
        anonymous("GET", links.click(d.id(), "https://shop.example.com/a"), null).expect(302);
        clock.advance(Duration.ofDays(8));
        anonymous("GET", links.openPixel(d.id()), null).expect(200); // opens do not count with touch: click
        String late = unique("o");
        order(d.externalId(), late, "10.00");
        clock.advance(Duration.ofMinutes(1));
        // A later click and order of the same contact (same partition, so handled after the first order).
        anonymous("GET", links.click(d.id(), "https://shop.example.com/b"), null).expect(302);
        clock.advance(Duration.ofMinutes(5));
        String next = unique("o");
        order(d.externalId(), next, "20.00");
        assertThat((BigDecimal) awaitAttribution(next).get("revenue")).isEqualByComparingTo("20.00");
        assertThat(count("select count(*) from message_attributions where table_name = 'orders' and row_key = ?",
                late)).isZero();
    }

    @Autowired
    private Interactions interactions;
    @Autowired
    private io.activation.ingest.Outbox outbox;
    @Autowired
    private io.activation.ingest.ChangeEvents changeEvents;
    @Autowired
    private org.springframework.transaction.support.TransactionTemplate transactions;

    @Test
    void withTouchOpenAnOpenCountsAndFirstClickTakesTheEarliestInteraction() {
        Delivery d = sentEmail();
        long second = delivery(d.requestId(), d.contactId(), null, unique("k"), d.email(), "sent");
        anonymous("GET", links.openPixel(d.id()), null).expect(200);
        clock.advance(Duration.ofHours(1));
        anonymous("GET", links.click(second, "https://shop.example.com/b"), null).expect(302);
        clock.advance(Duration.ofHours(1));
        String table = unique("conv");
        Attribution firstOpenOrClick = configured(table, "open", "first-click");
        Attribution lastOpenOrClick = configured(table, "open", "last-click");
        Attribution clicksOnly = configured(table, "click", "first-click");

        assertThat(attributed(() -> firstOpenOrClick.attribute(created(table, "a", d.contactId(), "12.5"))))
                .hasValueSatisfying(a -> {
                    assertThat(a.deliveryId()).isEqualTo(d.id());
                    assertThat(a.revenue()).isEqualByComparingTo("12.5");
                });
        assertThat(attributed(() -> lastOpenOrClick.attribute(created(table, "b", d.contactId(), "1"))))
                .hasValueSatisfying(a -> assertThat(a.deliveryId()).isEqualTo(second));
        assertThat(attributed(() -> clicksOnly.attribute(created(table, "c", d.contactId(), "1"))))
                .hasValueSatisfying(a -> assertThat(a.deliveryId()).isEqualTo(second));
        // A row of another table is no conversion.
        assertThat(attributed(() -> clicksOnly.attribute(created(table + "x", "d", d.contactId(), "1"))))
                .isEmpty();
        assertThat(jdbc.queryForObject("select touch from message_attributions where table_name = ? and row_key = 'a'",
                String.class, table)).isEqualTo("open");
    }

    private java.util.Optional<Attribution.Attributed> attributed(
            java.util.function.Supplier<java.util.Optional<Attribution.Attributed>> attribute) {
        return transactions.execute(status -> attribute.get());
    }

    private Attribution configured(String table, String touch, String model) {
        TrackingProperties properties = new TrackingProperties("http://localhost:8080", null, Duration.ofHours(1),
                new TrackingProperties.Attribution(true, table, "amount", Duration.ofDays(7), touch, model));
        return new Attribution(jdbc, interactions, outbox, changeEvents, properties, clock);
    }

    private JsonNode created(String table, String key, long contactId, String amount) {
        return JSON.readTree("""
                {"type": "io.activation.row.created", "time": "%s",
                 "data": {"table": "%s", "key": "%s", "contactId": %d, "values": {"amount": "%s"}}}
                """.formatted(clock.instant(), table, key, contactId, amount));
    }

    private void order(String externalId, String orderNo, String total) {
        Response answer = post("/api/v1/tables/orders/rows", """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "%s", "total": %s, "cancelled": false}}
                """.formatted(externalId, orderNo, total));
        assertThat(answer.status()).as(answer.body()).isIn(200, 201);
    }

    private Map<String, Object> awaitAttribution(String orderNo) {
        await("attribution of " + orderNo, () -> count(
                "select count(*) from message_attributions where table_name = 'orders' and row_key = ?", orderNo),
                n -> n == 1);
        return jdbc.queryForMap("select * from message_attributions where table_name = 'orders' and row_key = ?",
                orderNo);
    }
}
