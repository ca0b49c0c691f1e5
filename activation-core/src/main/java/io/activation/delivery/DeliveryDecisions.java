package io.activation.delivery;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The decision trail ({@code delivery_decisions}): every step arbitration and the senders take on a request, with
 * its reason. Stages: consent, suppression, address, cap, quiet-hours, priority, channel, expiry, fallback (and the
 * senders' send, status); outcomes: passed, blocked, deferred, dropped, chosen, skipped, failed (and the senders').
 */
@Component
public class DeliveryDecisions {

    /** One recorded decision. */
    public record Decision(long id, long requestId, Long deliveryId, long contactId, String stage, String channel,
            String outcome, String reason, Instant at) {}

    private final JdbcTemplate jdbc;

    DeliveryDecisions(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Appends a decision, in the caller's transaction. */
    public void record(long requestId, Long deliveryId, long contactId, String stage, String channel, String outcome,
            String reason, Instant at) {
        jdbc.update("""
                insert into delivery_decisions (request_id, delivery_id, contact_id, stage, channel, outcome, reason, at)
                values (?, ?, ?, ?, ?, ?, ?, ?)""", requestId, deliveryId, contactId, stage, channel, outcome, reason,
                Timestamp.from(at));
    }

    /** A request's trail, in the order it was recorded. */
    public List<Decision> of(long requestId) {
        return jdbc.query("select * from delivery_decisions where request_id = ? order by id", (rs, n) ->
                new Decision(rs.getLong("id"), rs.getLong("request_id"), (Long) rs.getObject("delivery_id"),
                        rs.getLong("contact_id"), rs.getString("stage"), rs.getString("channel"),
                        rs.getString("outcome"), rs.getString("reason"), rs.getTimestamp("at").toInstant()),
                requestId);
    }
}
