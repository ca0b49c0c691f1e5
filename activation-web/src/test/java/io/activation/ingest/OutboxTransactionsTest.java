package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.platform.JdbcTransactions;
import io.activation.testing.ApiTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outbox takes part in a JDBC-only transaction ({@link JdbcTransactions}) as in the JPA manager's: its rows are
 * committed and rolled back with the change they describe, and outside any transaction it refuses to write.
 */
class OutboxTransactionsTest extends ApiTest {

    @Autowired
    Outbox outbox;

    @Autowired
    JdbcTransactions transactions;

    @Autowired
    PlatformTransactionManager jpa;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ApplicationContext context;

    @Test
    void aJdbcOnlyTransactionCommitsAndRollsBackTheOutboxWithTheChange() {
        // The relay is held still, so the committed row is still there to count; it is deleted before the relay
        // runs again (its topic does not exist).
        try (OutboxRelayPause pause = OutboxRelayPause.pause(context)) {
            String committed = unique("jdbc-commit");
            transactions.run(() -> outbox.append(List.of(new OutboxMessage("bench.outbox.test", committed, "{}"))));
            assertThat(rows(committed)).isEqualTo(1);

            String rolledBack = unique("jdbc-rollback");
            assertThatThrownBy(() -> transactions.run(() -> {
                outbox.append(List.of(new OutboxMessage("bench.outbox.test", rolledBack, "{}")));
                throw new IllegalStateException("the change failed");
            })).hasMessage("the change failed");
            assertThat(rows(rolledBack)).isZero();

            String joined = unique("jpa-joined");
            assertThatThrownBy(() -> new TransactionTemplate(jpa).executeWithoutResult(status -> {
                transactions.run(() -> outbox.append(List.of(new OutboxMessage("bench.outbox.test", joined, "{}"))));
                throw new IllegalStateException("the outer change failed");
            })).hasMessage("the outer change failed");
            assertThat(rows(joined)).as("joined the outer transaction, so rolled back with it").isZero();
            jdbc.update("delete from outbox where topic = 'bench.outbox.test'");
        }
    }

    @Test
    void outsideATransactionTheOutboxRefuses() {
        assertThatThrownBy(() -> outbox.append(List.of(new OutboxMessage("bench.outbox.test", "k", "{}"))))
                .isInstanceOf(IllegalTransactionStateException.class)
                .hasMessageContaining("Outbox.append");
    }

    private int rows(String key) {
        Integer n = jdbc.queryForObject("select count(*) from outbox where message_key = ?", Integer.class, key);
        return n == null ? 0 : n;
    }
}
