package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/**
 * Timers that fall due together are announced in one timers-fired record per partition (ADR 0018): each record
 * lands in the partition of every contact it names, so it stays behind the contacts' earlier events, and each timer
 * acts once.
 */
class TimerBatchTest extends EngineTestSupport {

    @Test
    void timersDueTogetherTravelPerPartitionBehindTheirContactsEarlierEvents() throws Exception {
        String template = template("email");
        String stop = unique("stop");
        long scenario = activeScenario("""
                {"name": "Wait then send unless stopped", "entry": {"rule": "once_at_a_time"},
                 "trigger": {"type": "api"}, "exit": [{"type": "event", "eventType": "%s"}],
                 "steps": [{"id": "hour", "wait": {"duration": "PT1H"}, "next": "send"},
                           {"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(stop, template));
        int partitions = kafka.partitionsFor("activation.events").size();
        // More contacts than partitions: at least two share one, so at least one timers-fired record.
        List<String> contacts = new ArrayList<>();
        for (int i = 0; i < 2 * partitions + 2; i++) {
            String who = unique("batch" + i);
            put("/api/v1/contacts/" + who, "{\"firstName\": \"B" + i + "\"}").expect(201);
            contacts.add(who);
        }
        contacts.forEach(who -> triggerFor(scenario, who));
        Map<Long, String> byTimer = new HashMap<>();
        for (String who : contacts) {
            long journey = awaitJourney(who, "waiting", "hour").get("id").longValue();
            byTimer.put(count("select waiting_timer from journey_instances where id = ?", journey), who);
        }
        List<String> stopped = contacts.subList(0, 3);
        // The stopped contacts' timers are announced only if claimed before their stop event was applied (then
        // behind it in the partition); the others' surely are.
        Map<Long, String> going = new HashMap<>(byTimer);
        going.values().removeAll(stopped);
        try (KafkaConsumer<String, String> events = eventsConsumer()) {
            // Assigned and positioned (at the end) before anything of this test is published.
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (events.assignment().isEmpty() && System.nanoTime() < deadline) {
                events.poll(Duration.ofMillis(100));
            }
            events.assignment().forEach(events::position);
            // The stop events are accepted (in the outbox, perhaps not yet on Kafka, certainly not applied when the
            // clock moves): each must reach its contact's lane before the timer does, and end the journey there.
            for (String who : stopped) {
                post("/api/v1/events", """
                        {"type": "%s", "contact": {"externalId": "%s"}}""".formatted(stop, who)).expect(202);
            }
            clock.advance(Duration.ofMinutes(61));
            List<ConsumerRecord<String, String>> seen = consumeUntil(events, records -> announced(records)
                    .keySet().containsAll(going.keySet()), DEADLINE);
            Map<Long, ConsumerRecord<String, String>> announcements = announced(seen);
            int batches = 0;
            for (Map.Entry<Long, String> timer : byTimer.entrySet()) {
                ConsumerRecord<String, String> record = announcements.get(timer.getKey());
                if (record == null) {
                    assertThat(stopped).contains(timer.getValue());
                    continue;
                }
                long contactId = contactId(timer.getValue());
                assertThat(TimerPoller.partitionOf(contactId, partitions)).as("partition of contact %d", contactId)
                        .isEqualTo(record.partition());
                if (value(record).path("type").asString("").equals(EngineEvent.TIMERS_FIRED)) {
                    batches++;
                }
            }
            assertThat(batches).as("timers announced in timers-fired records").isGreaterThanOrEqualTo(2);
        }
        for (String who : contacts) {
            if (stopped.contains(who)) {
                awaitJourney(who, "exited", "hour");
                marker(who);
                assertThat(messageRequests(who)).isEmpty();
            } else {
                awaitJourney(who, "completed", "send");
                assertThat(messageRequests(who)).hasSize(1);
            }
        }
    }

    /** Timer id to the record that announced it (alone or with others), among the records seen. */
    private static Map<Long, ConsumerRecord<String, String>> announced(List<ConsumerRecord<String, String>> records) {
        Map<Long, ConsumerRecord<String, String>> out = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            for (EngineEvent event : EngineListener.parseAll(record.value())) {
                if (event.type().equals(EngineEvent.TIMER_FIRED)) {
                    out.put(event.data().path("timerId").asLong(), record);
                }
            }
        }
        return out;
    }
}
