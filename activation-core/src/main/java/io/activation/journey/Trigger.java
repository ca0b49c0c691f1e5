package io.activation.journey;

import io.activation.contact.ContactFields;
import io.activation.journey.source.DateTriggerSpec;
import io.activation.platform.FieldError;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.scheduling.support.CronExpression;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What starts a journey, or (as an exit rule) ends one: a behavioural event, a row written to a table, a changed
 * contact attribute, a consent given, a segment entered or exited, an API call, a date of the contact or of one of
 * its rows ({@code date}), or a one-off or recurring schedule over a segment ({@code schedule}). Matching is pure:
 * it reads only the event. Date and schedule triggers are matched by the events the {@link TriggerScheduler}
 * appends for their scenario.
 *
 * @param on for row triggers the operations ({@code created}, {@code updated}, {@code reference-changed}); for
 *     segment triggers {@code entered} or {@code exited}
 * @param where a rule (shared rule JSON, attribute part) over event properties, row values or contact values; row
 *     and contact triggers may also use the change operators ({@code changed}, {@code increased},
 *     {@code decreased}, {@code became}) and {@code {"previous": <rule>}}
 * @param changed attributes that must be among those the write changed
 * @param reference for row triggers on {@code reference-changed}: a rule over the changed reference row (its
 *     values, compared with its previous values by the change operators)
 * @param date the settings of a date trigger, else null
 * @param schedule the settings of a schedule trigger, else null
 */
