package io.activation.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.journey.source.ReferenceFanout;
import io.activation.segment.value.Interests;
import io.activation.segment.value.Rfm;
import io.activation.testing.ApiTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import tools.jackson.databind.JsonNode;

/**
 * Freshness between full refreshes: RFM groups, interest profiles and reference rows move the contacts they
 * concern at once; deleting a segment lets every member exit.
 */
class MembershipFreshnessTest extends ApiTest {

    private static final Duration FRESH = Duration.ofSeconds(5);

    @Autowired
    KafkaListenerEndpointRegistry listeners;

    private String scoped(String prefix, String rule) {
        return "{\"and\": [{\"attribute\": \"external_id\", \"op\": \"starts_with\", \"value\": \"" + prefix
                + "-\"}, " + rule + "]}";
    }

    private JsonNode createSegment(String rule) {
        return post("/api/v1/segments", "{\"name\": \"" + unique("fresh") + "\", \"rule\": " + rule + "}")
                .expect(201).json();
    }

    private long contactId(String externalId) {
        return get("/api/v1/contacts/" + externalId).expect(200).json().get("id").longValue();
    }

    private void row(String table, String contact, String values) {
        String contactPart = contact == null ? "" : "\"contact\": {\"externalId\": \"" + contact + "\"}, ";
        int status = post("/api/v1/tables/" + table + "/rows", "{" + contactPart + "\"values\": " + values + "}")
                .status();
        assertThat(status).as("row written").isIn(200, 201);
    }

    private static boolean has(List<ConsumerRecord<String, String>> seen, String type, long segment, long contact) {
        return seen.stream().map(ApiTest::value).anyMatch(e -> e.path("type").asString("").equals(type)
                && (segment < 0 || e.at("/data/segmentId").asLong() == segment)
                && e.at("/data/contactId").asLong() == contact);
    }

    private static long count(List<ConsumerRecord<String, String>> seen, String type, long contact) {
        return seen.stream().map(ApiTest::value).filter(e -> e.path("type").asString("").equals(type)
                && e.at("/data/contactId").asLong() == contact).count();
    }

