package io.activation.api.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A journey waiting for a click of its own message continues when the recipient clicks. */
class WaitForClickJourneyTest extends TrackingTestSupport {

    @Test
    void aWaitForEventOnMessageClickedContinuesAfterTheClick() {
        String welcome = template("email");
        String thanks = template("email");
        String nudge = template("email");
        String signedUp = unique("signed_up");
        long scenario = activeScenario("""
                {"name": "Welcome, then wait for a click",
                 "trigger": {"type": "event", "eventType": "%s"},
                 "steps": [
                   {"id": "welcome", "send": {"channels": [{"channel": "email", "template": "%s"}]},
                    "next": "clicked?"},
                   {"id": "clicked?", "waitForEvent": {"eventType": "io.activation.message.clicked", "timeout": "P2D",
                        "where": {"attribute": "stepId", "op": "eq", "value": "welcome"},
                        "onEvent": "thanks", "onTimeout": "nudge"}},
                   {"id": "thanks", "send": {"channels": [{"channel": "email", "template": "%s"}]}},
                   {"id": "nudge", "send": {"channels": [{"channel": "email", "template": "%s"}]}}
                 ]}
                """.formatted(signedUp, welcome, thanks, nudge));
        String reader = unique("reader");
        put("/api/v1/contacts/" + reader, "{\"email\": \"" + reader + "@example.com\"}").expect(201);
        event(reader, signedUp, "{}");
        awaitJourney(reader, "waiting", "clicked?");
        long contactId = contactId(reader);
        Map<String, Object> request = jdbc.queryForMap(
                "select id, scenario_id, step_id from message_requests where contact_id = ?", contactId);
        assertThat(request.get("step_id")).isEqualTo("welcome");
        long deliveryId = delivery((Long) request.get("id"), contactId, scenario, unique("k"), reader + "@example.com",
                "sent");

        // Another message's click (a step this journey does not wait for) leaves it waiting.
        long otherRequest = jdbc.queryForObject("""
                insert into message_requests (dedupe_key, contact_id, scenario_id, step_id, channels, priority, status,
                    created_at)
                values (?, ?, null, 'newsletter', '[{"channel": "email", "template": "news"}]'::jsonb, 0, 'dispatched',
                    now()) returning id""", Long.class,
                unique("req"), contactId);
        long otherDelivery = delivery(otherRequest, contactId, null, unique("k"), reader + "@example.com", "sent");
        anonymous("GET", links.click(otherDelivery, "https://shop.example.com/news"), null).expect(302);
        long interaction = jdbc.queryForObject("select id from message_interactions where delivery_id = ?",
                Long.class, otherDelivery);
        String eventId = java.util.UUID.nameUUIDFromBytes(("message-interaction:" + interaction).getBytes())
                .toString();
        await("the other click applied", () -> count("select count(*) from journey_applied where event_id = ?::uuid",
                eventId), n -> n == 1);
        assertThat(awaitJourney(reader, "waiting", "clicked?")).isNotNull();

        anonymous("GET", links.click(deliveryId, "https://shop.example.com/welcome"), null).expect(302);
        JsonNode done = awaitJourney(reader, "completed", "thanks");
        JsonNode history = journey(done.get("id").longValue()).get("history");
        assertThat(history.findValuesAsString("outcome")).contains("event").doesNotContain("timeout");
        assertThat(messageRequests(reader)).anySatisfy(m ->
                assertThat(m.get("stepId").stringValue()).isEqualTo("thanks"));

        JsonNode report = get("/api/v1/scenarios/" + scenario + "/report").expect(200).json();
        assertThat(report.at("/total/sent").longValue()).isEqualTo(1);
        assertThat(report.at("/total/clicked").longValue()).isEqualTo(1);
        assertThat(report.get("steps").get(0).get("stepId").stringValue()).isEqualTo("welcome");
    }
}
