package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.ingest.ChangeEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.listener.BatchListenerFailedException;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The engine applies a poll's records together (one transaction, one statement per kind of write). A poll with a
 * record that cannot be applied is applied record by record instead: the others are neither lost nor doubled, and
 * the bad record ends in the dead-letter topic.
 */
class BatchApplicationTest extends EngineTestSupport {

    @Autowired
    ChangeEvents changeEvents;

    @Autowired
    JourneyProperties properties;

    /** A scenario started by API calls that requests a message at once and ends. */
    private long sendAtOnce() {
        return activeScenario("""
                {"name": "Send at once", "trigger": {"type": "api"},
                 "steps": [{"id": "send", "send": {"channels": [{"channel": "email", "template": "%s"}]}}]}
                """.formatted(template("email")));
    }

    private long contact(String prefix) {
        String who = unique(prefix);
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Ann\"}").expect(201);
        return contactId(who);
    }

    /** A trigger record of the scenario for the contact; a NUL character in its payload cannot be stored (jsonb). */
    private ConsumerRecord<String, String> trigger(long scenario, long contactId, boolean poisoned, int offset) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("scenarioId", scenario);
        data.put("contactId", contactId);
        data.putObject("payload").put("note", poisoned ? "bad\u0000value" : "fine");
        String value = changeEvents.event(EngineEvent.TRIGGERED, contactId, "test", "test", data, UUID.randomUUID())
                .payload();
        return new ConsumerRecord<>("activation.events", 0, offset, Long.toString(contactId), value);
    }

    private long requests(long scenario, long contactId) {
        return count("select count(*) from message_requests where scenario_id = ? and contact_id = ?", scenario,
                contactId);
    }

    @Test
    void aPollOfManyContactsIsAppliedTogetherAndAReplayDoesNothing() {
        long scenario = sendAtOnce();
        List<Long> contacts = new ArrayList<>();
        List<EngineEvent> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long c = contact("batch");
            contacts.add(c);
            events.add(EngineListener.parse(trigger(scenario, c, false, i).value()));
        }
        // The first contact's second record in the same poll: applied after its first, in a second round.
        events.add(EngineListener.parse(trigger(scenario, contacts.get(0), false, 20).value()));
        assertThat(engine.applyAll(events)).isEqualTo(21);
        assertThat(requests(scenario, contacts.get(0))).isEqualTo(2);
        for (long c : contacts.subList(1, contacts.size())) {
            assertThat(requests(scenario, c)).isEqualTo(1);
        }
        long journeyId = count("select min(id) from journey_instances where scenario_id = ? and contact_id = ?",
                scenario, contacts.get(1));
        assertThat(history(journeyId)).hasSize(3).element(1).asString().startsWith("requested: message request ");
        // The same poll again (a redelivery) applies nothing and writes nothing.
        assertThat(engine.applyAll(events)).isZero();
        assertThat(count("select count(*) from message_requests where scenario_id = ?", scenario)).isEqualTo(21);
    }

    @Test
    void aDeletedContactTakesItsJourneysAndTheirHistoryWithIt() {
        // journey_history has no foreign key to its journey (V17): a trigger removes a deleted journey's rows.
        long scenario = sendAtOnce();
        String gone = unique("gone");
        put("/api/v1/contacts/" + gone, "{\"firstName\": \"Gus\"}").expect(201);
        long goneId = contactId(gone);
        long kept = contact("kept");
        assertThat(engine.applyAll(List.of(EngineListener.parse(trigger(scenario, goneId, false, 0).value()),
                EngineListener.parse(trigger(scenario, kept, false, 1).value())))).isEqualTo(2);
        long goneJourney = count("select id from journey_instances where scenario_id = ? and contact_id = ?",
                scenario, goneId);
        long keptJourney = count("select id from journey_instances where scenario_id = ? and contact_id = ?",
                scenario, kept);
        assertThat(history(goneJourney)).hasSize(3);

        delete("/api/v1/contacts/" + gone).expect(204);

        assertThat(count("select count(*) from journey_instances where id = ?", goneJourney)).isZero();
        assertThat(count("select count(*) from journey_history where instance_id = ?", goneJourney)).isZero();
        assertThat(history(keptJourney)).hasSize(3);
    }

    @Test
    void aPoisonedRecordFailsAloneAndTheOthersAreAppliedOnce() {
        long scenario = sendAtOnce();
        long a = contact("before");
        long b = contact("poisoned");
        long c = contact("after");
        List<ConsumerRecord<String, String>> poll = List.of(trigger(scenario, a, false, 0),
                trigger(scenario, b, true, 1), trigger(scenario, c, false, 2));
        EngineListener listener = new EngineListener(engine);
        // Together they fail (the poisoned payload), so they are applied one by one: the record before the bad one
        // is applied, the bad one is reported as the failed record, the one after is left for the redelivery.
        assertThatThrownBy(() -> listener.onMessage(poll)).isInstanceOfSatisfying(
                BatchListenerFailedException.class, e -> assertThat(e.getRecord()).isSameAs(poll.get(1)));
        assertThat(requests(scenario, a)).isEqualTo(1);
        assertThat(requests(scenario, b)).isZero();
        assertThat(requests(scenario, c)).isZero();
        // The container redelivers from the failed record; once it is recovered the rest follows.
        assertThatThrownBy(() -> listener.onMessage(poll.subList(1, 3))).isInstanceOf(
                BatchListenerFailedException.class);
        listener.onMessage(poll.subList(2, 3));
        // A redelivery of the whole poll (a crash before the offsets were committed) doubles nothing.
        assertThatThrownBy(() -> listener.onMessage(poll)).isInstanceOf(BatchListenerFailedException.class);
        listener.onMessage(List.of(poll.get(0), poll.get(2)));
        assertThat(requests(scenario, a)).isEqualTo(1);
        assertThat(requests(scenario, b)).isZero();
        assertThat(requests(scenario, c)).isEqualTo(1);
    }

    @Test
    void throughKafkaAPoisonedRecordEndsInTheDeadLetterTopicAndTheOthersAreApplied() throws Exception {
        long scenario = sendAtOnce();
        long a = contact("kbefore");
        long b = contact("kpoisoned");
        long c = contact("kafter");
        List<ConsumerRecord<String, String>> records = List.of(trigger(scenario, a, false, 0),
                trigger(scenario, b, true, 1), trigger(scenario, c, false, 2));
        String poisonedId = EngineListener.parse(records.get(1).value()).id().toString();
        try (KafkaConsumer<String, String> dlt = deadLetterConsumer()) {
            for (ConsumerRecord<String, String> r : records) {
                kafka.send("activation.events", r.key(), r.value()).get();
            }
            await("both good records applied", () -> requests(scenario, a) + requests(scenario, c), n -> n == 2);
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.stream().noneMatch(r -> r.value().contains(poisonedId))) {
                assertThat(System.nanoTime()).as("poisoned record on the dead-letter topic").isLessThan(deadline);
                dlt.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
        }
        assertThat(requests(scenario, a)).isEqualTo(1);
        assertThat(requests(scenario, b)).isZero();
        assertThat(requests(scenario, c)).isEqualTo(1);
    }

    private KafkaConsumer<String, String> deadLetterConsumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("dlt"));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(properties.deadLetterTopic()));
        return consumer;
    }
}
