package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.EventGroups;
import io.activation.ingest.EventPartitions;
import io.activation.ingest.Outbox;
import io.activation.platform.JdbcTransactions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Arbitration's skipped and deferred events of one batch are grouped per partition of {@code activation.events}
 * (ADR 0022): one {@code message.outcomes} record per partition holding two or more, keyed by its first contact and
 * landing on the partition of every contact it names; a lone outcome, and every outcome while the partition count
 * is unknown, stays a record of its own.
 */
class GroupedOutcomesTest extends DeliveryTestSupport {

    private static final int CONTACTS = 10;

    @Autowired
    KafkaTemplate<String, String> kafka;
    @Autowired
    ChannelDirectory channels;
    @Autowired
    ContactAddresses addresses;
    @Autowired
    FrequencyCaps frequencyCaps;
    @Autowired
    QuietHours quietHours;
    @Autowired
    Deliveries deliveries;
    @Autowired
    DeliveryDecisions decisions;
    @Autowired
    DeliveryEvents events;
    @Autowired
    Outbox outbox;
    @Autowired
    JdbcTransactions jdbcTransactions;

    @Test
    void aBatchOfSkippedRequestsIsOneRecordPerPartitionOnThatPartition() {
        Map<Long, Long> contactOfRequest = requests();
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            arbitration.arriveAll(new ArrayList<>(contactOfRequest.keySet()));

            List<ConsumerRecord<String, String>> ours = records(consumer, contactOfRequest);
            int partitions = kafka.partitionsFor("activation.events").size();
            Map<Integer, List<Long>> expected = new LinkedHashMap<>();
            contactOfRequest.forEach((request, contact) -> expected.computeIfAbsent(EventPartitions.partitionOf(
                    contact, partitions), p -> new ArrayList<>()).add(request));
            assertThat(expected.values()).as("ten contacts on six partitions").anyMatch(g -> g.size() > 1);

            // One record per partition, on that partition, holding the partition's skips in the batch's order.
            assertThat(ours).hasSize(expected.size());
            for (ConsumerRecord<String, String> r : ours) {
                List<Long> group = expected.get(r.partition());
                assertThat(group).as("partition " + r.partition()).isNotNull();
                assertThat(requestsIn(r)).isEqualTo(group);
                assertThat(r.key()).isEqualTo(Long.toString(contactOfRequest.get(group.get(0))));
                if (group.size() == 1) {
                    assertThat(ChangeEvents.typeOf(r.value())).isEqualTo(Arbitration.SKIPPED);
                    continue;
                }
                JsonNode v = value(r);
                assertThat(v.get("type").stringValue()).isEqualTo(Arbitration.OUTCOMES);
                List<EventGroups.Member> members = EventGroups.expand(v.get("id"), v.get("data"));
                assertThat(v.get("id").stringValue()).isEqualTo(ChangeEvents.deterministicId("message-outcomes:"
                        + members.get(0).id()).toString());
                for (EventGroups.Member m : members) {
                    long request = m.data().get("requestId").longValue();
                    assertThat(m.type()).isEqualTo(Arbitration.SKIPPED);
                    assertThat(m.contactId()).isEqualTo(contactOfRequest.get(request));
                    assertThat(m.id()).isEqualTo(ChangeEvents.deterministicId("message-skipped:" + request
                            + ":skipped"));
                    assertThat(m.data().get("stage").stringValue()).isEqualTo("channel");
                    assertThat(m.data().get("reason").stringValue()).contains("no marketing consent for email");
                }
            }
        }
    }

    @Test
    void withoutAPartitionCountEveryOutcomeIsARecordOfItsOwn() {
        Arbitration unknown = new Arbitration(jdbc, clock, deliveryProperties, channels, addresses, frequencyCaps,
                quietHours, deliveries, decisions, events, outbox, jdbcTransactions, new EventPartitions(() -> {
                    throw new IllegalStateException("Kafka is unreachable");
                }));
        Map<Long, Long> contactOfRequest = requests();
        try (KafkaConsumer<String, String> consumer = eventsConsumer()) {
            unknown.arriveAll(new ArrayList<>(contactOfRequest.keySet()));

            List<ConsumerRecord<String, String>> ours = records(consumer, contactOfRequest);
            assertThat(ours).hasSize(CONTACTS);
            for (ConsumerRecord<String, String> r : ours) {
                JsonNode v = value(r);
                assertThat(v.get("type").stringValue()).isEqualTo(Arbitration.SKIPPED);
                long request = v.get("data").get("requestId").longValue();
                assertThat(r.key()).isEqualTo(Long.toString(contactOfRequest.get(request)));
                assertThat(v.get("subject").stringValue()).isEqualTo("message-requests/" + request);
                assertThat(v.get("id").stringValue()).isEqualTo(ChangeEvents.deterministicId("message-skipped:"
                        + request + ":skipped").toString());
            }
        }
    }

    /** Ten requests of ten contacts with an address and no consent (each is skipped), request to contact. */
    private Map<Long, Long> requests() {
        Map<Long, Long> contactOfRequest = new LinkedHashMap<>();
        for (int i = 0; i < CONTACTS; i++) {
            String who = unique("grouped");
            long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
            contactOfRequest.put(unpublishedRequest(contact), contact);
        }
        return contactOfRequest;
    }

    /** The records of activation.events carrying these requests' outcomes, once every outcome was seen. */
    private static List<ConsumerRecord<String, String>> records(KafkaConsumer<String, String> consumer,
            Map<Long, Long> contactOfRequest) {
        List<ConsumerRecord<String, String>> seen = consumeUntil(consumer, rs -> rs.stream().mapToLong(r ->
                requestsIn(r).stream().filter(contactOfRequest::containsKey).count()).sum() >= CONTACTS,
                Duration.ofSeconds(30));
        List<ConsumerRecord<String, String>> ours = seen.stream().filter(r -> requestsIn(r).stream()
                .anyMatch(contactOfRequest::containsKey)).toList();
        Map<Long, Integer> times = new HashMap<>();
        ours.forEach(r -> requestsIn(r).forEach(id -> times.merge(id, 1, Integer::sum)));
        assertThat(times).hasSize(CONTACTS).allSatisfy((id, n) -> assertThat(n).as("request " + id).isOne());
        return ours;
    }

    /** The requests whose outcomes a record carries (one for a skipped record, each member's for a group). */
    private static List<Long> requestsIn(ConsumerRecord<String, String> r) {
        String type = ChangeEvents.typeOf(r.value());
        if (type.equals(Arbitration.SKIPPED) || type.equals(Arbitration.DEFERRED)) {
            return List.of(value(r).get("data").get("requestId").longValue());
        }
        if (type.equals(Arbitration.OUTCOMES)) {
            JsonNode v = value(r);
            return EventGroups.expand(v.get("id"), v.get("data")).stream().map(m -> m.data().get("requestId")
                    .longValue()).toList();
        }
        return List.of();
    }
}
