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
import tools.jackson.databind.JsonNode;

/**
 * A killed engine resumes where it stopped, and several engine instances in one consumer group share the work
 * through rebalances mid-flow: every expected message request exists once, in PostgreSQL and on Kafka.
 */
class EngineInstancesTest extends EngineTestSupport {

    @Test
    void anEngineKilledMidJourneyLosesAndDoublesNothing() {
        long scenario = waitThenSend("{\"rule\": \"once_at_a_time\"}");
        List<String> contacts = contacts("killed", 4);
        contacts.forEach(who -> triggerFor(scenario, who));
        contacts.forEach(who -> awaitJourney(who, "waiting", "hour"));
        runtime.stop();
        try {
            assertThat(runtime.isRunning()).isFalse();
            // While it is down: timers come due and new triggers arrive.
            clock.advance(Duration.ofMinutes(61));
            String late = contacts("late", 1).get(0);
            triggerFor(scenario, late);
            // Nothing happens without the engine: the timers stay pending, the trigger waits in Kafka.
            assertThat(count("select count(*) from journey_timers t join journey_instances i on i.id ="
                    + " t.instance_id where i.scenario_id = ? and t.status = 'pending'", scenario)).isEqualTo(4);
            assertThat(journeys(late)).isEmpty();
            runtime.start();
            contacts.forEach(who -> awaitJourney(who, "completed", "send"));
            awaitJourney(late, "waiting", "hour");
        } finally {
            runtime.start();
        }
        for (String who : contacts) {
            marker(who);
            assertThat(messageRequests(who)).as(who).hasSize(1);
        }
    }

    @Test
    void severalEngineInstancesInOneGroupRebalanceMidFlowWithoutLossOrDuplicates() {
        long scenario = waitThenSend("{\"rule\": \"again_after\", \"days\": 1}");
        JourneyEngineRuntime second = runtime.newInstance("journey-engine-2");
        JourneyEngineRuntime third = runtime.newInstance("journey-engine-3");
        List<String> contacts = contacts("group", 18);
        Map<Long, String> byId = new HashMap<>();
        contacts.forEach(who -> byId.put(contactId(who), who));
        try (KafkaConsumer<String, String> messages = messagesConsumer()) {
            second.start();
            // First half of the triggers while instances join (rebalances), the rest after a third joins.
            contacts.subList(0, 9).forEach(who -> triggerFor(scenario, who));
            third.start();
            contacts.subList(9, 18).forEach(who -> triggerFor(scenario, who));
            contacts.forEach(who -> awaitJourney(who, "waiting", "hour"));
            await("partitions shared", () -> runtime.assignedPartitions() + second.assignedPartitions()
                    + third.assignedPartitions(), n -> n == 6);

            // Timers fire while an instance leaves (another rebalance) and the original one is killed.
            clock.advance(Duration.ofMinutes(61));
            second.stop();
            runtime.stop();
            await("partitions taken over", third::assignedPartitions, n -> n == 6);
            runtime.start();
            contacts.forEach(who -> awaitJourney(who, "completed", "send"));

            // Exactly one request per contact, in the database and on Kafka.
            for (String who : contacts) {
                assertThat(messageRequests(who)).as(who).hasSize(1);
            }
            Map<String, Integer> onKafka = new HashMap<>();
            List<String> keys = new ArrayList<>();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (keys.size() < contacts.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : messages.poll(Duration.ofMillis(200))) {
                    JsonNode data = value(r).get("data");
                    if (data.get("scenarioId").longValue() == scenario) {
                        String key = data.get("dedupeKey").stringValue();
                        keys.add(key);
                        onKafka.merge(key, 1, Integer::sum);
                    }
                }
            }
            assertThat(onKafka).hasSize(contacts.size());
            assertThat(onKafka.values()).containsOnly(1);
        } finally {
            second.stop();
            third.stop();
            runtime.start();
        }
        assertThat(count("select count(*) from message_requests where scenario_id = ?", scenario))
                .isEqualTo(contacts.size());
    }

    private List<String> contacts(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String who = unique(prefix);
            put("/api/v1/contacts/" + who, "{\"firstName\": \"N" + i + "\"}").expect(201);
            ids.add(who);
        }
        return ids;
    }
}
