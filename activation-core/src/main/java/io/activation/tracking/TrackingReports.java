package io.activation.tracking;

import io.activation.platform.NotFoundException;
import java.math.BigDecimal;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Counts of what became of messages, per scenario (and per step of it) or per delivery: sent (deliveries with status
 * sent or delivered), opened / clicked / unsubscribed (distinct deliveries with at least one, plus the total opens
 * and clicks), converted (attributed rows) and their revenue.
 */
@Service
public class TrackingReports {

    /** The counts of one scope. */
    public record Counts(long sent, long opened, long opens, long clicked, long clicks, long unsubscribed,
            long converted, BigDecimal revenue) {}

    /** A step's counts within a scenario report. */
    public record StepCounts(String stepId, Counts counts) {}

    /** A scenario's counts, in total and per send step. */
    public record ScenarioReport(long scenarioId, Counts total, List<StepCounts> steps) {}

    // One row per delivery with its interactions and attributions folded in, grouped by the caller.
    private static final String PER_DELIVERY = """
            with d as (
                select d.id, d.status, r.step_id from deliveries d join message_requests r on r.id = d.request_id
                where %s),
            i as (
                select delivery_id,
                       count(*) filter (where kind = 'open') as opens,
                       count(*) filter (where kind = 'click') as clicks,
                       count(*) filter (where kind = 'unsubscribe') as unsubscribes
                from message_interactions where delivery_id in (select id from d) group by delivery_id),
            a as (
                select delivery_id, count(*) as conversions, sum(revenue) as revenue
                from message_attributions where delivery_id in (select id from d) group by delivery_id)
            select %s
                   count(*) filter (where d.status in ('sent', 'delivered')) as sent,
                   count(*) filter (where i.opens > 0) as opened,
                   coalesce(sum(i.opens), 0) as opens,
                   count(*) filter (where i.clicks > 0) as clicked,
                   coalesce(sum(i.clicks), 0) as clicks,
                   count(*) filter (where i.unsubscribes > 0) as unsubscribed,
                   coalesce(sum(a.conversions), 0) as converted,
                   coalesce(sum(a.revenue), 0) as revenue
            from d left join i on i.delivery_id = d.id left join a on a.delivery_id = d.id
            %s""";

    private final JdbcTemplate jdbc;

    TrackingReports(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A scenario's counts; {@link NotFoundException} when there is no such scenario. */
    @Transactional(readOnly = true)
    public ScenarioReport scenario(long scenarioId) {
        Boolean exists = jdbc.queryForObject("select exists (select 1 from scenarios where id = ?)", Boolean.class,
                scenarioId);
        if (!Boolean.TRUE.equals(exists)) {
            throw new NotFoundException("scenarioId", "There is no scenario " + scenarioId);
        }
        Counts total = jdbc.queryForObject(PER_DELIVERY.formatted("d.scenario_id = ?", "", ""),
                (rs, n) -> counts(rs, 0), scenarioId);
        List<StepCounts> steps = jdbc.query(PER_DELIVERY.formatted("d.scenario_id = ?", "d.step_id,",
                "group by d.step_id order by d.step_id"),
                (rs, n) -> new StepCounts(rs.getString(1), counts(rs, 1)), scenarioId);
        return new ScenarioReport(scenarioId, total, steps);
    }

    /** One delivery's counts; {@link NotFoundException} when there is no such delivery. */
    @Transactional(readOnly = true)
    public Counts delivery(long deliveryId) {
        Boolean exists = jdbc.queryForObject("select exists (select 1 from deliveries where id = ?)", Boolean.class,
                deliveryId);
        if (!Boolean.TRUE.equals(exists)) {
            throw new NotFoundException("deliveryId", "There is no delivery " + deliveryId);
        }
        return jdbc.queryForObject(PER_DELIVERY.formatted("d.id = ?", "", ""), (rs, n) -> counts(rs, 0), deliveryId);
    }

    private static Counts counts(java.sql.ResultSet rs, int offset) throws java.sql.SQLException {
        return new Counts(rs.getLong(offset + 1), rs.getLong(offset + 2), rs.getLong(offset + 3),
                rs.getLong(offset + 4), rs.getLong(offset + 5), rs.getLong(offset + 6), rs.getLong(offset + 7),
                rs.getBigDecimal(offset + 8));
    }
}
