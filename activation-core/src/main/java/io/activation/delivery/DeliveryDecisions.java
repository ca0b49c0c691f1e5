package io.activation.delivery;

import java.sql.PreparedStatement;
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

    /** A decision to append (see {@link #recordAll}). */
    record Entry(long requestId, Long deliveryId, long contactId, String stage, String channel, String outcome,
            String reason, Instant at) {}

    /** Appends decisions in one statement, in the list's order (their ids, hence the trail's order, follow it). */
    void recordAll(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        int n = entries.size();
        Object[] requestIds = new Object[n];
        Object[] deliveryIds = new Object[n];
        Object[] contactIds = new Object[n];
        String[] stages = new String[n];
        String[] channels = new String[n];
        String[] outcomes = new String[n];
        String[] reasons = new String[n];
        String[] at = new String[n];
        Instant lastAt = null;
        String lastText = null;
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            if (!e.at().equals(lastAt)) {
                // A batch's decisions share their instant: formatted once, not per row.
                lastAt = e.at();
                lastText = lastAt.toString();
            }
            requestIds[i] = e.requestId();
            deliveryIds[i] = e.deliveryId();
            contactIds[i] = e.contactId();
            stages[i] = e.stage();
            channels[i] = e.channel();
            outcomes[i] = e.outcome();
            reasons[i] = e.reason();
            at[i] = lastText;
        }
        jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    insert into delivery_decisions (request_id, delivery_id, contact_id, stage, channel, outcome,
                        reason, at)
                    select r, d, c, s, ch, o, re, at
                    from unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[],
                        ?::text[], ?::timestamptz[]) with ordinality as x(r, d, c, s, ch, o, re, at, n)
                    order by n""");
            ps.setArray(1, connection.createArrayOf("bigint", requestIds));
            ps.setArray(2, connection.createArrayOf("bigint", deliveryIds));
            ps.setArray(3, connection.createArrayOf("bigint", contactIds));
            ps.setArray(4, connection.createArrayOf("varchar", stages));
            ps.setArray(5, connection.createArrayOf("varchar", channels));
            ps.setArray(6, connection.createArrayOf("varchar", outcomes));
            ps.setArray(7, connection.createArrayOf("text", reasons));
            ps.setArray(8, connection.createArrayOf("varchar", at));
            return ps;
        });
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
