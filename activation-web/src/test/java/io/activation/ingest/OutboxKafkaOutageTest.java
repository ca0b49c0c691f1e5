package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import io.activation.web.embedded.EmbeddedKafkaServer;
import io.activation.web.embedded.EmbeddedServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Kafka down means the outbox grows, not that requests fail or data is lost: stop the JVM's broker, write, start it
 * again on the same port, and every accepted change arrives exactly once, keyed by its contact.
 */
class OutboxKafkaOutageTest extends ApiTest {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ApplicationContext context;

    @Test
    void writesAreAcceptedWhileKafkaIsDownAndDeliveredExactlyOnceWhenItIsBack() {
        EmbeddedKafkaServer kafka = EmbeddedServices.sharedIfCreated().orElseThrow().kafka();
        String marker = unique("outage");
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            customers.add(marker + "_" + i);
        }
        Map<String, Long> contactIds = new HashMap<>();
        Set<String> expectedIds = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            try {
                kafka.stop();
                assertThat(kafka.isRunning()).isFalse();

                for (String customer : customers) {
                    JsonNode contact = put("/api/v1/contacts/" + customer, "{\"firstName\": \"Outage\"}")
                            .expect(201).json();
                    contactIds.put(customer, contact.get("id").longValue());
                    post("/api/v1/events", eventBody(customer, "product_viewed")).expect(202);
                }
                JsonNode batch = post("/api/v1/events/batch", "{\"items\": [" + eventBody(customers.get(0), "a")
                        + ", " + eventBody(customers.get(1), "b") + "]}").expect(200).json();
                assertThat(batch.get("accepted").intValue()).isEqualTo(2);
                // An event that names a new contact creates it: two records, both waiting.
                String late = marker + "_late";
                contactIds.put(late, post("/api/v1/events", eventBody(late, "page_viewed")).expect(202).json()
                        .get("contactId").longValue());

                List<String> waiting = waiting(contactIds.values());
                // 4 contacts + 4 events + 2 batch events + (contact + event) for the late one; all stay in the
                // outbox while Kafka is down (the relay cannot publish, so it deletes nothing).
                assertThat(waiting).hasSize(4 + 4 + 2 + 2);
                waiting.forEach(p -> expectedIds.add(JSON.readTree(p).get("id").stringValue()));
                assertThat(expectedIds).hasSize(12);

                // Let the relay really fail (and roll back) a publish before the broker returns, so the retry
                // path is what delivers. With cached metadata that takes delivery.timeout.ms.
                OutboxRelay relay = context.getBean(OutboxRelay.class);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (relay.lastError() == null) {
                    assertThat(System.nanoTime()).as("the relay reports the broker down").isLessThan(deadline);
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                }
                assertThat(waiting(contactIds.values())).as("a failed publish deletes nothing").hasSize(12);
            } finally {
                kafka.start();
            }
            assertThat(kafka.isRunning()).isTrue();

            Set<Long> mine = new HashSet<>(contactIds.values());
            List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, records -> records.stream()
                    .map(r -> value(r).get("id").stringValue()).toList().containsAll(expectedIds),
                    Duration.ofSeconds(90));
            // Kafka acknowledged them; the relay deletes them in the transaction it commits right after.
            long drainDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!waiting(contactIds.values()).isEmpty()) {
                assertThat(System.nanoTime()).as("outbox drained").isLessThan(drainDeadline);
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            assertThat(context.getBean(OutboxRelay.class).lastError()).isNull();

            // One more record per contact after the drain: whatever a retry could still have sent for these
            // contacts would sit before it in the contact's partition.
            Set<String> sentinels = new HashSet<>();
            for (String customer : contactIds.keySet()) {
                sentinels.add(post("/api/v1/events", eventBody(customer, "sentinel")).expect(202).json()
                        .get("eventId").stringValue());
            }
            List<ConsumerRecord<String, String>> after = consumeUntil(consumer, records -> records.stream()
                    .map(r -> value(r).at("/data/eventId"))
                    .filter(JsonNode::isString).map(JsonNode::stringValue).toList().containsAll(sentinels),
                    Duration.ofSeconds(30));
            List<ConsumerRecord<String, String>> all = new ArrayList<>(seen);
            all.addAll(after);

            List<ConsumerRecord<String, String>> ours = all.stream()
                    .filter(r -> expectedIds.contains(value(r).get("id").stringValue())).toList();
            assertThat(ours).as("each accepted record exactly once").hasSize(expectedIds.size());
            assertThat(ours.stream().map(r -> value(r).get("id").stringValue()).distinct()).hasSize(expectedIds.size());
            for (ConsumerRecord<String, String> record : ours) {
                JsonNode event = value(record);
                assertThat(record.topic()).isEqualTo("activation.events");
                assertThat(Long.parseLong(record.key())).as("keyed by contact").isIn(mine);
                assertThat(event.get("contactid").stringValue()).isEqualTo(record.key());
            }
            assertThat(all.stream().filter(r -> r.key() != null && mine.contains(Long.parseLong(r.key())))
                    .map(r -> value(r).get("id").stringValue()).filter(id -> !expectedIds.contains(id)))
                    .as("nothing else for these contacts but the sentinels").hasSize(sentinels.size());
            // Per contact, the order of the outbox: created before its events.
            for (Map.Entry<String, Long> c : contactIds.entrySet()) {
                List<String> types = ours.stream().filter(r -> r.key().equals(Long.toString(c.getValue())))
                        .map(r -> value(r).get("type").stringValue()).toList();
                assertThat(types.get(0)).as("first record of %s", c.getKey()).isEqualTo(ChangeEvents.CONTACT_CREATED);
            }
        } finally {
            if (!kafka.isRunning()) {
                kafka.start();
            }
        }
    }

    /** The outbox records of these contacts (the message key is the contact id). */
    private List<String> waiting(java.util.Collection<Long> contacts) {
        return jdbc.queryForList("select payload from outbox where message_key = any(?) order by id", String.class,
                (Object) contacts.stream().map(String::valueOf).toArray(String[]::new));
    }

    private static String eventBody(String externalId, String type) {
        return "{\"type\": \"" + type + "\", \"contact\": {\"externalId\": \"" + externalId + "\"}}";
    }
}
