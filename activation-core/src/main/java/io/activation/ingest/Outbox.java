package io.activation.ingest;

import io.activation.platform.JdbcTransactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The transactional outbox: messages are inserted in the transaction of the change they describe, so they exist
 * exactly when the change is committed. A commit wakes the relay at once, which keeps the publish latency low
 * without polling hard. Either transaction manager's transaction will do (the JPA one, or a JDBC-only one of
 * {@link JdbcTransactions}); outside a transaction every method refuses.
 */
@Component
public class Outbox {

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final Semaphore wakeUp = new Semaphore(0);

    Outbox(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public void append(List<OutboxMessage> messages) {
        JdbcTransactions.requireActive("Outbox.append");
        if (messages.isEmpty()) {
            return;
        }
        insert(null, null, null, messages);
    }

    /** Binds the parameters of a statement's leading part, from {@code first} on; returns the next free index. */
    @FunctionalInterface
    interface Parameters {
        int bind(Connection connection, PreparedStatement statement, int first) throws SQLException;
    }

    /**
     * Appends {@code messages} in the same statement as another write, given as the data-modifying common table
     * expression {@code cte} (e.g. {@code x as (insert into events ... )}), whose parameters {@code cteParameters}
     * binds first: one round trip for the change and its messages. PostgreSQL runs a data-modifying CTE to
     * completion whether or not the rest of the statement reads it, and a failure of either part fails both.
     */
    void appendWith(String cte, Parameters cteParameters, List<OutboxMessage> messages) {
        JdbcTransactions.requireActive("Outbox.appendWith");
        insert(cte, cteParameters, null, messages);
    }

    /**
     * As {@link #appendWith(String, Parameters, List)}, but the messages are inserted only where {@code condition}
     * (an SQL boolean over the CTEs, e.g. {@code (select ok from checked)}) holds; returns how many were inserted.
     */
    int appendWhere(String cte, Parameters cteParameters, String condition, List<OutboxMessage> messages) {
        JdbcTransactions.requireActive("Outbox.appendWhere");
        return insert(cte, cteParameters, condition, messages);
    }

    private int insert(String cte, Parameters cteParameters, String condition, List<OutboxMessage> messages) {
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        int n = messages.size();
        String[] topics = new String[n];
        String[] keys = new String[n];
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            OutboxMessage m = messages.get(i);
            topics[i] = m.topic();
            keys[i] = m.key();
            payloads[i] = m.payload();
        }
        // One statement whatever the number of messages (a JDBC batch would execute one insert per row); the
        // ordinality keeps the identity ids, hence the publishing order, in the order of the list. A single message
        // (the single-event endpoint's) binds plain parameters: no JDBC arrays, no unnest to plan.
        boolean single = n == 1;
        String sql = (cte == null ? "" : "with " + cte + "\n") + (single ? """
                insert into outbox (topic, message_key, payload, created_at)
                select ?::varchar, ?::varchar, ?::text, ?::timestamptz
                """ : """
                insert into outbox (topic, message_key, payload, created_at)
                select t, k, p, ?
                from unnest(?::varchar[], ?::varchar[], ?::text[]) with ordinality as x(t, k, p, n)
                """) + (condition == null ? "" : "where " + condition + "\n") + (single ? "" : "order by n");
        int inserted = jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement(sql);
            int i = cteParameters == null ? 1 : cteParameters.bind(connection, ps, 1);
            if (single) {
                ps.setString(i, topics[0]);
                ps.setString(i + 1, keys[0]);
                ps.setString(i + 2, payloads[0]);
                ps.setObject(i + 3, now);
            } else {
                ps.setObject(i, now);
                ps.setArray(i + 1, connection.createArrayOf("varchar", topics));
                ps.setArray(i + 2, connection.createArrayOf("varchar", keys));
                ps.setArray(i + 3, connection.createArrayOf("text", payloads));
            }
            return ps;
        });
        if (inserted > 0 && TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    signal();
                }
            });
        }
        return inserted;
    }

    /** Messages not yet published (a gauge for operators). */
    public long backlog() {
        Long count = jdbc.queryForObject("select count(*) from outbox", Long.class);
        return count == null ? 0 : count;
    }

    void signal() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    void awaitSignal(long millis) throws InterruptedException {
        if (wakeUp.tryAcquire(millis, TimeUnit.MILLISECONDS)) {
            wakeUp.drainPermits();
        }
    }
}
