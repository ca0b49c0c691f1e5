package io.activation.api.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.api.web.Idempotency;
import io.activation.datamodel.CatalogCache;
import io.activation.datamodel.TableCatalog;
import io.activation.testing.ApiTest;
import io.activation.testing.Concurrently;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Events for anonymous and unknown contacts, alone and from many threads at once. */
class EventApiTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    TableCatalog catalog;

    /**
     * POST /api/v1/events reads its body and its idempotency header itself and writes its answer itself: the API
     * document still describes the body and the header, a keyed event is accepted, and its replay (written by the
     * converters from the stored answer) is the same answer marked as replayed.
     */
    @Test
    void theSingleEventEndpointStillDocumentsItsBodyAndKeyHeader() {
        JsonNode post = send("GET", "/v3/api-docs", null, null, Map.of()).expect(200).json()
                .path("paths").path("/api/v1/events").path("post");
        assertThat(post.path("requestBody").path("required").asBoolean()).isTrue();
        assertThat(post.path("requestBody").path("content").has("application/json")).isTrue();
        List<String> keyHeader = new java.util.ArrayList<>();
        for (JsonNode parameter : post.path("parameters")) {
            if (parameter.path("name").asString().equals(Idempotency.HEADER)) {
                keyHeader.add(parameter.path("in").asString());
            }
        }
        assertThat(keyHeader).containsExactly("header");
        String contact = unique("c");
        String body = "{\"type\": \"x\", \"contact\": {\"externalId\": \"" + contact + "\"}}";
        Map<String, String> key = Map.of(Idempotency.HEADER, unique("k"));
        ApiTest.Response first = send("POST", "/api/v1/events", body, ADMIN_KEY, key).expect(202);
        assertThat(first.header("Content-Type")).startsWith("application/json");
        assertThat(first.json().path("result").asString()).isEqualTo("accepted");
        ApiTest.Response replay = send("POST", "/api/v1/events", body, ADMIN_KEY, key).expect(202);
        assertThat(replay.header(Idempotency.REPLAYED_HEADER)).isEqualTo("true");
        assertThat(replay.json()).isEqualTo(first.json());
    }

    /**
     * A single event runs in a plain JDBC transaction; the contacts' schema (for the contact.created event) is read
     * before it begins, so an expired catalogue entry, reloaded through JPA, does not break it, with or without an
     * idempotency key, and the new contact's event carries its attributes.
     */
    @Test
    void anEventForANewContactRightAfterTheCatalogueExpiredIsRecorded() {
        String plain = unique("c");
        String keyed = unique("c");
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            CatalogCache.expire(catalog, "contacts");
            long first = post("/api/v1/events", external("page_viewed", plain)).expect(202).json().get("contactId")
                    .longValue();
            CatalogCache.expire(catalog, "contacts");
            long second = send("POST", "/api/v1/events", external("page_viewed", keyed), ADMIN_KEY,
                    Map.of(Idempotency.HEADER, unique("k"))).expect(202).json().get("contactId").longValue();
            CatalogCache.expire(catalog, "contacts");
            post("/api/v1/events/batch", "{\"items\": [" + external("a", unique("c")) + "]}").expect(200);
            List<String> keys = List.of(Long.toString(first), Long.toString(second));
            var records = consumeUntil(consumer, seen -> keys.stream()
                    .allMatch(k -> seen.stream().filter(r -> r.key().equals(k)).count() >= 2), Duration.ofSeconds(30));
            for (String key : keys) {
                List<JsonNode> ofContact = records.stream().filter(r -> r.key().equals(key)).map(ApiTest::value)
                        .toList();
                assertThat(ofContact).extracting(v -> v.get("type").stringValue())
                        .containsExactly("io.activation.contact.created", "io.activation.event.recorded");
                assertThat(ofContact.get(0).at("/data/externalId").stringValue())
                        .isEqualTo(key.equals(keys.get(0)) ? plain : keyed);
            }
        }
        assertThat(jdbc.queryForObject("select count(*) from events where contact_id in (?, ?)", Long.class,
                contactIdOf(plain), contactIdOf(keyed))).isEqualTo(2);
    }

    private long contactIdOf(String externalId) {
        return jdbc.queryForObject("select id from contacts where external_id = ?", Long.class, externalId);
    }

    @Test
    void anEventWithAnAnonymousIdCreatesOneAnonymousContactAndReusesIt() {
        String anonymousId = unique("anon");
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            JsonNode first = post("/api/v1/events", anonymous("page_viewed", anonymousId)).expect(202).json();
            long contactId = first.get("contactId").longValue();
            JsonNode contact = get("/api/v1/contacts/by-id/" + contactId).expect(200).json();
            assertThat(contact.get("externalId").isNull()).isTrue();
            assertThat(contact.get("anonymousIds").valueStream().map(JsonNode::stringValue)).containsExactly(anonymousId);

            JsonNode second = post("/api/v1/events", anonymous("product_viewed", anonymousId)).expect(202).json();
            assertThat(second.get("contactId").longValue()).isEqualTo(contactId);
            JsonNode batch = post("/api/v1/events/batch", "{\"items\": [" + anonymous("a", anonymousId) + ", "
                    + anonymous("b", anonymousId) + "]}").expect(200).json();
            assertThat(batch.findValues("contactId")).extracting(JsonNode::longValue).containsOnly(contactId);

            assertThat(jdbc.queryForObject("select count(*) from contact_identities where anonymous_id = ?",
                    Long.class, anonymousId)).isEqualTo(1);
            assertThat(jdbc.queryForList("select type from events where contact_id = ? order by occurred_at, type",
                    String.class, contactId)).containsExactlyInAnyOrder("page_viewed", "product_viewed", "a", "b");

            String key = Long.toString(contactId);
            var records = consumeUntil(consumer, seen -> seen.stream().filter(r -> r.key().equals(key)).count() >= 5,
                    Duration.ofSeconds(30));
            List<String> types = records.stream().filter(r -> r.key().equals(key))
                    .map(r -> value(r).get("type").stringValue()).toList();
            assertThat(types).containsExactly("io.activation.contact.created", "io.activation.event.recorded",
                    "io.activation.event.recorded", "io.activation.event.recorded", "io.activation.event.recorded");
            JsonNode created = records.stream().filter(r -> r.key().equals(key)).findFirst().map(ApiTest::value)
                    .orElseThrow();
            assertThat(created.at("/data/externalId").isNull()).isTrue();
        }
    }

    @Test
    void aContactIdRememberedForAnExternalIdIsCheckedBeforeEachUse() {
        String externalId = unique("c");
        long first = post("/api/v1/events", external("page_viewed", externalId)).expect(202).json().get("contactId")
                .longValue();
        assertThat(post("/api/v1/events", external("page_viewed", externalId)).expect(202).json().get("contactId")
                .longValue()).isEqualTo(first);

        // Deleted: the next event creates a new contact instead of naming the deleted one.
        delete("/api/v1/contacts/" + externalId).expect(204);
        long second = post("/api/v1/events", external("cart_updated", externalId)).expect(202).json()
                .get("contactId").longValue();
        assertThat(second).isNotEqualTo(first);
        assertThat(jdbc.queryForList("select id from contacts where external_id = ?", Long.class, externalId))
                .containsExactly(second);
        assertThat(jdbc.queryForList("select type from events where contact_id = ?", String.class, second))
                .containsExactly("cart_updated");

        // Re-keyed behind the API's back: the old external id no longer leads to that contact.
        String renamed = unique("c");
        jdbc.update("update contacts set external_id = ? where id = ?", renamed, second);
        long third = post("/api/v1/events", external("page_viewed", externalId)).expect(202).json()
                .get("contactId").longValue();
        assertThat(third).isNotIn(first, second);
        assertThat(jdbc.queryForList("select type from events where contact_id = ?", String.class, second))
                .containsExactly("cart_updated");
        assertThat(jdbc.queryForList("select type from events where contact_id = ?", String.class, third))
                .containsExactly("page_viewed");
        JsonNode batch = post("/api/v1/events/batch", "{\"items\": [" + external("a", externalId) + ", "
                + external("b", renamed) + "]}").expect(200).json();
        assertThat(batch.findValues("contactId")).extracting(JsonNode::longValue).containsExactly(third, second);
    }

    @Test
    void eventsForANewExternalIdFromManyThreadsCreateExactlyOneContact() throws Exception {
        String externalId = unique("c");
        List<ApiTest.Response> answers = Concurrently.run(8, thread -> post("/api/v1/events", external("page_viewed", externalId)));
        assertThat(answers).allSatisfy(r -> r.expect(202));
        assertThat(answers.stream().map(r -> r.json().get("contactId").longValue()).distinct()).hasSize(1);
        long contactId = answers.get(0).json().get("contactId").longValue();
        assertThat(jdbc.queryForList("select id from contacts where external_id = ?", Long.class, externalId))
                .containsExactly(contactId);
        assertThat(jdbc.queryForObject("select count(*) from events where contact_id = ?", Long.class, contactId))
                .isEqualTo(8);
    }

    @Test
    void eventsForANewAnonymousIdFromManyThreadsCreateExactlyOneContact() throws Exception {
        String anonymousId = unique("anon");
        long contactsBefore = jdbc.queryForObject("select count(*) from contacts", Long.class);
        List<ApiTest.Response> answers = Concurrently.run(8, thread -> post("/api/v1/events", anonymous("page_viewed", anonymousId)));
        assertThat(answers).allSatisfy(r -> r.expect(202));
        assertThat(answers.stream().map(r -> r.json().get("contactId").longValue()).distinct()).hasSize(1);
        assertThat(jdbc.queryForObject("select count(*) from contacts", Long.class))
                .as("no anonymous contact left behind by the threads that lost").isEqualTo(contactsBefore + 1);
    }

    private static String anonymous(String type, String anonymousId) {
        return "{\"type\": \"" + type + "\", \"contact\": {\"anonymousId\": \"" + anonymousId + "\"}}";
    }

    private static String external(String type, String externalId) {
        return "{\"type\": \"" + type + "\", \"contact\": {\"externalId\": \"" + externalId + "\"}}";
    }
}
