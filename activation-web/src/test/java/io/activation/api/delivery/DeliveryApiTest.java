package io.activation.api.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.DeliveryTestSupport;
import io.activation.testing.ProblemAssert;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** "Why (not) sent", a contact's messages, and the REST of caps, quiet hours and suppressions. */
class DeliveryApiTest extends DeliveryTestSupport {

    @Test
    void theWhyEndpointShowsTheWholeTrailAndTheContactsMessagesTheirOutcome() {
        String who = unique("why");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "email", "marketing", "granted");
        consent(who, "push", "marketing", "granted");
        long sent = request(contact, List.of("push", "email"), marketing());
        long notSent = request(contact, List.of("sms"), marketing());
        awaitStatus(sent, "dispatched");
        awaitStatus(notSent, "skipped");
        // The application's e-mail sender (to the mail catcher) completes the trail with the send.
        JsonNode why = await("request " + sent + " sent", () -> get("/api/v1/message-requests/" + sent
                + "/decisions").expect(200).json(), w -> w.at("/deliveries/0/status").asString("").equals("sent"));
        assertThat(why.get("request").get("id").longValue()).isEqualTo(sent);
        assertThat(why.get("request").get("status").stringValue()).isEqualTo("dispatched");
        assertThat(why.get("request").get("purpose").stringValue()).isEqualTo("marketing");
        JsonNode decisions = why.get("decisions");
        assertThat(decisions).hasSize(8);
        assertThat(decisions.get(0).get("stage").stringValue()).isEqualTo("consent");
        assertThat(decisions.get(0).get("channel").stringValue()).isEqualTo("push");
        assertThat(decisions.get(0).get("outcome").stringValue()).isEqualTo("passed");
        assertThat(decisions.get(1).get("stage").stringValue()).isEqualTo("address");
        assertThat(decisions.get(1).get("outcome").stringValue()).isEqualTo("blocked");
        assertThat(decisions.get(1).get("reason").stringValue()).isEqualTo("the contact has no registered device");
        JsonNode chosen = decisions.get(6);
        assertThat(chosen.get("stage").stringValue()).isEqualTo("channel");
        assertThat(chosen.get("outcome").stringValue()).isEqualTo("chosen");
        assertThat(chosen.get("reason").stringValue()).startsWith("dispatched on email (choice 2 of 2)");
        assertThat(why.get("deliveries")).hasSize(1);
        JsonNode delivery = why.get("deliveries").get(0);
        assertThat(chosen.get("deliveryId").longValue()).isEqualTo(delivery.get("id").longValue());
        assertThat(delivery.get("channel").stringValue()).isEqualTo("email");
        assertThat(delivery.get("status").stringValue()).isEqualTo("sent");
        JsonNode send = decisions.get(7);
        assertThat(send.get("stage").stringValue() + "/" + send.get("outcome").stringValue()).isEqualTo("send/sent");
        assertThat(send.get("deliveryId").longValue()).isEqualTo(delivery.get("id").longValue());

        JsonNode messages = get("/api/v1/contacts/" + who + "/messages").expect(200).json().get("items");
        assertThat(messages).hasSize(2);
        JsonNode skipped = messages.get(0);
        assertThat(skipped.get("requestId").longValue()).isEqualTo(notSent);
        assertThat(skipped.get("status").stringValue()).isEqualTo("skipped");
        assertThat(skipped.get("outcome").get("reason").stringValue()).isEqualTo("no channel of [sms] is allowed and"
                + " reachable (sms: no marketing consent for sms)");
        assertThat(skipped.get("deliveries")).isEmpty();
        assertThat(messages.get(1).get("status").stringValue()).isEqualTo("dispatched");
        assertThat(messages.get(1).get("deliveries").get(0).get("status").stringValue()).isEqualTo("sent");
        assertThat(messages.get(1).get("decisions").stringValue()).isEqualTo("/api/v1/message-requests/" + sent
                + "/decisions");