    /**
     * Writes the contacts' rows and waits until the segment listener has evaluated them (a probe segment on the
     * table sees each contact enter), so no event still in flight can move a contact later for another reason.
     */
    private void rowsSettled(String prefix, String table, List<String[]> rows) {
        long probe = createSegment(scoped(prefix, "{\"exists\": {\"table\": \"" + table + "\"}}")).get("id")
                .longValue();
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            for (String[] r : rows) {
                row(table, r[0], r[1]);
            }
            List<Long> contacts = rows.stream().map(r -> r[0]).distinct().map(this::contactId).toList();
            consumeUntil(consumer, s -> contacts.stream().allMatch(c -> has(s, SegmentMemberships.ENTERED, probe, c)),
                    Duration.ofSeconds(20));
        }
    }

    private String orders() {
        return defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "text"}, {"name": "ordered_at", "type": "timestamp"},
                   {"name": "total", "type": "decimal"}]}""".formatted(unique("orders")));
    }

    @Test
    void anRfmGroupChangeMovesTheContactIntoSegmentsTestingThatGroup() {
        clock.set(Instant.parse("2026-05-01T12:00:00Z"));
        String p = unique("rfmfresh");
        String orders = orders();
        row(orders, p + "-a", "{\"order_no\": \"" + p + "-a1\", \"ordered_at\": \"2026-04-20T10:00:00Z\","
                + " \"total\": 80}");
        String model = unique("rfm");
        post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amountColumn": "total"}"""
                .formatted(model, orders)).expect(201);
        post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200);
        String group = get("/api/v1/rfm-models/" + model + "/contacts/" + p + "-a").expect(200).json()
                .get("group").stringValue();
        JsonNode segment = createSegment(scoped(p, "{\"rfm\": {\"model\": \"" + model + "\", \"group\": \"" + group
                + "\"}}"));
        long id = segment.get("id").longValue();
        assertThat(segment.get("memberCount").longValue()).isEqualTo(1);

        // A probe segment created after the RFM one: its entered event for b shows the listener has evaluated b's
        // creation for both (segments are evaluated in id order), so only the group change can move b later.
        long probe = createSegment(scoped(p, "{\"attribute\": \"external_id\", \"op\": \"eq\", \"value\": \"" + p
                + "-b\"}")).get("id").longValue();
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            // b buys exactly as a did: once scored it ties with a, so it lands in a's group; only b's group changes.
            row(orders, p + "-b", "{\"order_no\": \"" + p + "-b1\", \"ordered_at\": \"2026-04-20T10:00:00Z\","
                    + " \"total\": 80}");
            long b = contactId(p + "-b");
            consumeUntil(consumer, s -> has(s, SegmentMemberships.ENTERED, probe, b), Duration.ofSeconds(20));
            assertThat(get("/api/v1/segments/" + id).json().get("memberCount").longValue()).isEqualTo(1);
            long started = System.nanoTime();
            post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200);
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    s -> has(s, SegmentMemberships.ENTERED, id, b), Duration.ofSeconds(20));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("recompute to segment.entered")
                    .isLessThan(FRESH);
            assertThat(has(seen, Rfm.GROUP_CHANGED, -1, b)).isTrue();
        }
        assertThat(get("/api/v1/segments/" + id).json().get("memberCount").longValue()).isEqualTo(2);
    }

    @Test
    void anInterestRecomputeMovesContactsWhoseProfileChangedAndAnnouncesOnlyThose() {
        clock.set(Instant.parse("2026-06-01T00:00:00Z"));
        String p = unique("intfresh");
        String products = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "stock_code",
                 "attributes": [{"name": "stock_code", "type": "text"}, {"name": "category", "type": "text"}]}"""
                .formatted(unique("products")));
        String lines = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "line_id", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "line_id", "type": "text"},
                   {"name": "product", "type": "text", "references": "%s"},
                   {"name": "ordered_at", "type": "timestamp"}]}""".formatted(unique("lines"), products));
        row(products, null, "{\"stock_code\": \"" + p + "-T\", \"category\": \"toys\"}");
        row(products, null, "{\"stock_code\": \"" + p + "-B\", \"category\": \"books\"}");
        rowsSettled(p, lines, List.of(
                new String[] {p + "-a", "{\"line_id\": \"" + p + "-a1\", \"product\": \"" + p + "-T\","
                        + " \"ordered_at\": \"2026-05-01T00:00:00Z\"}"},
                new String[] {p + "-b", "{\"line_id\": \"" + p + "-b1\", \"product\": \"" + p + "-B\","
                        + " \"ordered_at\": \"2026-05-01T00:00:00Z\"}"}));
        long a = contactId(p + "-a");
        long b = contactId(p + "-b");
        put("/api/v1/interests/settings", """
                {"purchases": {"table": "%s", "category": "product.category", "date": "ordered_at"}}"""
                .formatted(lines)).expect(200);
        JsonNode segment = createSegment(scoped(p, "{\"interest\": \"toys\", \"op\": \"gte\", \"value\": 0.5}"));
        long id = segment.get("id").longValue();
        assertThat(segment.get("memberCount").longValue()).as("no profile computed yet").isZero();

        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            long started = System.nanoTime();
            post("/api/v1/interests/recompute", null).expect(200);
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    s -> has(s, SegmentMemberships.ENTERED, id, a) && has(s, Interests.CHANGED, -1, b),
                    Duration.ofSeconds(20));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("recompute to segment.entered")
                    .isLessThan(FRESH);
            assertThat(has(seen, SegmentMemberships.ENTERED, id, b)).as("b's interest is books").isFalse();

            // Nothing changed: a second recompute announces neither contact. The contact update after it is on
            // a's partition behind anything the recompute published for a.
            post("/api/v1/interests/recompute", null).expect(200);
            put("/api/v1/contacts/" + p + "-a", "{\"firstName\": \"Ada\"}").expect(200);
            seen = consumeUntil(consumer, s -> count(s, "io.activation.contact.updated", a) == 1,
                    Duration.ofSeconds(20));
            assertThat(count(seen, Interests.CHANGED, a)).isZero();

            // a's purchases turn to books (three books, one toy: toys weighs 1/3): the recompute takes a out.
            for (int i = 2; i <= 4; i++) {
                row(lines, p + "-a", "{\"line_id\": \"" + p + "-a" + i + "\", \"product\": \"" + p + "-B\","
                        + " \"ordered_at\": \"2026-05-2" + i + "T00:00:00Z\"}");
            }
            post("/api/v1/interests/recompute", null).expect(200);
            consumeUntil(consumer, s -> has(s, SegmentMemberships.EXITED, id, a), Duration.ofSeconds(20));
        }
        assertThat(get("/api/v1/segments/" + id).json().get("memberCount").longValue()).isZero();
    }

    @Test
    void aReferenceRowChangeReachesSegmentsJoiningThroughItWithinSeconds() {
        assertThat(MembershipListener.REFERENCE_CHANGED).isEqualTo(ReferenceFanout.REFERENCE_CHANGED);
        awaitFanoutConsumerAssigned();
        String p = unique("reffresh");
        String products = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "stock_code",
                 "attributes": [{"name": "stock_code", "type": "text"}, {"name": "category", "type": "text"}]}"""
                .formatted(unique("products")));
        String wishlist = defineTable("""
                {"name": "%s", "kind": "linked", "businessKey": "item_id",
                 "attributes": [{"name": "item_id", "type": "text"},
                   {"name": "product", "type": "text", "references": "%s"}]}""".formatted(unique("wishlist"),
                products));
        row(products, null, "{\"stock_code\": \"" + p + "-P\", \"category\": \"books\"}");
        rowsSettled(p, wishlist, List.of(
                new String[] {p + "-a", "{\"item_id\": \"" + p + "-w1\", \"product\": \"" + p + "-P\"}"},
                new String[] {p + "-b", "{\"item_id\": \"" + p + "-w2\", \"product\": \"" + p + "-other\"}"}));
        long a = contactId(p + "-a");
        long b = contactId(p + "-b");
        JsonNode segment = createSegment(scoped(p, "{\"exists\": {\"table\": \"" + wishlist + "\", \"where\":"
                + " {\"attribute\": \"product.category\", \"op\": \"eq\", \"value\": \"toys\"}}}"));
        long id = segment.get("id").longValue();
        assertThat(segment.get("memberCount").longValue()).isZero();

        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            long started = System.nanoTime();
            row(products, null, "{\"stock_code\": \"" + p + "-P\", \"category\": \"toys\"}");
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    s -> has(s, SegmentMemberships.ENTERED, id, a), Duration.ofSeconds(20));
            Duration latency = Duration.ofNanos(System.nanoTime() - started);
            assertThat(latency).as("product change to segment.entered").isLessThan(FRESH);
            assertThat(has(seen, SegmentMemberships.ENTERED, id, b)).isFalse();

            row(products, null, "{\"stock_code\": \"" + p + "-P\", \"category\": \"garden\"}");
            consumeUntil(consumer, s -> has(s, SegmentMemberships.EXITED, id, a), Duration.ofSeconds(20));
        }
        assertThat(get("/api/v1/segments/" + id).json().get("memberCount").longValue()).isZero();
    }

    @Test
    void deletingASegmentLetsEveryMemberExit() {
        String p = unique("delfresh");
        put("/api/v1/contacts/" + p + "-a", "{\"country\": \"NL\"}").expect(201);
        put("/api/v1/contacts/" + p + "-b", "{\"country\": \"NL\"}").expect(201);
        put("/api/v1/contacts/" + p + "-c", "{\"country\": \"BE\"}").expect(201);
        long a = contactId(p + "-a");
        long b = contactId(p + "-b");
        long c = contactId(p + "-c");
        JsonNode segment = createSegment(scoped(p, "{\"attribute\": \"country\", \"op\": \"eq\", \"value\": \"NL\"}"));
        long id = segment.get("id").longValue();
        assertThat(segment.get("memberCount").longValue()).isEqualTo(2);
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            delete("/api/v1/segments/" + id).expect(204);
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    s -> has(s, SegmentMemberships.EXITED, id, a) && has(s, SegmentMemberships.EXITED, id, b),
                    Duration.ofSeconds(20));
            assertThat(has(seen, SegmentMemberships.EXITED, id, c)).isFalse();
            JsonNode exited = seen.stream().map(ApiTest::value)
                    .filter(e -> e.path("type").asString("").equals(SegmentMemberships.EXITED)
                            && e.at("/data/segmentId").asLong() == id)
                    .findFirst().orElseThrow();
            assertThat(exited.at("/data/segment").stringValue()).isEqualTo(segment.get("name").stringValue());
        }
        get("/api/v1/segments/" + id).expect(404);
        assertThat(get("/api/v1/contacts/" + p + "-a/segments").json().get("items")).isEmpty();
    }

    private void awaitFanoutConsumerAssigned() {
        MessageListenerContainer container = listeners.getListenerContainer("reference-fanout");
        assertThat(container).as("the fan-out listener runs in the engine role").isNotNull();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (container.getAssignedPartitions() == null || container.getAssignedPartitions().isEmpty()) {
            assertThat(System.nanoTime()).as("fan-out consumer assigned within 60 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
