package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** A visitor's journey follows them when they log in: the anonymous contact's journeys move to the known contact. */
class ContactMergeJourneyTest extends JourneyApiSupport {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aJourneyStartedAnonymouslyGoesOnForTheKnownContactAfterIdentify() {
        String viewed = unique("viewed");
        long scenario = waitThenSend(viewed);
        String anonymousId = unique("anon");
        String userId = unique("user");
        put("/api/v1/contacts/" + userId, "{\"email\": \"ann@example.com\"}").expect(201);
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            track(anonymousId, viewed);
            long journey = awaitAnonymousJourney(scenario, anonymousId);

            identify(userId, anonymousId);
            JsonNode moved = await("the journey moved to the known contact", () -> journeys(userId),
                    items -> items.size() == 1).get(0);
            assertThat(moved.get("id").longValue()).isEqualTo(journey);
            assertThat(moved.get("status").stringValue()).isEqualTo("waiting");
            assertThat(journey(journey).get("history")).extracting(h -> h.get("outcome").stringValue())
                    .contains("merged");

            clock.advance(Duration.ofHours(1));
            List<JsonNode> sent = consumeMessages(messages, contactId(userId), 1);
            assertThat(sent.get(0).get("instanceId").longValue()).isEqualTo(journey);
            awaitJourney(userId, "completed", "send");
        }
    }

    @Test
    void whenTheKnownContactIsAlreadyInTheScenarioTheAnonymousJourneyExits() {
        String viewed = unique("viewed");
        long scenario = waitThenSend(viewed);
        String anonymousId = unique("anon");
        String userId = unique("user");
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            event(userId, viewed, "{}");
            long known = awaitJourney(userId, "waiting", "hour").get("id").longValue();
            track(anonymousId, viewed);
            long anonymous = awaitAnonymousJourney(scenario, anonymousId);

            identify(userId, anonymousId);
            await("the anonymous journey exited", () -> journey(anonymous).get("status").stringValue(),
                    "exited"::equals);
            assertThat(journey(anonymous).get("contactId").longValue()).isEqualTo(contactId(userId));
            assertThat(journeys(userId)).filteredOn(j -> j.get("status").stringValue().equals("waiting"))
                    .extracting(j -> j.get("id").longValue()).containsExactly(known);

            clock.advance(Duration.ofHours(1));
            assertThat(consumeMessages(messages, contactId(userId), 1)).extracting(m -> m.get("instanceId")
                    .longValue()).containsExactly(known);
            await("the known journey completed", () -> journey(known).get("status").stringValue(),
                    "completed"::equals);
            assertThat(messageRequests(userId)).hasSize(1);
        }
    }

    private long waitThenSend(String eventType) {
        String template = template("email");
        return activeScenario("""
                {"name": "Viewed, an hour later", "trigger": {"type": "event", "eventType": "%s"},
                 "steps": [{"id": "hour", "wait": {"duration": "PT1H"}, "next": "send"},
                           {"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(eventType, template));
    }

    private long awaitAnonymousJourney(long scenario, String anonymousId) {
        return await("a journey of the anonymous contact", () -> jdbc.queryForList("""
                select j.id from journey_instances j join contact_identities i on i.contact_id = j.contact_id
                where j.scenario_id = ? and i.anonymous_id = ? and j.status = 'waiting'""", Long.class, scenario,
                anonymousId), ids -> ids.size() == 1).get(0);
    }

    private void track(String anonymousId, String event) {
        segment("/v1/track", """
                {"anonymousId": "%s", "event": "%s", "messageId": "%s"}""".formatted(anonymousId, event,
                unique("m")));
    }

    private void identify(String userId, String anonymousId) {
        segment("/v1/identify", """
                {"userId": "%s", "anonymousId": "%s", "messageId": "%s", "traits": {"firstName": "Ann"}}"""
                .formatted(userId, anonymousId, unique("m")));
    }

    private void segment(String path, String json) {
        String basic = Base64.getEncoder().encodeToString((ADMIN_KEY + ":").getBytes(StandardCharsets.UTF_8));
        send("POST", path, json, null, Map.of("Authorization", "Basic " + basic)).expect(200);
    }
}
