package io.activation.journey.source;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code activation.reference-fanout.*}: which reference-row changes fan out to the contacts linked to them.
 *
 * @param enabled whether the fan-out consumer runs at all (in processes with the engine role)
 * @param tables {@code ALL}: every reference table that some contact table references; {@code WATCHED}: only the
 *        tables a consumer asked for with {@link ReferenceFanout#watch}
 * @param excludedTables reference tables never fanned out, whatever the mode
 * @param batchSize linking rows per transaction (one page of events and its progress commit together)
 * @param progressRetention how long the progress of finished fan-outs is kept, which is how long a replayed source
 *        event is recognised and not fanned out again (a replay after that publishes the same event ids again)
 * @param groupId the Kafka consumer group of the fan-out
 */
@ConfigurationProperties("activation.reference-fanout")
public record ReferenceFanoutProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("ALL") Mode tables,
        @DefaultValue List<String> excludedTables,
        @DefaultValue("500") int batchSize,
        @DefaultValue("7d") Duration progressRetention,
        @DefaultValue("activation-reference-fanout") String groupId) {

    public ReferenceFanoutProperties {
        excludedTables = excludedTables == null ? List.of() : List.copyOf(excludedTables);
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("activation.reference-fanout.batch-size must be 1..10000");
        }
    }

    public enum Mode {
        ALL, WATCHED
    }
}
