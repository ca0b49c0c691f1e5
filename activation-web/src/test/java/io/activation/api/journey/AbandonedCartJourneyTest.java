package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The abandoned-cart journey end to end: REST in, message requests out on activation.messages. */
class AbandonedCartJourneyTest extends JourneyApiSupport {

    @Test
    void remindsTwiceWithACouponAndAnOrderDuringTheWaitEndsTheJourney() {
        String carts = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "cart_id", "timeAttribute": "updated_at_shop",
                 "attributes": [{"name": "cart_id", "type": "text"}, {"name": "status", "type": "text"},
                   {"name": "value", "type": "decimal"}, {"name": "updated_at_shop", "type": "timestamp"}]}
                """.formatted(unique("carts")));
        String orders = defineTable("""
                {"name": "%s", "kind": "interaction", "businessKey": "order_no", "timeAttribute": "ordered_at",
                 "attributes": [{"name": "order_no", "type": "text"}, {"name": "total", "type": "decimal"},
                   {"name": "ordered_at", "type": "timestamp"}]}
                """.formatted(unique("orders")));
        String coupons = defineTable("""
                {"name": "%s", "kind": "linked", "businessKey": "code",
                 "attributes": [{"name": "code", "type": "text"}, {"name": "cart_id", "type": "text"},
                   {"name": "percent", "type": "integer"}]}
                """.formatted(unique("coupons")));
        String first = template("email");
        String second = template("email");
        String secondSms = template("sms");
        String completed = unique("order_completed");
        long scenario = activeScenario("""
                {"name": "Abandoned cart", "priority": 70,
                 "trigger": {"type": "row", "table": "%1$s", "on": ["updated"], "changed": ["status"],
                             "where": {"attribute": "status", "op": "eq", "value": "abandoned"}},
                 "entry": {"rule": "once_per_trigger_row"},
                 "exit": [{"type": "event", "eventType": "%6$s"}],
                 "steps": [
                   {"id": "wait-1h", "wait": {"duration": "PT1H"}, "next": "ordered?"},
                   {"id": "ordered?", "condition": {"rule": {"aggregate": {"table": "%2$s", "fn": "count",
                        "window": {"since": "journeyStart"}}, "op": "gte", "value": 1}, "then": "done",
                        "else": "remind"}},
                   {"id": "remind", "send": {"channels": [{"channel": "email", "template": "%3$s"}]},
                    "next": "wait-24h"},
                   {"id": "wait-24h", "wait": {"duration": "PT24H"}, "next": "coupon"},
                   {"id": "coupon", "updateRow": {"table": "%7$s", "values": {"code": "CART-${instance.id}",
                        "cart_id": "${trigger.key}", "percent": 10}}, "next": "remind-again"},
                   {"id": "remind-again", "send": {"channels": [{"channel": "email", "template": "%4$s"},
                        {"channel": "sms", "template": "%5$s"}]}},
                   {"id": "done", "exit": {}}
                 ]}
                """.formatted(carts, orders, first, second, secondSms, completed, coupons));

        String ann = unique("ann");
        String bob = unique("bob");
        String rows = "/api/v1/tables/" + carts + "/rows";
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            for (String who : List.of(ann, bob)) {
                post(rows, """
                        {"contact": {"externalId": "%s"}, "values": {"cart_id": "%s", "status": "open", "value": 80}}
                        """.formatted(who, who + "-cart")).expect(201);
                put(rows + "/" + who + "-cart", "{\"contact\": {\"externalId\": \"" + who + "\"},"
                        + " \"values\": {\"status\": \"abandoned\"}}").expect(200);
            }
            JsonNode annJourney = awaitJourney(ann, "waiting", "wait-1h");
            awaitJourney(bob, "waiting", "wait-1h");
            assertThat(annJourney.get("triggerKey").stringValue()).isEqualTo(carts + ":" + ann + "-cart");

            // Bob orders while he waits: the exit rule ends his journey wherever it stands.
            event(bob, completed, "{\"order_id\": \"o-1\"}");
            JsonNode bobJourney = awaitJourney(bob, "exited", "wait-1h");

            clock.advance(Duration.ofMinutes(61));
            long annId = contactId(ann);
            JsonNode reminder = consumeMessages(messages, annId, 1).get(0);
            assertThat(reminder.get("stepId").stringValue()).isEqualTo("remind");
            assertThat(reminder.get("scenarioId").longValue()).isEqualTo(scenario);
            assertThat(reminder.get("priority").intValue()).isEqualTo(70);
            assertThat(reminder.at("/channels/0/template").stringValue()).isEqualTo(first);
            awaitJourney(ann, "waiting", "wait-24h");

            clock.advance(Duration.ofHours(24));
            JsonNode again = consumeMessages(messages, annId, 1).get(0);
            assertThat(again.get("stepId").stringValue()).isEqualTo("remind-again");
            assertThat(again.get("channels").findValuesAsString("channel")).containsExactly("email", "sms");
            long instance = annJourney.get("id").longValue();
            JsonNode coupon = get("/api/v1/tables/" + coupons + "/rows/CART-" + instance).expect(200).json();
            assertThat(coupon.at("/values/cart_id").stringValue()).isEqualTo(ann + "-cart");
            assertThat(coupon.at("/values/percent").intValue()).isEqualTo(10);
            assertThat(coupon.get("contactId").longValue()).isEqualTo(annId);
            awaitJourney(ann, "completed", "remind-again");

            // Bob got nothing: his timer was cancelled when he ordered.
            assertThat(messageRequests(bob)).isEmpty();
            JsonNode bobHistory = journey(bobJourney.get("id").longValue()).get("history");
            assertThat(bobHistory.get(bobHistory.size() - 1).get("outcome").stringValue()).isEqualTo("exited");
            assertThat(bobHistory.get(bobHistory.size() - 1).get("reason").stringValue()).contains(completed);

            JsonNode history = journey(instance).get("history");
            assertThat(history.findValuesAsString("outcome")).containsSubsequence("started", "waiting", "waited",
                    "else", "requested", "waiting", "waited", "requested", "completed");

            JsonNode counts = get("/api/v1/scenarios/" + scenario + "/counts").expect(200).json();
            assertThat(counts.get("total").intValue()).isEqualTo(2);
            assertThat(counts.get("completed").intValue()).isEqualTo(1);
            assertThat(counts.get("exited").intValue()).isEqualTo(1);
            assertThat(counts.get("live").intValue()).isEqualTo(0);
            JsonNode remindCount = null;
            for (JsonNode s : counts.get("steps")) {
                if (s.get("stepId").stringValue().equals("remind")) {
                    remindCount = s;
                }
            }
            assertThat(remindCount).isNotNull();
            assertThat(remindCount.get("entered").intValue()).isEqualTo(1);
        }
    }
}
