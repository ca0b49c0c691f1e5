package io.activation.segment.value;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The recompute writes only what changed: the quintile arithmetic gives what {@code ntile(5)} and "ties take the
 * first one's tile" gave; a recompute of unchanged data rewrites no score row, also on the next day (recency is
 * derived from the stored last purchase when read); a changed purchase rewrites only the rows whose figures or
 * scores moved, and a contact left without purchases loses its score and is announced with {@code group: null}.
 */
class RfmRecomputeTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Rfm rfm;

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void quintileArithmeticIsNtileWithTiesTakingTheFirstTile() {
        String k = "rank() over (order by v)";
        String n = "count(*) over ()";
        for (int size = 1; size <= 47; size++) {
            for (int distinct : new int[] {1, 2, 3, size}) {
                List<Map<String, Object>> differ = jdbc.queryForList("""
                        select id, v, expected, actual from (
                            select id, v, min(t) over (partition by v) as expected, %s as actual
                            from (select id, v, ntile(5) over (order by v, id) as t
                                  from (select i as id, (i * 7919) %% ? as v from generate_series(1, ?) i) d) x
                        ) y where expected <> actual""".formatted(Rfm.quintile(k, n)), distinct, size);
                assertThat(differ).as("%d rows, %d distinct values", size, distinct).isEmpty();
            }
        }
    }

    @Test
    void recomputeRewritesOnlyChangedScoresAndAnnouncesLeavers() {
        clock.set(Instant.parse("2025-06-10T08:00:00Z"));
        String orders = defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "order_no",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "DATE"},
                                {"name": "total", "type": "DECIMAL"},
                                {"name": "status", "type": "ENUM", "enumValues": ["completed", "cancelled"]}]}"""
                .formatted(unique("orders")));
        String prefix = unique("rc");
        // Customer i (1..8) orders i times, the last one 10 * i days before the reference, 20 each.
        for (int i = 1; i <= 8; i++) {
            for (int o = 1; o <= i; o++) {
                order(orders, prefix + "-" + i, prefix + "-" + i + "-" + o, "2025-06-0" + (10 - i), "20",
                        "completed");
            }
        }
        String model = unique("m");
        post("/api/v1/rfm-models", """
                {"name": "%s", "table": "%s", "dateColumn": "ordered_at", "amountColumn": "total",
                 "exclude": [{"attribute": "status", "op": "eq", "value": "cancelled"}]}"""
                .formatted(model, orders)).expect(201);
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            assertThat(post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200).json()
                    .get("contacts").intValue()).isEqualTo(8);
            assertThat(groupChanges(consumeUntil(consumer, r -> groupChanges(r, model).size() >= 8,
                    Duration.ofSeconds(30)), model)).hasSize(8);
            Map<Long, String> versions = rowVersions(model);
            String before = get("/api/v1/rfm-models/" + model + "/contacts/" + prefix + "-3").expect(200).json()
                    .get("rfm").stringValue();

            // Same data, the next day: no score row is written; recency grows by the day when read.
            clock.advance(Duration.ofDays(1));
            post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200);
            assertThat(rowVersions(model)).isEqualTo(versions);
            JsonNode three = get("/api/v1/rfm-models/" + model + "/contacts/" + prefix + "-3").expect(200).json();
            assertThat(three.get("recencyDays").intValue()).isEqualTo(4); // last purchase 7 June
            assertThat(three.get("rfm").stringValue()).isEqualTo(before);
            assertThat(three.get("computedAt").stringValue()).isEqualTo("2025-06-11T08:00:00Z");
            JsonNode d = get("/api/v1/rfm-models/" + model + "/distribution").expect(200).json();
            assertThat(d.at("/scores/r/0/max").intValue()).isEqualTo(9); // customers 8 and 7: 2 June, 3 June
            assertThat(d.at("/scores/r/0/min").intValue()).isEqualTo(8);

            // Customer 8 (the best in every dimension already) buys again on the same day: only its row is
            // written (frequency and monetary), every score stays where it was.
            long eight = contactId(prefix + "-8");
            order(orders, prefix + "-8", prefix + "-8-x", "2025-06-02", "20", "completed");
            post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200);
            Map<Long, String> after = rowVersions(model);
            after.forEach((contact, version) -> assertThat(version.equals(versions.get(contact)))
                    .as("contact %d", contact).isEqualTo(contact != eight));
            JsonNode best = get("/api/v1/rfm-models/" + model + "/contacts/" + prefix + "-8").expect(200).json();
            assertThat(best.get("frequency").intValue()).isEqualTo(9);
            assertThat(best.get("rfm").stringValue()).isEqualTo("155");

            // Customer 1's only order is cancelled: its score row is deleted and announced with group null. The
            // plan of that recompute, explained first, executes in a transaction rolled back: nothing changes.
            long one = contactId(prefix + "-1");
            order(orders, prefix + "-1", prefix + "-1-1", "2025-06-09", "20", "cancelled");
            Map<Long, String> unexplained = rowVersions(model);
            assertThat(String.join("\n", rfm.explain(model))).contains("Insert on rfm_scores")
                    .contains("Delete on rfm_scores").contains("actual time");
            assertThat(rowVersions(model)).isEqualTo(unexplained).containsKey(one);
            assertThat(post("/api/v1/rfm-models/" + model + "/recompute", null).expect(200).json()
                    .get("contacts").intValue()).isEqualTo(7);
            assertThat(rowVersions(model)).doesNotContainKey(one).hasSize(7);
            get("/api/v1/rfm-models/" + model + "/contacts/" + prefix + "-1").expect(404);
            JsonNode left = groupChanges(consumeUntil(consumer, r -> groupChanges(r, model).stream()
                    .anyMatch(e -> e.at("/data/contactId").longValue() == one), Duration.ofSeconds(30)), model)
                    .stream().filter(e -> e.at("/data/contactId").longValue() == one).findFirst().orElseThrow();
            assertThat(left.at("/data/group").isNull()).isTrue();
            assertThat(left.at("/data/previousGroup").stringValue()).isEqualTo("New");
        }
    }

    private void order(String table, String customer, String no, String day, String total, String state) {
        int status = post("/api/v1/tables/" + table + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "%s", "ordered_at": "%s",
                 "total": %s, "status": "%s"}}""".formatted(customer, no, day, total, state)).status();
        assertThat(status).isIn(200, 201);
    }

    private long contactId(String externalId) {
        return get("/api/v1/contacts/" + externalId).expect(200).json().get("id").longValue();
    }

    /** Contact id -> the row version (xmin, ctid) of its score: it changes only when the row is written. */
    private Map<Long, String> rowVersions(String model) {
        Map<Long, String> rows = new TreeMap<>();
        jdbc.query("select contact_id, xmin::text || ctid::text from rfm_scores where model = ?",
                rs -> {
                    rows.put(rs.getLong(1), rs.getString(2));
                }, model);
        return rows;
    }

    private List<JsonNode> groupChanges(List<ConsumerRecord<String, String>> records, String model) {
        return records.stream().map(r -> json.readTree(r.value()))
                .filter(e -> Rfm.GROUP_CHANGED.equals(e.path("type").stringValue()))
                .filter(e -> model.equals(e.at("/data/model").stringValue())).toList();
    }
}
