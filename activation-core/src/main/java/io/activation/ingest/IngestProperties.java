package io.activation.ingest;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Ingest settings ({@code activation.ingest.*}).
 *
 * @param maxBodySize the largest request body accepted; larger ones are refused before they are read
 * @param maxBatchItems items per batch request
 * @param idempotencyRetention how long idempotency keys are kept; at least 24 hours
 * @param eventsTopic the Kafka topic change events are published to
 * @param eventsTopicPartitions partitions of that topic when the platform creates it (parallelism of consumers)
 * @param outboxBatchSize records the relay publishes per round
 * @param outboxPollInterval how long the relay waits when idle (it is also woken by each commit)
 * @param outboxMaxBackoff the longest pause between attempts while Kafka is unreachable
 * @param outboxLinger after a round that published something but less than a full batch, how long the relay lets
 *     further commits gather before the next round (an idle relay still wakes at once on the first commit): a steady
 *     trickle of single-event commits is published in groups, so each round's delete, produce request and the
 *     consumers' fetches serve several records; 0 publishes every commit in a round of its own
 * @param outboxVacuumRows after relaying this many records the relay vacuums the outbox ({@code VACUUM (SKIP_LOCKED,
 *     TRUNCATE FALSE)}), 0 never: every round reads the outbox from its oldest id, and the index entries of the
 *     records deleted since the last vacuum lie in front of the live ones; autovacuum visits a database at most once
 *     per {@code autovacuum_naptime} (a minute by default), in which a busy relay deletes hundreds of thousands
 */
@Validated
@ConfigurationProperties("activation.ingest")
public record IngestProperties(
        @DefaultValue("5MB") DataSize maxBodySize,
        @DefaultValue("1000") @Min(1) @Max(10000) int maxBatchItems,
        @DefaultValue("24h") Duration idempotencyRetention,
        @DefaultValue("activation.events") @NotBlank String eventsTopic,
        @DefaultValue("6") @Min(1) int eventsTopicPartitions,
        @DefaultValue("1") @Min(1) short eventsTopicReplicas,
        @DefaultValue("500") @Min(1) @Max(10000) int outboxBatchSize,
        @DefaultValue("200ms") Duration outboxPollInterval,
        @DefaultValue("5s") Duration outboxMaxBackoff,
        @DefaultValue("10ms") Duration outboxLinger,
        @DefaultValue("20000") @Min(0) int outboxVacuumRows) {

    @AssertTrue(message = "activation.ingest.idempotency-retention must be at least 24h")
    boolean isRetentionLongEnough() {
        return idempotencyRetention.compareTo(Duration.ofHours(24)) >= 0;
    }
}
