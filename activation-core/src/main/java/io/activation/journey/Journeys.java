package io.activation.journey;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Journey state in PostgreSQL for the engine: instances (locked for update), timers, history. */
@Component
class Journeys {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final ScenarioCache scenarios;

    Journeys(JdbcTemplate jdbc, ScenarioCache scenarios) {
        this.jdbc = jdbc;
        this.scenarios = scenarios;
    }

    /** Locks the contact for the rest of the transaction; false when it does not exist (any more). */
    boolean lockContact(long contactId) {
        return !jdbc.queryForList("select id from contacts where id = ? for update", Long.class, contactId)
                .isEmpty();
    }

    /** Records a record as applied; false when it had been applied before. */
    boolean markApplied(java.util.UUID eventId, Instant now) {
        return jdbc.update("insert into journey_applied (event_id, applied_at) values (?, ?) on conflict do nothing",
                eventId, ts(now)) == 1;
    }

    /** Records a data effect by its key; false when it was done before. */
    boolean claimEffect(String key, Instant now) {
        return jdbc.update("insert into journey_effects (effect_key, applied_at) values (?, ?) on conflict do nothing",
                key, ts(now)) == 1;
    }

    List<Journey> liveOf(long contactId) {
        return jdbc.query("select * from journey_instances where contact_id = ? and ended_at is null order by id"
                + " for update", (rs, n) -> map(rs), contactId);
    }

    Journey liveById(long id) {
        return jdbc.query("select * from journey_instances where id = ? and ended_at is null for update",
                (rs, n) -> map(rs), id).stream().findFirst().orElse(null);
    }

    Journey start(Scenario s, ScenarioDefinition d, long contactId, String triggerKey,
            tools.jackson.databind.JsonNode triggerData, Instant now) {
        Long id = jdbc.queryForObject("""
                insert into journey_instances (scenario_id, version, contact_id, status, current_step, step_seq,
                    trigger_key, trigger_data, started_at, updated_at)
                values (?, ?, ?, 'running', ?, 0, ?, ?::jsonb, ?, ?) returning id""", Long.class, s.id(),
                s.activeVersion(), contactId, d.start(), triggerKey, JSON.writeValueAsString(triggerData), ts(now),
                ts(now));
        return new Journey(id, s.id(), s.activeVersion(), contactId, Journey.Status.RUNNING, d.start(), 0, null,
                triggerKey, triggerData, now, d);
    }

    void save(Journey j, Instant now) {
        boolean ended = j.status == Journey.Status.COMPLETED || j.status == Journey.Status.EXITED;
        jdbc.update("""
                update journey_instances set status = ?, current_step = ?, step_seq = ?, waiting_timer = ?,
                    waiting_event = ?, updated_at = ?, ended_at = ? where id = ?""", j.statusName(), j.currentStep,
                j.seq, j.timer, j.waitingEvent, ts(now), ended ? ts(now) : null, j.id);
    }

    long createTimer(Journey j, String stepId, Instant due) {
        Long id = jdbc.queryForObject("""
                insert into journey_timers (instance_id, contact_id, step_id, due_at, status)
                values (?, ?, ?, ?, 'pending') returning id""", Long.class, j.id, j.contactId, stepId, ts(due));
        return id;
    }

    void cancelTimer(Long timerId) {
        if (timerId != null) {
            jdbc.update("update journey_timers set status = 'cancelled' where id = ? and status in ('pending',"
                    + " 'fired')", timerId);
        }
    }

    /** Takes a fired timer (marks it done); returns its journey's id, or null when it was cancelled or taken. */
    Long takeFiredTimer(long timerId) {
        Map<String, Object> timer = jdbc.queryForList("select instance_id, status from journey_timers where id = ?"
                + " for update", timerId).stream().findFirst().orElse(null);
        if (timer == null || !"fired".equals(timer.get("status"))) {
            return null;
        }
        jdbc.update("update journey_timers set status = 'done' where id = ?", timerId);
        return ((Number) timer.get("instance_id")).longValue();
    }

    void history(long journeyId, String stepId, boolean entered, Instant at, String outcome, String reason) {
        jdbc.update("insert into journey_history (instance_id, step_id, entered, at, outcome, reason) values (?, ?,"
                + " ?, ?, ?, ?)", journeyId, stepId, entered, ts(at), outcome,
                reason == null || reason.length() <= 1000 ? reason : reason.substring(0, 1000));
    }

    List<Scenario> activeScenarios() {
        return jdbc.query("select * from scenarios where status = 'active' order by id", Scenarios::map);
    }

    /** Whether a journey of the scenario matches the condition (entry rules). */
    boolean exists(String where, Object... args) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select exists(select 1 from journey_instances where " + where
                + ")", Boolean.class, args));
    }

    Map<String, Object> contactRow(long contactId) {
        return jdbc.queryForMap("select * from contacts where id = ?", contactId);
    }

    private Journey map(ResultSet rs) throws SQLException {
        long scenarioId = rs.getLong("scenario_id");
        int version = rs.getInt("version");
        Journey j = new Journey(rs.getLong("id"), scenarioId, version, rs.getLong("contact_id"),
                Journey.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                rs.getString("current_step"), rs.getInt("step_seq"), (Long) rs.getObject("waiting_timer"),
                rs.getString("trigger_key"), JSON.readTree(rs.getString("trigger_data")),
                rs.getTimestamp("started_at").toInstant(), scenarios.definition(scenarioId, version));
        j.waitingEvent = rs.getString("waiting_event");
        return j;
    }

    static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }
}
