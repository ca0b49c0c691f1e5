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

    @Test
    void aReferenceChangeAnnouncedForAWishlistRowStartsTheRowTriggerOfTheLinkingTable() throws Exception {
        String wishlist = defineTable("""
                {"name": "%s", "kind": "linked", "businessKey": "wishlist_item_id",
                 "attributes": [{"name": "wishlist_item_id", "type": "text"}, {"name": "stock_code", "type": "text"}]}
                """.formatted(unique("wishlist_items")));
        String template = template("email");
        activeScenario("""
                {"name": "Price drop", "entry": {"rule": "once_per_trigger_row"},
                 "trigger": {"type": "row", "table": "%s", "on": ["reference-changed"]},
                 "steps": [{"id": "tell", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(wishlist, template));
        String who = unique("wisher");
        post("/api/v1/tables/" + wishlist + "/rows", """
                {"contact": {"externalId": "%s"}, "values": {"wishlist_item_id": "w1", "stock_code": "p1"}}"""
                .formatted(who)).expect(201);
        long id = contactId(who);
        String data = """
                {"contactId": %d, "table": "%s", "key": "w1", "rowId": 1, "values": {"stock_code": "p1"},
                 "reference": {"table": "products", "key": "p1", "values": {"unit_price": 8},
                               "previous": {"unit_price": 10}, "changed": ["unit_price"]}}"""
                .formatted(id, wishlist);
        publish(id, "io.activation.row.reference-changed", data);
        publish(id, "io.activation.row.reference-changed", data);
        marker(who);
        assertThat(messageRequests(who)).hasSize(1);
        JsonNode journey = journey(journeys(who).get(0).get("id").longValue());
        assertThat(journey.get("triggerKey").stringValue()).isEqualTo(wishlist + ":w1");
        assertThat(journey.at("/trigger/reference/previous/unit_price").intValue()).isEqualTo(10);
    }

    private void publish(long contactId, String type, String data) throws Exception {
        String event = """
                {"specversion": "1.0", "id": "%s", "source": "/activation/test", "type": "%s",
                 "subject": "contacts/%d", "contactid": "%d", "data": %s}"""
                .formatted(UUID.randomUUID(), type, contactId, contactId, data);
        kafka.send("activation.events", Long.toString(contactId), event).get();
    }
}
