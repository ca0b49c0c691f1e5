package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The send ledger through a running sender runtime: claim, render, send, mark, retry, dead letter, fallback. */
class SenderRuntimeTest extends SenderTestSupport {

    @Test
    void sendsRenderedMessagesToTheirRecipientsAndMarksThemSentWithEvents() {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        clock.set(now);
        List<Long> ids = List.of(queued(channel), queued(channel), queued(channel));
        try (KafkaConsumer<String, String> activationEvents = eventsConsumer()) {
            start(runtime(sink, topic));
            ids.forEach(id -> dispatch(topic, id));
            ids.forEach(id -> awaitStatus(id, "sent"));

            assertThat(sink.calls).hasSize(3);
            for (long id : ids) {
                Map<String, Object> row = row(id);
                OutboundMessage m = sink.calls.stream().filter(c -> c.deliveryId() == id).findFirst().orElseThrow();
                assertThat(m.messageKey()).isEqualTo(row.get("message_key"));
                assertThat(m.recipient().address()).isEqualTo(row.get("address")).endsWith("@example.com");
                assertThat(m.recipient().displayName()).isEqualTo("Ada Lovelace");
                assertThat(m.recipient().attributes()).containsEntry("country", "GB")
                        .containsEntry("email", (String) row.get("address"));
                assertThat(m.content().part("text")).isEqualTo("Hello from welcome for " + row.get("message_key"));
                assertThat(m.content().data()).containsEntry("cart", "c1");
                assertThat(m.attempt()).isEqualTo(1);
                assertThat(m.metadata()).containsEntry("scenarioId", "7").containsEntry("stepId", "send")
                        .containsEntry("template", "welcome");
                assertThat(row.get("provider_id")).isEqualTo("p-" + id);
                assertThat(row.get("attempts")).isEqualTo(1);
                assertThat(instant(row.get("sent_at"))).isEqualTo(now);
                assertThat(instant(row.get("confirm_by"))).isEqualTo(now.plus(Duration.ofDays(2)));
                assertDecision(decisions(id), "sent", "accepted by the provider as p-" + id);
            }
            List<ConsumerRecord<String, String>> seen = consumeUntil(activationEvents, records -> sent(records, ids)
                    .size() == 3, Duration.ofSeconds(30));
            JsonNode first = sent(seen, ids).get(0);
            assertThat(first.path("data").path("providerId").asString()).startsWith("p-");
            for (String field : List.of("contactId", "requestId", "deliveryId", "messageKey", "channel", "scenarioId",
                    "stepId", "template")) {
                assertThat(first.path("data").has(field)).as(field).isTrue();
            }
            assertThat(first.path("data").path("channel").asString()).isEqualTo(channel);
        }
    }

