package io.activation.ingest;

import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the outbox to Kafka, oldest first, and deletes what Kafka acknowledged. One relay publishes at a time
 * across all nodes (a PostgreSQL advisory lock), which keeps the per-contact order of the outbox. A failed publish
 * rolls back and is retried with backoff, so delivery is at least once: a crash between Kafka's acknowledgement
 * and the delete republishes the same CloudEvent (same {@code id}), which consumers use to drop duplicates.
 */
@Component
@ConditionalOnRole(Role.API)
class OutboxRelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final long LOCK_KEY = 0x4163746976L; // "Activ"
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private record Pending(long id, String topic, String key, String payload) {}

    private final Outbox outbox;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final KafkaTemplate<String, String> kafka;
    private final IngestProperties properties;
    private volatile boolean running;
    private volatile Thread worker;
    private volatile long published;
    private volatile String lastError;
    /** Records relayed since the outbox was last vacuumed (only the worker's thread touches it). */
    private long sinceVacuum;
    private volatile long vacuums;
    private boolean vacuumWarned;

    OutboxRelay(Outbox outbox, JdbcTemplate jdbc, TransactionTemplate transactions, KafkaTemplate<String, String> kafka,
            IngestProperties properties) {
        this.outbox = outbox;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.kafka = kafka;
        this.properties = properties;
    }

    @Override
    public void start() {
        running = true;
        worker = new Thread(this::loop, "outbox-relay");
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public void stop() {
        running = false;
        Thread t = worker;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    long published() {
        return published;
    }

    String lastError() {
        return lastError;
    }

    /** How many times the relay has vacuumed the outbox. */
    long vacuums() {
        return vacuums;
    }

    private void loop() {
        long backoff = 100;
        while (running) {
            try {
                int sent = relayOnce();
                if (sent < 0) {
                    outbox.awaitSignal(backoff);
                    backoff = Math.min(backoff * 2, properties.outboxMaxBackoff().toMillis());
                    continue;
                }
                backoff = 100;
                afterRelaying(sent);
                if (sent > 0 && sent < properties.outboxBatchSize() && !properties.outboxLinger().isZero()) {
                    // Busy but not backlogged: let the next commits gather (their signals stay pending).
                    Thread.sleep(properties.outboxLinger().toMillis());
                }
                if (sent < properties.outboxBatchSize()) {
                    outbox.awaitSignal(properties.outboxPollInterval().toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The database itself is unavailable: keep trying, the outbox is still there.
                log.warn("Outbox relay failed, retrying: {}", e.toString());
                try {
                    outbox.awaitSignal(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, properties.outboxMaxBackoff().toMillis());
            }
        }
    }

    /**
     * Counts what a round relayed and vacuums the outbox once {@code outbox-vacuum-rows} have been since the last
     * time. Each round takes the oldest ids through the primary key; the entries of deleted records stay in the
     * index, in front of the live ones, until a vacuum removes them, and every round (and the timer poller's
     * {@code min(id)}) walks them: with a relay deleting ten thousand records a second and autovacuum coming at
     * most once a minute, that was hundreds of index pages per round. {@code SKIP_LOCKED}: a vacuum already under
     * way (autovacuum's) is left to finish; {@code TRUNCATE FALSE}: the heap's empty tail is not cut off, which
     * would take a lock every writer of the outbox waits for (autovacuum still does it when it comes). Not in a
     * transaction (VACUUM cannot run in one). A failure is logged once and the relay goes on: the vacuum is an
     * optimisation, and autovacuum still comes.
     */
    void afterRelaying(int sent) {
        int every = properties.outboxVacuumRows();
        if (every <= 0 || sent <= 0) {
            return;
        }
        sinceVacuum += sent;
        if (sinceVacuum < every) {
            return;
        }
        sinceVacuum = 0;
        try {
            jdbc.execute("vacuum (skip_locked, truncate false) outbox");
            vacuums++;
            vacuumWarned = false;
        } catch (RuntimeException e) {
            if (!vacuumWarned) {
                log.warn("The outbox could not be vacuumed ({}); autovacuum is left to do it", e.toString());
                vacuumWarned = true;
            }
        }
    }

    /** Publishes one batch; the number published, or -1 when Kafka refused. */
    int relayOnce() {
        Integer result = transactions.execute(status -> {
            // Lock, take the oldest records and delete them in one round trip; if Kafka refuses them, the
            // rollback puts them back. Without the lock (another node relays) the batch is empty. The ids are
            // picked once (array of an ordered, limited index scan) and then deleted by id: written as a join
            // instead, PostgreSQL may pick a nested loop that rescans the limit per row of the outbox, quadratic
            // in the backlog, when its statistics still describe an empty outbox.
            List<Pending> batch = new ArrayList<>(jdbc.query("""
                    with relay as (select pg_try_advisory_xact_lock(?) as locked)
                    delete from outbox where id = any(array(
                        select id from outbox where (select locked from relay) order by id limit ?))
                    returning id, topic, message_key, payload""",
                    (rs, n) -> new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)),
                    LOCK_KEY, properties.outboxBatchSize()));
            if (batch.isEmpty()) {
                return 0;
            }
            batch.sort(Comparator.comparingLong(Pending::id));
            try {
                List<CompletableFuture<?>> acks = new ArrayList<>(batch.size());
                for (Pending p : batch) {
                    acks.add(kafka.send(p.topic(), p.key(), p.payload()));
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                        .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                String message = rootMessage(e);
                if (!message.equals(lastError)) {
                    log.warn("Kafka did not accept {} outbox records; they stay in the outbox: {}", batch.size(),
                            message);
                }
                lastError = message;
                status.setRollbackOnly();
                return -1;
            }
            if (lastError != null) {
                log.info("Kafka is reachable again; outbox draining");
                lastError = null;
            }
            published += batch.size();
            return batch.size();
        });
        return result == null ? 0 : result;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
