package io.activation.delivery;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.OutboxMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The send ledger's arbitration side: a chosen channel becomes a {@code deliveries} row (status {@code queued})
 * plus, in the same transaction, a {@value #DISPATCHED} CloudEvent on {@code activation.messages.<channel>} for that
 * channel's sender. The message key is unique, so a replayed decision dispatches nothing twice.
 */
@Component
public class Deliveries {

    public static final String DISPATCHED = "io.activation.message.dispatched";

    private final JdbcTemplate jdbc;
    private final ChangeEvents events;
    private final DeliveryProperties properties;

    Deliveries(JdbcTemplate jdbc, ChangeEvents events, DeliveryProperties properties) {
        this.jdbc = jdbc;
        this.events = events;
        this.properties = properties;
    }

    /** The message key of a request on a channel (for push: per device token). */
    static String messageKey(String dedupeKey, String channel, String address) {
        if ("push".equals(channel)) {
            return dedupeKey + ":push:" + sha256(address).substring(0, 16);
        }
        return dedupeKey + ":" + channel;
    }

    /** A delivery to insert: a request's chosen channel and one of its addresses (several only for push). */
    static final class Pending {
        final MessageRequest request;
        final MessageRequest.ChannelChoice choice;
        final String address;
        final String key;
        final Instant at;
        /** The new row's id once inserted; stays null when a delivery with the key existed (a replay). */
        Long id;

        Pending(MessageRequest request, MessageRequest.ChannelChoice choice, String address, Instant at) {
            this.request = request;
            this.choice = choice;
            this.address = address;
            this.key = messageKey(request.dedupeKey(), choice.channel(), address);
            this.at = at;
        }
    }

    /**
     * Inserts the deliveries in one statement, in the list's order, and sets the id of each that is new; one whose
     * message key exists already (a replayed decision) keeps a null id and must be neither recorded nor published.
     */
    void insertAll(List<Pending> pending) {
        if (pending.isEmpty()) {
            return;
        }
        int n = pending.size();
        Object[] requestIds = new Object[n];
        Object[] contactIds = new Object[n];
        String[] channels = new String[n];
        String[] templates = new String[n];
        String[] keys = new String[n];
        String[] addresses = new String[n];
        String[] purposes = new String[n];
        Object[] priorities = new Object[n];
        Object[] scenarioIds = new Object[n];
        String[] confirmBy = new String[n];
        String[] at = new String[n];
        Map<String, List<Pending>> byKey = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Pending p = pending.get(i);
            MessageRequest r = p.request;
            requestIds[i] = r.id();
            contactIds[i] = r.contactId();
            channels[i] = p.choice.channel();
            templates[i] = p.choice.template();
            keys[i] = p.key;
            addresses[i] = p.address;
            purposes[i] = r.options().purpose().code();
            priorities[i] = r.priority();
            scenarioIds[i] = r.scenarioId();
            confirmBy[i] = r.options().confirmWithin() == null ? null : p.at.plus(r.options().confirmWithin())
                    .toString();
            // A batch's deliveries share their instant: formatted once, not per row.
            at[i] = i > 0 && p.at.equals(pending.get(i - 1).at) ? at[i - 1] : p.at.toString();
            byKey.computeIfAbsent(p.key, k -> new ArrayList<>()).add(p);
        }
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    insert into deliveries (request_id, contact_id, channel, template, message_key, address, purpose,
                        priority, scenario_id, status, confirm_by, created_at, updated_at)
                    select r, c, ch, t, k, a, pu, pr, s, 'queued', cb, at, at
                    from unnest(?::bigint[], ?::bigint[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[],
                        ?::varchar[], ?::integer[], ?::bigint[], ?::timestamptz[], ?::timestamptz[])
                        with ordinality as x(r, c, ch, t, k, a, pu, pr, s, cb, at, n)
                    order by n
                    on conflict (message_key) do nothing returning id, message_key""");
            ps.setArray(1, connection.createArrayOf("bigint", requestIds));
            ps.setArray(2, connection.createArrayOf("bigint", contactIds));
            ps.setArray(3, connection.createArrayOf("varchar", channels));
            ps.setArray(4, connection.createArrayOf("varchar", templates));
            ps.setArray(5, connection.createArrayOf("varchar", keys));
            ps.setArray(6, connection.createArrayOf("varchar", addresses));
            ps.setArray(7, connection.createArrayOf("varchar", purposes));
            ps.setArray(8, connection.createArrayOf("integer", priorities));
            ps.setArray(9, connection.createArrayOf("bigint", scenarioIds));
            ps.setArray(10, connection.createArrayOf("varchar", confirmBy));
            ps.setArray(11, connection.createArrayOf("varchar", at));
            return ps;
        }, rs -> {
            // Two pending rows with one key (the same request twice) insert once: the first of them gets the id.
            byKey.get(rs.getString(2)).get(0).id = rs.getLong(1);
        });
    }

    /** The {@value #DISPATCHED} event of an inserted delivery, for the channel's sender. */
    OutboxMessage dispatched(Pending p) {
        MessageRequest r = p.request;
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("deliveryId", p.id);
        data.put("messageKey", p.key);
        data.put("requestId", r.id());
        data.put("contactId", r.contactId());
        data.put("channel", p.choice.channel());
        data.put("template", p.choice.template());
        data.put("address", p.address);
        return events.event(properties.channelTopic(p.choice.channel()), DISPATCHED, r.contactId(),
                "deliveries/" + p.id, "delivery", data,
                ChangeEvents.deterministicId("message-dispatched:" + p.key));
    }

    public Optional<Delivery> find(long id) {
        return jdbc.query("select * from deliveries where id = ?", Deliveries::map, id).stream().findFirst();
    }

    /** A request's deliveries, oldest first. */
    public List<Delivery> ofRequest(long requestId) {
        return jdbc.query("select * from deliveries where request_id = ? order by id", Deliveries::map, requestId);
    }

    static Delivery map(ResultSet rs, int n) throws SQLException {
        return new Delivery(rs.getLong("id"), rs.getLong("request_id"), rs.getLong("contact_id"),
                rs.getString("channel"), rs.getString("template"), rs.getString("message_key"),
                rs.getString("address"), rs.getString("purpose"), rs.getInt("priority"),
                (Long) rs.getObject("scenario_id"), rs.getString("status"), rs.getInt("attempts"),
                instant(rs, "next_attempt_at"), instant(rs, "sent_at"), instant(rs, "confirm_by"),
                rs.getString("provider_id"), rs.getString("last_error"), instant(rs, "fallen_back_at"),
                instant(rs, "created_at"), instant(rs, "updated_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                    text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
