package io.activation.journey.source;

import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * A date-relative trigger: fire {@code offsetDays} (may be negative) from a date of the contact or of one of its rows,
 * at {@code localTime} in the contact's time zone, once or every year.
 *
 * <p>Examples: birthday at 09:00 = {@code (contacts, birth_date, 0, YEARLY, 09:00)}; 365 days after the first order
 * = {@code (orders, ordered_at, 365, ONCE, 10:00, perContact FIRST)}; 7 days before a coupon expires =
 * {@code (coupons, expires_on, -7, ONCE, 09:00)}.
 *
 * @param id the trigger's stable id (e.g. scenario id + trigger); part of every occurrence key
 * @param table {@code contacts} or a table whose rows belong to a contact (interaction or linked)
 * @param column a {@code DATE} or {@code TIMESTAMP} attribute of that table; a timestamp counts by its local date in
 *        the contact's time zone
 * @param offsetDays days after (positive) or before (negative) the date
 * @param recurrence once, or on every anniversary of the date (years after the date's own year)
 * @param localTime the local time of day to fire at
 * @param timeZoneColumn the contacts column holding the contact's IANA time zone ({@code time_zone}), or null to
 *        use {@code defaultZone} for everyone
 * @param defaultZone the zone of contacts without one
 * @param perContact for a row table: every row, or only the contact's first or last row by {@code column}
 *        (among the rows {@code where} selects)
 * @param where conditions on the table's columns, all of which must hold
 */
public record DateTriggerSpec(String id, String table, String column, int offsetDays, Recurrence recurrence,
        LocalTime localTime, String timeZoneColumn, ZoneId defaultZone, PerContact perContact,
        List<Condition> where) {

    public DateTriggerSpec {
        where = where == null ? List.of() : List.copyOf(where);
        perContact = perContact == null ? PerContact.EVERY_ROW : perContact;
    }

    /** A birthday-style yearly trigger on a column of the contact, zone from {@code contacts.time_zone}. */
    public static DateTriggerSpec yearly(String id, String table, String column, int offsetDays, LocalTime at,
            ZoneId defaultZone) {
        return new DateTriggerSpec(id, table, column, offsetDays, Recurrence.YEARLY, at, "time_zone", defaultZone,
                PerContact.EVERY_ROW, List.of());
    }

    /** A one-off trigger, zone from {@code contacts.time_zone}. */
    public static DateTriggerSpec once(String id, String table, String column, int offsetDays, LocalTime at,
            ZoneId defaultZone) {
        return new DateTriggerSpec(id, table, column, offsetDays, Recurrence.ONCE, at, "time_zone", defaultZone,
                PerContact.EVERY_ROW, List.of());
    }

    public DateTriggerSpec withPerContact(PerContact which) {
        return new DateTriggerSpec(id, table, column, offsetDays, recurrence, localTime, timeZoneColumn, defaultZone,
                which, where);
    }

    public DateTriggerSpec withWhere(List<Condition> conditions) {
        return new DateTriggerSpec(id, table, column, offsetDays, recurrence, localTime, timeZoneColumn, defaultZone,
                perContact, conditions);
    }

    public enum Recurrence {
        /** The date plus the offset, once. */
        ONCE,
        /**
         * Every anniversary of the date plus the offset, for the years after the date's own year. A 29 February
         * date has its anniversary on 28 February in years without one.
         */
        YEARLY
    }

    public enum PerContact {
        EVERY_ROW, FIRST, LAST
    }

    /**
     * One condition on a column. Values are text in the canonical form of the column's type ({@code 42},
     * {@code 10.50}, {@code true}, {@code 2026-11-22}, {@code 2026-11-22T10:00:00Z}, text as is).
     */
    public record Condition(String column, Op op, List<String> values) {

        public Condition {
            values = values == null ? List.of() : values.stream().map(Objects::requireNonNull).toList();
        }

        public static Condition eq(String column, String value) {
            return new Condition(column, Op.EQ, List.of(value));
        }
    }

    public enum Op {
        EQ, NE, IN, IS_NULL, IS_NOT_NULL
    }
}
