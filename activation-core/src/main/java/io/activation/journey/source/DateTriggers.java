package io.activation.journey.source;

import io.activation.datamodel.AttributeType;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.journey.source.DateTriggerSpec.Condition;
import io.activation.journey.source.DateTriggerSpec.PerContact;
import io.activation.journey.source.DateTriggerSpec.Recurrence;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Finds the occurrences of a date-relative trigger that fall in a time window, in one set-based query per page.
 *
 * <p>How a window becomes SQL: the local dates any zone can have in {@code [from, to)} (UTC−18 to UTC+18, a day of
 * margin either side) are the candidate occurrence dates. For a yearly trigger each candidate gives the month and
 * day the source date must have, joined against {@code extract(month ...)}, {@code extract(day ...)} (the
 * expression of {@code contacts_birthday_idx}, so birthdays are index lookups); for a one-off trigger the
 * candidates give a range on the source column (an index range scan when the column is indexed). PostgreSQL then
 * computes each row's fire instant, {@code (occurrence date + local time) at time zone <contact zone>}, and keeps
 * those in {@code [from, to)}. So each occurrence belongs to exactly one window of a sequence of adjacent windows,
 * whatever the zone: a contact in Pacific/Kiritimati (UTC+14) and one in Pacific/Pago_Pago (UTC−11) with the same
 * birthday fire 25 hours apart.
 *
 * <p>Choices: a 29 February date has its yearly anniversary on 28 February in years without one (the last day of
 * the birth month, as most civil uses count a leapling's birthday). A local time that does not exist on a
 * spring-forward day (02:30 in Europe on the last Sunday of March) is read with the offset before the change, i.e.
 * it fires at 03:30 summer time, one hour after the gap began (PostgreSQL's rule, the same as
 * {@code java.time.ZonedDateTime.of}); a time that exists twice on a fall-back day (02:30 on the last Sunday of
 * October) fires once, at the second one, in standard time (PostgreSQL's rule; {@code java.time} would take the
 * first). Times outside the DST switching hours, such as 09:00, are never affected. Contacts with no zone, or an
 * empty one, use the spec's default zone.
 */
@Component
public class DateTriggers {

    /** Wider windows would make the yearly candidate list large; the engine evaluates far smaller ones. */
    static final Duration MAX_WINDOW = Duration.ofDays(400);
    private static final Set<AttributeType> ZONE_TYPES = Set.of(AttributeType.TIME_ZONE, AttributeType.TEXT);
    /**
     * A contact's zone as PostgreSQL needs it: {@code region} a zone name, {@code shift} a fixed offset. Java's
     * offset ids ({@code +05:30}, {@code UTC-03:00}, {@code Z}), which the data model accepts as time zones, would
     * be read by {@code AT TIME ZONE} with the POSIX sign (the opposite one), so they become UTC plus an interval.
     */
    private static final String ZONE_SQL = "select s.zone, case when s.zone ~ '^(UTC|GMT|UT)?[+-][0-9]' or "
            + "s.zone = 'Z' then 'UTC' else s.zone end as region, case when s.zone ~ '^(UTC|GMT|UT)?[+-][0-9]' then "
            + "cast(regexp_replace(s.zone, '^(UTC|GMT|UT)', '') as interval) else interval '0' end as shift from ";

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final Clock clock;

    DateTriggers(JdbcTemplate jdbc, TableCatalog catalog, Clock clock) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * Checks a spec against the current data model; {@link InvalidInputException} naming the offending field
     * ({@code id}, {@code table}, {@code column}, {@code localTime}, {@code defaultZone}, {@code timeZoneColumn},
     * {@code perContact}, {@code where[i].column|op|values}). The engine calls it when a scenario is activated.
     */
    public void validate(DateTriggerSpec spec) {
        resolve(spec);
    }

    /** The occurrences due in {@code [from, now)} by the injected clock. */
    public DuePage dueUntilNow(DateTriggerSpec spec, Instant from, int limit, DuePage.Cursor after) {
        return due(spec, from, clock.instant(), limit, after);
    }

    /**
     * Every occurrence whose fire instant is in {@code [from, to)}, at most {@code limit}, after the cursor (null for
     * the first page), ordered by contact id, row id, occurrence date.
     */
    public DuePage due(DateTriggerSpec spec, Instant from, Instant to, int limit, DuePage.Cursor after) {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be 1..10000");
        }
        if (!from.isBefore(to)) {
            return new DuePage(List.of(), null);
        }
        if (Duration.between(from, to).compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("A window is at most " + MAX_WINDOW.toDays() + " days");
        }
        Resolved r = resolve(spec);
        Query q = query(spec, r, from, to, limit, after);
        List<DueOccurrence> items = jdbc.query(connection -> q.prepare(connection), (rs, n) -> {
            long contactId = rs.getLong("contact_id");
            long rowId = rs.getLong("row_id");
            Long row = rs.wasNull() ? null : rowId;
            Object key = rs.getObject("row_key");
            LocalDate occ = rs.getObject("occ", LocalDate.class);
            Instant fireAt = rs.getObject("fire_at", OffsetDateTime.class).toInstant();
            return new DueOccurrence(DueOccurrence.keyOf(spec.id(), contactId, row, occ), contactId, row, key, occ,
                    fireAt, rs.getString("zone"));
        });
        DuePage.Cursor next = null;
        if (items.size() == limit) {
            DueOccurrence last = items.get(items.size() - 1);
            next = new DuePage.Cursor(last.contactId(), last.rowId() == null ? 0 : last.rowId(),
                    last.occurrenceDate());
        }
        return new DuePage(items, next);
    }

    /**
     * PostgreSQL's plan for the first page of {@link #due}, with sequential scans discouraged, for operators and
     * tests checking that a trigger is answered from an index.
     */
    String explain(DateTriggerSpec spec, Instant from, Instant to) {
        Query q = query(spec, resolve(spec), from, to, 100, null);
        return jdbc.execute((java.sql.Connection connection) -> {
            try (var statement = connection.createStatement()) {
                statement.execute("set enable_seqscan = off");
            }
            try {
                Query explain = new Query();
                explain.sql.append("explain ").append(q.sql);
                explain.params.addAll(q.params);
                StringBuilder plan = new StringBuilder();
                try (PreparedStatement ps = explain.prepare(connection); var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                return plan.toString();
            } finally {
                try (var statement = connection.createStatement()) {
                    statement.execute("reset enable_seqscan");
                }
            }
        });
    }

    private record Resolved(TableSchema table, TableSchema.Column column, List<TableSchema.Column> whereColumns,
            List<DateTriggerSpec.Op> ops, List<List<Object>> whereValues) {}

    private Resolved resolve(DateTriggerSpec spec) {
        List<FieldError> errors = new ArrayList<>();
        if (spec.id() == null || spec.id().isBlank()) {
            errors.add(new FieldError("id", "is required"));
        }
        if (spec.recurrence() == null) {
            errors.add(new FieldError("recurrence", "is required: ONCE or YEARLY"));
        }
        if (spec.localTime() == null) {
            errors.add(new FieldError("localTime", "is required"));
        }
        if (spec.defaultZone() == null) {
            errors.add(new FieldError("defaultZone", "is required"));
        }
        if (Math.abs(spec.offsetDays()) > 36_600) {
            errors.add(new FieldError("offsetDays", "must be within ±36600 days"));
        }
        TableSchema table = null;
        try {
            table = catalog.schema(spec.table() == null ? "" : spec.table(), "table");
        } catch (NotFoundException e) {
            errors.add(new FieldError("table", e.getMessage()));
        }
        TableSchema.Column column = null;
        List<TableSchema.Column> whereColumns = new ArrayList<>();
        List<DateTriggerSpec.Op> ops = new ArrayList<>();
        List<List<Object>> whereValues = new ArrayList<>();
        if (table != null) {
            if (table.kind() != TableKind.CONTACTS && !table.belongsToContact()) {
                errors.add(new FieldError("table", "must be contacts or a table whose rows belong to a contact"));
            }
            column = table.column(spec.column() == null ? "" : spec.column()).orElse(null);
            if (column == null) {
                errors.add(new FieldError("column", "table '" + table.name() + "' has no attribute '"
                        + spec.column() + "'"));
            } else if (column.type() != AttributeType.DATE && column.type() != AttributeType.TIMESTAMP) {
                errors.add(new FieldError("column", "must be a DATE or TIMESTAMP attribute"));
            }
            if (table.kind() == TableKind.CONTACTS && spec.perContact() != PerContact.EVERY_ROW) {
                errors.add(new FieldError("perContact", "applies to row tables only"));
            }
            for (int i = 0; i < spec.where().size(); i++) {
                Condition c = spec.where().get(i);
                String prefix = "where[" + i + "].";
                TableSchema.Column wc = table.column(c.column() == null ? "" : c.column()).orElse(null);
                if (wc == null) {
                    errors.add(new FieldError(prefix + "column", "table '" + table.name() + "' has no attribute '"
                            + c.column() + "'"));
                    continue;
                }
                if (wc.type() == AttributeType.JSON) {
                    errors.add(new FieldError(prefix + "column", "JSON attributes cannot be compared"));
                    continue;
                }
                if (c.op() == null) {
                    errors.add(new FieldError(prefix + "op", "is required: EQ, NE, IN, IS_NULL or IS_NOT_NULL"));
                    continue;
                }
                int expected = switch (c.op()) {
                    case EQ, NE -> 1;
                    case IS_NULL, IS_NOT_NULL -> 0;
                    case IN -> -1;
                };
                if (expected >= 0 && c.values().size() != expected || expected < 0 && c.values().isEmpty()) {
                    errors.add(new FieldError(prefix + "values", expected == 0 ? "must be empty"
                            : expected == 1 ? "must hold one value" : "must hold at least one value"));
                    continue;
                }
                List<Object> parsed = new ArrayList<>();
                for (String v : c.values()) {
                    try {
                        parsed.add(parse(wc.type(), v));
                    } catch (RuntimeException e) {
                        errors.add(new FieldError(prefix + "values", "'" + v + "' is not a valid "
                                + wc.type().name().toLowerCase() + " value"));
                    }
                }
                whereColumns.add(wc);
                ops.add(c.op());
                whereValues.add(parsed);
            }
        }
        if (spec.timeZoneColumn() != null) {
            TableSchema contacts = catalog.contacts();
            TableSchema.Column tz = contacts.column(spec.timeZoneColumn()).orElse(null);
            if (tz == null || !ZONE_TYPES.contains(tz.type())) {
                errors.add(new FieldError("timeZoneColumn", "must be a TIME_ZONE (or TEXT) attribute of contacts"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new Resolved(table, column, whereColumns, ops, whereValues);
    }

    private static Object parse(AttributeType type, String v) {
        return switch (type) {
            case INTEGER -> Long.parseLong(v);
            case DECIMAL -> new BigDecimal(v);
            case BOOLEAN -> switch (v) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException(v);
            };
            case DATE -> LocalDate.parse(v);
            case TIMESTAMP -> {
                try {
                    yield OffsetDateTime.ofInstant(Instant.parse(v), ZoneOffset.UTC);
                } catch (DateTimeParseException e) {
                    yield OffsetDateTime.parse(v);
                }
            }
            default -> v;
        };
    }

    /** SQL text and its parameters, in order. */
    private static final class Query {
        final StringBuilder sql = new StringBuilder();
        final List<Object> params = new ArrayList<>();

        Query add(String text, Object... values) {
            sql.append(text);
            params.addAll(List.of(values));
            return this;
        }

        PreparedStatement prepare(Connection connection) throws SQLException {
            PreparedStatement ps = connection.prepareStatement(sql.toString());
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Integer[] ints) {
                    Array a = connection.createArrayOf("int4", ints);
                    ps.setArray(i + 1, a);
                } else if (p instanceof String[] texts) {
                    ps.setArray(i + 1, connection.createArrayOf("varchar", texts));
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            return ps;
        }
    }

    private static Query query(DateTriggerSpec spec, Resolved r, Instant from, Instant to, int limit,
            DuePage.Cursor after) {
        boolean contacts = r.table().kind() == TableKind.CONTACTS;
        String col = "t." + r.column().quoted();
        boolean timestamp = r.column().type() == AttributeType.TIMESTAMP;
        String base = timestamp ? "((" + col + " at time zone z.region) + z.shift)::date" : col;
        // Every local date some zone has during the window, a day of margin either side.
        LocalDate first = from.atOffset(ZoneOffset.ofHours(-18)).toLocalDate().minusDays(1);
        LocalDate last = to.atOffset(ZoneOffset.ofHours(18)).toLocalDate().plusDays(1);

        Query q = new Query();
        String c = contacts ? "t" : "c";
        q.add("select o.contact_id, o.row_id, o.row_key, o.occ, o.zone, o.fire_at from (select " + c
                + ".id as contact_id, ");
        if (contacts) {
            q.add("null::bigint as row_id, null as row_key, ");
        } else {
            q.add("t.id as row_id, t." + r.table().keyColumn().quoted() + " as row_key, ");
        }
        q.add("k.occ, z.zone, (k.occ + cast(? as time) - z.shift) at time zone z.region as fire_at from ",
                spec.localTime().toString());
        q.add(r.table().qualifiedName() + " t ");
        if (!contacts) {
            q.add("join public.contacts c on c.id = t.contact_id ");
        }
        if (spec.timeZoneColumn() != null) {
            TableSchema.Column tz = new TableSchema.Column(spec.timeZoneColumn(), AttributeType.TIME_ZONE, false,
                    false, List.of(), null);
            q.add("cross join lateral (" + ZONE_SQL + "(select coalesce(nullif(" + c + "." + tz.quoted()
                    + ", ''), ?) as zone) s) z ", spec.defaultZone().getId());
        } else {
            q.add("cross join lateral (" + ZONE_SQL + "(select ?::text as zone) s) z ", spec.defaultZone().getId());
        }
        if (spec.recurrence() == Recurrence.YEARLY) {
            List<Integer> months = new ArrayList<>();
            List<Integer> days = new ArrayList<>();
            List<String> occs = new ArrayList<>();
            List<Integer> years = new ArrayList<>();
            for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                LocalDate anniversary = d.minusDays(spec.offsetDays());
                months.add(anniversary.getMonthValue());
                days.add(anniversary.getDayOfMonth());
                occs.add(d.toString());
                years.add(anniversary.getYear());
                if (anniversary.getMonthValue() == 2 && anniversary.getDayOfMonth() == 28
                        && !anniversary.isLeapYear()) {
                    // 29 February dates have their anniversary on 28 February in common years.
                    months.add(2);
                    days.add(29);
                    occs.add(d.toString());
                    years.add(anniversary.getYear());
                }
            }
            q.add("join unnest(?::int4[], ?::int4[], cast(? as date[]), ?::int4[]) as k(m, d, occ, y) on "
                    + "extract(month from " + base + ") = k.m and extract(day from " + base + ") = k.d ",
                    months.toArray(Integer[]::new), days.toArray(Integer[]::new), occs.toArray(String[]::new),
                    years.toArray(Integer[]::new));
            q.add("where k.y > extract(year from " + base + ") ");
        } else {
            q.add("cross join lateral (select " + base + " + ? as occ) k ", spec.offsetDays());
            LocalDate lowest = first.minusDays(spec.offsetDays());
            LocalDate highest = last.minusDays(spec.offsetDays());
            if (timestamp) {
                q.add("where " + col + " >= ? and " + col + " < ? ",
                        // PostgreSQL takes offsets up to ±15:59 only: pass the bounds in UTC.
                        lowest.atStartOfDay().atOffset(ZoneOffset.ofHours(18)).withOffsetSameInstant(ZoneOffset.UTC),
                        highest.plusDays(1).atStartOfDay().atOffset(ZoneOffset.ofHours(-18))
                                .withOffsetSameInstant(ZoneOffset.UTC));
            } else {
                q.add("where " + col + " between ? and ? ", lowest, highest);
            }
        }
        q.add("and " + col + " is not null ");
        conditions(q, "t", r);
        if (spec.perContact() != PerContact.EVERY_ROW) {
            String cmp = spec.perContact() == PerContact.FIRST ? "<" : ">";
            String col2 = "t2." + r.column().quoted();
            q.add("and not exists (select 1 from " + r.table().qualifiedName() + " t2 where t2.contact_id = "
                    + "t.contact_id and " + col2 + " is not null and (" + col2 + " " + cmp + " " + col + " or ("
                    + col2 + " = " + col + " and t2.id " + cmp + " t.id)) ");
            conditions(q, "t2", r);
            q.add(") ");
        }
        q.add(") o where o.fire_at >= ? and o.fire_at < ? ", OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
                OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
        if (after != null) {
            q.add("and (o.contact_id, coalesce(o.row_id, 0), o.occ) > (?, ?, ?) ", after.contactId(), after.rowId(),
                    after.occurrenceDate());
        }
        q.add("order by o.contact_id, coalesce(o.row_id, 0), o.occ limit ?", limit);
        return q;
    }

    private static void conditions(Query q, String alias, Resolved r) {
        for (int i = 0; i < r.whereColumns().size(); i++) {
            TableSchema.Column c = r.whereColumns().get(i);
            List<Object> values = r.whereValues().get(i);
            String ref = alias + "." + c.quoted();
            DateTriggerSpec.Op op = r.ops().get(i);
            switch (op) {
                case EQ -> q.add("and " + ref + " = ? ", values.get(0));
                case NE -> q.add("and " + ref + " is distinct from ? ", values.get(0));
                case IS_NULL -> q.add("and " + ref + " is null ");
                case IS_NOT_NULL -> q.add("and " + ref + " is not null ");
                case IN -> {
                    q.add("and " + ref + " in (");
                    for (int j = 0; j < values.size(); j++) {
                        q.add(j == 0 ? "?" : ", ?", values.get(j));
                    }
                    q.add(") ");
                }
            }
        }
    }
}
