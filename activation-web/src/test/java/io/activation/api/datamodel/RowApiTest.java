package io.activation.api.datamodel;

import static io.activation.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Upserts of rows by business key, their change events, and batches where some items are bad. */
class RowApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    private String carts() {
        return defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id", "timeAttribute": "opened_at",
                 "attributes": [{"name": "cart_id", "type": "text"},
                   {"name": "status", "type": "enum", "enumValues": ["open", "abandoned", "purchased"], "required": true},
                   {"name": "total", "type": "decimal"}, {"name": "note", "type": "text"},
                   {"name": "opened_at", "type": "timestamp"}]}
                """.formatted(unique("carts")));
    }

    @Test
    void rowsUpsertByBusinessKeyWithMergeSemanticsAndOneChangeEventPerRealChange() {
        String carts = carts();
        String customer = unique("c");
        String row = "/api/v1/tables/" + carts + "/rows";
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            JsonNode created = post(row, """
                    {"contact": {"externalId": "%s"}, "values": {"cart_id": "k1", "status": "open", "total": 10.5,
                     "note": "gift", "opened_at": "2026-11-20T10:00:00Z"}}
                    """.formatted(customer)).expect(201).json();
            assertThat(created.get("result").stringValue()).isEqualTo("created");
            long contactId = created.get("contactId").longValue();
            assertThat(get("/api/v1/contacts/" + customer).expect(200).json().get("id").longValue())
                    .as("an unknown contact is created bare").isEqualTo(contactId);

            // Absent attributes stay as they are.
            JsonNode abandoned = put(row + "/k1", "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                    + " \"values\": {\"status\": \"abandoned\"}}").expect(200).json();
            assertThat(abandoned.get("result").stringValue()).isEqualTo("updated");
            assertThat(abandoned.at("/values/status").stringValue()).isEqualTo("abandoned");
            assertThat(abandoned.at("/values/total").decimalValue()).isEqualByComparingTo("10.5");
            assertThat(abandoned.at("/values/note").stringValue()).isEqualTo("gift");

            // An explicit null clears; the contact may be left out on an update.
            JsonNode cleared = post(row, "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                    + " \"values\": {\"cart_id\": \"k1\", \"note\": null}}").expect(200).json();
            assertThat(cleared.at("/values/note").isNull()).isTrue();
            assertThat(cleared.at("/values/status").stringValue()).isEqualTo("abandoned");

            // Sending what is stored changes nothing, says so and publishes nothing.
            JsonNode same = post(row, "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                    + " \"values\": {\"cart_id\": \"k1\", \"status\": \"abandoned\", \"total\": 10.50, \"note\": null}}")
                    .expect(200).json();
            assertThat(same.get("result").stringValue()).isEqualTo("unchanged");
            assertThat(same.get("updatedAt").stringValue()).isEqualTo(cleared.get("updatedAt").stringValue());

            // A last real change; same key, so it comes after anything published for the unchanged write.
            post(row, "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                    + " \"values\": {\"cart_id\": \"k1\", \"total\": 12}}").expect(200);

            List<JsonNode> rowEvents = new ArrayList<>();
            consumeUntil(consumer, seen -> {
                rowEvents.clear();
                seen.stream().filter(r -> r.key().equals(Long.toString(contactId))).map(ApiTest::value)
                        .filter(e -> e.get("type").stringValue().startsWith("io.activation.row."))
                        .forEach(rowEvents::add);
                return rowEvents.stream().anyMatch(e -> e.at("/data/values/total").isNumber()
                        && e.at("/data/values/total").decimalValue().compareTo(java.math.BigDecimal.valueOf(12)) == 0);
            }, Duration.ofSeconds(30));
            assertThat(rowEvents).extracting(e -> e.get("type").stringValue()).containsExactly(
                    "io.activation.row.created", "io.activation.row.updated", "io.activation.row.updated",
                    "io.activation.row.updated");
            JsonNode first = rowEvents.get(0);
            assertThat(first.at("/data/table").stringValue()).isEqualTo(carts);
            assertThat(first.at("/data/key").stringValue()).isEqualTo("k1");
            assertThat(first.get("contactid").stringValue()).isEqualTo(Long.toString(contactId));
            assertThat(first.at("/data/changed").valueStream().map(JsonNode::stringValue))
                    .containsExactlyInAnyOrder("cart_id", "status", "total", "note", "opened_at");
            assertThat(first.at("/data/previous").isEmpty()).isTrue();
            JsonNode statusChange = rowEvents.get(1);
            assertThat(statusChange.at("/data/changed").valueStream().map(JsonNode::stringValue))
                    .containsExactly("status");
            assertThat(statusChange.at("/data/previous/status").stringValue()).isEqualTo("open");
            assertThat(statusChange.at("/data/values/status").stringValue()).isEqualTo("abandoned");
            assertThat(statusChange.at("/data/previous").size()).isEqualTo(1);
            JsonNode noteCleared = rowEvents.get(2);
            assertThat(noteCleared.at("/data/changed").valueStream().map(JsonNode::stringValue))
                    .containsExactly("note");
            assertThat(noteCleared.at("/data/previous/note").stringValue()).isEqualTo("gift");
            assertThat(rowEvents.get(3).at("/data/previous/total").decimalValue()).isEqualByComparingTo("10.5");
        }
    }

    @Test
    void timestampsAreAnsweredAsStoredSoResendingThemChangesNothing() {
        String carts = carts();
        String row = "/api/v1/tables/" + carts + "/rows";
        String body = "{\"contact\": {\"externalId\": \"" + unique("c") + "\"}, \"values\": {\"cart_id\": \"n1\","
                + " \"status\": \"open\", \"opened_at\": \"2026-11-20T10:00:00.123456789+01:00\"}}";
        clock.advance(java.time.Duration.ofNanos(999)); // a clock finer than PostgreSQL's microseconds
        JsonNode created = post(row, body).expect(201).json();
        assertThat(created.at("/values/opened_at").stringValue()).isEqualTo("2026-11-20T09:00:00.123456Z");
        JsonNode read = get(row + "/n1").expect(200).json();
        assertThat(read.get("values")).isEqualTo(created.get("values"));
        assertThat(read.get("updatedAt")).isEqualTo(created.get("updatedAt"));
        assertThat(post(row, body).expect(200).json().get("result").stringValue()).isEqualTo("unchanged");
    }

    @Test
    void requiredAttributesAreEnforcedOnInsertAndCannotBeCleared() {
        String carts = carts();
        String customer = unique("c");
        String row = "/api/v1/tables/" + carts + "/rows";
        assertProblem(post(row, "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                + " \"values\": {\"cart_id\": \"k1\", \"total\": 3}}"), 422, "invalid-input", "values.status");
        get(row + "/k1").expect(404);
        get("/api/v1/contacts/" + customer).expect(404);

        post(row, "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                + " \"values\": {\"cart_id\": \"k1\", \"status\": \"open\"}}").expect(201);
        // On an update the stored value satisfies the rule, an explicit null does not.
        post(row, "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                + " \"values\": {\"cart_id\": \"k1\", \"total\": 4}}").expect(200);
        assertProblem(post(row, "{\"contact\": {\"externalId\": \"" + customer + "\"},"
                + " \"values\": {\"cart_id\": \"k1\", \"status\": null, \"total\": 5}}"), 422,
                "invalid-input", "values.status");
        JsonNode stored = get(row + "/k1").expect(200).json();
        assertThat(stored.at("/values/status").stringValue()).isEqualTo("open");
        assertThat(stored.at("/values/total").decimalValue()).isEqualByComparingTo("4");
        // A new row of a contact-owned table must name its contact.
        assertProblem(post(row, "{\"values\": {\"cart_id\": \"k2\", \"status\": \"open\"}}"), 422,
                "invalid-input", "contact");
        get(row + "/k2").expect(404);
    }

    @Test
    void aBatchAnswersPerItemStoresTheGoodOnesAndNothingOfTheBadOnes() {
        String carts = carts();
        String good = unique("c");
        String lost = unique("c");
        String lost2 = unique("c");
        JsonNode answer = post("/api/v1/tables/" + carts + "/rows/batch", """
                {"items": [
                  {"contact": {"externalId": "%1$s"}, "values": {"cart_id": "b0", "status": "open"}},
                  {"contact": {"externalId": "%1$s"}, "values": {"cart_id": "b1", "status": "open", "total": "ten"}},
                  {"contact": {"externalId": "%1$s"}, "values": {"cart_id": "b2", "status": "open", "colour": "red"}},
                  {"values": {"cart_id": "b3", "status": "open"}},
                  {"contact": {"externalId": "%1$s"}, "values": {"cart_id": "b4", "status": "purchased", "total": 99.9}},
                  {"contact": {"externalId": "%1$s"}, "values": {"cart_id": "b5", "total": 1}},
                  {"contact": {"externalId": "%2$s"}, "values": {"cart_id": "b6", "status": "lost"}},
                  {"contact": {"externalId": "%3$s"}, "values": {"cart_id": "b7"}},
                  {"contact": {"externalId": ""}, "values": {"cart_id": "b8", "status": "open"}},
                  {"contact": {"externalId": "%1$s"}, "valeus": {"cart_id": "b9", "status": "open"}},
                  {"contact": {"id": 999999999}, "values": {"cart_id": "b10", "status": "open"}}
                ]}
                """.formatted(good, lost, lost2)).expect(200).json();
        assertThat(answer.get("accepted").intValue()).isEqualTo(2);
        assertThat(answer.get("rejected").intValue()).isEqualTo(9);
        JsonNode results = answer.get("results");
        assertThat(results).hasSize(11);
        assertThat(results.at("/10/status").intValue()).isEqualTo(404);
        assertProblem(results.at("/10/problem"), 404, "not-found", "contact.id");
        for (int i = 0; i < 11; i++) {
            assertThat(results.get(i).get("index").intValue()).isEqualTo(i);
        }
        assertThat(results.get(0).get("status").intValue()).isEqualTo(201);
        assertThat(results.get(4).get("status").intValue()).isEqualTo(201);
        assertThat(results.get(4).get("key").stringValue()).isEqualTo("b4");
        String[] fields = {null, "values.total", "values.colour", "contact", null, "values.status",
                "values.status", "values.status", "contact.externalId", "valeus"};
        for (int i : new int[] {1, 2, 3, 5, 6, 7, 8, 9}) {
            assertThat(results.get(i).get("status").intValue()).as("item %d", i).isEqualTo(422);
            assertThat(results.get(i).get("result").stringValue()).isEqualTo("rejected");
            assertProblem(results.get(i).get("problem"), 422, "invalid-input", fields[i]);
        }
        get("/api/v1/tables/" + carts + "/rows/b0").expect(200);
        assertThat(get("/api/v1/tables/" + carts + "/rows/b4").expect(200).json().at("/values/total").decimalValue())
                .isEqualByComparingTo("99.9");
        for (String key : List.of("b1", "b2", "b3", "b5", "b6", "b7", "b8", "b9", "b10")) {
            get("/api/v1/tables/" + carts + "/rows/" + key).expect(404);
        }
        assertThat(jdbc.queryForObject("select count(*) from data.\"" + carts + "\"", Long.class)).isEqualTo(2);
        // A rejected item leaves nothing behind, not even the contact it named.
        get("/api/v1/contacts/" + lost).expect(404);
        get("/api/v1/contacts/" + lost2).expect(404);
        assertThat(get("/api/v1/tables/" + carts + "/rows?contactExternalId=" + good).expect(200).json().get("items"))
                .hasSize(2);
    }

    @Test
    void batchesOfContactsAndEventsAnswerPerItemToo() {
        String a = unique("c");
        String b = unique("c");
        JsonNode contacts = post("/api/v1/contacts/batch", """
                {"items": [{"externalId": "%s", "email": "a@example.com"}, {"externalId": "%s", "email": "nope"},
                           {"email": "x@example.com"}, {"externalId": "%s", "shoeSize": 44}, 17]}
                """.formatted(a, b, b)).expect(200).json();
        assertThat(contacts.get("accepted").intValue()).isEqualTo(1);
        assertThat(contacts.at("/results/0/status").intValue()).isEqualTo(201);
        assertProblem(contacts.at("/results/1/problem"), 422, "invalid-input", "email");
        assertProblem(contacts.at("/results/2/problem"), 422, "invalid-input", "externalId");
        assertProblem(contacts.at("/results/3/problem"), 422, "invalid-input", "shoeSize");
        assertProblem(contacts.at("/results/4/problem"), 422, "invalid-input", "body");
        get("/api/v1/contacts/" + a).expect(200);
        get("/api/v1/contacts/" + b).expect(404);

        JsonNode events = post("/api/v1/events/batch", """
                {"items": [{"type": "page_viewed", "contact": {"externalId": "%1$s"}},
                           {"type": "Page Viewed", "contact": {"externalId": "%2$s"}},
                           {"type": "page_viewed"},
                           {"type": "page_viewed", "contact": {"externalId": "%2$s"}, "occurredAt": "yesterday"},
                           {"type": "page_viewed", "contact": {"externalId": "%2$s"}, "properties": [1]},
                           {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"path": "/"}},
                           {"type": "page_viewed", "contact": {"id": 999999999}}]}
                """.formatted(a, b)).expect(200).json();
        assertThat(events.get("accepted").intValue()).isEqualTo(2);
        assertThat(events.at("/results/6/status").intValue()).isEqualTo(404);
        assertProblem(events.at("/results/6/problem"), 404, "not-found", "contact.id");
        assertThat(events.at("/results/0/status").intValue()).isEqualTo(202);
        assertProblem(events.at("/results/1/problem"), 422, "invalid-input", "type");
        assertProblem(events.at("/results/2/problem"), 422, "invalid-input", "contact");
        assertProblem(events.at("/results/3/problem"), 422, "invalid-input", "occurredAt");
        assertProblem(events.at("/results/4/problem"), 422, "invalid-input", "properties");
        assertThat(events.at("/results/5/status").intValue()).isEqualTo(202);
        get("/api/v1/contacts/" + b).expect(404);
        long contactId = get("/api/v1/contacts/" + a).expect(200).json().get("id").longValue();
        assertThat(jdbc.queryForObject("select count(*) from events where contact_id = ?", Long.class, contactId))
                .isEqualTo(2);
    }

    @Test
    void emptyAndOversizedBatchesAreProblemsAndWriteNothing() {
        String carts = carts();
        String customer = unique("c");
        assertProblem(post("/api/v1/tables/" + carts + "/rows/batch", "{\"items\": []}"), 422, "invalid-input",
                "items");
        assertProblem(post("/api/v1/tables/" + carts + "/rows/batch", "{}"), 422, "invalid-input", "items");
        assertProblem(post("/api/v1/tables/" + carts + "/rows/batch", "{\"items\": {}}"), 422, "invalid-input",
                "items");
        List<String> items = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            items.add("{\"contact\": {\"externalId\": \"" + customer + "\"}, \"values\": {\"cart_id\": \"x" + i
                    + "\", \"status\": \"open\"}}");
        }
        JsonNode problem = assertProblem(post("/api/v1/tables/" + carts + "/rows/batch",
                "{\"items\": [" + String.join(",", items) + "]}"), 422, "limit-exceeded", "items");
        assertThat(problem.get("limit").intValue()).isEqualTo(1000);
        assertThat(jdbc.queryForObject("select count(*) from data.\"" + carts + "\"", Long.class)).isZero();
        get("/api/v1/contacts/" + customer).expect(404);

        // 1,000 is allowed.
        JsonNode answer = post("/api/v1/tables/" + carts + "/rows/batch",
                "{\"items\": [" + String.join(",", items.subList(0, 1000)) + "]}").expect(200).json();
        assertThat(answer.get("accepted").intValue()).isEqualTo(1000);
        assertThat(jdbc.queryForObject("select count(*) from data.\"" + carts + "\"", Long.class)).isEqualTo(1000);

        assertProblem(post("/api/v1/contacts/batch", "{\"items\": []}"), 422, "invalid-input", "items");
        assertProblem(post("/api/v1/events/batch", "{\"items\": []}"), 422, "invalid-input", "items");
        assertProblem(post("/api/v1/tables/" + unique("missing") + "/rows/batch", "{\"items\": []}"), 404,
                "not-found", "table");
    }

    @Test
    void theRowLimitOfAReferenceTableIsEnforcedThroughTheApi() {
        // ApiTest configures reference tables for 1,000,000 rows: fill all but one directly, then let the API
        // write the last one and refuse the next.
        String products = defineTable("""
                {"name": "%s", "kind": "reference", "businessKey": "sku", "attributes": [{"name": "sku", "type": "integer"}]}
                """.formatted(unique("products")));
        String table = "data.\"" + products + "\"";
        try {
            jdbc.update("insert into " + table + " (sku, created_at, updated_at)"
                    + " select g, now(), now() from generate_series(1, 999999) g");
            post("/api/v1/tables/" + products + "/rows", "{\"values\": {\"sku\": 1000000}}").expect(201);
            JsonNode problem = assertProblem(post("/api/v1/tables/" + products + "/rows",
                    "{\"values\": {\"sku\": 1000001}}"), 422, "limit-exceeded", "table");
            assertThat(problem.get("limit").longValue()).isEqualTo(1_000_000);
            JsonNode batch = post("/api/v1/tables/" + products + "/rows/batch",
                    "{\"items\": [{\"values\": {\"sku\": 1}}, {\"values\": {\"sku\": 1000002}}]}").expect(200).json();
            assertThat(batch.at("/results/0/status").intValue()).as("updates need no room").isEqualTo(200);
            assertThat(assertProblem(batch.at("/results/1/problem"), 422, "limit-exceeded", "table").get("limit")
                    .longValue()).isEqualTo(1_000_000);
            assertThat(jdbc.queryForObject("select count(*) from " + table, Long.class)).isEqualTo(1_000_000);
            // Deleting makes room again.
            delete("/api/v1/tables/" + products + "/rows/5").expect(204);
            post("/api/v1/tables/" + products + "/rows", "{\"values\": {\"sku\": 1000001}}").expect(201);
        } finally {
            jdbc.execute("truncate " + table);
        }
    }
}
