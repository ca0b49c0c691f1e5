package io.activation.journey;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records of {@code activation.events} the engine's consumer group has yet to apply: the topic's end offsets minus
 * the group's committed offsets (the engine commits after its transaction), summed over the partitions that have a
 * committed offset; read from Kafka at most every {@code maxAge}, -1 when Kafka does not answer. It counts every
 * instance's lanes, wherever they run.
 */
final class EngineBacklog implements TimerPoller.Backlog, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineBacklog.class);
    private static final long TIMEOUT_MS = 2_000;

    private final Admin admin;
    private final String topic;
    private final String group;
    private final long maxAgeNanos;
    private long readAt;
    /** When the value returned was read (nanoTime); changes with every new reading. */
    private long readingAt;
    private long records = -1;
    private boolean warned;

    EngineBacklog(Admin admin, String topic, String group, Duration maxAge) {
        this.admin = admin;
        this.topic = topic;
        this.group = group;
        this.maxAgeNanos = maxAge.toNanos();
    }

    @Override
    public synchronized long readAt() {
        return readingAt;
    }

    @Override
    public synchronized long getAsLong() {
        long now = System.nanoTime();
        if (readAt != 0 && now - readAt < maxAgeNanos) {
            return records;
        }
        readAt = now;
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.forEach((tp, offset) -> {
                if (tp.topic().equals(topic) && offset != null) {
                    latest.put(tp, OffsetSpec.latest());
                }
            });
            long behind = 0;
            if (!latest.isEmpty()) {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end : ends.entrySet()) {
                    behind += Math.max(0, end.getValue().offset() - committed.get(end.getKey()).offset());
                }
            }
            records = behind;
            readingAt = now;
            warned = false;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (!warned) {
                log.warn("The engine's backlog on {} is unknown ({}); timers are limited by the outbox only", topic,
                        e.toString());
                warned = true;
            }
            records = -1;
            readingAt = now;
        }
        return records;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(1));
    }
}
