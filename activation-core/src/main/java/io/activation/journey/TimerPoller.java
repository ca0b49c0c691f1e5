package io.activation.journey;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.platform.CustomPlans;
import io.activation.platform.PollingWorker;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Claims due timers ({@code FOR UPDATE SKIP LOCKED}, so pollers of several engine instances share the work) and, in
 * the same transaction, marks them fired and appends a {@code timer-fired} event keyed by the contact to the
 * outbox: the timer then reaches the engine through the contact's partition, after the contact's earlier events.
 * The event id derives from the timer id, so a timer can never fire twice as two different events.
 */
public class TimerPoller {

    private record Due(long id, long instanceId, long contactId, String stepId) {}

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Clock clock;
    private final JourneyProperties properties;
    private final PollingWorker worker;
    /** When the worker last forgot old applied-record ids (nanoTime; only the worker's thread touches it). */
    private long lastCleanup;

    TimerPoller(JdbcTemplate jdbc, TransactionTemplate transactions, Outbox outbox, ChangeEvents events, Clock clock,
            JourneyProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.outbox = outbox;
        this.events = events;
        this.clock = clock;
        this.properties = properties;
        this.worker = new PollingWorker("journey-timers", this::step, properties::timerPollInterval);
    }

    /** A poller of another engine instance in this process, sharing the database. */
    TimerPoller copy() {
        return new TimerPoller(jdbc, transactions, outbox, events, clock, properties);
    }

    /**
     * Fires what is due now; returns how many timers fired. Nothing fires while the outbox holds more than
     * {@code activation.journeys.timer-outbox-limit} messages: the relay publishes in id order, so a burst of due
     * timers claimed all at once would hold every other event of the platform (and the message requests of the
     * journeys it moves on) behind it until the whole burst is published. The timers wait in PostgreSQL instead.
     */
    public int pollOnce() {
        int limit = properties.timerOutboxLimit();
        if (limit > 0 && outboxSpan() > limit) {
            return 0;
        }
        Integer fired = transactions.execute(status -> {
            CustomPlans.forThisTransaction(jdbc);
            Timestamp now = Timestamp.from(clock.instant());
            List<Due> due = jdbc.query("""
                    select id, instance_id, contact_id, step_id from journey_timers
                    where status = 'pending' and due_at <= ? order by due_at limit ? for update skip locked""",
                    (rs, n) -> new Due(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4)), now,
                    properties.timerBatchSize());
            if (due.isEmpty()) {
                return 0;
            }
            List<OutboxMessage> messages = new ArrayList<>(due.size());
            Long[] ids = new Long[due.size()];
            for (int i = 0; i < due.size(); i++) {
                Due d = due.get(i);
                ids[i] = d.id();
                ObjectNode data = JsonNodeFactory.instance.objectNode();
                data.put("timerId", d.id());
                data.put("instanceId", d.instanceId());
                data.put("contactId", d.contactId());
                data.put("stepId", d.stepId());
                messages.add(events.event(EngineEvent.TIMER_FIRED, d.contactId(), "journeys/" + d.instanceId(),
                        "journeys", data, timerEventId(d.id())));
            }
            jdbc.update("update journey_timers set status = 'fired', fired_at = ? where id = any(?)", now,
                    jdbc.execute((java.sql.Connection c) -> c.createArrayOf("bigint", ids)));
            outbox.append(messages);
            return due.size();
        });
        return fired == null ? 0 : fired;
    }

    /** How many messages the outbox holds at most (the span of its ids: two index look-ups, not a count). */
    private long outboxSpan() {
        Long span = jdbc.queryForObject("select coalesce(max(id) - min(id) + 1, 0) from outbox", Long.class);
        return span == null ? 0 : span;
    }

    /** The id of the event announcing a timer: the same for every attempt. */
    static UUID timerEventId(long timerId) {
        return ChangeEvents.deterministicId("journey-timer:" + timerId);
    }

    public void start() {
        worker.start();
    }

    public void stop() {
        worker.stop();
    }

    public boolean isRunning() {
        return worker.isRunning();
    }

    /** Forgets applied-record ids older than the retention (a redelivery that old cannot happen). */
    int forgetApplied() {
        return jdbc.update("delete from journey_applied where applied_at < ?",
                Timestamp.from(clock.instant().minus(properties.appliedRetention())));
    }

    /** One turn of the worker: forgets old applied-record ids once a minute, then fires what is due. */
    private boolean step() {
        if (System.nanoTime() - lastCleanup > 60_000_000_000L) {
            forgetApplied();
            lastCleanup = System.nanoTime();
        }
        return pollOnce() >= properties.timerBatchSize();
    }
}
