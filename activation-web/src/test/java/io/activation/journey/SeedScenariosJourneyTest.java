package io.activation.journey;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The seed scenarios of docs/journeys.md end to end: data in through the REST API, message requests out on Kafka
 * {@code activation.messages}, days passing on the test clock.
 */
class SeedScenariosJourneyTest extends EngineTestSupport {

    /**
     * Win-back: 90 days after the last order. Every order ends the running journey (exit rule) and starts a new one
     * (the trigger, entry once at a time), so the 90 days count from the latest order.
     */
    @Test
    void winBackNinetyDaysAfterTheLastOrderRestartedByEveryOrder() {
        String orders = ordersTable();
        String comeBack = template("email");
        activeScenario("""
                {"name": "Win-back after 90 days", "entry": {"rule": "once_at_a_time"},
                 "trigger": {"type": "row", "table": "%1$s", "on": ["created"]},
                 "exit": [{"type": "row", "table": "%1$s", "on": ["created"]}],
                 "steps": [{"id": "quiet-90d", "wait": {"duration": "P90D"}, "next": "come-back"},
                           {"id": "come-back", "send": {"channels": [{"channel": "email", "template": "%2$s"}]}}]}
                """.formatted(orders, comeBack));
        String loyal = unique("loyal");
        String lapsed = unique("lapsed");
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            order(orders, loyal, unique("o"));
            order(orders, lapsed, unique("o"));

            clock.advance(Duration.ofDays(60));
            order(orders, loyal, unique("o"));
            assertThat(journeys(loyal).findValuesAsString("status")).containsExactlyInAnyOrder("exited", "waiting");

            // Day 90 after the first orders: the lapsed customer gets the message, the one who ordered on day 60 not.
            clock.advance(Duration.ofDays(30).plusMinutes(1));
            JsonNode message = consumeMessages(messages, contactId(lapsed), 1).get(0);
            assertThat(message.at("/channels/0/template").stringValue()).isEqualTo(comeBack);
            marker(loyal);
            assertThat(messageRequests(loyal)).isEmpty();

            // Day 150: 90 days after the second order.
            clock.advance(Duration.ofDays(59));
            marker(loyal);
            assertThat(messageRequests(loyal)).isEmpty();
            clock.advance(Duration.ofDays(1));
            assertThat(consumeMessages(messages, contactId(loyal), 1).get(0).get("stepId").stringValue())
                    .isEqualTo("come-back");
        }
        assertThat(messageRequests(lapsed)).hasSize(1);
    }

    /** Second-purchase nudge: the first order, 30 days, then a message only to who still has exactly one order. */
    @Test
    void secondPurchaseNudgeOnlyForWhoStillHasExactlyOneOrder() {
        String orders = ordersTable();
        String nudge = template("email");
        String oneOrder = """
                {"aggregate": {"table": "%s", "fn": "count"}, "op": "eq", "value": 1}""".formatted(orders);
        activeScenario("""
                {"name": "Second-purchase nudge", "entry": {"rule": "once_ever"},
                 "trigger": {"type": "row", "table": "%1$s", "on": ["created"]},
                 "steps": [{"id": "first?", "condition": {"rule": %2$s, "then": "wait-30d", "else": "done"}},
                           {"id": "wait-30d", "wait": {"duration": "P30D"}, "next": "still-one?"},
                           {"id": "still-one?", "condition": {"rule": %2$s, "then": "nudge", "else": "done"}},
                           {"id": "nudge", "send": {"channels": [{"channel": "email", "template": "%3$s"}]}},
                           {"id": "done", "exit": {}}]}
                """.formatted(orders, oneOrder, nudge));
        String once = unique("once");
        String twice = unique("twice");
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            order(orders, once, unique("o"));
            order(orders, twice, unique("o"));
            clock.advance(Duration.ofDays(10));
            order(orders, twice, unique("o"));
            // The second order starts no journey of its own (once ever).
            assertThat(journeys(twice)).hasSize(1);

            clock.advance(Duration.ofDays(20).plusMinutes(1));
            JsonNode message = consumeMessages(messages, contactId(once), 1).get(0);
            assertThat(message.at("/channels/0/template").stringValue()).isEqualTo(nudge);
            JsonNode journey = awaitJourney(twice, "exited", "done");
            assertThat(history(journey.get("id").longValue())).filteredOn(h -> h.startsWith("else")).hasSize(1);
            assertThat(messageRequests(twice)).isEmpty();
        }
    }

    /** Welcome series: a welcome e-mail, engagement points, the CRM told by webhook, tips three days later. */
    @Test
    void welcomeSeriesWithAScoreAndAWebhookToTheCrm() {
        WireMockServer crm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        crm.start();
        try {
            String path = "/" + unique("contacts");
            crm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlEqualTo(path))
                    .willReturn(aResponse().withStatus(202)));
            String score = score();
            String welcome = template("email");
            String tips = template("email");
            String signedUp = unique("signed_up");
            activeScenario("""
                    {"name": "Welcome series", "entry": {"rule": "once_ever"},
                     "trigger": {"type": "event", "eventType": "%s"},
                     "steps": [
                       {"id": "welcome", "send": {"channels": [{"channel": "email", "template": "%s"}]},
                        "next": "points"},
                       {"id": "points", "score": {"name": "%s", "points": 10}, "next": "crm"},
                       {"id": "crm", "webhook": {"url": "http://127.0.0.1:%d%s", "secret": "welcome-secret-0123",
                          "timeoutSeconds": 5,
                          "body": {"contactId": "${contact.id}", "journeyId": "${instance.id}",
                                   "event": "welcome", "plan": "${trigger.properties.plan}"}},
                        "next": "wait-3d"},
                       {"id": "wait-3d", "wait": {"duration": "P3D"}, "next": "tips"},
                       {"id": "tips", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                    """.formatted(signedUp, welcome, score, crm.port(), path, tips));
            String newcomer = unique("newcomer");
            try (KafkaConsumer<String, String> messages = messagesConsumer()) {
                event(newcomer, signedUp, "{\"plan\": \"gold\"}");
                long contactId = contactId(newcomer);
                assertThat(consumeMessages(messages, contactId, 1).get(0).at("/channels/0/template").stringValue())
                        .isEqualTo(welcome);
                long journeyId = awaitJourney(newcomer, "waiting", "wait-3d").get("id").longValue();
                assertThat(get("/api/v1/contacts/" + newcomer).expect(200).json().at("/attributes/score_" + score)
                        .decimalValue()).isEqualByComparingTo(new BigDecimal("10"));
                List<LoggedRequest> calls = crm.findAll(postRequestedFor(urlEqualTo(path)));
                assertThat(calls).hasSize(1);
                JsonNode body = JSON.readTree(calls.get(0).getBodyAsString());
                assertThat(body.get("contactId").stringValue()).isEqualTo(Long.toString(contactId));
                assertThat(body.get("plan").stringValue()).isEqualTo("gold");
                assertThat(calls.get(0).getHeader("Idempotency-Key")).isEqualTo("journey:" + journeyId + ":crm:3");

                clock.advance(Duration.ofDays(3).plusMinutes(1));
                assertThat(consumeMessages(messages, contactId, 1).get(0).at("/channels/0/template").stringValue())
                        .isEqualTo(tips);
                awaitJourney(newcomer, "completed", "tips");
                assertThat(history(journeyId)).anySatisfy(h -> assertThat(h).startsWith("webhook ok:").contains(
                        "HTTP 202"));
            }
            assertThat(crm.findAll(postRequestedFor(urlEqualTo(path)))).hasSize(1);
        } finally {
            crm.stop();
        }
    }
}
