package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Wait-for-event with a timeout branch, conditions on attributes and aggregates, a sticky A/B split. */
class WelcomeAndWinBackJourneyTest extends JourneyApiSupport {

    @Test
    void welcomeSeriesBranchesOnAnOpenWithinTwoDaysOrOnTheTimeout() {
        String welcome = template("email");
        String tips = template("email");
        String nudge = template("sms");
        String signedUp = unique("signed_up");
        String opened = unique("email_opened");
        activeScenario("""
                {"name": "Welcome",
                 "trigger": {"type": "event", "eventType": "%s"},
                 "steps": [
                   {"id": "welcome", "send": {"channels": [{"channel": "email", "template": "%s"}]},
                    "next": "opened?"},
                   {"id": "opened?", "waitForEvent": {"eventType": "%s", "timeout": "P2D",
                        "where": {"attribute": "campaign", "op": "eq", "value": "welcome"},
                        "onEvent": "tips", "onTimeout": "nudge"}},
                   {"id": "tips", "send": {"channels": [{"channel": "email", "template": "%s"}]}},
                   {"id": "nudge", "send": {"channels": [{"channel": "sms", "template": "%s"}]}}
                 ]}
                """.formatted(signedUp, welcome, opened, tips, nudge));
        String reader = unique("reader");
        String ignorer = unique("ignorer");
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            event(reader, signedUp, "{}");
            event(ignorer, signedUp, "{}");
            assertThat(consumeMessages(messages, contactId(reader), 1).get(0).at("/channels/0/template")
                    .stringValue()).isEqualTo(welcome);
            assertThat(consumeMessages(messages, contactId(ignorer), 1).get(0).get("stepId").stringValue())
                    .isEqualTo("welcome");
            awaitJourney(reader, "waiting", "opened?");
            awaitJourney(ignorer, "waiting", "opened?");

            // An open of another campaign does not count; the welcome one within the two days does.
            event(reader, opened, "{\"campaign\": \"newsletter\"}");
            clock.advance(Duration.ofHours(47));
            event(reader, opened, "{\"campaign\": \"welcome\"}");
            JsonNode tipsMessage = consumeMessages(messages, contactId(reader), 1).get(0);
            assertThat(tipsMessage.get("stepId").stringValue()).isEqualTo("tips");
            awaitJourney(reader, "completed", "tips");

            clock.advance(Duration.ofHours(2));
            JsonNode nudgeMessage = consumeMessages(messages, contactId(ignorer), 1).get(0);
            assertThat(nudgeMessage.get("stepId").stringValue()).isEqualTo("nudge");
            assertThat(nudgeMessage.at("/channels/0/channel").stringValue()).isEqualTo("sms");
            JsonNode journey = journey(awaitJourney(ignorer, "completed", "nudge").get("id").longValue());
            assertThat(journey.get("history").findValuesAsString("outcome")).contains("timeout");
            assertThat(messageRequests(reader)).hasSize(2);
        }
    }

    @Test
    void winBackConditionOnAttributesAndSpendingInTheLastDaysAndAStickySplit() {
        String orders = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "text"}, {"name": "total", "type": "decimal"},
                   {"name": "cancelled", "type": "boolean"}, {"name": "ordered_at", "type": "timestamp"}]}
                """.formatted(unique("orders")));
        String offer = template("email");
        String gentle = template("email");
        String lapsed = unique("lapsed");
        long scenario = activeScenario("""
                {"name": "Win back", "entry": {"rule": "once_ever"},
                 "trigger": {"type": "event", "eventType": "%s"},
                 "steps": [
                   {"id": "valuable?", "condition": {"rule": {"and": [
                        {"attribute": "country", "op": "in", "value": ["BE", "NL"]},
                        {"aggregate": {"table": "%s", "fn": "sum", "column": "total",
                                       "where": {"attribute": "cancelled", "op": "eq", "value": false},
                                       "window": {"lastDays": 365}}, "op": "gte", "value": 200}]},
                      "then": "ab", "else": "gentle"}},
                   {"id": "ab", "split": {"variants": [{"name": "A", "percent": 50, "next": "offer"},
                                                       {"name": "B", "percent": 50, "next": "offer"}]}},
                   {"id": "offer", "send": {"channels": [{"channel": "email", "template": "%s"}]}},
                   {"id": "gentle", "send": {"channels": [{"channel": "email", "template": "%s"}]}}
                 ]}
                """.formatted(lapsed, orders, offer, gentle));
        String big = unique("big");
        String small = unique("small");
        String abroad = unique("abroad");
        put("/api/v1/contacts/" + big, "{\"country\": \"BE\"}").expect(201);
        put("/api/v1/contacts/" + small, "{\"country\": \"NL\"}").expect(201);
        put("/api/v1/contacts/" + abroad, "{\"country\": \"FR\"}").expect(201);
        String rows = "/api/v1/tables/" + orders + "/rows";
        String recent = clock.instant().minus(Duration.ofDays(30)).toString();
        String old = clock.instant().minus(Duration.ofDays(400)).toString();
        post(rows, order(big, "b1", 150, false, recent)).expect(201);
        post(rows, order(big, "b2", 60, false, recent)).expect(201);
        post(rows, order(small, "s1", 150, false, recent)).expect(201);
        post(rows, order(small, "s2", 500, true, recent)).expect(201);
        post(rows, order(small, "s3", 500, false, old)).expect(201);
        post(rows, order(abroad, "a1", 900, false, recent)).expect(201);

        for (String who : new String[] {big, small, abroad}) {
            event(who, lapsed, "{}");
        }
        assertThat(awaitMessages(big, 1).get(0).at("/channels/0/template").stringValue()).isEqualTo(offer);
        assertThat(awaitMessages(small, 1).get(0).at("/channels/0/template").stringValue()).isEqualTo(gentle);
        assertThat(awaitMessages(abroad, 1).get(0).at("/channels/0/template").stringValue()).isEqualTo(gentle);

        JsonNode history = journey(awaitJourney(big, "completed", "offer").get("id").longValue()).get("history");
        String variant = history.findValuesAsString("outcome").stream().filter(o -> o.startsWith("variant "))
                .findFirst().orElseThrow();
        // Sticky: the variant is a function of contact and scenario, not of chance.
        assertThat(variant).isEqualTo("variant " + (io.activation.journey.SplitBuckets.bucket(contactId(big),
                scenario) < 50 ? "A" : "B"));
    }

    private static String order(String who, String no, int total, boolean cancelled, String at) {
        return """
                {"contact": {"externalId": "%s"}, "values": {"order_no": "%s", "total": %d, "cancelled": %s,
                 "ordered_at": "%s"}}""".formatted(who, no + "-" + who, total, cancelled, at);
    }
}
