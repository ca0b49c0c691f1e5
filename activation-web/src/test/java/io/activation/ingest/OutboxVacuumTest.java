package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.sql.Timestamp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The relay vacuums the outbox after every {@code outbox-vacuum-rows} relayed records, so its rounds (which read from
 * the oldest id) do not walk the index entries of everything deleted since autovacuum last came; a vacuum that
 * cannot run is logged and the relay goes on.
 */
class OutboxVacuumTest extends ApiTest {

    @Autowired
    Outbox outbox;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    KafkaTemplate<String, String> kafka;

    @Autowired
    IngestProperties properties;

    private OutboxRelay relay(int vacuumRows) {
        IngestProperties p = properties;
        return new OutboxRelay(outbox, jdbc, transactions, kafka, new IngestProperties(p.maxBodySize(),
                p.maxBatchItems(), p.idempotencyRetention(), p.eventsTopic(), p.eventsTopicPartitions(),
                p.eventsTopicReplicas(), p.outboxBatchSize(), p.outboxPollInterval(), p.outboxMaxBackoff(),
                p.outboxLinger(), vacuumRows));
    }

    private Timestamp lastVacuum() {
        return jdbc.queryForObject("select last_vacuum from pg_stat_user_tables where relname = 'outbox'"
                + " and schemaname = current_schema()", Timestamp.class);
    }

    @Test
    void theOutboxIsVacuumedOnceTheRelayHasRelayedTheConfiguredNumberOfRecords() {
        OutboxRelay relay = relay(3);
        Timestamp before = lastVacuum();

        relay.afterRelaying(2);
        relay.afterRelaying(0);
        assertThat(relay.vacuums()).isZero();
        assertThat(lastVacuum()).isEqualTo(before);

        relay.afterRelaying(1);
        assertThat(relay.vacuums()).isEqualTo(1);
        Timestamp after = lastVacuum();
        assertThat(after).isNotNull();
        if (before != null) {
            assertThat(after).isAfter(before);
        }

        // The count starts again after a vacuum.
        relay.afterRelaying(2);
        assertThat(relay.vacuums()).isEqualTo(1);
        relay.afterRelaying(5);
        assertThat(relay.vacuums()).isEqualTo(2);
    }

    @Test
    void zeroNeverVacuums() {
        OutboxRelay relay = relay(0);
        relay.afterRelaying(1_000_000);
        assertThat(relay.vacuums()).isZero();
    }

    @Test
    void aVacuumThatFailsIsLoggedAndTheRelayGoesOn() {
        OutboxRelay relay = relay(1);
        // VACUUM cannot run inside a transaction block: the statement fails, the relay must not.
        transactions.executeWithoutResult(status -> relay.afterRelaying(1));
        assertThat(relay.vacuums()).isZero();
        relay.afterRelaying(1);
        assertThat(relay.vacuums()).isEqualTo(1);
    }
}
