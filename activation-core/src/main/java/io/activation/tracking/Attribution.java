package io.activation.tracking;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Attributes conversions to messages: a new row of the configured table (an order) of a contact who clicked (or,
 * with {@code touch: open}, opened) a message within the window before it is attributed to that message, the latest
 * interaction under {@code last-click}, the earliest under {@code first-click}, with the row's revenue. One
 * attribution per row ({@code unique (table_name, row_key)}), so a replayed change event attributes nothing twice;
 * each new attribution publishes {@value #CONVERTED} in the same transaction.
 */
@Service
public class Attribution {

    public static final String CONVERTED = "io.activation.message.converted";

    /** What was attributed: the row, the delivery it was attributed to and the revenue. */
    public record Attributed(String table, String rowKey, long deliveryId, BigDecimal revenue) {}

    private final JdbcTemplate jdbc;
    private final Interactions interactions;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final TrackingProperties.Attribution settings;
    private final Clock clock;

    Attribution(JdbcTemplate jdbc, Interactions interactions, Outbox outbox, ChangeEvents events,
            TrackingProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.interactions = interactions;
        this.outbox = outbox;
        this.events = events;
        this.settings = properties.attribution();
        this.clock = clock;
    }

    /** Whether a change event on {@code activation.events} is a conversion candidate: a created row of the table. */
    public boolean concerns(JsonNode event) {
        return settings.enabled() && ChangeEvents.ROW_CREATED.equals(event.path("type").asString(""))
                && settings.table().equals(event.at("/data/table").asString(""))
                && event.at("/data/contactId").canConvertToLong() && !event.at("/data/key").isMissingNode()
                && !event.at("/data/key").isNull();
    }

    /**
     * Attributes the created row of a {@code io.activation.row.created} event, at the event's time; empty when it
     * is no conversion candidate, no interaction lies in the window before it, or it was attributed before.
     */
    @Transactional
    public Optional<Attributed> attribute(JsonNode event) {
        if (!concerns(event)) {
            return Optional.empty();
        }
        JsonNode data = event.path("data");
        long contactId = data.path("contactId").asLong();
        String rowKey = data.path("key").isString() ? data.path("key").stringValue() : data.path("key").toString();
        Instant convertedAt = time(event);
        String kinds = "open".equals(settings.touch()) ? "('click', 'open')" : "('click')";
        String order = "first-click".equals(settings.model()) ? "asc" : "desc";
        List<long[]> touched = jdbc.query("""
                select id, delivery_id from message_interactions
                where contact_id = ? and kind in %s and at <= ? and at > ?
                order by at %s, id %s limit 1""".formatted(kinds, order, order),
                (rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}, contactId, Timestamp.from(convertedAt),
                Timestamp.from(convertedAt.minus(settings.window())));
        if (touched.isEmpty()) {
            return Optional.empty();
        }
        long interactionId = touched.get(0)[0];
        Optional<TrackedDelivery> delivery = interactions.delivery(touched.get(0)[1]);
        if (delivery.isEmpty()) {
            return Optional.empty();
        }
        TrackedDelivery d = delivery.get();
        BigDecimal revenue = revenue(data.path("values"));
        String touch = jdbc.queryForObject("select kind from message_interactions where id = ?", String.class,
                interactionId);
        int inserted = jdbc.update("""
                insert into message_attributions (table_name, row_key, contact_id, delivery_id, interaction_id,
                    scenario_id, touch, revenue, converted_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (table_name, row_key) do nothing""",
                settings.table(), rowKey, contactId, d.id(), interactionId, d.scenarioId(), touch, revenue,
                Timestamp.from(convertedAt));
        if (inserted == 0) {
            return Optional.empty();
        }
        ObjectNode eventData = d.eventData();
        eventData.put("table", settings.table());
        eventData.put("rowKey", rowKey);
        if (revenue == null) {
            eventData.putNull("revenue");
        } else {
            eventData.put("revenue", revenue);
        }
        eventData.put("touch", touch);
        eventData.put("convertedAt", convertedAt.toString());
        outbox.append(List.of(events.event(CONVERTED, d.contactId(), "deliveries/" + d.id(), Interactions.ORIGIN,
                eventData, UUID.nameUUIDFromBytes(("attribution:" + settings.table() + ":" + rowKey).getBytes()))));
        return Optional.of(new Attributed(settings.table(), rowKey, d.id(), revenue));
    }

    private Instant time(JsonNode event) {
        String time = event.path("time").asString("");
        try {
            return Instant.parse(time);
        } catch (DateTimeParseException e) {
            return clock.instant();
        }
    }

    private BigDecimal revenue(JsonNode values) {
        String column = settings.revenueColumn();
        if (column == null || column.isBlank()) {
            return null;
        }
        JsonNode value = values.path(column);
        if (value.isNumber()) {
            return value.decimalValue();
        }
        if (value.isString()) {
            try {
                return new BigDecimal(value.stringValue().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
