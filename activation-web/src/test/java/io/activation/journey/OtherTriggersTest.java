package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Triggers beyond events and rows: a changed contact attribute (with an update-contact step that must not
 * re-trigger it), and consent and segment events in the shapes the other features publish.
 */
class OtherTriggersTest extends EngineTestSupport {

    @Test
    void contactAttributeChangeStartsAJourneyThatUpdatesTheContactOnce() {
        String country = unique("moved");
        activeScenario("""
                {"name": "%s", "entry": {"rule": "once_ever"},
                 "trigger": {"type": "contactAttribute", "changed": ["country"],
                             "where": {"attribute": "country", "op": "eq", "value": "BE"}},
                 "steps": [{"id": "locale", "updateContact": {"attributes": {"locale": "nl-BE"}}}]}
                """.formatted(country));
        String who = unique("mover");
        put("/api/v1/contacts/" + who, "{\"country\": \"NL\"}").expect(201);
        put("/api/v1/contacts/" + who, "{\"country\": \"BE\"}").expect(200);
        await("locale set by the journey", () -> get("/api/v1/contacts/" + who).expect(200).json(),
                c -> "nl-BE".equals(c.path("locale").asString(null)));
        marker(who);
        JsonNode journeys = journeys(who);
        assertThat(journeys).hasSize(1);
        JsonNode history = journey(journeys.get(0).get("id").longValue()).get("history");
        assertThat(history.findValuesAsString("outcome")).contains("contact updated", "completed");
    }

    @Test
    void consentGivenAndSegmentEnteredStartJourneys() throws Exception {
        String segment = unique("vip");
        String template = template("email");
        long onConsent = activeScenario("""
                {"name": "Consent", "trigger": {"type": "consent", "channel": "sms", "purpose": "marketing"},
                 "steps": [{"id": "hello", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(template));
        long onSegment = activeScenario("""
                {"name": "Segment", "trigger": {"type": "segment", "segment": "%s"},
                 "steps": [{"id": "hello", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(segment, template));
        String who = unique("fan");
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Fay\"}").expect(201);
        long id = contactId(who);
        publish(id, "io.activation.consent.changed", """
                {"contactId": %d, "channel": "sms", "purpose": "marketing", "status": "granted",
                 "previousStatus": "withdrawn"}""".formatted(id));
        publish(id, "io.activation.segment.entered", """
                {"contactId": %d, "segmentId": 9, "segment": "%s"}""".formatted(id, segment));
        JsonNode requests = awaitMessages(who, 2);
        assertThat(requests.findValues("scenarioId").stream().map(JsonNode::longValue).toList())
                .containsExactlyInAnyOrder(onConsent, onSegment);
    }

    private void publish(long contactId, String type, String data) throws Exception {
        String event = """
                {"specversion": "1.0", "id": "%s", "source": "/activation/test", "type": "%s",
                 "subject": "contacts/%d", "contactid": "%d", "data": %s}"""
                .formatted(UUID.randomUUID(), type, contactId, contactId, data);
        kafka.send("activation.events", Long.toString(contactId), event).get();
    }
}
