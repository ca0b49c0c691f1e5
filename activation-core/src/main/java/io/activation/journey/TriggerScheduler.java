package io.activation.journey;

import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.journey.source.DateTriggerSpec;
import io.activation.journey.source.DateTriggers;
import io.activation.journey.source.DueOccurrence;
import io.activation.journey.source.DuePage;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.activation.segment.SegmentMember;
import io.activation.segment.Segments;
import io.activation.segment.Targeting;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Announces the occurrences of date and schedule triggers: every few seconds (real time) it compares each active
 * scenario's progress with the injected clock and appends, through the outbox, one event per occurrence and contact,
 * keyed by the contact, so the journey starts in the contact's own lane like any other trigger.
 *
 * <ul>
 *   <li><b>date</b>: the window {@code [watermark, now)} (cut into days) is paged through
 *       {@link DateTriggers#due}; each occurrence becomes an {@value EngineEvent#DATE_REACHED} event whose id is
 *       {@link DueOccurrence#uuid()} (its key holds the scenario id).</li>
 *   <li><b>schedule</b>: at each occurrence of {@code at} or {@code cron} the segment's members are paged
 *       ({@link Targeting#members}); each becomes an {@value EngineEvent#SCHEDULED} event with an id derived from
 *       scenario, occurrence and contact. When several occurrences fell due while nothing ran, only the latest is
 *       announced (one campaign, not a burst of repeats).</li>
 * </ul>
 *
 * <p>Each page's events commit with the new progress ({@code journey_schedules}) in one transaction; a crash
 * resumes after the last committed page, and a page announced twice carries the same event ids, which the engine's
 * applied-record table drops. A transaction-scoped advisory lock lets one engine node run at a time.
 */
@Component
@ConditionalOnRole(Role.ENGINE)
public class TriggerScheduler {

    private static final Logger log = LoggerFactory.getLogger(TriggerScheduler.class);
    private static final int LOCK_SPACE = 0x10A7;
    private static final int LOCK_SCHEDULER = 1;
    /** Date windows are cut into days, so a long catch-up commits its progress as it goes. */
    private static final Duration DATE_WINDOW = Duration.ofDays(1);
    /** Pages per scenario and run, so one big scenario does not hold the others back for long. */
    private static final int MAX_PAGES_PER_RUN = 50;

    private final Journeys journeys;
    private final ScenarioCache scenarios;
    private final TriggerSchedules schedules;
    private final DateTriggers dates;
    private final Targeting targeting;
    private final Segments segments;
    private final TableCatalog catalog;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final JourneyProperties properties;
    private final TransactionTemplate outer;
    private final TransactionTemplate page;

    TriggerScheduler(Journeys journeys, ScenarioCache scenarios, TriggerSchedules schedules, DateTriggers dates,
            Targeting targeting, Segments segments, TableCatalog catalog, Outbox outbox, ChangeEvents events,
            JdbcTemplate jdbc, Clock clock, JourneyProperties properties, PlatformTransactionManager transactions) {
        this.journeys = journeys;
        this.scenarios = scenarios;
        this.schedules = schedules;
        this.dates = dates;
        this.targeting = targeting;
        this.segments = segments;
        this.catalog = catalog;
        this.outbox = outbox;
        this.events = events;
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.outer = new TransactionTemplate(transactions);
        this.page = new TransactionTemplate(transactions);
        this.page.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    @Scheduled(fixedDelayString = "${activation.journeys.schedule-poll-interval:5s}",
            initialDelayString = "${activation.journeys.schedule-poll-interval:5s}")
    void poll() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            log.warn("Trigger scheduler run failed, retrying at the next poll: {}", e.toString());
        }
    }

    /**
     * Announces what is due by the clock now, for every active scenario with a date or schedule trigger.
     *
     * @return false when another node holds the scheduler's lock (it does the work)
     */
    public boolean runOnce() {
        Boolean ran = outer.execute(status -> {
            // The lock lives as long as this outer transaction; each page commits in its own.
            Boolean mine = jdbc.queryForObject("select pg_try_advisory_xact_lock(?, ?)", Boolean.class, LOCK_SPACE,
                    LOCK_SCHEDULER);
            if (!Boolean.TRUE.equals(mine)) {
                return false;
            }
            for (Scenario s : journeys.activeScenarios()) {
                ScenarioDefinition d = scenarios.definition(s.id(), s.activeVersion());
                Trigger t = d.trigger();
                if (t == null || (t.kind() != Trigger.Kind.DATE && t.kind() != Trigger.Kind.SCHEDULE)) {
                    continue;
                }
                try {
                    if (t.kind() == Trigger.Kind.DATE) {
                        dateTrigger(s, d, t);
                    } else {
                        scheduleTrigger(s, t);
                    }
                } catch (TriggerSchedules.Superseded e) {
                    log.debug("Scenario {}: {}; next run goes on", s.id(), e.getMessage());
                } catch (RuntimeException e) {
                    log.warn("Trigger of scenario {} not evaluated; next run tries again", s.id(), e);
                }
            }
            return true;
        });
        return Boolean.TRUE.equals(ran);
    }

    private void dateTrigger(Scenario s, ScenarioDefinition d, Trigger t) {
        DateTriggerSpec spec = t.date().spec(s.id(), t.table(), d.timeZone());
        TableSchema table = catalog.schema(t.table());
        boolean rows = table.kind() != TableKind.CONTACTS;
        for (int pages = 0; pages < MAX_PAGES_PER_RUN; ) {
            Instant now = now();
            TriggerSchedules.State state = schedules.state(s.id());
            if (state == null) {
                log.warn("Scenario {} has no trigger progress; it starts now", s.id());
                page.executeWithoutResult(status -> schedules.activated(s.id(), d, now));
                return;
            }
            if (state.windowEnd() == null) {
                if (!state.watermark().isBefore(now)) {
                    return;
                }
                Instant from = state.watermark();
                Instant earliest = now.minus(properties.scheduleCatchUp());
                if (from.isBefore(earliest)) {
                    log.warn("Scenario {}: occurrences between {} and {} are skipped (more than {} behind)", s.id(),
                            from, earliest, properties.scheduleCatchUp());
                    from = earliest;
                }
                Instant to = from.plus(DATE_WINDOW).isBefore(now) ? from.plus(DATE_WINDOW) : now;
                Instant windowStart = from;
                page.executeWithoutResult(status -> schedules.save(state, windowStart, to, null, null, now));
                continue;
            }
            pages++;
            page.executeWithoutResult(status -> {
                DuePage due = dates.due(spec, state.watermark(), state.windowEnd(), properties.schedulePageSize(),
                        state.cursor());
                Map<Long, Map<String, Object>> values = rows ? rowValues(table, due.items()) : Map.of();
                List<OutboxMessage> messages = new ArrayList<>(due.items().size());
                for (DueOccurrence o : due.items()) {
                    messages.add(dateReached(s.id(), t, o, o.rowId() == null ? null : values.get(o.rowId())));
                }
                if (!messages.isEmpty()) {
                    outbox.append(messages);
                }
                if (due.next() == null) {
                    schedules.save(state, state.windowEnd(), null, null, null, now);
                } else {
                    schedules.save(state, state.watermark(), state.windowEnd(), null, due.next(), now);
                }
            });
        }
    }

    private OutboxMessage dateReached(long scenarioId, Trigger t, DueOccurrence o, Map<String, Object> row) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("scenarioId", scenarioId);
        data.put("contactId", o.contactId());
        data.put("key", o.key());
        data.put("table", t.table());
        data.put("column", t.date().column());
        data.put("occurrenceDate", o.occurrenceDate().toString());
        data.put("fireAt", o.fireAt().toString());
        data.put("timeZone", o.zone());
        if (o.rowId() != null) {
            data.put("rowId", o.rowId());
            data.set("rowKey", Values.toJson(o.rowKey()));
        }
        if (row != null) {
            ObjectNode values = data.putObject("values");
            row.forEach((k, v) -> values.set(k, Values.toJson(v)));
        }
        return events.event(EngineEvent.DATE_REACHED, o.contactId(), "scenarios/" + scenarioId, "journeys", data,
                o.uuid());
    }

    /** The values of the rows behind a page of occurrences, by row id (system columns left out). */
    private Map<Long, Map<String, Object>> rowValues(TableSchema table, List<DueOccurrence> items) {
        Long[] ids = items.stream().map(DueOccurrence::rowId).filter(java.util.Objects::nonNull).distinct()
                .toArray(Long[]::new);
        Map<Long, Map<String, Object>> byId = new HashMap<>();
        if (ids.length == 0) {
            return byId;
        }
        StringBuilder columns = new StringBuilder("id");
        for (TableSchema.Column c : table.columns()) {
            if (!c.system()) {
                columns.append(", ").append(c.quoted());
            }
        }
        java.sql.Array array = jdbc.execute((java.sql.Connection c) -> c.createArrayOf("bigint", ids));
        jdbc.query("select " + columns + " from " + table.qualifiedName() + " where id = any(?)", rs -> {
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            for (TableSchema.Column c : table.columns()) {
                if (!c.system()) {
                    row.put(c.name(), rs.getObject(c.name()));
                }
            }
            byId.put(rs.getLong("id"), row);
        }, array);
        return byId;
    }

    private void scheduleTrigger(Scenario s, Trigger t) {
        Trigger.ScheduleRule rule = t.schedule();
        for (int pages = 0; pages < MAX_PAGES_PER_RUN; pages++) {
            Instant now = now();
            TriggerSchedules.State state = schedules.state(s.id());
            if (state == null) {
                log.warn("Scenario {} has no trigger progress; it starts now", s.id());
                page.executeWithoutResult(status -> jdbc.update("""
                        insert into journey_schedules (scenario_id, watermark, revision, updated_at)
                        values (?, ?, 0, ?) on conflict do nothing""", s.id(), java.sql.Timestamp.from(now),
                        java.sql.Timestamp.from(now)));
                return;
            }
            if (state.occurrence() == null) {
                Instant next = rule.firstAtOrAfter(state.watermark());
                if (next == null || next.isAfter(now)) {
                    return;
                }
                for (Instant later = rule.firstAtOrAfter(next.plus(1, ChronoUnit.MICROS)); later != null
                        && !later.isAfter(now); later = rule.firstAtOrAfter(later.plus(1, ChronoUnit.MICROS))) {
                    log.warn("Scenario {}: occurrence {} skipped, a later one ({}) is due too", s.id(), next, later);
                    next = later;
                }
                Instant occurrence = next;
                page.executeWithoutResult(status -> schedules.save(state, state.watermark(), null, occurrence, null,
                        now));
                continue;
            }
            Optional<Long> segment = segments.idByName(t.segment());
            if (segment.isEmpty()) {
                log.warn("Scenario {}: segment '{}' no longer exists; occurrence {} skipped", s.id(), t.segment(),
                        state.occurrence());
                page.executeWithoutResult(status -> schedules.save(state, state.occurrence().plus(1,
                        ChronoUnit.MICROS), null, null, null, now));
                continue;
            }
            page.executeWithoutResult(status -> {
                long after = state.cursor() == null ? 0 : state.cursor().contactId();
                List<SegmentMember> members = targeting.members(segment.get(), after, properties.schedulePageSize());
                List<OutboxMessage> messages = new ArrayList<>(members.size());
                for (SegmentMember m : members) {
                    messages.add(scheduled(s.id(), t, segment.get(), state.occurrence(), m.contactId()));
                }
                if (!messages.isEmpty()) {
                    outbox.append(messages);
                }
                if (members.size() < properties.schedulePageSize()) {
                    schedules.save(state, state.occurrence().plus(1, ChronoUnit.MICROS), null, null, null, now);
                } else {
                    schedules.save(state, state.watermark(), null, state.occurrence(),
                            new DuePage.Cursor(members.get(members.size() - 1).contactId(), 0, null), now);
                }
            });
        }
    }

    private OutboxMessage scheduled(long scenarioId, Trigger t, long segmentId, Instant occurrence, long contactId) {
        String key = occurrence + ":" + contactId;
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("scenarioId", scenarioId);
        data.put("contactId", contactId);
        data.put("key", key);
        data.put("segment", t.segment());
        data.put("segmentId", segmentId);
        data.put("occurrence", occurrence.toString());
        return events.event(EngineEvent.SCHEDULED, contactId, "scenarios/" + scenarioId, "journeys", data,
                scheduledEventId(scenarioId, occurrence, contactId));
    }

    /** The id of the event announcing one occurrence to one member: the same for every attempt. */
    static UUID scheduledEventId(long scenarioId, Instant occurrence, long contactId) {
        return UUID.nameUUIDFromBytes(("journey-schedule:" + scenarioId + ":" + occurrence + ":" + contactId)
                .getBytes(StandardCharsets.UTF_8));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
