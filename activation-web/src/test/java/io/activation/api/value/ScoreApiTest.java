package io.activation.api.value;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ScoreApiTest extends ApiTest {

    @Test
    void rulesOnEventsAndRowsAddPointsAndAThresholdPublishesOnceWhenCrossedUpward() {
        String clicked = unique("clicked");
        String orders = defineTable("""
                {"name": "%s", "kind": "INTERACTION", "businessKey": "order_no",
                 "attributes": [{"name": "order_no", "type": "TEXT"}, {"name": "status", "type": "TEXT"}]}"""
                .formatted(unique("orders")));
        String score = unique("eng");
        JsonNode defined = post("/api/v1/scores", """
                {"name": "%s", "rules": [
                   {"event": "%s", "where": {"campaign": ["spring", "summer"]}, "points": 6},
                   {"table": "%s", "on": "created", "where": {"status": "paid"}, "points": 20}],
                 "thresholds": [30, 10]}""".formatted(score, clicked, orders)).expect(201).json();
        assertThat(defined.get("attribute").stringValue()).isEqualTo("score_" + score);
        assertThat(defined.get("thresholds").toString()).isEqualTo("[10,30]");
        String id = unique("c");
        long contactId = put("/api/v1/contacts/" + id, "{}").expect(201).json().get("id").longValue();

        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            event(clicked, id, "{\"campaign\": \"spring\"}");
            event(clicked, id, "{\"campaign\": \"autumn\"}"); // no match
            event(unique("other"), id, "{\"campaign\": \"spring\"}"); // other type
            event(clicked, id, "{\"campaign\": \"summer\"}");
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, records -> thresholds(records,
                    contactId).size() >= 1, Duration.ofSeconds(30));
            JsonNode reached = thresholds(seen, contactId).get(0);
            assertThat(reached.at("/data/score").stringValue()).isEqualTo(score);
            assertThat(reached.at("/data/threshold").decimalValue()).isEqualByComparingTo("10");
            assertThat(reached.at("/data/value").decimalValue()).isEqualByComparingTo("12");
            assertThat(attribute(id, score)).isEqualByComparingTo("12");

            post("/api/v1/tables/" + orders + "/rows", """
                    {"contact": {"externalId": "%s"}, "values": {"order_no": "%s-1", "status": "open"}}"""
                    .formatted(id, id)).expect(201);
            post("/api/v1/tables/" + orders + "/rows", """
                    {"contact": {"externalId": "%s"}, "values": {"order_no": "%s-2", "status": "paid"}}"""
                    .formatted(id, id)).expect(201);
            seen.addAll(consumeUntil(consumer, records -> thresholds(records, contactId).size() >= 1,
                    Duration.ofSeconds(30)));
            assertThat(thresholds(seen, contactId)).extracting(e -> e.at("/data/threshold").decimalValue().intValue())
                    .containsExactly(10, 30);
            assertThat(attribute(id, score)).isEqualByComparingTo("32");
            // An order updated to paid is not a created paid order: no points. The click after it is a barrier:
            // the contact's events are consumed in order, so once its points count the update was seen.
            post("/api/v1/tables/" + orders + "/rows", """
                    {"contact": {"externalId": "%s"}, "values": {"order_no": "%s-1", "status": "paid"}}"""
                    .formatted(id, id)).expect(200);
            event(clicked, id, "{\"campaign\": \"spring\"}");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!is(attribute(id, score), "38") && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200));
            }
            assertThat(attribute(id, score)).isEqualByComparingTo("38");
        }
        JsonNode ledger = get("/api/v1/scores/" + score + "/contacts/" + id).expect(200).json();
        assertThat(ledger.get("value").decimalValue()).isEqualByComparingTo("38");
        assertThat(ledger.get("points")).hasSize(4);
    }

    @Test
    void theSameKeyCountsOnceAndDecayHalvesAfterTheHalfLife() {
        String score = unique("dec");
        post("/api/v1/scores", """
                {"name": "%s", "rules": [{"event": "%s", "points": 1}], "decay": {"halfLifeDays": 10},
                 "thresholds": [80]}""".formatted(score, unique("never"))).expect(201);
        String id = unique("c");
        long contactId = put("/api/v1/contacts/" + id, "{}").expect(201).json().get("id").longValue();
        String points = "/api/v1/scores/" + score + "/contacts/" + id + "/points";
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            assertThat(post(points, "{\"points\": 100, \"key\": \"welcome\"}").expect(200).json().get("value")
                    .decimalValue()).isEqualByComparingTo("100");
            assertThat(post(points, "{\"points\": 100, \"key\": \"welcome\"}").expect(200).json().get("value")
                    .decimalValue()).isEqualByComparingTo("100");

            clock.advance(Duration.ofDays(10));
            assertThat(post("/api/v1/scores/" + score + "/recompute", null).expect(200).json()
                    .get("contactsChanged").intValue()).isEqualTo(1);
            assertThat(attribute(id, score)).isEqualByComparingTo("50");
            clock.advance(Duration.ofDays(10));
            // 100 points 20 days ago count 25, 60 new points count 60: 85 crosses 80 again (it fell below at 50).
            assertThat(post(points, "{\"points\": 60, \"key\": \"purchase\"}").expect(200).json().get("value")
                    .decimalValue()).isEqualByComparingTo("85");
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, records -> thresholds(records,
                    contactId).size() >= 2, Duration.ofSeconds(30));
            assertThat(thresholds(seen, contactId)).extracting(e -> e.at("/data/value").decimalValue().intValue())
                    .containsExactly(100, 85);
        }
    }

    @Test
    void badDefinitionsNameTheirFields() {
        JsonNode problem = post("/api/v1/scores", """
                {"name": "Bad", "rules": [{"event": "x", "table": "y", "points": "ten"}, {"table": "z", "on": "deleted",
                 "points": 1}], "decay": {"halfLifeDays": 0}, "thresholds": [5, 5]}""").expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactlyInAnyOrder("name", "rules[0]",
                "rules[0].points", "rules[1].on", "decay.halfLifeDays", "thresholds[1]");
        assertThat(post("/api/v1/scores", """
                {"name": "%s", "rules": [{"table": "%s", "points": 1}]}""".formatted(unique("s"), unique("none")))
                .expect(422).json().at("/errors/0/field").stringValue()).isEqualTo("rules[0].table");
        String id = unique("c");
        put("/api/v1/contacts/" + id, "{}").expect(201);
        post("/api/v1/scores/" + unique("none") + "/contacts/" + id + "/points", "{\"points\": 1, \"key\": \"k\"}")
                .expect(404);
    }

    private static boolean is(BigDecimal value, String expected) {
        return value != null && value.compareTo(new BigDecimal(expected)) == 0;
    }

    private void event(String type, String externalId, String properties) {
        post("/api/v1/events", "{\"type\": \"%s\", \"contact\": {\"externalId\": \"%s\"}, \"properties\": %s}"
                .formatted(type, externalId, properties)).expect(202);
    }

    private BigDecimal attribute(String externalId, String score) {
        JsonNode v = get("/api/v1/contacts/" + externalId).expect(200).json().at("/attributes/score_" + score);
        return v.isMissingNode() || v.isNull() ? null : v.decimalValue();
    }

    private static List<JsonNode> thresholds(List<ConsumerRecord<String, String>> records, long contactId) {
        return records.stream().filter(r -> r.key().equals(Long.toString(contactId))).map(ApiTest::value)
                .filter(e -> e.get("type").stringValue().equals("io.activation.score.threshold-reached")).toList();
    }
}
