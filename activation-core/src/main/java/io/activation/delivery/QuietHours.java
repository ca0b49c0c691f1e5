package io.activation.delivery;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;

/**
 * Quiet hours: local times of day (in the contact's time zone, else {@code activation.delivery.default-time-zone})
 * when no marketing message goes out. Off until set through the API; a window whose start is after its end spans
 * midnight (21:00 to 08:00).
 */
@Service
public class QuietHours {

    /** The window, start inclusive, end exclusive. */
    public record Window(LocalTime start, LocalTime end) {

        public boolean contains(LocalTime t) {
            return start.isBefore(end) ? !t.isBefore(start) && t.isBefore(end) : !t.isBefore(start) || t.isBefore(end);
        }

        /** The first moment at or after {@code at} outside the window (the window's end, today or tomorrow). */
        public ZonedDateTime nextAllowed(ZonedDateTime at) {
            if (!contains(at.toLocalTime())) {
                return at;
            }
            ZonedDateTime end = at.toLocalDate().atTime(this.end).atZone(at.getZone());
            return end.isAfter(at) ? end : at.toLocalDate().plusDays(1).atTime(this.end).atZone(at.getZone());
        }

        @Override
        public String toString() {
            return start + "-" + end;
        }
    }

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final DeliveryProperties properties;

    QuietHours(JdbcTemplate jdbc, Clock clock, DeliveryProperties properties) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
    }

    /** What {@link #window} reads, mapped by {@link #map}. */
    static final String SELECT = "select start_time, end_time from quiet_hours where id = 1";

    public Optional<Window> window() {
        return jdbc.query(SELECT, QuietHours::map).stream().findFirst();
    }

    static Window map(ResultSet rs, int n) throws SQLException {
        return new Window(rs.getTime(1).toLocalTime(), rs.getTime(2).toLocalTime());
    }

    /** Sets the window from {@code {"start": "21:00", "end": "08:00"}}. */
    @Transactional
    public Window set(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object: {\"start\": \"21:00\", \"end\": \"08:00\"}");
        }
        List<FieldError> errors = new ArrayList<>();
        for (String field : body.propertyNames()) {
            if (!Set.of("start", "end").contains(field)) {
                errors.add(new FieldError(field, "is not a field of quiet hours: [end, start]"));
            }
        }
        LocalTime start = time(body, "start", errors);
        LocalTime end = time(body, "end", errors);
        if (start != null && start.equals(end)) {
            errors.add(new FieldError("end", "must differ from start"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        jdbc.update("""
                insert into quiet_hours (id, start_time, end_time, updated_at) values (1, ?, ?, ?)
                on conflict (id) do update set start_time = excluded.start_time, end_time = excluded.end_time,
                    updated_at = excluded.updated_at""", Time.valueOf(start), Time.valueOf(end),
                Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)));
        return new Window(start, end);
    }

    /** Turns quiet hours off; answers whether they were on. */
    @Transactional
    public boolean clear() {
        return jdbc.update("delete from quiet_hours") > 0;
    }

    /** The time zone quiet hours are judged in for a contact whose {@code time_zone} is this (null: none). */
    ZoneId zone(String zone) {
        if (zone != null && !zone.isBlank()) {
            try {
                return ZoneId.of(zone.trim());
            } catch (DateTimeException e) {
                return properties.defaultTimeZone();
            }
        }
        return properties.defaultTimeZone();
    }

    private static LocalTime time(JsonNode body, String field, List<FieldError> errors) {
        JsonNode n = body.get(field);
        if (n == null || !n.isString()) {
            errors.add(new FieldError(field, "is required: a local time such as 21:00"));
            return null;
        }
        try {
            return LocalTime.parse(n.asString()).truncatedTo(ChronoUnit.MINUTES);
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(field, "'" + n.asString() + "' is not a local time such as 21:00"));
            return null;
        }
    }
}
