package io.activation.journey;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Set;

/**
 * When a wait-until step ends, in the contact's time zone. A local time that does not exist on a day (the hour
 * skipped when clocks go forward) is taken to be the same moment shifted by the gap, as {@link ZonedDateTime#of}
 * does; a time that occurs twice (clocks go back) is its first occurrence.
 */
final class WaitUntilPolicy {

    private WaitUntilPolicy() {}

    /** The first moment after {@code now} at {@code time} local, on one of {@code weekdays} (any day when empty). */
    static Instant next(Instant now, ZoneId zone, LocalTime time, Set<DayOfWeek> weekdays) {
        LocalDate day = now.atZone(zone).toLocalDate();
        for (int i = 0; i <= 7; i++) {
            LocalDate d = day.plusDays(i);
            if (!weekdays.isEmpty() && !weekdays.contains(d.getDayOfWeek())) {
                continue;
            }
            Instant candidate = ZonedDateTime.of(d, time, zone).toInstant();
            if (candidate.isAfter(now)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no weekday matched within a week");
    }

    /** {@code time} local on {@code date}; may lie in the past (then the journey goes on at once). */
    static Instant on(LocalDate date, ZoneId zone, LocalTime time) {
        return ZonedDateTime.of(date, time, zone).toInstant();
    }
}
