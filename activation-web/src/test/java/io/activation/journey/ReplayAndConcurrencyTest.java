package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.Concurrently;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Replayed Kafka records and timers, and concurrent triggers for one contact, produce every effect once. */
class ReplayAndConcurrencyTest extends EngineTestSupport {

    @Test
    void replayingTheTriggerRecordAndTheTimerRecordProducesNothingTwice() throws Exception {
        long scenario = waitThenSend("{\"rule\": \"again_after\", \"days\": 1}");
        String who = unique("replay");
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Rae\"}").expect(201);
        long contactId = contactId(who);
        try (KafkaConsumer<String, String> events = eventsConsumer();
                KafkaConsumer<String, String> messages = messagesConsumer()) {
            String triggerId = triggerFor(scenario, who);
            ConsumerRecord<String, String> trigger = find(events, triggerId);
            awaitJourney(who, "waiting", "hour");

            // The same trigger record delivered again (a redelivery after a crash before the offset commit).
            kafka.send("activation.events", trigger.key(), trigger.value()).get();
            marker(who);
            assertThat(journeys(who)).hasSize(1);

            clock.advance(Duration.ofMinutes(61));
            JsonNode message = consumeMessages(messages, contactId, 1).get(0);
            awaitJourney(who, "completed", "send");
            long timerId = count("select id from journey_timers where instance_id = ?",
                    message.get("instanceId").longValue());
            ConsumerRecord<String, String> fired = find(events, TimerPoller.timerEventId(timerId).toString());

            // The timer's record again, and the timer announced again under another id (a poller that claimed it
            // twice): neither moves the journey or sends again.
            kafka.send("activation.events", fired.key(), fired.value()).get();
            jdbc.update("update journey_timers set status = 'fired' where id = ?", timerId);
            ObjectNode again = (ObjectNode) JSON.readTree(fired.value());
            again.put("id", UUID.randomUUID().toString());
            kafka.send("activation.events", fired.key(), JSON.writeValueAsString(again)).get();
            // The contact's lane has applied both (a lane's fetch may wait KafkaLanes.FETCH_MAX_WAIT_MS for more
            // records, so without this the direct call below could take the re-fired timer first).
            marker(who);
            // And the engine applying the very same record directly, as a second consumer would.
            for (EngineEvent event : EngineListener.parseAll(fired.value())) {
                assertThat(engine.apply(event)).isFalse();
            }
            marker(who);

            assertThat(messageRequests(who)).hasSize(1);
            assertThat(count("select count(*) from journey_history h join journey_instances i on i.id ="
                    + " h.instance_id where i.contact_id = ? and h.outcome = 'requested'", contactId)).isEqualTo(1);
            assertThat(count("select count(*) from journey_history h join journey_instances i on i.id ="
                    + " h.instance_id where i.contact_id = ? and h.outcome = 'waited'", contactId)).isEqualTo(1);
        }
    }

    @Test
    void concurrentTriggersForOneContactStartOneJourney() throws Exception {
        long scenario = waitThenSend("{\"rule\": \"once_at_a_time\"}");
        String who = unique("busy");
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Bea\"}").expect(201);
        long contactId = contactId(who);
        // Through the API: ten triggers at once.
        Concurrently.run(10, i -> triggerFor(scenario, who));
        // And straight into the engine from ten threads, as if partitions had been handed over mid-flight.
        Concurrently.run(10, i -> {
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            data.put("scenarioId", scenario);
            data.put("contactId", contactId);
            data.putObject("payload");
            return engine.apply(new EngineEvent(UUID.randomUUID(), EngineEvent.TRIGGERED, contactId, data));
        });
        marker(who);
        assertThat(journeys(who)).hasSize(1);
        assertThat(count("select count(*) from journey_timers t join journey_instances i on i.id = t.instance_id"
                + " where i.contact_id = ? and t.status = 'pending'", contactId)).isEqualTo(1);
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.transaction.support.TransactionTemplate transactions;

    @Test
    void aCrashInTheMiddleOfARecordLeavesNoTraceAndTheRetryDoesItOnce() {
        long scenario = waitThenSend("{\"rule\": \"once_at_a_time\"}");
        String who = unique("crash");
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Cy\"}").expect(201);
        long contactId = contactId(who);
        triggerFor(scenario, who);
        long instance = awaitJourney(who, "waiting", "hour").get("id").longValue();
        runtime.stop();
        try {
            clock.advance(Duration.ofMinutes(61));
            long timerId = count("select id from journey_timers where instance_id = ? and status = 'pending'",
                    instance);
            jdbc.update("update journey_timers set status = 'fired' where id = ?", timerId);
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            data.put("timerId", timerId);
            data.put("instanceId", instance);
            EngineEvent fired = new EngineEvent(TimerPoller.timerEventId(timerId), EngineEvent.TIMER_FIRED,
                    contactId, data);
            // The engine gets as far as requesting the message, then the process dies before the commit.
            transactions.executeWithoutResult(status -> {
                assertThat(engine.apply(fired)).isTrue();
                assertThat(count("select count(*) from message_requests where instance_id = ?", instance))
                        .isEqualTo(1);
                status.setRollbackOnly();
            });
            assertThat(count("select count(*) from message_requests where instance_id = ?", instance)).isZero();
            assertThat(count("select count(*) from journey_applied where event_id = ?", fired.id())).isZero();
            jdbc.update("update journey_timers set status = 'pending' where id = ?", timerId);
        } finally {
            runtime.start();
        }
        // The restarted engine fires the timer again: one request, one history line.
        awaitJourney(who, "completed", "send");
        assertThat(messageRequests(who)).hasSize(1);
        assertThat(count("select count(*) from journey_history where instance_id = ? and outcome = 'requested'",
                instance)).isEqualTo(1);
    }

    /**
     * The record that carries the engine event: the record of that id, or the timers-fired record announcing the
     * timer together with others of its partition (other tests' timers may fall due with the same clock move).
     */
    private static ConsumerRecord<String, String> find(KafkaConsumer<String, String> consumer, String eventId) {
        List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, records -> records.stream()
                .anyMatch(r -> carries(r, eventId)), DEADLINE);
        return seen.stream().filter(r -> carries(r, eventId)).findFirst().orElseThrow();
    }

    private static boolean carries(ConsumerRecord<String, String> record, String eventId) {
        return value(record).path("id").asString("").equals(eventId) || EngineListener.parseAll(record.value())
                .stream().anyMatch(e -> e.id().toString().equals(eventId));
    }
}
