package io.activation.api.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.JsonNode;

/** Helpers of the journey tests: scenarios, templates, reading journeys and message requests, waiting. */
public abstract class JourneyApiSupport extends ApiTest {

    protected static final Duration DEADLINE = Duration.ofSeconds(30);

    /** Creates a template and returns its name. */
    protected String template(String channel) {
        String name = unique("tpl").replace('_', '-');
        post("/api/v1/templates", """
                {"name": "%s", "channel": "%s", "subject": "Hello", "body": "Hello {{ first_name }}"}
                """.formatted(name, channel)).expect(201);
        return name;
    }

    /** Creates and activates a scenario; returns its id. */
    protected long activeScenario(String json) {
        long id = post("/api/v1/scenarios", json).expect(201).json().get("id").longValue();
        post("/api/v1/scenarios/" + id + "/activate", null).expect(200);
        return id;
    }

    protected JsonNode journeys(String externalId) {
        return get("/api/v1/journeys?contact=" + externalId).expect(200).json().get("items");
    }

    protected JsonNode journey(long id) {
        return get("/api/v1/journeys/" + id).expect(200).json();
    }

    protected JsonNode messageRequests(String externalId) {
        return get("/api/v1/contacts/" + externalId + "/message-requests").expect(200).json().get("items");
    }

    protected void event(String externalId, String type, String properties) {
        post("/api/v1/events", """
                {"type": "%s", "contact": {"externalId": "%s"}, "properties": %s}
                """.formatted(type, externalId, properties)).expect(202);
    }

    @org.springframework.beans.factory.annotation.Autowired
    private org.springframework.jdbc.core.JdbcTemplate journeyJdbc;

    /** Records an event and waits until the engine has applied it. */
    protected void eventApplied(String externalId, String type, String properties) {
        String id = post("/api/v1/events", """
                {"type": "%s", "contact": {"externalId": "%s"}, "properties": %s}
                """.formatted(type, externalId, properties)).expect(202).json().get("eventId").stringValue();
        await("event " + id + " applied", () -> journeyJdbc.queryForObject(
                "select count(*) from journey_applied where event_id = ?::uuid", Long.class, id), n -> n == 1);
    }

    /** Polls until the value satisfies the condition (effects travel through Kafka), or fails at the deadline. */
    protected static <T> T await(String what, Supplier<T> value, Predicate<T> condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        T last = value.get();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = value.get();
        }
        return last;
    }

    /** The contact's only journey once it is in the given status at the given step. */
    protected JsonNode awaitJourney(String externalId, String status, String step) {
        return await("a journey of " + externalId + " " + status + " at " + step, () -> journeys(externalId),
                items -> items.size() == 1 && status.equals(items.get(0).get("status").stringValue())
                        && (step == null || step.equals(items.get(0).path("currentStep").asString(null))))
                .get(0);
    }

    protected JsonNode awaitMessages(String externalId, int count) {
        return await(count + " message requests of " + externalId, () -> messageRequests(externalId),
                items -> items.size() >= count);
    }

    /** A consumer of activation.messages positioned at the end now. */
    protected KafkaConsumer<String, String> messagesConsumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("test"));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor("activation.messages", Duration.ofSeconds(30))
                .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    /**
     * The next message requests for a contact on Kafka, polled until {@code count} more arrived. Records of other
     * contacts polled meanwhile are kept for later calls.
     */
    protected List<JsonNode> consumeMessages(KafkaConsumer<String, String> consumer, long contactId, int count) {
        List<JsonNode> pending = PENDING.computeIfAbsent(consumer, c -> new java.util.HashMap<>())
                .computeIfAbsent(Long.toString(contactId), k -> new ArrayList<>());
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (pending.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + count + " message requests of contact "
                        + contactId + " on activation.messages; have " + pending);
            }
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                JsonNode event = value(r);
                assertThat(event.get("type").stringValue()).isEqualTo("io.activation.message.requested");
                PENDING.get(consumer).computeIfAbsent(r.key(), k -> new ArrayList<>()).add(event.get("data"));
            }
        }
        List<JsonNode> taken = new ArrayList<>(pending.subList(0, count));
        pending.subList(0, count).clear();
        return taken;
    }

    private static final java.util.Map<KafkaConsumer<String, String>, java.util.Map<String, List<JsonNode>>> PENDING =
            new java.util.concurrent.ConcurrentHashMap<>();

    protected long contactId(String externalId) {
        return get("/api/v1/contacts/" + externalId).expect(200).json().get("id").longValue();
    }
}
