package io.activation.journey;

import io.activation.platform.NotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/** Reads of journey instances and their history. */
@Service
public class JourneyInstances {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SELECT = """
            select i.*, t.due_at from journey_instances i
            left join journey_timers t on t.id = i.waiting_timer and t.status = 'pending'""";

    private final JdbcTemplate jdbc;

    JourneyInstances(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A contact's journeys, newest first (without history). */
    public List<JourneyInstance> ofContact(long contactId, Long scenarioId, int limit) {
        return scenarioId == null
                ? jdbc.query(SELECT + " where i.contact_id = ? order by i.id desc limit ?", (rs, n) -> map(rs, List.of()),
                        contactId, limit)
                : jdbc.query(SELECT + " where i.contact_id = ? and i.scenario_id = ? order by i.id desc limit ?",
                        (rs, n) -> map(rs, List.of()), contactId, scenarioId, limit);
    }

    /** One journey with its whole history. */
    public JourneyInstance get(long id) {
        List<JourneyInstance.HistoryEntry> history = jdbc.query("""
                select step_id, entered, at, outcome, reason from journey_history where instance_id = ? order by id""",
                (rs, n) -> new JourneyInstance.HistoryEntry(rs.getString(1), rs.getBoolean(2),
                        rs.getTimestamp(3).toInstant(), rs.getString(4), rs.getString(5)), id);
        return jdbc.query(SELECT + " where i.id = ?", (rs, n) -> map(rs, history), id).stream().findFirst()
                .orElseThrow(() -> new NotFoundException("id", "No journey with id " + id));
    }

    private static JourneyInstance map(ResultSet rs, List<JourneyInstance.HistoryEntry> history) throws SQLException {
        Timestamp ended = rs.getTimestamp("ended_at");
        Timestamp due = rs.getTimestamp("due_at");
        return new JourneyInstance(rs.getLong("id"), rs.getLong("scenario_id"), rs.getInt("version"),
                rs.getLong("contact_id"), rs.getString("status"), rs.getString("current_step"),
                rs.getTimestamp("started_at").toInstant(), ended == null ? null : ended.toInstant(),
                rs.getString("trigger_key"), JSON.readTree(rs.getString("trigger_data")),
                due == null ? null : due.toInstant(), history);
    }
}
