package io.activation.journey.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.datamodel.TableCatalog;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.testing.ApiTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

class ReferenceFanoutTest extends ApiTest {

    @Autowired
    ReferenceFanout fanout;

    @Autowired
    KafkaListenerEndpointRegistry listeners;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    TableCatalog catalog;

    @Autowired
    Outbox outbox;

    @Autowired
    ChangeEvents changeEvents;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    Clock appClock;

    private record Shop(String products, String wishlist, String carts, String cartLines) {}

    private Shop shop() {
        String products = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "stock_code", "attributes": [
                  {"name": "stock_code", "type": "text"}, {"name": "unit_price", "type": "decimal"},
                  {"name": "in_stock", "type": "boolean"}]}""".formatted(unique("products")));
        String wishlist = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "wishlist_item_id", "attributes": [
                  {"name": "wishlist_item_id", "type": "text"},
                  {"name": "stock_code", "type": "text", "references": "%s"}]}""".formatted(unique("wishlist"),
                products));
        String carts = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id", "attributes": [
                  {"name": "cart_id", "type": "text"},
                  {"name": "status", "type": "enum", "enumValues": ["open", "abandoned", "converted"]}]}
                """.formatted(unique("carts")));
        String cartLines = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "line_id", "attributes": [
                  {"name": "line_id", "type": "text"},
                  {"name": "cart_id", "type": "text", "references": "%s"},
                  {"name": "stock_code", "type": "text", "references": "%s"},
                  {"name": "quantity", "type": "integer"}]}""".formatted(unique("cart_lines"), carts, products));
        return new Shop(products, wishlist, carts, cartLines);
    }

    private long row(String table, String contact, String valuesJson) {
        String contactPart = contact == null ? "" : "\"contact\": {\"externalId\": \"" + contact + "\"}, ";
        JsonNode answer = post("/api/v1/tables/" + table + "/rows", "{" + contactPart + "\"values\": " + valuesJson
                + "}").json();
        return answer.path("contactId").asLong(0);
    }

    private void awaitFanoutConsumerAssigned() {
        MessageListenerContainer container = listeners.getListenerContainer(ReferenceFanoutListener.LISTENER_ID);
        assertThat(container).as("the fan-out listener runs in the engine role").isNotNull();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (container.getAssignedPartitions() == null || container.getAssignedPartitions().isEmpty()) {
            assertThat(System.nanoTime()).as("fan-out consumer assigned within 60 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static boolean isFanoutOf(ConsumerRecord<String, String> r, String linkingTable) {
        JsonNode v = value(r);
        return v.path("type").asString("").equals(ReferenceFanout.REFERENCE_CHANGED)
                && v.at("/data/table").asString("").equals(linkingTable);
    }

    private static boolean isSourceOf(ConsumerRecord<String, String> r, Shop shop) {
        JsonNode v = value(r);
        return v.path("type").asString("").equals(ChangeEvents.ROW_UPDATED)
                && v.at("/data/table").asString("").equals(shop.products());
    }

    @Test
    void aPriceDropReachesEveryContactWhoseWishlistOrCartHoldsTheProduct() {
        Shop shop = shop();
        String ann = unique("ann");
        String bob = unique("bob");
        String cy = unique("cy");
        row(shop.products(), null, "{\"stock_code\": \"P1\", \"unit_price\": 10.00, \"in_stock\": true}");
        row(shop.products(), null, "{\"stock_code\": \"P2\", \"unit_price\": 5.00, \"in_stock\": true}");
        long annId = row(shop.wishlist(), ann, "{\"wishlist_item_id\": \"w-ann\", \"stock_code\": \"P1\"}");
        long bobId = row(shop.wishlist(), bob, "{\"wishlist_item_id\": \"w-bob\", \"stock_code\": \"P1\"}");
        row(shop.carts(), bob, "{\"cart_id\": \"cart-bob\", \"status\": \"open\"}");
        row(shop.cartLines(), bob, "{\"line_id\": \"l-bob\", \"cart_id\": \"cart-bob\", \"stock_code\": \"P1\","
                + " \"quantity\": 2}");
        row(shop.wishlist(), cy, "{\"wishlist_item_id\": \"w-cy\", \"stock_code\": \"P2\"}");
        assertThat(fanout.links(shop.products())).containsExactlyInAnyOrder(
                new ReferenceFanout.Link(shop.wishlist(), "stock_code"),
                new ReferenceFanout.Link(shop.cartLines(), "stock_code"));
        assertThat(fanout.fansOut(shop.products())).isTrue();
        assertThat(fanout.fansOut(shop.carts())).as("not a reference table").isFalse();
        awaitFanoutConsumerAssigned();

        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            put("/api/v1/tables/" + shop.products() + "/rows/P1", "{\"values\": {\"unit_price\": 8.00}}").expect(200);

            // Only the fan-out of this price change: the creations of P1 and P2 fan out too, whenever the
            // consumer reaches them (after the wishlist rows exist, they reach those rows as well).
            Predicate<ConsumerRecord<String, String>> ofThisChange = r -> (isFanoutOf(r, shop.wishlist())
                    || isFanoutOf(r, shop.cartLines()))
                    && value(r).at("/data/reference/changed").toString().equals("[\"unit_price\"]");
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, records -> records.stream()
                    .filter(ofThisChange).count() >= 3 && records.stream().anyMatch(r -> isSourceOf(r, shop)),
                    Duration.ofSeconds(60));
            ConsumerRecord<String, String> source = seen.stream().filter(r -> isSourceOf(r, shop)).findFirst()
                    .orElseThrow();
            List<ConsumerRecord<String, String>> fanned = seen.stream().filter(ofThisChange).toList();
            assertThat(fanned).hasSize(3);
            Map<String, ConsumerRecord<String, String>> byRow = fanned.stream().collect(Collectors.toMap(
                    r -> value(r).at("/data/key").asString(), Function.identity()));
            assertThat(byRow.keySet()).containsExactlyInAnyOrder("w-ann", "w-bob", "l-bob");

            ConsumerRecord<String, String> annEvent = byRow.get("w-ann");
            assertThat(annEvent.key()).as("keyed by contact").isEqualTo(Long.toString(annId));
            JsonNode data = value(annEvent).get("data");
            assertThat(data.get("contactId").asLong()).isEqualTo(annId);
            assertThat(data.get("table").asString()).isEqualTo(shop.wishlist());
            assertThat(data.get("rowId").asLong()).isPositive();
            assertThat(data.at("/values/stock_code").asString()).isEqualTo("P1");
            assertThat(data.at("/reference/table").asString()).isEqualTo(shop.products());
            assertThat(data.at("/reference/key").asString()).isEqualTo("P1");
            assertThat(data.at("/reference/values/unit_price").decimalValue()).isEqualByComparingTo("8");
            assertThat(data.at("/reference/previous/unit_price").decimalValue()).isEqualByComparingTo("10");
            assertThat(data.at("/reference/changed").toString()).isEqualTo("[\"unit_price\"]");
            String sourceId = value(source).get("id").asString();
            assertThat(value(annEvent).get("id").asString()).as("deterministic id").isEqualTo(UUID.nameUUIDFromBytes(
                    ("reference-changed:" + sourceId + ":" + shop.wishlist() + ":" + data.get("rowId").asLong())
                            .getBytes(StandardCharsets.UTF_8)).toString());

            // The cart line carries its cart one hop further, so a trigger can keep open carts only.
            JsonNode line = value(byRow.get("l-bob")).get("data");
            assertThat(line.get("contactId").asLong()).isEqualTo(bobId);
            assertThat(line.at("/values/quantity").asLong()).isEqualTo(2);
            assertThat(line.at("/related/cart_id/table").asString()).isEqualTo(shop.carts());
            assertThat(line.at("/related/cart_id/values/status").asString()).isEqualTo("open");

            // Replaying the same source event publishes nothing new: its progress says it is done.
            assertThat(fanout.handle(source.value())).isZero();
        }
    }

    @Test
    void aProductOnManyWishlistsFansOutInPagesAndAResumedReplayPublishesTheSameIds() {
        Shop shop = shop();
        row(shop.products(), null, "{\"stock_code\": \"P9\", \"unit_price\": 3.00, \"in_stock\": false}");
        long[] contacts = new long[3];
        for (int i = 0; i < contacts.length; i++) {
            contacts[i] = row(shop.wishlist(), unique("fan"), "{\"wishlist_item_id\": \"seed-" + i
                    + "\", \"stock_code\": \"other\"}");
        }
        String wishlist = "data.\"" + shop.wishlist() + "\"";
        jdbc.update("insert into " + wishlist + " (contact_id, wishlist_item_id, stock_code, created_at, updated_at)"
                + " select (array[?, ?, ?]::bigint[])[1 + g % 3], 'w' || g, 'P9', now(), now()"
                + " from generate_series(1, 1234) g", contacts[0], contacts[1], contacts[2]);
        List<Long> rowIds = jdbc.queryForList("select id from " + wishlist + " where stock_code = 'P9' order by id",
                Long.class);
        UUID sourceId = UUID.randomUUID();
        String source = """
                {"specversion": "1.0", "id": "%s", "type": "io.activation.row.updated", "data": {
                  "table": "%s", "key": "P9", "rowId": 1, "values": {"stock_code": "P9", "unit_price": 3.00,
                  "in_stock": true}, "changed": ["in_stock"], "previous": {"in_stock": false}}}
                """.formatted(sourceId, shop.products());
        Function<Long, String> idOf = rowId -> UUID.nameUUIDFromBytes(("reference-changed:" + sourceId + ":"
                + shop.wishlist() + ":" + rowId).getBytes(StandardCharsets.UTF_8)).toString();
        Set<String> expected = rowIds.stream().map(idOf).collect(Collectors.toSet());

        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            assertThat(fanout.handle(source)).isEqualTo(1234);
            Map<String, Object> progress = jdbc.queryForMap("select last_row_id, done, published from"
                    + " reference_fanout_progress where source_event_id = ? and linking_table = ?", sourceId,
                    shop.wishlist());
            assertThat(progress).containsEntry("done", true).containsEntry("published", 1234L)
                    .containsEntry("last_row_id", rowIds.get(rowIds.size() - 1));

            // A crash after the first page committed: the progress stands at row 500, not done.
            jdbc.update("update reference_fanout_progress set last_row_id = ?, done = false"
                    + " where source_event_id = ? and linking_table = ?", rowIds.get(499), sourceId, shop.wishlist());
            assertThat(fanout.handle(source)).as("resumes after the committed page").isEqualTo(1234 - 500);

            Set<String> first = new HashSet<>();
            List<String> all = new java.util.ArrayList<>();
            consumeUntil(consumer, records -> {
                all.clear();
                records.stream().filter(r -> isFanoutOf(r, shop.wishlist()))
                        .filter(r -> value(r).at("/data/reference/key").asString("").equals("P9"))
                        .map(r -> value(r).get("id").asString()).filter(expected::contains).forEach(all::add);
                return all.size() >= 1234 + 734;
            }, Duration.ofSeconds(90));
            first.addAll(all);
            assertThat(first).isEqualTo(expected);
            assertThat(all).as("the resumed pages republish exactly the later rows' ids").hasSize(1234 + 734);
            Set<String> resumed = rowIds.subList(500, rowIds.size()).stream().map(idOf).collect(Collectors.toSet());
            assertThat(all.stream().filter(resumed::contains).count()).isEqualTo(2L * 734);
        }

        // Finished fan-outs are forgotten after the retention (7 days); until then a replay is recognised.
        clock.advance(Duration.ofDays(6));
        fanout.purgeProgress();
        assertThat(jdbc.queryForObject("select count(*) from reference_fanout_progress where source_event_id = ?",
                Long.class, sourceId)).isEqualTo(2);
        clock.advance(Duration.ofDays(2));
        fanout.purgeProgress();
        assertThat(jdbc.queryForObject("select count(*) from reference_fanout_progress where source_event_id = ?",
                Long.class, sourceId)).isZero();
    }

    @Test
    void inWatchedModeOnlyTablesSomeoneAskedForFanOut() {
        Shop shop = shop();
        ReferenceFanout watchedOnly = new ReferenceFanout(jdbc, catalog, outbox, changeEvents, transactions, appClock,
                new ReferenceFanoutProperties(true, ReferenceFanoutProperties.Mode.WATCHED, List.of(), 500,
                        Duration.ofDays(7), "g"));
        assertThat(watchedOnly.fansOut(shop.products())).isFalse();

        watchedOnly.watch(shop.products(), "scenario-1");
        watchedOnly.watch(shop.products(), "scenario-2");
        watchedOnly.watch(shop.products(), "scenario-2");
        assertThat(watchedOnly.fansOut(shop.products())).isTrue();

        watchedOnly.unwatch(shop.products(), "scenario-1");
        assertThat(watchedOnly.fansOut(shop.products())).as("scenario-2 still watches").isTrue();
        watchedOnly.unwatch(shop.products(), "scenario-2");
        assertThat(watchedOnly.fansOut(shop.products())).isFalse();

        ReferenceFanout excluding = new ReferenceFanout(jdbc, catalog, outbox, changeEvents, transactions, appClock,
                new ReferenceFanoutProperties(true, ReferenceFanoutProperties.Mode.ALL, List.of(shop.products()), 500,
                        Duration.ofDays(7), "g"));
        assertThat(excluding.fansOut(shop.products())).isFalse();
        assertThat(fanout.fansOut(shop.products())).as("the application's default: every linked table").isTrue();
    }
}
