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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Claims due timers ({@code FOR UPDATE SKIP LOCKED}, so pollers of several engine instances share the work) and, in
 * the same transaction, marks them fired and appends their announcement to the outbox: the timers then reach the
 * engine through their contacts' partitions, after the contacts' earlier events.
 *
 * <p>The timers of one poll are grouped by the partition of {@code activation.events} their contact's key maps to
 * (the producer's own function: murmur2 of the key, modulo the topic's partition count), and each group of two or
 * more is announced by one {@code timers-fired} record, keyed by the group's first contact, so it lands in that same
 * partition, behind every earlier record of each of its contacts (ADR 0018). A lone timer, or every timer while the
 * partition count is unknown (Kafka unreachable), is announced by a {@code timer-fired} record of its own, keyed by
 * its contact. Either way a timer's engine event id derives from the timer id, so a timer can never fire twice as
 * two different events.
 */
public class TimerPoller {

    private static final Logger log = LoggerFactory.getLogger(TimerPoller.class);

    /** A due timer as the poller claims it. */
    public record Due(long id, long instanceId, long contactId, String stepId) {}

    /**
     * Records of {@code activation.events} the engine's group has yet to apply (-1: unknown), as last read, and
     * when that reading was taken: the poller adds what it announced since then, which the reading cannot show.
     */
    @FunctionalInterface
    interface Backlog extends java.util.function.LongSupplier {
        /** When the value {@link #getAsLong} returns was read (any clock; a new value for every new reading). */
        default long readAt() {
            return System.nanoTime();
        }
    }

    /** What {@link #pollOnce} answers when the outbox or the engine's backlog holds the poll back. */
    static final int HELD_BACK = -1;
    /**
     * How soon a poll held back (by the outbox or the engine's backlog) looks again; the backlog is read at most
     * this often.
     */
    static final java.time.Duration HELD_BACK_RECHECK = java.time.Duration.ofMillis(25);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Clock clock;
    private final JourneyProperties properties;
    private final PollingWorker worker;
    /** Partitions of {@code activation.events}, shared with arbitration's grouping; null: every timer alone. */
    private final io.activation.ingest.EventPartitions partitionsOfEvents;
    /** Records the engine's group has yet to apply (-1: unknown); null when not wired (then the outbox only). */
    private final Backlog backlog;
    /** The backlog reading {@link #announcedSinceReading} counts from (its {@link Backlog#readAt}). */
    private long readingSeen;
    /** Records this poller appended to the outbox since that reading: not in it, but ahead of the lanes too. */
    private long announcedSinceReading;
    /** When the worker last forgot old applied-record ids (nanoTime; only the worker's thread touches it). */
    private long lastCleanup;

    TimerPoller(JdbcTemplate jdbc, TransactionTemplate transactions, Outbox outbox, ChangeEvents events, Clock clock,
            JourneyProperties properties, io.activation.ingest.EventPartitions partitionsOfEvents,
            Backlog backlog) {
        this.partitionsOfEvents = partitionsOfEvents;
        this.backlog = backlog;
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
        return new TimerPoller(jdbc, transactions, outbox, events, clock, properties, partitionsOfEvents, backlog);
    }