public record Trigger(Kind kind, String eventType, String table, Set<String> on, JsonNode where,
        List<String> changed, String channel, String purpose, String segment, JsonNode reference, DateRule date,
        ScheduleRule schedule) {

    public enum Kind {
        EVENT("event"), ROW("row"), CONTACT_ATTRIBUTE("contactAttribute"), CONSENT("consent"),
        SEGMENT("segment"), API("api"), DATE("date"), SCHEDULE("schedule");

        final String json;

        Kind(String json) {
            this.json = json;
        }

        static Optional<Kind> of(String json) {
            for (Kind k : values()) {
                if (k.json.equals(json)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    /** What a matching event gives the journey: a key for one-journey-per-row and the data steps may read. */
    public record Match(String triggerKey, JsonNode data) {}

    /**
     * A date trigger: {@code offsetDays} from the date in {@code column} of {@code contacts} or of a row of the
     * contact, at {@code at} in the contact's time zone (else the scenario's), once or every year.
     */
    public record DateRule(String column, int offsetDays, DateTriggerSpec.Recurrence recurrence, LocalTime at,
            DateTriggerSpec.PerContact perContact, List<DateTriggerSpec.Condition> where) {

        /** The finder's spec; its id (part of every occurrence key) is the scenario's, stable across versions. */
        public DateTriggerSpec spec(long scenarioId, String table, ZoneId defaultZone) {
            return new DateTriggerSpec("scenario:" + scenarioId, table, column, offsetDays, recurrence, at,
                    "time_zone", defaultZone, perContact, where);
        }
    }

    /** A schedule trigger: one moment ({@code at}, local to {@code zone}) or a cron expression in {@code zone}. */
    public record ScheduleRule(LocalDateTime at, String cron, ZoneId zone) {

        /** The first occurrence at or after {@code from}, or null when there is none (a one-off in the past). */
        public Instant firstAtOrAfter(Instant from) {
            if (at != null) {
                Instant once = at.atZone(zone).toInstant();
                return once.isBefore(from) ? null : once;
            }
            var next = CronExpression.parse(cron).next(from.minusNanos(1).atZone(zone));
            return next == null ? null : next.toInstant();
        }
    }

    static final Set<String> ROW_OPERATIONS = Set.of("created", "updated", "reference-changed");

    /** The match, or empty when the event does not start (or end) anything for this trigger. */
    public Optional<Match> match(EngineEvent event, long scenarioId) {
        JsonNode d = event.data();
        switch (kind) {
            case EVENT -> {
                if (event.type().equals(EngineEvent.EVENT_RECORDED) && eventType.equals(d.path("eventType")
                        .asString()) && JsonRules.matches(where, d.path("properties"))) {
                    return Optional.of(new Match(null, d));
                }
            }
            case ROW -> {
                String op = switch (event.type()) {
                    case EngineEvent.ROW_CREATED -> "created";
                    case EngineEvent.ROW_UPDATED -> "updated";
                    case EngineEvent.REFERENCE_CHANGED -> "reference-changed";
                    default -> null;
                };
                if (op != null && on.contains(op) && table.equals(d.path("table").asString())
                        && rowMatches(op, d) && changedAll(d.path("changed"), false)) {
                    return Optional.of(new Match(table + ":" + d.path("key").asString(), d));
                }
            }
            case CONTACT_ATTRIBUTE -> {
                boolean created = event.type().equals(EngineEvent.CONTACT_CREATED);
                if ((event.type().equals(EngineEvent.CONTACT_UPDATED) || created) && changedAny(d.path("changed"))) {
                    ObjectNode values = contactColumns(d.path("values"));
                    ObjectNode before = created ? JsonNodeFactory.instance.objectNode()
                            : before(values, contactColumns(d.path("previous")), names(d.path("changed"), true));
                    if (JsonRules.matches(where, values, before)) {
                        return Optional.of(new Match(null, d));
                    }
                }
            }
            case DATE -> {
                if (event.type().equals(EngineEvent.DATE_REACHED) && d.path("scenarioId").asLong() == scenarioId) {
                    return Optional.of(new Match(d.path("key").asString(), d));
                }
            }
            case SCHEDULE -> {
                if (event.type().equals(EngineEvent.SCHEDULED) && d.path("scenarioId").asLong() == scenarioId) {
                    return Optional.of(new Match(d.path("key").asString(), d));
                }
            }
            case CONSENT -> {
                if (event.type().equals(EngineEvent.CONSENT_CHANGED) && "granted".equals(d.path("status").asString())
                        && (channel == null || channel.equals(d.path("channel").asString()))
                        && (purpose == null || purpose.equals(d.path("purpose").asString()))) {
                    return Optional.of(new Match(null, d));
                }
            }
            case SEGMENT -> {
                String type = on.contains("exited") ? EngineEvent.SEGMENT_EXITED : EngineEvent.SEGMENT_ENTERED;
                if (event.type().equals(type) && segment.equals(d.path("segment").asString())) {
                    return Optional.of(new Match(null, d));
                }
            }
            case API -> {
                if (event.type().equals(EngineEvent.TRIGGERED) && d.path("scenarioId").asLong() == scenarioId) {
                    return Optional.of(new Match(null, d.path("payload")));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The row's filters: {@code where} over the row's values (with, for a reference change, the linking row's
     * relations one hop further as {@code <relation>.<attribute>}), compared with the values before the write;
     * {@code reference} over the changed reference row.
     */
    private boolean rowMatches(String op, JsonNode d) {
        ObjectNode values = d.path("values").isObject() ? ((ObjectNode) d.get("values")).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        ObjectNode previous;
        switch (op) {
            case "created" -> previous = JsonNodeFactory.instance.objectNode();
            case "updated" -> previous = before(values, d.path("previous"), names(d.path("changed"), false));
            default -> {
                // The linking row itself did not change; its relations resolved one hop further may be filtered on.
                for (Map.Entry<String, JsonNode> r : d.path("related").properties()) {
                    for (Map.Entry<String, JsonNode> v : r.getValue().path("values").properties()) {
                        values.set(r.getKey() + "." + v.getKey(), v.getValue());
                    }
                }
                previous = values;
            }
        }
        if (!JsonRules.matches(where, values, previous)) {
            return false;
        }
        if (reference == null) {
            return true;
        }
        JsonNode ref = d.path("reference");
        if (!op.equals("reference-changed") || !ref.isObject()) {
            return false;
        }
        ObjectNode refValues = ref.path("values").isObject() ? (ObjectNode) ref.get("values")
                : JsonNodeFactory.instance.objectNode();
        return JsonRules.matches(reference, refValues, before(refValues, ref.path("previous"),
                names(ref.path("changed"), false)));
    }

    /**
     * The complete values before a write: the values now, with each changed attribute set back to its previous
     * value (absent from {@code previous}: it had none).
     */
    static ObjectNode before(ObjectNode values, JsonNode previous, Set<String> changed) {
        ObjectNode before = values.deepCopy();
        for (String name : changed) {
            JsonNode old = previous.get(name);
            if (old == null || old.isNull()) {
                before.remove(name);
            } else {
                before.set(name, old);
            }
        }
        return before;
    }

    private boolean changedAll(JsonNode names, boolean contact) {
        if (changed.isEmpty()) {
            return true;
        }
        Set<String> got = names(names, contact);
        return got.containsAll(changed);
    }

    private boolean changedAny(JsonNode names) {
        Set<String> got = names(names, true);
        if (changed.isEmpty()) {
            return !got.isEmpty();
        }
        return changed.stream().anyMatch(got::contains);
    }

    private static Set<String> names(JsonNode names, boolean contact) {
        Set<String> got = new LinkedHashSet<>();
        for (JsonNode n : names) {
            got.add(contact ? ContactFields.column(n.asString()).orElse(n.asString()) : n.asString());
        }
        return got;
    }

    /** Contact values of a change event by column name (built-ins arrive by API name, custom ones nested). */
    static ObjectNode contactColumns(JsonNode values) {
        ObjectNode flat = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : values.properties()) {
            if (e.getKey().equals("attributes") && e.getValue().isObject()) {
                e.getValue().properties().forEach(a -> flat.set(a.getKey(), a.getValue()));
            } else {
                flat.set(ContactFields.column(e.getKey()).orElse(e.getKey()), e.getValue());
            }
        }
        return flat;
    }

    static final Set<String> FIELDS = Set.of("type", "eventType", "table", "on", "where", "changed", "channel",
            "purpose", "segment", "reference", "column", "offsetDays", "recurrence", "at", "perContact", "cron",
            "timeZone");
    private static final Set<String> DATE_FIELDS = Set.of("column", "offsetDays", "recurrence", "perContact");
    private static final Set<String> SCHEDULE_FIELDS = Set.of("cron", "timeZone");

    /** Parses a trigger (or exit rule); problems are added with paths under {@code path}. */
    static Trigger parse(JsonNode node, String path, List<FieldError> errors) {
        if (node == null || !node.isObject()) {
            errors.add(new FieldError(path, "is required: an object with a type (event, row, contactAttribute,"
                    + " consent, segment, api, date, schedule)"));
            return null;
        }
        Optional<Kind> kind = Kind.of(node.path("type").asString(""));
        if (kind.isEmpty()) {
            errors.add(new FieldError(path + ".type", "must be one of event, row, contactAttribute, consent,"
                    + " segment, api, date, schedule"));
            return null;
        }
        JsonNode where = node.get("where");
        if (where != null && !where.isNull() && kind.get() != Kind.DATE) {
            boolean changes = kind.get() == Kind.ROW || kind.get() == Kind.CONTACT_ATTRIBUTE;
            errors.addAll(changes ? JsonRules.changeProblems(where, path + ".where")
                    : JsonRules.problems(where, path + ".where"));
        }
        JsonNode reference = node.get("reference");
        if (reference != null && !reference.isNull()) {
            if (kind.get() != Kind.ROW) {
                errors.add(new FieldError(path + ".reference", "applies to row triggers only"));
            } else {
                errors.addAll(JsonRules.changeProblems(reference, path + ".reference"));
            }
        } else {
            reference = null;
        }
        List<String> changed = strings(node.get("changed"), path + ".changed", errors);
        Set<String> on = new LinkedHashSet<>(strings(node.get("on"), path + ".on", errors));
        String eventType = text(node, "eventType");
        String table = text(node, "table");
        switch (kind.get()) {
            case EVENT -> {
                if (eventType == null) {
                    errors.add(new FieldError(path + ".eventType", "is required for an event trigger"));
                }
            }
            case ROW -> {
                if (table == null) {
                    errors.add(new FieldError(path + ".table", "is required for a row trigger"));
                }
                if (on.isEmpty()) {
                    on.addAll(List.of("created", "updated"));
                }
                for (String op : on) {
                    if (!ROW_OPERATIONS.contains(op)) {
                        errors.add(new FieldError(path + ".on", "must list created, updated or reference-changed"));
                    }
                }
                if (reference != null && !on.equals(Set.of("reference-changed"))) {
                    errors.add(new FieldError(path + ".reference", "filters reference changes: on must be"
                            + " [\"reference-changed\"]"));
                }
            }
            case SEGMENT -> {
                if (text(node, "segment") == null) {
                    errors.add(new FieldError(path + ".segment", "is required: the segment's name"));
                }
                if (on.isEmpty()) {
                    on.add("entered");
                }
                if (on.size() != 1 || !(on.contains("entered") || on.contains("exited"))) {
                    errors.add(new FieldError(path + ".on", "must be [\"entered\"] or [\"exited\"]"));
                }
            }
            default -> { }
        }
        DateRule date = kind.get() == Kind.DATE ? date(node, path, errors) : null;
        ScheduleRule schedule = kind.get() == Kind.SCHEDULE ? schedule(node, path, errors) : null;
        for (Iterator<String> it = node.propertyNames().iterator(); it.hasNext();) {
            String name = it.next();
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(path + "." + name, "is not a field of a trigger"));
            } else if (DATE_FIELDS.contains(name) && kind.get() != Kind.DATE
                    || SCHEDULE_FIELDS.contains(name) && kind.get() != Kind.SCHEDULE
                    || name.equals("at") && kind.get() != Kind.DATE && kind.get() != Kind.SCHEDULE) {
                errors.add(new FieldError(path + "." + name, "is not a field of a trigger of type "
                        + kind.get().json));
            }
        }
        return new Trigger(kind.get(), eventType, table, on, where == null || where.isNull() || date != null ? null
                : where, changed, text(node, "channel"), text(node, "purpose"), text(node, "segment"), reference,
                date, schedule);
    }

    private static DateRule date(JsonNode node, String path, List<FieldError> errors) {
        if (text(node, "table") == null) {
            errors.add(new FieldError(path + ".table", "is required for a date trigger: contacts or a table of"
                    + " the contact's rows"));
        }
        String column = text(node, "column");
        if (column == null) {
            errors.add(new FieldError(path + ".column", "is required: a date or timestamp attribute"));
        }
        int offset = 0;
        JsonNode o = node.get("offsetDays");
        if (o != null && !o.isNull()) {
            if (!o.isIntegralNumber() || Math.abs(o.asLong()) > 36_600) {
                errors.add(new FieldError(path + ".offsetDays", "must be a whole number of days within ±36600"));
            } else {
                offset = o.asInt();
            }
        }
        DateTriggerSpec.Recurrence recurrence = choice(node, "recurrence", path, DateTriggerSpec.Recurrence.class,
                DateTriggerSpec.Recurrence.ONCE, errors);
        DateTriggerSpec.PerContact perContact = choice(node, "perContact", path, DateTriggerSpec.PerContact.class,
                DateTriggerSpec.PerContact.EVERY_ROW, errors);
        LocalTime at = null;
        String t = text(node, "at");
        if (t == null) {
            errors.add(new FieldError(path + ".at", "is required: the local time of day to start at, e.g. 09:00"));
        } else {
            try {
                at = LocalTime.parse(t);
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(path + ".at", "must be a local time of day such as 09:00"));
            }
        }
        List<DateTriggerSpec.Condition> conditions = new ArrayList<>();
        JsonNode where = node.get("where");
        if (where != null && !where.isNull()) {
            if (!where.isArray()) {
                errors.add(new FieldError(path + ".where", "must be an array of conditions {\"attribute\", \"op\":"
                        + " eq|ne|in|is_null|is_not_null, \"value\"}"));
            } else {
                for (int i = 0; i < where.size(); i++) {
                    DateTriggerSpec.Condition c = condition(where.get(i), path + ".where[" + i + "]", errors);
                    if (c != null) {
                        conditions.add(c);
                    }
                }
            }
        }
        return new DateRule(column, offset, recurrence, at, perContact, conditions);
    }

    private static DateTriggerSpec.Condition condition(JsonNode c, String path, List<FieldError> errors) {
        String attribute = c == null ? null : text(c, "attribute");
        if (attribute == null) {
            errors.add(new FieldError(path + ".attribute", "is required"));
            return null;
        }
        DateTriggerSpec.Op op;
        try {
            op = DateTriggerSpec.Op.valueOf(c.path("op").asString("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(path + ".op", "must be one of eq, ne, in, is_null, is_not_null"));
            return null;
        }
        List<String> values = new ArrayList<>();
        JsonNode v = c.get("value");
        switch (op) {
            case EQ, NE -> {
                if (v == null || !v.isValueNode() || v.isNull()) {
                    errors.add(new FieldError(path + ".value", "is required: one value"));
                    return null;
                }
                values.add(v.asString());
            }
            case IN -> {
                if (v == null || !v.isArray() || v.isEmpty()) {
                    errors.add(new FieldError(path + ".value", "must be a non-empty array of values"));
                    return null;
                }
                for (JsonNode e : v) {
                    if (!e.isValueNode() || e.isNull()) {
                        errors.add(new FieldError(path + ".value", "must be a non-empty array of values"));
                        return null;
                    }
                    values.add(e.asString());
                }
            }
            default -> { }
        }
        return new DateTriggerSpec.Condition(attribute, op, values);
    }

    private static <E extends Enum<E>> E choice(JsonNode node, String field, String path, Class<E> type, E fallback,
            List<FieldError> errors) {
        String v = text(node, field);
        if (v == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(path + "." + field, "must be one of " + java.util.Arrays.stream(
                    type.getEnumConstants()).map(x -> x.name().toLowerCase(Locale.ROOT)).toList()));
            return fallback;
        }
    }

    private static ScheduleRule schedule(JsonNode node, String path, List<FieldError> errors) {
        if (text(node, "segment") == null) {
            errors.add(new FieldError(path + ".segment", "is required: the name of the segment to send to"));
        }
        ZoneId zone = ZoneId.of("UTC");
        String tz = text(node, "timeZone");
        if (tz != null) {
            try {
                zone = ZoneId.of(tz);
            } catch (DateTimeException e) {
                errors.add(new FieldError(path + ".timeZone", "'" + tz + "' is not a time zone (e.g."
                        + " Europe/Brussels)"));
            }
        }
        String at = text(node, "at");
        String cron = text(node, "cron");
        if ((at == null) == (cron == null)) {
            errors.add(new FieldError(path + ".at", "give either at (a local date-time, e.g. 2026-12-01T09:00) or"
                    + " cron (e.g. \"0 0 9 * * MON\"), not both"));
            return new ScheduleRule(null, "0 0 0 1 1 *", zone);
        }
        if (at != null) {
            try {
                return new ScheduleRule(LocalDateTime.parse(at), null, zone);
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(path + ".at", "must be a local date-time such as 2026-12-01T09:00"));
                return new ScheduleRule(LocalDateTime.MAX, null, zone);
            }
        }
        try {
            CronExpression.parse(cron);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(path + ".cron", "is not a cron expression (six fields: second minute hour"
                    + " day-of-month month day-of-week, e.g. \"0 0 9 * * MON\"): " + e.getMessage()));
            return new ScheduleRule(null, "0 0 0 1 1 *", zone);
        }
        return new ScheduleRule(null, cron, zone);
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() && !v.asString().isBlank() ? v.asString() : null;
    }

    static List<String> strings(JsonNode node, String path, List<FieldError> errors) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            errors.add(new FieldError(path, "must be an array of strings"));
            return out;
        }
        for (JsonNode n : node) {
            if (!n.isString()) {
                errors.add(new FieldError(path, "must be an array of strings"));
                return out;
            }
            out.add(n.asString());
        }
        return out;
    }
}
