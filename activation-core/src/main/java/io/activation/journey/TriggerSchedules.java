package io.activation.journey;

import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.journey.source.DuePage;
import io.activation.journey.source.ReferenceFanout;
import io.activation.platform.NotFoundException;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What a scenario's trigger needs outside the engine while the scenario is active: the progress of a date or
 * schedule trigger ({@code journey_schedules}, one row per scenario), and the reference tables a reference-changed
 * trigger asks the fan-out to watch. {@link Scenarios} calls the lifecycle methods inside its transactions.
 *
 * <p>A first activation starts at the activation time: occurrences before it are not announced (no backfill). A
 * resumed scenario starts again at the resume time (what fell due while it was paused is skipped, as entries are
 * while paused). A new version of an active scenario keeps the progress.
 */
@Component
class TriggerSchedules {

    /** Progress of one scenario's date or schedule trigger. */
    record State(long scenarioId, Instant watermark, Instant windowEnd, Instant occurrence, DuePage.Cursor cursor,
            long revision) {}

    /** Another writer (a lifecycle change, another node) changed the progress meanwhile. */
    static final class Superseded extends RuntimeException {
        Superseded(long scenarioId) {
            super("progress of scenario " + scenarioId + " changed meanwhile", null, false, false);
        }
    }

    private final JdbcTemplate jdbc;
    private final ReferenceFanout fanout;
    private final TableCatalog catalog;

    TriggerSchedules(JdbcTemplate jdbc, ReferenceFanout fanout, TableCatalog catalog) {
        this.jdbc = jdbc;
        this.fanout = fanout;
        this.catalog = catalog;
    }

    /** The scenario starts (or starts again) taking entries with this definition at {@code now}. */
    void activated(long scenarioId, ScenarioDefinition d, Instant now) {
        if (scheduled(d)) {
            jdbc.update("""
                    insert into journey_schedules (scenario_id, watermark, revision, updated_at) values (?, ?, 0, ?)
                    on conflict (scenario_id) do update set watermark = greatest(journey_schedules.watermark,
                        excluded.watermark), window_end = null, occurrence = null, cursor_contact = null,
                        cursor_row = null, cursor_date = null, revision = journey_schedules.revision + 1,
                        updated_at = excluded.updated_at""", scenarioId, ts(now), ts(now));
        }
        watch(scenarioId, d);
    }

    /** An active scenario's new version takes over: progress is kept (a page in flight is redone). */
    void replaced(long scenarioId, ScenarioDefinition old, ScenarioDefinition d, Instant now) {
        unwatch(scenarioId, old);
        if (scheduled(d)) {
            jdbc.update("""
                    insert into journey_schedules (scenario_id, watermark, revision, updated_at) values (?, ?, 0, ?)
                    on conflict (scenario_id) do update set window_end = null, occurrence = null,
                        cursor_contact = null, cursor_row = null, cursor_date = null,
                        revision = journey_schedules.revision + 1, updated_at = excluded.updated_at""", scenarioId,
                    ts(now), ts(now));
        }
        watch(scenarioId, d);
    }

    /** The scenario stops taking entries (paused or archived). */
    void deactivated(long scenarioId, ScenarioDefinition d) {
        unwatch(scenarioId, d);
    }

    State state(long scenarioId) {
        return jdbc.query("select * from journey_schedules where scenario_id = ?", (rs, n) -> map(rs), scenarioId)
                .stream().findFirst().orElse(null);
    }

    /** Stores progress if nobody changed it since {@code expected} was read; else {@link Superseded}. */
    State save(State expected, Instant watermark, Instant windowEnd, Instant occurrence, DuePage.Cursor cursor,
            Instant now) {
        int n = jdbc.update("""
                update journey_schedules set watermark = ?, window_end = ?, occurrence = ?, cursor_contact = ?,
                    cursor_row = ?, cursor_date = ?, revision = revision + 1, updated_at = ?
                where scenario_id = ? and revision = ?""", ts(watermark), ts(windowEnd), ts(occurrence),
                cursor == null ? null : cursor.contactId(), cursor == null ? null : cursor.rowId(),
                cursor == null || cursor.occurrenceDate() == null ? null : Date.valueOf(cursor.occurrenceDate()),
                ts(now), expected.scenarioId(), expected.revision());
        if (n != 1) {
            throw new Superseded(expected.scenarioId());
        }
        return new State(expected.scenarioId(), watermark, windowEnd, occurrence, cursor, expected.revision() + 1);
    }

    private static boolean scheduled(ScenarioDefinition d) {
        return d.trigger() != null && (d.trigger().kind() == Trigger.Kind.DATE
                || d.trigger().kind() == Trigger.Kind.SCHEDULE);
    }

    private void watch(long scenarioId, ScenarioDefinition d) {
        for (String table : referenceTables(d)) {
            fanout.watch(table, watcher(scenarioId));
        }
    }

    private void unwatch(long scenarioId, ScenarioDefinition d) {
        for (String table : referenceTables(d)) {
            fanout.unwatch(table, watcher(scenarioId));
        }
    }

    static String watcher(long scenarioId) {
        return "scenario:" + scenarioId;
    }

    /** The reference tables whose changes a row trigger on reference changes (or such an exit rule) waits for. */
    private Set<String> referenceTables(ScenarioDefinition d) {
        Set<String> tables = new LinkedHashSet<>();
        java.util.List<Trigger> all = new java.util.ArrayList<>(d.exits());
        if (d.trigger() != null) {
            all.add(d.trigger());
        }
        for (Trigger t : all) {
            if (t.kind() != Trigger.Kind.ROW || !t.on().contains("reference-changed")) {
                continue;
            }
            try {
                TableSchema linking = catalog.schema(t.table());
                for (TableSchema.Column c : linking.columns()) {
                    if (c.referencesTable() != null && catalog.schema(c.referencesTable()).kind()
                            == TableKind.REFERENCE) {
                        tables.add(c.referencesTable());
                    }
                }
            } catch (NotFoundException e) {
                // validated on activation; a table removed since has nothing to watch
            }
        }
        return tables;
    }

    private static State map(ResultSet rs) throws SQLException {
        long contact = rs.getLong("cursor_contact");
        DuePage.Cursor cursor = null;
        if (!rs.wasNull()) {
            Date date = rs.getDate("cursor_date");
            cursor = new DuePage.Cursor(contact, rs.getLong("cursor_row"), date == null ? null : date.toLocalDate());
        }
        return new State(rs.getLong("scenario_id"), instant(rs.getTimestamp("watermark")),
                instant(rs.getTimestamp("window_end")), instant(rs.getTimestamp("occurrence")), cursor,
                rs.getLong("revision"));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
