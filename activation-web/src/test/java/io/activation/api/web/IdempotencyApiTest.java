package io.activation.api.web;

import static io.activation.testing.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.ingest.IdempotencyKeys;
import io.activation.testing.ApiTest;
import io.activation.testing.Concurrently;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Idempotency keys: Stripe's rules, kept at least 24 hours, scoped per API key, per item in batches. */
class IdempotencyApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    IdempotencyKeys idempotencyKeys;

    @Test
    void sameKeyAndSamePayloadReplayTheAnswerAndWriteOnce() {
        String customer = unique("c");
        String key = unique("k");
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            Response first = event(ADMIN_KEY, key, """
                    {"type": "product_viewed", "contact": {"externalId": "%s"}, "properties": {"sku": "p-1", "price": 10}}
                    """.formatted(customer)).expect(202);
            assertThat(first.header(Idempotency.REPLAYED_HEADER)).isNull();
            // The same payload written differently is the same request.
            Response again = event(ADMIN_KEY, key, """
                    { "properties": {"price": 10, "sku": "p-1"},
                      "contact": {"externalId": "%s"}, "type": "product_viewed" }
                    """.formatted(customer)).expect(202);
            assertThat(again.header(Idempotency.REPLAYED_HEADER)).isEqualTo("true");
            assertThat(again.json()).isEqualTo(first.json());
            assertThat(again.header("Content-Type")).startsWith("application/json");

            String eventId = first.json().get("eventId").stringValue();
            long contactId = first.json().get("contactId").longValue();
            assertThat(eventsOf(contactId)).isEqualTo(1);

            // A later event of the same contact (same partition) marks the end of what the replay could have sent.
            String sentinel = event(ADMIN_KEY, null, """
                    {"type": "sentinel", "contact": {"externalId": "%s"}}""".formatted(customer)).expect(202)
                    .json().get("eventId").stringValue();
            List<ConsumerRecord<String, String>> records = consumeUntil(consumer,
                    seen -> seen.stream().anyMatch(r -> sentinel.equals(text(value(r).at("/data/eventId")))),
                    Duration.ofSeconds(30));
            assertThat(records.stream().filter(r -> eventId.equals(text(value(r).at("/data/eventId")))))
                    .hasSize(1);
            assertThat(records.stream().filter(r -> r.key().equals(Long.toString(contactId))).map(ApiTest::value)
                    .filter(v -> v.get("type").stringValue().equals("io.activation.contact.created"))).hasSize(1);
        }

        // Contacts and rows replay the same way, status included.
        String contactKey = unique("k");
        String ann = "/api/v1/contacts/" + unique("c");
        Response created = send("PUT", ann, "{\"firstName\": \"Ann\"}", ADMIN_KEY,
                Map.of(Idempotency.HEADER, contactKey)).expect(201);
        put(ann, "{\"firstName\": \"Anna\"}").expect(200);
        Response replayed = send("PUT", ann, "{\"firstName\": \"Ann\"}", ADMIN_KEY,
                Map.of(Idempotency.HEADER, contactKey)).expect(201);
        assertThat(replayed.header(Idempotency.REPLAYED_HEADER)).isEqualTo("true");
        assertThat(replayed.json()).isEqualTo(created.json());
    }

    @Test
    void sameKeyWithAnotherPayloadOrOnAnotherEndpointIsAConflict() {
        String customer = unique("c");
        String key = unique("k");
        long contactId = event(ADMIN_KEY, key, eventBody(customer, 1)).expect(202).json().get("contactId").longValue();
        assertProblem(event(ADMIN_KEY, key, eventBody(customer, 2)), 409, "idempotency-key-reused",
                Idempotency.HEADER);
        assertProblem(send("PUT", "/api/v1/contacts/" + customer, "{\"firstName\": \"Bo\"}", ADMIN_KEY,
                Map.of(Idempotency.HEADER, key)), 409, "idempotency-key-reused", Idempotency.HEADER);
        assertProblem(send("POST", "/api/v1/events/batch", "{\"items\": [" + eventBody(customer, 1) + "]}",
                ADMIN_KEY, Map.of(Idempotency.HEADER, key)), 409, "idempotency-key-reused", Idempotency.HEADER);
        assertThat(eventsOf(contactId)).isEqualTo(1);
        assertThat(get("/api/v1/contacts/" + customer).expect(200).json().get("firstName").isNull()).isTrue();

        // PUT /contacts/x and POST /contacts with the same contact are different endpoints, too.
        String other = unique("c");
        String contactKey = unique("k");
        send("PUT", "/api/v1/contacts/" + other, "{\"lastName\": \"Smet\"}", ADMIN_KEY,
                Map.of(Idempotency.HEADER, contactKey)).expect(201);
        assertProblem(send("POST", "/api/v1/contacts", "{\"externalId\": \"" + other + "\", \"lastName\": \"Smet\"}",
                ADMIN_KEY, Map.of(Idempotency.HEADER, contactKey)), 409, "idempotency-key-reused",
                Idempotency.HEADER);

        assertProblem(event(ADMIN_KEY, "x".repeat(256), eventBody(customer, 3)), 422, "invalid-input",
                Idempotency.HEADER);
        assertThat(eventsOf(contactId)).isEqualTo(1);
    }

    @Test
    void keysAreScopedPerApiKey() {
        String first = issueIngestKey();
        String second = issueIngestKey();
        String customer = unique("c");
        String key = unique("k");
        Response a = event(first, key, eventBody(customer, 1)).expect(202);
        Response b = event(second, key, eventBody(customer, 1)).expect(202);
        assertThat(b.header(Idempotency.REPLAYED_HEADER)).isNull();
        assertThat(b.json().get("eventId")).isNotEqualTo(a.json().get("eventId"));
        assertThat(event(first, key, eventBody(customer, 1)).expect(202).header(Idempotency.REPLAYED_HEADER))
                .isEqualTo("true");
        // Another key's request does not conflict with this key's use of the same name.
        assertThat(event(second, key, eventBody(customer, 1)).expect(202).json().get("eventId"))
                .isEqualTo(b.json().get("eventId"));
        assertThat(eventsOf(a.json().get("contactId").longValue())).isEqualTo(2);
    }

    @Test
    void aRejectedRequestDoesNotUseUpItsKey() {
        String customer = unique("c");
        String key = unique("k");
        // Rejected inside the idempotent work (the type is a string, but not a valid event type).
        assertProblem(event(ADMIN_KEY, key, """
                {"type": "Product Viewed!", "contact": {"externalId": "%s"}}""".formatted(customer)), 422,
                "invalid-input", "type");
        assertProblem(send("PUT", "/api/v1/contacts/" + customer, "{\"email\": \"nope\"}", ADMIN_KEY,
                Map.of(Idempotency.HEADER, key)), 422, "invalid-input", "email");
        get("/api/v1/contacts/" + customer).expect(404);
        Response accepted = event(ADMIN_KEY, key, eventBody(customer, 1)).expect(202);
        assertThat(accepted.header(Idempotency.REPLAYED_HEADER)).isNull();
        assertThat(event(ADMIN_KEY, key, eventBody(customer, 1)).expect(202).header(Idempotency.REPLAYED_HEADER))
                .isEqualTo("true");
        assertThat(eventsOf(accepted.json().get("contactId").longValue())).isEqualTo(1);
    }

    @Test
    void batchItemsCarryTheirOwnKeys() {
        String customer = unique("c");
        String k1 = unique("k");
        String k2 = unique("k");
        String k3 = unique("k");
        String k4 = unique("k");
        JsonNode first = post("/api/v1/events/batch", """
                {"items": [
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 1}, "idempotencyKey": "%2$s"},
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 2}, "idempotencyKey": "%3$s"},
                  {"type": "Page Viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 3}, "idempotencyKey": "%4$s"}
                ]}""".formatted(customer, k1, k2, k3)).expect(200).json();
        assertThat(first.get("accepted").intValue()).isEqualTo(2);
        assertThat(first.at("/results/2/status").intValue()).isEqualTo(422);
        long contactId = first.at("/results/0/contactId").longValue();
        assertThat(eventsOf(contactId)).isEqualTo(2);

        JsonNode second = post("/api/v1/events/batch", """
                {"items": [
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 1}, "idempotencyKey": "%2$s"},
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 99}, "idempotencyKey": "%3$s"},
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 3}, "idempotencyKey": "%4$s"},
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 4}, "idempotencyKey": "%5$s"},
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 5}, "idempotencyKey": "%5$s"},
                  {"type": "page_viewed", "contact": {"externalId": "%1$s"}, "properties": {"n": 6}, "idempotencyKey": ""}
                ]}""".formatted(customer, k1, k2, k3, k4)).expect(200).json();
        JsonNode results = second.get("results");
        assertThat(results.at("/0/status").intValue()).isEqualTo(202);
        assertThat(results.at("/0/replayed").booleanValue()).isTrue();
        assertThat(results.at("/0/eventId")).isEqualTo(first.at("/results/0/eventId"));
        assertThat(results.at("/0/index").intValue()).isZero();
        assertThat(results.at("/1/status").intValue()).isEqualTo(409);
        assertProblem(results.at("/1/problem"), 409, "idempotency-key-reused", "items[1].idempotencyKey");
        assertThat(results.at("/2/status").intValue()).as("a rejected item's key stays free").isEqualTo(202);
        assertThat(results.at("/2/replayed").isMissingNode()).isTrue();
        assertThat(results.at("/3/status").intValue()).isEqualTo(202);
        assertProblem(results.at("/4/problem"), 409, "idempotency-key-reused", "items[4].idempotencyKey");
        assertProblem(results.at("/5/problem"), 422, "invalid-input", "items[5].idempotencyKey");
        assertThat(second.get("accepted").intValue()).isEqualTo(3);
        assertThat(eventsOf(contactId)).isEqualTo(4);
    }

    @Test
    void concurrentRequestsWithOneKeyWriteOnce() throws Exception {
        String customer = unique("c");
        String key = unique("k");
        List<Response> answers = Concurrently.run(8, thread -> event(ADMIN_KEY, key, eventBody(customer, 7)));
        assertThat(answers).allSatisfy(r -> r.expect(202));
        assertThat(answers.stream().map(r -> r.json().get("eventId")).distinct()).hasSize(1);
        assertThat(answers.stream().filter(r -> r.header(Idempotency.REPLAYED_HEADER) == null)).hasSize(1);
        assertThat(eventsOf(answers.get(0).json().get("contactId").longValue())).isEqualTo(1);

        String contactKey = unique("k");
        String other = unique("c");
        List<Response> contacts = Concurrently.run(8, thread -> send("PUT", "/api/v1/contacts/" + other,
                "{\"firstName\": \"Cas\"}", ADMIN_KEY, Map.of(Idempotency.HEADER, contactKey)));
        assertThat(contacts).allSatisfy(r -> r.expect(201));
        assertThat(contacts.stream().filter(r -> r.header(Idempotency.REPLAYED_HEADER) == null)).hasSize(1);
        assertThat(jdbc.queryForObject("select count(*) from contacts where external_id = ?", Long.class, other))
                .isEqualTo(1);
    }

    @Test
    void keysAreKeptForADayAndForgottenAfter() {
        String customer = unique("c");
        String key = unique("k");
        JsonNode original = event(ADMIN_KEY, key, eventBody(customer, 1)).expect(202).json();

        clock.advance(Duration.ofHours(23));
        idempotencyKeys.expire();
        Response replay = event(ADMIN_KEY, key, eventBody(customer, 1)).expect(202);
        assertThat(replay.header(Idempotency.REPLAYED_HEADER)).isEqualTo("true");
        assertThat(replay.json()).isEqualTo(original);
        assertProblem(event(ADMIN_KEY, key, eventBody(customer, 2)), 409, "idempotency-key-reused",
                Idempotency.HEADER);

        clock.advance(Duration.ofHours(2));
        assertThat(idempotencyKeys.expire()).isPositive();
        Response fresh = event(ADMIN_KEY, key, eventBody(customer, 2)).expect(202);
        assertThat(fresh.header(Idempotency.REPLAYED_HEADER)).isNull();
        assertThat(fresh.json().get("eventId")).isNotEqualTo(original.get("eventId"));
        assertThat(eventsOf(original.get("contactId").longValue())).isEqualTo(2);
    }

    private Response event(String apiKey, String idempotencyKey, String body) {
        return send("POST", "/api/v1/events", body, apiKey,
                idempotencyKey == null ? Map.of() : Map.of(Idempotency.HEADER, idempotencyKey));
    }

    private static String eventBody(String externalId, int n) {
        return "{\"type\": \"page_viewed\", \"contact\": {\"externalId\": \"" + externalId + "\"},"
                + " \"properties\": {\"n\": " + n + "}}";
    }

    private static String text(JsonNode node) {
        return node.isString() ? node.stringValue() : null;
    }

    private long eventsOf(long contactId) {
        return jdbc.queryForObject("select count(*) from events where contact_id = ?", Long.class, contactId);
    }

    private String issueIngestKey() {
        return post("/api/v1/api-keys", "{\"name\": \"" + unique("ingest") + "\", \"scopes\": [\"ingest\"]}")
                .expect(201).json().get("secret").stringValue();
    }
}
