package io.activation.delivery;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
    private final Outbox outbox;
    private final ChangeEvents events;
    private final DeliveryProperties properties;

    Deliveries(JdbcTemplate jdbc, Outbox outbox, ChangeEvents events, DeliveryProperties properties) {
        this.jdbc = jdbc;
        this.outbox = outbox;
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

    /**
     * Inserts the delivery and appends its dispatch event; answers the new delivery's id, or empty when one with
     * the same message key exists (a replay), in which case nothing is published.
     */
    Optional<Long> dispatch(MessageRequest r, MessageRequest.ChannelChoice choice, String address, Instant now) {
        String key = messageKey(r.dedupeKey(), choice.channel(), address);
        Timestamp at = Timestamp.from(now);
        Timestamp confirmBy = r.options().confirmWithin() == null ? null
                : Timestamp.from(now.plus(r.options().confirmWithin()));
        List<Long> ids = jdbc.queryForList("""
                insert into deliveries (request_id, contact_id, channel, template, message_key, address, purpose,
                    priority, scenario_id, status, confirm_by, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
                on conflict (message_key) do nothing returning id""", Long.class, r.id(), r.contactId(),
                choice.channel(), choice.template(), key, address, r.options().purpose().code(), r.priority(),
                r.scenarioId(), confirmBy, at, at);
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        long id = ids.get(0);
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("deliveryId", id);
        data.put("messageKey", key);
        data.put("requestId", r.id());
        data.put("contactId", r.contactId());
        data.put("channel", choice.channel());
        data.put("template", choice.template());
        data.put("address", address);
        outbox.append(List.of(events.event(properties.channelTopic(choice.channel()), DISPATCHED, r.contactId(),
                "deliveries/" + id, "delivery", data,
                UUID.nameUUIDFromBytes(("message-dispatched:" + key).getBytes(StandardCharsets.UTF_8)))));
        return Optional.of(id);
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
