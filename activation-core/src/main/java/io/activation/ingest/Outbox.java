package io.activation.ingest;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The transactional outbox: messages are inserted in the transaction of the change they describe, so they exist
 * exactly when the change is committed. A commit wakes the relay at once, which keeps the publish latency low
 * without polling hard.
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

    @Transactional(propagation = Propagation.MANDATORY)
    public void append(List<OutboxMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        jdbc.batchUpdate("insert into outbox (topic, message_key, payload, created_at) values (?, ?, ?, ?)", messages,
                1000, (PreparedStatement ps, OutboxMessage m) -> {
                    ps.setString(1, m.topic());
                    ps.setString(2, m.key());
                    ps.setString(3, m.payload());
                    ps.setObject(4, now);
                });
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    signal();
                }
            });
        }
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