    private static List<JsonNode> sent(List<ConsumerRecord<String, String>> records, List<Long> ids) {
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode node = value(r);
            if (node.path("type").asString("").equals(SendEvents.SENT)
                    && ids.contains(node.path("data").path("deliveryId").asLong())) {
                out.add(node);
            }
        }
        return out;
    }

    @Test
    void aRetryWaitsForTheProvidersRetryAfterOnTheClock() throws Exception {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        sink.answer = m -> m.attempt() == 1 ? new SendResult.Retry("429 Too Many Requests", Duration.ofMinutes(7))
                : new SendResult.Accepted("ok-" + m.attempt());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        clock.set(now);
        long id = queued(channel);
        SenderRuntime runtime = start(runtime(sink, topic));
        dispatch(topic, id);
        awaitStatus(id, "retrying");
        Map<String, Object> row = row(id);
        assertThat(instant(row.get("next_attempt_at"))).isEqualTo(now.plus(Duration.ofMinutes(7)));
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("last_error")).isEqualTo("429 Too Many Requests");
        assertDecision(decisions(id), "retry", "(the provider's Retry-After)");

        // Not due a second before the provider's time, whatever the poller does meanwhile.
        clock.advance(Duration.ofMinutes(7).minusSeconds(1));
        assertThat(runtime.pollRetriesOnce()).isZero();
        assertThat(status(id)).isEqualTo("retrying");
        assertThat(sink.calls).hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        awaitStatus(id, "sent");
        assertThat(row(id).get("attempts")).isEqualTo(2);
        assertThat(row(id).get("provider_id")).isEqualTo("ok-2");
        assertThat(sink.calls).hasSize(2);
        assertThat(sink.acceptedTimes((String) row.get("message_key"))).isEqualTo(1);
    }

    @Test
    void transientFailuresBackOffExponentiallyThenTheDeliveryIsDeadLetteredAndFallsBack() {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        sink.answer = m -> new SendResult.Retry("451 try again later", null);
        Fallbacks fallbacks = new Fallbacks();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        clock.set(now);
        long id = queued(channel);
        start(runtime(sink, topic).maxAttempts(3).backoff(Duration.ofSeconds(10), Duration.ofMinutes(1))
                .fallback(fallbacks));
        dispatch(topic, id);

        await("attempt 1", () -> row(id), r -> "retrying".equals(r.get("status")) && (int) r.get("attempts") == 1);
        Duration first = Duration.between(now, instant(row(id).get("next_attempt_at")));
        assertThat(first).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));

        clock.advance(Duration.ofSeconds(10));
        Instant second = clock.instant();
        await("attempt 2", () -> row(id), r -> "retrying".equals(r.get("status")) && (int) r.get("attempts") == 2);
        assertThat(Duration.between(second, instant(row(id).get("next_attempt_at"))))
                .isBetween(Duration.ofSeconds(10), Duration.ofSeconds(20));
        assertThat(fallbacks.calls).isEmpty();

        clock.advance(Duration.ofSeconds(20));
        awaitStatus(id, "dead");
        assertThat(row(id).get("attempts")).isEqualTo(3);
        assertThat(sink.calls).hasSize(3);
        assertDecision(decisions(id), "failed", "dead after 3 attempts: 451 try again later");
        await("fallback", () -> fallbacks.ids(), ids -> ids.equals(List.of(id)));

        try (KafkaConsumer<String, String> dlt = consumer(runtimes(topic))) {
            JsonNode dead = value(consumeUntil(dlt, records -> !records.isEmpty(), Duration.ofSeconds(30)).get(0));
            assertThat(dead.path("type").asString()).isEqualTo(SendEvents.DISPATCHED);
            assertThat(dead.path("data").path("deliveryId").asLong()).isEqualTo(id);
            assertThat(dead.path("data").path("attempts").asInt()).isEqualTo(3);
            assertThat(dead.path("data").path("reason").asString()).contains("451 try again later");
        }
    }

    private static String runtimes(String topic) {
        return topic + ".dlt";
    }

    @Test
    void permanentFailuresFailTheDeliveryFallBackAndSuppressOrForgetTheAddress() {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        Fallbacks fallbacks = new Fallbacks();
        long bounced = queued(channel);
        long optedOut = queued(channel);
        long contact = contact(null);
        String token = unique("token");
        jdbc.update("insert into device_tokens (token, contact_id, platform, created_at, last_seen_at)"
                + " values (?, ?, 'android', now(), now())", token, contact);
        long unregistered = delivery(request(contact, channel), contact, channel, "welcome", token);
        long broken = delivery(request(contact, channel), contact, channel, "broken", token);
        Map<Long, SendResult> answers = Map.of(
                bounced, new SendResult.Rejected("550 5.1.1 no such user", SendResult.Failure.HARD_BOUNCE),
                optedOut, new SendResult.Rejected("21610 unsubscribed", SendResult.Failure.OPTED_OUT),
                unregistered, new SendResult.Rejected("UNREGISTERED", SendResult.Failure.UNREGISTERED));
        sink.answer = m -> answers.get(m.deliveryId());
        start(runtime(sink, topic).fallback(fallbacks));
        List.of(bounced, optedOut, unregistered, broken).forEach(id -> dispatch(topic, id));

        awaitStatus(bounced, "bounced");
        awaitStatus(optedOut, "failed");
        awaitStatus(unregistered, "failed");
        awaitStatus(broken, "failed");
        assertThat(jdbc.queryForObject("select reason from suppressions where channel = ? and address = ?",
                String.class, channel, row(bounced).get("address"))).isEqualTo("hard-bounce");
        assertThat(jdbc.queryForObject("select reason from suppressions where channel = ? and address = ?",
                String.class, channel, row(optedOut).get("address"))).isEqualTo("opted-out");
        assertThat(jdbc.queryForObject("select count(*) from device_tokens where token = ?", Long.class, token))
                .isZero();
        assertDecision(decisions(bounced), "bounced", "hard-bounce: 550 5.1.1 no such user");
        assertDecision(decisions(broken), "failed", "template broken could not be rendered (subject)");
        assertThat(sink.calls).extracting(OutboundMessage::deliveryId).doesNotContain(broken);
        assertThat(fallbacks.ids()).containsExactlyInAnyOrder(bounced, optedOut, unregistered, broken);
    }

    @Test
    void aSenderThatThrowsLeavesTheDeliveryInDoubtAndItIsNeverSentAgain() throws Exception {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        sink.answer = m -> {
            throw new IllegalStateException("connection reset after DATA");
        };
        long id = queued(channel);
        SenderRuntime runtime = start(runtime(sink, topic));
        dispatch(topic, id);
        awaitStatus(id, "in_doubt");
        assertDecision(decisions(id), "in-doubt", "connection reset after DATA");
        // A second record of the same delivery, a retry poll and a restart send nothing more.
        sink.answer = m -> new SendResult.Accepted("again");
        dispatch(topic, id);
        runtime.stop();
        runtime.start();
        clock.advance(Duration.ofDays(1));
        assertThat(runtime.pollRetriesOnce()).isZero();
        long marker = queued(channel);
        dispatch(topic, marker);
        awaitStatus(marker, "sent");
        assertThat(sink.calls).extracting(OutboundMessage::deliveryId).containsExactly(id, marker);
        assertThat(status(id)).isEqualTo("in_doubt");
    }

    @Test
    void aProviderAnswerInDoubtIsMarkedInDoubtWithItsReasonAndNeverSentAgain() throws Exception {
        String channel = channel();
        String topic = topic(channel);
        Sink sink = new Sink(channel);
        sink.answer = m -> new SendResult.InDoubt("no reply from the SMTP server to the end of DATA", "mid-1");
        long id = queued(channel);
        SenderRuntime runtime = start(runtime(sink, topic));
        dispatch(topic, id);
        awaitStatus(id, "in_doubt");
        assertThat(row(id).get("provider_id")).isEqualTo("mid-1");
        assertDecision(decisions(id), "in-doubt", "no reply from the SMTP server to the end of DATA");
        // Neither a second record nor the retry poller sends it again.
        sink.answer = m -> new SendResult.Accepted("again");
        dispatch(topic, id);
        clock.advance(Duration.ofDays(1));
        assertThat(runtime.pollRetriesOnce()).isZero();
        long marker = queued(channel);
        dispatch(topic, marker);
        awaitStatus(marker, "sent");
        assertThat(sink.calls).extracting(OutboundMessage::deliveryId).containsExactly(id, marker);
        assertThat(status(id)).isEqualTo("in_doubt");
    }

    @Test
    void rendersWithTheApplicationsTemplatesAndATemplateErrorFailsTheDelivery() {
        // The renderer of the application (the template catalogue, sandboxed Liquid), not a test's own.
        String topic = topic(channel());
        String good = unique("t").replace('_', '-');
        String broken = unique("t").replace('_', '-');
        post("/api/v1/templates", """
                {"name": "%s", "channel": "webhook", "parts": {"body": "{\\"name\\": {{ contact.first_name | json }}}"}}"""
                .formatted(good)).expect(201);
        post("/api/v1/templates", """
                {"name": "%s", "channel": "webhook", "parts": {"body": "{ not json {{ contact.id }}"}}"""
                .formatted(broken)).expect(201);
        long contact = contact(null);
        long rendered = delivery(request(contact, "webhook"), contact, "webhook", good, "https://shop.example/hook");
        long failed = delivery(request(contact, "webhook"), contact, "webhook", broken, "https://shop.example/hook");
        Sink sink = new Sink("webhook");
        Fallbacks fallbacks = new Fallbacks();
        start(runtimes.builder(sink).topic(topic).consumerGroup(unique("sender")).fallback(fallbacks));
        dispatch(topic, rendered);
        dispatch(topic, failed);
        awaitStatus(rendered, "sent");
        awaitStatus(failed, "failed");
        assertThat(JSON.readTree(sink.calls.peek().content().part("body")).get("name").stringValue())
                .isEqualTo("Ada");
        assertThat(sink.calls).hasSize(1);
        assertDecision(decisions(failed), "failed", "template " + broken + " could not be rendered");
        assertThat(fallbacks.ids()).containsExactly(failed);
    }
}
