package io.activation.api.consent;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ConsentApiTest extends ApiTest {

    private static final String CONSENTS = "/api/v1/contacts/%s/consents";

    @Test
    void grantAndWithdrawKeepHistoryAndPublishOnlyRealChanges() {
        String id = unique("c");
        long contactId = put("/api/v1/contacts/" + id, "{\"email\": \"a@example.com\"}").expect(201).json()
                .get("id").longValue();
        clock.set(Instant.parse("2026-03-01T10:00:00Z"));
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            JsonNode granted = put(CONSENTS.formatted(id) + "/email", """
                    {"purpose": "marketing", "status": "granted", "source": "signup-form",
                     "proof": {"ip": "192.0.2.7", "userAgent": "Firefox", "form": "newsletter",
                               "text": "Yes, send me offers"}}""").expect(200).json();
            assertThat(granted.get("result").stringValue()).isEqualTo("changed");
            assertThat(granted.get("previousStatus").isNull()).isTrue();
            assertThat(granted.get("changedAt").stringValue()).isEqualTo("2026-03-01T10:00:00Z");

            JsonNode again = put(CONSENTS.formatted(id) + "/email", """
                    {"purpose": "marketing", "status": "granted", "source": "other-form"}""").expect(200).json();
            assertThat(again.get("result").stringValue()).isEqualTo("unchanged");
            assertThat(again.get("source").stringValue()).isEqualTo("signup-form");

            clock.set(Instant.parse("2026-03-05T08:00:00Z"));
            JsonNode withdrawn = put(CONSENTS.formatted(id) + "/email", """
                    {"purpose": "marketing", "status": "withdrawn", "source": "unsubscribe-link"}""")
                    .expect(200).json();
            assertThat(withdrawn.get("previousStatus").stringValue()).isEqualTo("granted");
            put(CONSENTS.formatted(id) + "/sms", """
                    {"purpose": "transactional", "status": "granted", "source": "checkout"}""").expect(200);

            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, records -> consentEvents(records,
                    contactId).size() >= 3, Duration.ofSeconds(20));
            List<JsonNode> events = consentEvents(seen, contactId);
            assertThat(events).extracting(e -> e.at("/data/channel").stringValue() + ":"
                    + e.at("/data/purpose").stringValue() + ":" + e.at("/data/status").stringValue() + "<-"
                    + e.at("/data/previousStatus").asString("none"))
                    .containsExactly("email:marketing:granted<-none", "email:marketing:withdrawn<-granted",
                            "sms:transactional:granted<-none");
            // Nothing more arrives: the unchanged write published nothing.
            consumer.poll(Duration.ofSeconds(1)).forEach(seen::add);
            assertThat(consentEvents(seen, contactId)).hasSize(3);
        }

        JsonNode list = get(CONSENTS.formatted(id)).expect(200).json().get("items");
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("channel").stringValue()).isEqualTo("email");
        assertThat(list.get(0).get("status").stringValue()).isEqualTo("withdrawn");
        assertThat(list.get(0).get("source").stringValue()).isEqualTo("unsubscribe-link");
        JsonNode history = get(CONSENTS.formatted(id) + "/history").expect(200).json().get("items");
        assertThat(history).hasSize(3);
        assertThat(history.get(0).at("/proof/text").stringValue()).isEqualTo("Yes, send me offers");
        assertThat(history.get(1).get("changedAt").stringValue()).isEqualTo("2026-03-05T08:00:00Z");
    }

    @Test
    void badInputNamesEveryFieldAndChangesNothing() {
        String id = unique("c");
        put("/api/v1/contacts/" + id, "{}").expect(201);
        JsonNode problem = put(CONSENTS.formatted(id) + "/fax", """
                {"purpose": "Marketing!", "status": "maybe", "proof": "yes", "colour": 1}""").expect(422).json();
        assertThat(problem.get("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("channel", "purpose", "status", "source", "proof", "colour");
        assertThat(get(CONSENTS.formatted(id)).expect(200).json().get("items")).isEmpty();
        put(CONSENTS.formatted(unique("nobody")) + "/email", """
                {"purpose": "marketing", "status": "granted", "source": "form"}""").expect(404);
    }

    @Test
    void readingNeedsReadScopeAndWritingIngestScope() {
        String id = unique("c");
        put("/api/v1/contacts/" + id, "{}").expect(201);
        send("GET", CONSENTS.formatted(id), null, null, java.util.Map.of()).expect(401);
    }

    private static List<JsonNode> consentEvents(List<ConsumerRecord<String, String>> records, long contactId) {
        return records.stream().filter(r -> r.key().equals(Long.toString(contactId))).map(ApiTest::value)
                .filter(e -> e.get("type").stringValue().equals("io.activation.consent.changed")).toList();
    }
}