        ProblemAssert.assertProblem(get("/api/v1/message-requests/999999999/decisions"), 404, "not-found", "id");
        ProblemAssert.assertProblem(get("/api/v1/contacts/" + unique("nobody") + "/messages"), 404, "not-found", "externalId");
        ProblemAssert.assertProblem(get("/api/v1/contacts/" + who + "/messages?limit=0"), 422, "invalid-input", "limit");
    }

    @Test
    void skippedAndDeferredRequestsArePublishedOnTheEventsTopic() {
        String who = unique("events");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\", \"timeZone\": \"Europe/Brussels\"}");
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            long skipped = request(contact, List.of("email"), marketing());
            awaitStatus(skipped, "skipped");
            consent(who, "email", "marketing", "granted");
            put("/api/v1/quiet-hours", "{\"start\": \"00:00\", \"end\": \"23:59\"}").expect(200);
            long deferred = request(contact, List.of("email"), marketing());
            awaitStatus(deferred, "deferred");
            // Expanded: two outcomes of one batch whose contacts share a partition travel in one record (ADR 0022).
            List<ConsumerRecord<String, String>> seen = consumeUntil(events, records -> outcomes(records, contact)
                    .stream().map(e -> e.get("type").stringValue()).toList().containsAll(List.of(
                            "io.activation.message.skipped", "io.activation.message.deferred")),
                    Duration.ofSeconds(30));
            JsonNode skippedEvent = outcomes(seen, contact).stream().filter(e -> e.get("type").stringValue()
                    .equals("io.activation.message.skipped")).findFirst().orElseThrow().get("data");
            assertThat(skippedEvent.get("requestId").longValue()).isEqualTo(skipped);
            assertThat(skippedEvent.get("stage").stringValue()).isEqualTo("channel");
            assertThat(skippedEvent.get("reason").stringValue()).contains("no marketing consent for email");
            assertThat(skippedEvent.get("template").stringValue()).isEqualTo("tpl-email");
            JsonNode deferredEvent = outcomes(seen, contact).stream().filter(e -> e.get("type").stringValue()
                    .equals("io.activation.message.deferred")).findFirst().orElseThrow().get("data");
            assertThat(deferredEvent.get("requestId").longValue()).isEqualTo(deferred);
            assertThat(deferredEvent.get("stage").stringValue()).isEqualTo("quiet-hours");
            assertThat(deferredEvent.get("until").stringValue()).isEqualTo(jdbc.queryForObject(
                    "select decide_at from message_requests where id = ?", java.sql.Timestamp.class, deferred)
                    .toInstant().toString());
        }
    }

    @Test
    void frequencyCapsAreConfiguredThroughTheApi() {
        JsonNode errors = post("/api/v1/frequency-caps", """
                {"name": "", "scope": "weekly", "max": -1, "window": "7 days", "colour": "red"}""")
                .expect(422).json();
        assertThat(ProblemAssert.fieldsNamed(errors)).contains("name", "scope", "max", "window", "colour");
        ProblemAssert.assertProblem(post("/api/v1/frequency-caps", """
                {"name": "x", "scope": "channel", "max": 1, "window": "P1D"}"""), 422, "invalid-input", "channel");
        ProblemAssert.assertProblem(post("/api/v1/frequency-caps", """
                {"name": "x", "scope": "global", "scenarioId": 3, "max": 1, "window": "P1D"}"""), 422, "invalid-input", "scenarioId");

        String name = unique("sms-daily");
        long id = cap("{\"name\": \"" + name + "\", \"scope\": \"channel\", \"channel\": \"sms\", \"max\": 1,"
                + " \"window\": \"P1D\"}");
        JsonNode cap = get("/api/v1/frequency-caps/" + id).expect(200).json();
        assertThat(cap.get("scope").stringValue()).isEqualTo("channel");
        assertThat(cap.get("channel").stringValue()).isEqualTo("sms");
        assertThat(cap.get("max").intValue()).isEqualTo(1);
        assertThat(cap.get("window").stringValue()).isEqualTo("PT24H");
        ProblemAssert.assertProblem(post("/api/v1/frequency-caps", "{\"name\": \"" + name + "\", \"scope\":"
                + " \"global\", \"max\": 1, \"window\": \"P1D\"}"), 409, "frequency-cap-exists", "name");
        JsonNode updated = put("/api/v1/frequency-caps/" + id, "{\"name\": \"" + name + "\", \"scope\": \"global\","
                + " \"max\": 3, \"window\": \"P7D\"}").expect(200).json();
        assertThat(updated.get("scope").stringValue()).isEqualTo("global");
        assertThat(updated.get("channel").isNull()).isTrue();
        assertThat(get("/api/v1/frequency-caps").expect(200).json().get("items").findValuesAsString("name"))
                .contains(name);
        delete("/api/v1/frequency-caps/" + id).expect(204);
        ProblemAssert.assertProblem(delete("/api/v1/frequency-caps/" + id), 404, "not-found", "id");
        ProblemAssert.assertProblem(get("/api/v1/frequency-caps/" + id), 404, "not-found", "id");
    }

    @Test
    void quietHoursAreSetAndTurnedOffThroughTheApi() {
        assertThat(get("/api/v1/quiet-hours").expect(200).json().get("enabled").booleanValue()).isFalse();
        ProblemAssert.assertProblem(put("/api/v1/quiet-hours", "{\"start\": \"9pm\", \"end\": \"08:00\"}"), 422,
                "invalid-input", "start");
        ProblemAssert.assertProblem(put("/api/v1/quiet-hours", "{\"start\": \"08:00\", \"end\": \"08:00\"}"), 422,
                "invalid-input", "end");
        JsonNode set = put("/api/v1/quiet-hours", "{\"start\": \"21:00\", \"end\": \"08:00\"}").expect(200).json();
        assertThat(set.get("enabled").booleanValue()).isTrue();
        assertThat(get("/api/v1/quiet-hours").expect(200).json().get("start").stringValue()).isEqualTo("21:00");
        delete("/api/v1/quiet-hours").expect(204);
        assertThat(get("/api/v1/quiet-hours").expect(200).json().get("enabled").booleanValue()).isFalse();
    }

    @Test
    void suppressionsAreListedAddedAndLiftedThroughTheApi() {
        String address = unique("gone") + "@example.com";
        ProblemAssert.assertProblem(post("/api/v1/suppressions", "{\"channel\": \"fax\", \"address\": \"x\"}"), 422,
                "invalid-input", "channel");
        ProblemAssert.assertProblem(post("/api/v1/suppressions", "{\"channel\": \"email\", \"address\": \"x\","
                + " \"reason\": \"bored\"}"), 422, "invalid-input", "reason");
        ProblemAssert.assertProblem(get("/api/v1/suppressions"), 422, "invalid-input", "channel");

        JsonNode added = post("/api/v1/suppressions", "{\"channel\": \"email\", \"address\": \" "
                + address.toUpperCase() + "\", \"reason\": \"complaint\"}").expect(201).json();
        assertThat(added.get("address").stringValue()).isEqualTo(address);
        assertThat(added.get("reason").stringValue()).isEqualTo("complaint");
        assertThat(added.get("source").stringValue()).isEqualTo("api");
        JsonNode again = post("/api/v1/suppressions", "{\"channel\": \"email\", \"address\": \"" + address + "\"}")
                .expect(200).json();
        assertThat(again.get("reason").stringValue()).isEqualTo("complaint");
        assertThat(get("/api/v1/suppressions?channel=email&address=" + address).expect(200).json().get("items"))
                .hasSize(1);
        assertThat(get("/api/v1/suppressions?channel=email&limit=1000").expect(200).json().get("items")
                .findValuesAsString("address")).contains(address);

        delete("/api/v1/suppressions/email/" + address).expect(204);
        ProblemAssert.assertProblem(delete("/api/v1/suppressions/email/" + address), 404, "not-found", "address");
        assertThat(get("/api/v1/suppressions?channel=email&address=" + address).expect(200).json().get("items"))
                .isEmpty();
    }

    /** The contact's message outcomes among the records ({type, data}), grouped records expanded. */
    private static List<JsonNode> outcomes(List<ConsumerRecord<String, String>> records, long contact) {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode e = value(r);
            if (e.get("type").stringValue().equals(io.activation.delivery.Arbitration.OUTCOMES)) {
                for (io.activation.ingest.EventGroups.Member m : io.activation.ingest.EventGroups.expand(
                        e.get("id"), e.get("data"))) {
                    if (m.contactId() == contact) {
                        out.add(tools.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                                .put("type", m.type()).set("data", m.data()));
                    }
                }
            } else if (r.key().equals(Long.toString(contact))
                    && e.path("data").path("contactId").asLong() == contact) {
                out.add(e);
            }
        }
        return out;
    }
}
