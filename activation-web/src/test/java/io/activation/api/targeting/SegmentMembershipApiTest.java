package io.activation.api.targeting;

import static io.activation.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Segments as stored objects: definition, materialised membership, its events, paging, explain. */
class SegmentMembershipApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    private String orders() {
        return defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "text"}, {"name": "ordered_at", "type": "timestamp"},
                   {"name": "total", "type": "decimal"}]}
                """.formatted(unique("orders")));
    }

    private long contactId(String externalId) {
        return get("/api/v1/contacts/" + externalId).expect(200).json().get("id").longValue();
    }

    private String scoped(String prefix, String rule) {
        return "{\"and\": [{\"attribute\": \"external_id\", \"op\": \"starts_with\", \"value\": \"" + prefix
                + "-\"}, " + rule + "]}";
    }

    private JsonNode createSegment(String name, String rule) {
        return post("/api/v1/segments", "{\"name\": \"" + name + "\", \"description\": \"test\", \"rule\": " + rule
                + "}").expect(201).json();
    }

    private static List<JsonNode> segmentEvents(List<ConsumerRecord<String, String>> seen, String type, long segment) {
        List<JsonNode> events = new ArrayList<>();
        seen.stream().map(ApiTest::value)
                .filter(e -> e.get("type").stringValue().equals("io.activation.segment." + type))
                .filter(e -> e.at("/data/segmentId").longValue() == segment)
                .forEach(events::add);
        return events;
    }

    @Test
    void anOrderPostedThroughTheApiMovesAContactIntoAndOutOfASegment() {
        String p = unique("inc");
        String orders = orders();
        clock.set(Instant.parse("2026-04-10T12:00:00Z"));
        put("/api/v1/contacts/" + p + "-buyer", "{\"firstName\": \"Bea\"}").expect(201);
        long buyer = contactId(p + "-buyer");
        String rule = scoped(p, "{\"aggregate\": {\"table\": \"" + orders + "\", \"fn\": \"sum\", \"column\":"
                + " \"total\", \"window\": {\"lastDays\": 30}}, \"op\": \"gte\", \"value\": 100}");
        JsonNode big = createSegment(unique("big"), rule);
        long segment = big.get("id").longValue();
        assertThat(big.get("memberCount").longValue()).isZero();
        // A segment testing membership of the first: changes cascade through the entered/exited events.
        JsonNode notBig = createSegment(unique("notbig"), scoped(p, "{\"not\": {\"segment\": \""
                + big.get("name").stringValue() + "\"}}"));
        long notBigId = notBig.get("id").longValue();
        assertThat(notBig.get("memberCount").longValue()).isEqualTo(1);

        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            long posted = System.nanoTime();
            post("/api/v1/tables/" + orders + "/rows", "{\"contact\": {\"externalId\": \"" + p + "-buyer\"},"
                    + " \"values\": {\"order_no\": \"" + p + "-1\", \"ordered_at\": \"2026-04-09T10:00:00Z\","
                    + " \"total\": 120}}").expect(201);
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    s -> !segmentEvents(s, "entered", segment).isEmpty()
                            && !segmentEvents(s, "exited", notBigId).isEmpty(), Duration.ofSeconds(20));
            Duration latency = Duration.ofNanos(System.nanoTime() - posted);
            JsonNode entered = segmentEvents(seen, "entered", segment).get(0);
            assertThat(entered.at("/data/contactId").longValue()).isEqualTo(buyer);
            assertThat(entered.at("/data/segment").stringValue()).isEqualTo(big.get("name").stringValue());
            assertThat(entered.get("contactid").stringValue()).isEqualTo(Long.toString(buyer));
            assertThat(latency).as("order to segment.entered (and the cascade)").isLessThan(Duration.ofSeconds(5));

            JsonNode segments = get("/api/v1/contacts/" + p + "-buyer/segments").expect(200).json();
            assertThat(segments.get("items")).extracting(s -> s.get("id").longValue()).containsExactly(segment);

            // Deleting the order takes the contact out again.
            delete("/api/v1/tables/" + orders + "/rows/" + p + "-1").expect(204);
            seen = consumeUntil(consumer, s -> !segmentEvents(s, "exited", segment).isEmpty()
                    && !segmentEvents(s, "entered", notBigId).isEmpty(), Duration.ofSeconds(20));
            assertThat(segmentEvents(seen, "exited", segment).get(0).at("/data/contactId").longValue())
                    .isEqualTo(buyer);
            assertThat(get("/api/v1/contacts/" + p + "-buyer/segments").json().get("items"))
                    .extracting(s -> s.get("id").longValue()).containsExactly(notBigId);

            // Time alone: an order 20 days old counts now and falls out of the 30-day window later; the
            // (here: explicit) refresh sees it.
            post("/api/v1/tables/" + orders + "/rows", "{\"contact\": {\"externalId\": \"" + p + "-buyer\"},"
                    + " \"values\": {\"order_no\": \"" + p + "-2\", \"ordered_at\": \"2026-03-21T10:00:00Z\","
                    + " \"total\": 300}}").expect(201);
            consumeUntil(consumer, s -> segmentEvents(s, "entered", segment).size() == 1
                    && segmentEvents(s, "exited", notBigId).size() == 1, Duration.ofSeconds(20));
            clock.advance(Duration.ofDays(11));
            JsonNode refreshed = post("/api/v1/segments/" + segment + "/refresh", null).expect(200).json();
            assertThat(refreshed.get("exited").intValue()).isEqualTo(1);
            assertThat(refreshed.get("memberCount").longValue()).isZero();
            consumeUntil(consumer, s -> !segmentEvents(s, "exited", segment).isEmpty(), Duration.ofSeconds(20));
        }
        // Still referenced: refused; the referencing one goes first.
        assertProblem(delete("/api/v1/segments/" + segment), 409, "segment-in-use", "id");
        delete("/api/v1/segments/" + notBigId).expect(204);
        delete("/api/v1/segments/" + segment).expect(204);
        get("/api/v1/segments/" + segment).expect(404);
    }

    @Test
    void aContactAttributeChangeAndANewContactAreEvaluatedAtOnce() {
        String p = unique("attr");
        put("/api/v1/contacts/" + p + "-a", "{\"country\": \"BE\"}").expect(201);
        long a = contactId(p + "-a");
        JsonNode dutch = createSegment(unique("dutch"), scoped(p, "{\"attribute\": \"country\", \"op\": \"eq\","
                + " \"value\": \"NL\"}"));
        long id = dutch.get("id").longValue();
        assertThat(dutch.get("memberCount").longValue()).isZero();
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            put("/api/v1/contacts/" + p + "-a", "{\"country\": \"NL\"}").expect(200);
            put("/api/v1/contacts/" + p + "-b", "{\"country\": \"NL\"}").expect(201);
            long b = contactId(p + "-b");
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    s -> segmentEvents(s, "entered", id).size() == 2, Duration.ofSeconds(20));
            assertThat(segmentEvents(seen, "entered", id)).extracting(e -> e.at("/data/contactId").longValue())
                    .containsExactlyInAnyOrder(a, b);
            // A change to an attribute the rule does not test re-evaluates nothing, so publishes nothing.
            put("/api/v1/contacts/" + p + "-a", "{\"firstName\": \"Ann\"}").expect(200);
            put("/api/v1/contacts/" + p + "-a", "{\"country\": \"DE\"}").expect(200);
            seen = consumeUntil(consumer, s -> !segmentEvents(s, "exited", id).isEmpty(), Duration.ofSeconds(20));
            assertThat(segmentEvents(seen, "exited", id)).extracting(e -> e.at("/data/contactId").longValue())
                    .containsExactly(a);
        }
        assertThat(get("/api/v1/segments/" + id).json().get("memberCount").longValue()).isEqualTo(1);
    }

    @Test
    void aBatchOfNewContactsEntersTogether() {
        String p = unique("bulk");
        JsonNode segment = createSegment(unique("swiss"), scoped(p, "{\"attribute\": \"country\", \"op\": \"eq\","
                + " \"value\": \"CH\"}"));
        long id = segment.get("id").longValue();
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            items.append(i == 0 ? "" : ", ").append("{\"externalId\": \"").append(p).append("-").append(i)
                    .append("\", \"country\": \"").append(i % 2 == 0 ? "CH" : "AT").append("\"}");
        }
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            post("/api/v1/contacts/batch", "{\"items\": [" + items + "]}").expect(200);
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer,
                    s -> segmentEvents(s, "entered", id).size() >= 25, Duration.ofSeconds(20));
            assertThat(segmentEvents(seen, "entered", id)).hasSize(25)
                    .extracting(e -> e.at("/data/contactId").longValue()).doesNotHaveDuplicates();
        }
        assertThat(get("/api/v1/segments/" + id).json().get("memberCount").longValue()).isEqualTo(25);
    }

    @Test
    void membersPageByContactIdAndSegmentsAreListedAndDuplicatesRefused() {
        String p = unique("page");
        for (int i = 0; i < 5; i++) {
            put("/api/v1/contacts/" + p + "-" + i, "{\"country\": \"" + (i < 4 ? "FR" : "DE") + "\"}").expect(201);
        }
        String name = unique("french");
        JsonNode segment = createSegment(name, scoped(p, "{\"attribute\": \"country\", \"op\": \"eq\","
                + " \"value\": \"FR\"}"));
        long id = segment.get("id").longValue();
        assertThat(segment.get("memberCount").longValue()).isEqualTo(4);
        assertThat(segment.get("rule").at("/and/1/value").stringValue()).isEqualTo("FR");

        JsonNode first = get("/api/v1/segments/" + id + "/members?limit=3").expect(200).json();
        assertThat(first.get("items")).hasSize(3);
        long next = first.get("next").longValue();
        JsonNode second = get("/api/v1/segments/" + id + "/members?limit=3&after=" + next).expect(200).json();
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.has("next")).isFalse();
        List<String> all = new ArrayList<>();
        first.get("items").forEach(m -> all.add(m.get("externalId").stringValue()));
        second.get("items").forEach(m -> all.add(m.get("externalId").stringValue()));
        assertThat(all).containsExactly(p + "-0", p + "-1", p + "-2", p + "-3");
        assertProblem(get("/api/v1/segments/" + id + "/members?limit=0"), 422, "invalid-input", "limit");

        assertThat(get("/api/v1/segments/" + id).expect(200).json().get("name").stringValue()).isEqualTo(name);
        JsonNode listed = get("/api/v1/segments?after=" + (id - 1) + "&limit=1").expect(200).json();
        assertThat(listed.get("items").get(0).get("id").longValue()).isEqualTo(id);
        assertThat(listed.get("next").longValue()).isEqualTo(id);
        assertProblem(post("/api/v1/segments", "{\"name\": \"" + name + "\", \"rule\": {\"attribute\": \"country\","
                + " \"op\": \"is_null\"}}"), 409, "segment-exists", "name");
        assertProblem(post("/api/v1/segments", "{\"name\": \"" + unique("bad") + "\", \"rule\": {\"segment\":"
                + " \"no-such-segment\"}}"), 422, "invalid-input", "rule.segment");
        assertProblem(get("/api/v1/contacts/" + unique("nobody") + "/segments"), 404, "not-found", "externalId");

        // Creation is idempotent under an Idempotency-Key, like every write.
        String idem = unique("k");
        String body = "{\"name\": \"" + unique("idem") + "\", \"rule\": " + scoped(p, "{\"attribute\":"
                + " \"country\", \"op\": \"eq\", \"value\": \"DE\"}") + "}";
        JsonNode once = send("POST", "/api/v1/segments", body, ADMIN_KEY, java.util.Map.of("Idempotency-Key", idem))
                .expect(201).json();
        assertThat(once.get("memberCount").longValue()).isEqualTo(1);
        Response again = send("POST", "/api/v1/segments", body, ADMIN_KEY, java.util.Map.of("Idempotency-Key", idem))
                .expect(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.json().get("id").longValue()).isEqualTo(once.get("id").longValue());

        JsonNode preview = post("/api/v1/segments/preview", "{\"sample\": 2, \"rule\": " + scoped(p,
                "{\"attribute\": \"country\", \"op\": \"eq\", \"value\": \"FR\"}") + "}").expect(200).json();
        assertThat(preview.get("count").longValue()).isEqualTo(4);
        assertThat(preview.get("sample")).hasSize(2);
        assertThat(preview.get("sample").get(0).get("externalId").stringValue()).isEqualTo(p + "-0");
    }

    @Test
    void theSqlOfAnAggregateRuleUsesTheTablesContactTimeIndexAndIsForAdminsOnly() {
        String p = unique("plan");
        String orders = orders();
        put("/api/v1/contacts/" + p + "-a", "{}").expect(201);
        JsonNode segment = createSegment(unique("recent"), scoped(p, "{\"aggregate\": {\"table\": \"" + orders
                + "\", \"fn\": \"count\", \"window\": {\"lastDays\": 30}}, \"op\": \"gte\", \"value\": 2}"));
        long id = segment.get("id").longValue();
        JsonNode sql = get("/api/v1/segments/" + id + "/sql").expect(200).json();
        assertThat(sql.get("sql").stringValue()).contains("data.\"" + orders + "\"").doesNotContain(p);
        assertThat(sql.get("parameters").toString()).contains(p + "-");
        assertThat(sql.get("plan")).isNotEmpty();

        JsonNode single = get("/api/v1/segments/" + id + "/sql?contact=" + p + "-a").expect(200).json();
        assertThat(single.get("plan").toString()).as("plan %s", single.get("plan"))
                .contains(orders + "_contact_time");

        String readKey = post("/api/v1/api-keys", "{\"name\": \"" + unique("reader") + "\", \"scopes\": [\"read\"]}")
                .expect(201).json().get("secret").stringValue();
        assertThat(send("GET", "/api/v1/segments/" + id + "/sql", null, readKey, java.util.Map.of()).status())
                .isEqualTo(403);
        send("GET", "/api/v1/segments/" + id, null, readKey, java.util.Map.of()).expect(200);
    }
}