    /**
     * Fires what is due now; returns how many timers fired, or {@link #HELD_BACK}. Nothing fires while the outbox
     * holds more than {@code activation.journeys.timer-outbox-limit} messages: the relay publishes in id order, so
     * a burst of due timers claimed all at once would hold every other event of the platform (and the message
     * requests of the journeys it moves on) behind it until the whole burst is published. Nor while the engine's
     * consumer group has more than {@code activation.journeys.timer-backlog-limit} records of
     * {@code activation.events} to apply: a timers-fired record carries many timers, so the burst would otherwise
     * queue in the lanes ahead of the contacts' other events. The backlog counts what the last reading saw plus
     * the records this poller announced since, so polls between two readings cannot overshoot the limit. The
     * timers wait in PostgreSQL instead.
     */
    public int pollOnce() {
        // The engine's backlog first: it is cached (read from Kafka at most every few tens of ms), while the
        // outbox span is a query, which a poll held back by the backlog need not pay.
        int backlogLimit = properties.timerBacklogLimit();
        if (backlogLimit > 0 && backlog != null) {
            long records = backlog.getAsLong();
            long readAt = backlog.readAt();
            if (readAt != readingSeen) {
                readingSeen = readAt;
                announcedSinceReading = 0;
            }
            if (records >= 0 && records + announcedSinceReading > backlogLimit) {
                return HELD_BACK;
            }
        }
        int limit = properties.timerOutboxLimit();
        if (limit > 0 && outboxSpan() > limit) {
            return HELD_BACK;
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
            Long[] ids = new Long[due.size()];
            for (int i = 0; i < due.size(); i++) {
                ids[i] = due.get(i).id();
            }
            jdbc.update("update journey_timers set status = 'fired', fired_at = ? where id = any(?)", now,
                    jdbc.execute((java.sql.Connection c) -> c.createArrayOf("bigint", ids)));
            List<OutboxMessage> announcements = announce(due, partitions());
            outbox.append(announcements);
            announcedSinceReading += announcements.size();
            return due.size();
        });
        return fired == null ? 0 : fired;
    }

    /**
     * The outbox messages announcing these timers (in claim order): one {@code timers-fired} record per group of two
     * or more timers whose contacts' keys map to the same partition (of {@code partitions}; 0: unknown, so one
     * record per timer), a {@code timer-fired} record for a timer alone in its partition. Public for the journey
     * benchmark, whose raw baseline writes what the poller writes.
     */
    public List<OutboxMessage> announce(List<Due> due, int partitions) {
        java.util.Map<Integer, List<Due>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < due.size(); i++) {
            Due d = due.get(i);
            int key = partitions > 0 ? partitionOf(d.contactId(), partitions) : -1 - i;
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(d);
        }
        List<OutboxMessage> messages = new ArrayList<>(groups.size());
        for (List<Due> group : groups.values()) {
            Due first = group.get(0);
            if (group.size() == 1) {
                messages.add(events.event(EngineEvent.TIMER_FIRED, first.contactId(), "journeys/"
                        + first.instanceId(), "journeys", timer(JsonNodeFactory.instance.objectNode(), first),
                        timerEventId(first.id())));
                continue;
            }
            ObjectNode data = JsonNodeFactory.instance.objectNode();
            tools.jackson.databind.node.ArrayNode timers = data.putArray("timers");
            for (Due d : group) {
                timer(timers.addObject(), d);
            }
            messages.add(events.event(EngineEvent.TIMERS_FIRED, first.contactId(), "journeys/timers", "journeys",
                    data, ChangeEvents.deterministicId("journey-timers:" + first.id())));
        }
        return messages;
    }

    private static ObjectNode timer(ObjectNode node, Due d) {
        node.put("timerId", d.id());
        node.put("instanceId", d.instanceId());
        node.put("contactId", d.contactId());
        node.put("stepId", d.stepId());
        return node;
    }

    /**
     * The partition a contact's records of {@code activation.events} go to: what Kafka's producer computes for a
     * keyed record (the relay publishes with the contact id as the key and the default partitioner).
     */
    static int partitionOf(long contactId, int partitions) {
        return io.activation.ingest.EventPartitions.partitionOf(contactId, partitions);
    }

    /** The partition count of {@code activation.events} (read at most every 30 s); 0 when unknown. */
    private int partitions() {
        return partitionsOfEvents == null ? 0 : partitionsOfEvents.count();
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

    /**
     * Forgets applied-record ids and claimed effect keys older than the retention (a redelivery that old cannot
     * happen, so neither guard has anything left to refuse); answers how many rows went.
     */
    int forgetApplied() {
        Timestamp cutoff = Timestamp.from(clock.instant().minus(properties.appliedRetention()));
        return jdbc.update("delete from journey_applied where applied_at < ?", cutoff)
                + jdbc.update("delete from journey_effects where applied_at < ?", cutoff);
    }

    /**
     * One turn of the worker: forgets old applied-record ids and effect keys once a minute, then fires what is due.
     * A poll held back looks again after {@link #HELD_BACK_RECHECK} rather than the idle interval: the lanes are
     * busy with a burst, and a poll that comes late when they have caught up leaves them idle.
     */
    private boolean step() throws InterruptedException {
        if (System.nanoTime() - lastCleanup > 60_000_000_000L) {
            forgetApplied();
            lastCleanup = System.nanoTime();
        }
        int fired = pollOnce();
        if (fired == HELD_BACK) {
            long recheck = Math.min(HELD_BACK_RECHECK.toMillis(), properties.timerPollInterval().toMillis());
            Thread.sleep(recheck);
            return true;
        }
        return fired >= properties.timerBatchSize();
    }
}
