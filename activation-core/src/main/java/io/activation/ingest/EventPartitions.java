package io.activation.ingest;

import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * The partition of {@code activation.events} a contact's records land on, for producers that group the records of
 * several contacts into one (ADR 0018 timers, ADR 0022 arbitration's outcomes): a record keyed by one contact of a
 * group reaches every contact of the group behind their earlier records only if they all share its partition.
 *
 * <p>{@link #partitionOf} is what Kafka's producer computes for a keyed record with the default partitioner (murmur2
 * of the key's UTF-8 bytes, made positive, modulo the partition count); the relay publishes with the contact id as
 * the key and that partitioner. {@link #count()} is the topic's partition count as the relay's producer sees it
 * (its metadata), read at most every 30 s; 0 when it cannot be read (no producer, Kafka unreachable), in which case
 * a producer must not group at all.
 */
@Component
public class EventPartitions {

    private static final Logger log = LoggerFactory.getLogger(EventPartitions.class);
    /** How long a partition count (or the failure to read one) is used before it is read again. */
    static final long TTL_NANOS = 30_000_000_000L;

    /** A count and when it was read (nanoTime). */
    private record Read(int count, long at) {}

    private final IntSupplier reader;
    private volatile Read last;

    @Autowired
    EventPartitions(ObjectProvider<KafkaTemplate<String, String>> kafka, IngestProperties properties) {
        this(() -> {
            KafkaTemplate<String, String> template = kafka.getIfAvailable();
            return template == null ? 0 : template.partitionsFor(properties.eventsTopic()).size();
        });
    }

    /** Reads the count with {@code reader} (a test's or a benchmark's fixed count, or a failing one). */
    public EventPartitions(IntSupplier reader) {
        this.reader = reader;
    }

    /** The partition count of {@code activation.events}, read at most every 30 s; 0 when unknown. */
    public int count() {
        long now = System.nanoTime();
        Read read = last;
        if (read == null || now - read.at() > TTL_NANOS) {
            int count;
            try {
                count = Math.max(0, reader.getAsInt());
            } catch (RuntimeException e) {
                log.warn("The partitions of the events topic are unknown ({}); records are not grouped", e.toString());
                count = 0;
            }
            read = new Read(count, now);
            last = read;
        }
        return read.count();
    }

    /** The partition of a record keyed by this contact id, among {@code partitions} (which must be positive). */
    public static int partitionOf(long contactId, int partitions) {
        return partitionOf(Long.toString(contactId), partitions);
    }

    /** The partition Kafka's default partitioner picks for a record with this key, among {@code partitions}. */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
