package io.activation.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
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

    /**
     * Appends decisions in one statement, in the list's order (their ids, hence the trail's order, follow it). The
     * entries of one request in a row that share their instant and name no delivery are folded into the row of the
     * entry that follows them, as its {@code steps} (V21, ADR 0021): a dispatched e-mail is one row instead of five,
     * a skipped request one instead of two. {@link #of} and the {@code delivery_trail} view expand them again.
     */
    void recordAll(List<Entry> entries) {
        recordAll(entries, null);
    }

    /**
     * A statement sent in the same round trip as the trail's insert, which then becomes a data-modifying
     * {@code WITH} of it (the two see the same snapshot, so it must not read the trail).
     */
    interface Following {
        String sql();

        /** Sets the statement's parameters, numbered from {@code first}. */
        void bind(Connection connection, PreparedStatement ps, int first) throws SQLException;
    }

    /** {@link #recordAll(List)}, then {@code following} (if not null), in one statement. */
    void recordAll(List<Entry> entries, Following following) {
        if (entries.isEmpty()) {
            if (following != null) {
                jdbc.update(connection -> {
                    PreparedStatement ps = connection.prepareStatement(following.sql());
                    following.bind(connection, ps, 1);
                    return ps;
                });
            }
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
        String[] steps = new String[n];
        Instant lastAt = null;
        String lastText = null;
        StringBuilder held = new StringBuilder();
        int rows = 0;
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            if (e.deliveryId() == null && i + 1 < n && foldsInto(e, entries.get(i + 1))) {
                step(held.append(held.isEmpty() ? '[' : ','), e);
                continue;
            }
            if (!e.at().equals(lastAt)) {
                // A batch's decisions share their instant: formatted once, not per row.
                lastAt = e.at();
                lastText = lastAt.toString();
            }
            requestIds[rows] = e.requestId();
            deliveryIds[rows] = e.deliveryId();
            contactIds[rows] = e.contactId();
            stages[rows] = e.stage();
            channels[rows] = e.channel();
            outcomes[rows] = e.outcome();
            reasons[rows] = e.reason();
            at[rows] = lastText;
            if (!held.isEmpty()) {
                steps[rows] = held.append(']').toString();
                held.setLength(0);
            }
            rows++;
        }
        int count = rows;
        String insert = """
                insert into delivery_decisions (request_id, delivery_id, contact_id, stage, channel, outcome,
                    reason, at, steps)
                select r, d, c, s, ch, o, re, at, st::jsonb
                from unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[],
                    ?::text[], ?::timestamptz[], ?::text[]) with ordinality as x(r, d, c, s, ch, o, re, at, st, n)
                order by n""";
        jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement(following == null ? insert
                    : "with trail as (" + insert + ") " + following.sql());
            ps.setArray(1, connection.createArrayOf("bigint", Arrays.copyOf(requestIds, count)));
            ps.setArray(2, connection.createArrayOf("bigint", Arrays.copyOf(deliveryIds, count)));
            ps.setArray(3, connection.createArrayOf("bigint", Arrays.copyOf(contactIds, count)));
            ps.setArray(4, connection.createArrayOf("varchar", Arrays.copyOf(stages, count)));
            ps.setArray(5, connection.createArrayOf("varchar", Arrays.copyOf(channels, count)));
            ps.setArray(6, connection.createArrayOf("varchar", Arrays.copyOf(outcomes, count)));
            ps.setArray(7, connection.createArrayOf("text", Arrays.copyOf(reasons, count)));
            ps.setArray(8, connection.createArrayOf("varchar", Arrays.copyOf(at, count)));
            ps.setArray(9, connection.createArrayOf("text", Arrays.copyOf(steps, count)));
            if (following != null) {
                following.bind(connection, ps, 10);
            }
            return ps;
        });
    }

    /** Whether {@code e} can be kept as a step of {@code next}'s row: same request, contact and instant. */
    private static boolean foldsInto(Entry e, Entry next) {
        return e.requestId() == next.requestId() && e.contactId() == next.contactId() && e.at().equals(next.at());
    }

    /** Appends {@code e} as a JSON object {"stage", "channel", "outcome", "reason"} (channel may be null). */
    private static void step(StringBuilder sb, Entry e) {
        sb.append("{\"stage\":");
        string(sb, e.stage());
        sb.append(",\"channel\":");
        string(sb, e.channel());
        sb.append(",\"outcome\":");
        string(sb, e.outcome());
        sb.append(",\"reason\":");
        string(sb, e.reason());
        sb.append('}');
    }

    /** A JSON string (RFC 8259 escapes), or null. */
    static void string(StringBuilder sb, String text) {
        if (text == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** A request's trail, in the order it was recorded, one decision per step (the steps of a row expanded). */
    public List<Decision> of(long requestId) {
        return jdbc.query("select * from delivery_trail where request_id = ? order by id, step", (rs, n) ->
                new Decision(rs.getLong("id"), rs.getLong("request_id"), (Long) rs.getObject("delivery_id"),
                        rs.getLong("contact_id"), rs.getString("stage"), rs.getString("channel"),
                        rs.getString("outcome"), rs.getString("reason"), rs.getTimestamp("at").toInstant()),
                requestId);
    }
}
