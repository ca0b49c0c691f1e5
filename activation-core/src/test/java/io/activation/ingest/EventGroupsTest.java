package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Grouping per partition, the group record's data and its expansion, and the cached partition count. */
class EventGroupsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aContactsPartitionIsTheOneKafkasProducerPicksForItsKey() {
        for (long contact = 1; contact < 2_000; contact += 7) {
            for (int partitions : new int[] {1, 3, 6, 12}) {
                byte[] key = Long.toString(contact).getBytes(StandardCharsets.UTF_8);
                assertThat(EventPartitions.partitionOf(contact, partitions))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(key, partitions));
            }
        }
    }

    @Test
    void itemsAreGroupedByTheirContactsPartitionInOrderAndAreSinglesWhenThePartitionsAreUnknown() {
        List<Long> contacts = new ArrayList<>();
        for (long c = 100; c < 140; c++) {
            contacts.add(c);
        }
        List<List<Long>> groups = EventGroups.byPartition(contacts, Long::longValue, 4);
        assertThat(groups).hasSizeLessThanOrEqualTo(4);
        assertThat(groups.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(contacts);
        for (List<Long> group : groups) {
            int partition = EventPartitions.partitionOf(group.get(0), 4);
            assertThat(group).allMatch(c -> EventPartitions.partitionOf(c, 4) == partition);
            assertThat(group).isSorted();
        }
        assertThat(EventGroups.byPartition(contacts, Long::longValue, 0)).hasSize(contacts.size())
                .allMatch(g -> g.size() == 1);
    }

    @Test
    void aGroupsMembersComeBackWithTheirIdTypeContactAndDataAndAMalformedOneIsSkipped() {
        List<EventGroups.Member> members = List.of(
                new EventGroups.Member(UUID.randomUUID(), "io.activation.message.skipped", 5,
                        JSON.readTree("{\"contactId\": 5, \"reason\": \"x\", \"nested\": {\"a\": [1, 2]}}")),
                new EventGroups.Member(UUID.randomUUID(), "io.activation.message.deferred", 9,
                        JSON.readTree("{\"contactId\": 9, \"until\": \"2026-01-01T00:00:00Z\"}")));
        JsonNode data = JSON.readTree(EventGroups.data(members).toString());

        assertThat(EventGroups.expand("g", data)).isEqualTo(members);

        String broken = data.toString().replace("\"contactId\":9,\"data\"", "\"contactId\":null,\"data\"");
        assertThat(broken).isNotEqualTo(data.toString());
        assertThat(EventGroups.expand("g", JSON.readTree(broken))).containsExactly(members.get(0));
        assertThat(EventGroups.expand("g", JSON.readTree("{}"))).isEmpty();
    }

    @Test
    void thePartitionCountIsReadOnceWithinItsTimeToLiveAndIsZeroWhenItCannotBeRead() {
        AtomicInteger reads = new AtomicInteger();
        EventPartitions partitions = new EventPartitions(() -> {
            reads.incrementAndGet();
            return 6;
        });
        assertThat(partitions.count()).isEqualTo(6);
        assertThat(partitions.count()).isEqualTo(6);
        assertThat(reads).hasValue(1);

        EventPartitions unknown = new EventPartitions(() -> {
            throw new IllegalStateException("Kafka is unreachable");
        });
        assertThat(unknown.count()).isZero();
    }
}
