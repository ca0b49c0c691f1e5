package io.activation.journey;

import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.journey.source.DateTriggers;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.segment.Segments;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Checks a trigger (or exit rule) against the catalogue: tables and attributes its filters name (a row trigger on
 * reference changes may follow a relation of the linking row, {@code cart_id.status}, and filter the reference row
 * by {@code reference}), a date trigger's spec through {@link DateTriggers#validate}, a schedule's segment.
 */
@Component
class TriggerChecks {

    /** Field names of {@link DateTriggers#validate} mapped to the trigger's JSON fields. */
    private static final Map<String, String> DATE_FIELDS = Map.of("table", "table", "column", "column", "localTime",
            "at", "offsetDays", "offsetDays", "perContact", "perContact", "recurrence", "recurrence",
            "timeZoneColumn", "column", "defaultZone", "at", "id", "type");

    private final TableCatalog catalog;
    private final DateTriggers dates;
    private final Segments segments;
    private final Clock clock;

    TriggerChecks(TableCatalog catalog, DateTriggers dates, Segments segments, Clock clock) {
        this.catalog = catalog;
        this.dates = dates;
        this.segments = segments;
        this.clock = clock;
    }

    void check(Trigger t, String path, boolean exitRule, List<FieldError> errors) {
        if (exitRule && (t.kind() == Trigger.Kind.DATE || t.kind() == Trigger.Kind.SCHEDULE)) {
            errors.add(new FieldError(path + ".type", "date and schedule triggers start journeys; they cannot end"
                    + " them"));
            return;
        }
        switch (t.kind()) {
            case ROW -> row(t, path, errors);
            case CONTACT_ATTRIBUTE -> attributes(t, catalog.contacts(), path, errors);
            case DATE -> date(t, path, errors);
            case SCHEDULE -> schedule(t, path, errors);
            default -> { }
        }
    }

    private void row(Trigger t, String path, List<FieldError> errors) {
        TableSchema table = table(t.table(), path + ".table", errors);
        if (table == null) {
            return;
        }
        attributes(t, table, path, errors);
        if (t.reference() != null) {
            List<TableSchema> referenced = table.columns().stream().filter(c -> c.referencesTable() != null)
                    .map(c -> find(c.referencesTable())).flatMap(Optional::stream)
                    .filter(s -> s.kind() == TableKind.REFERENCE).toList();
            if (referenced.isEmpty()) {
                errors.add(new FieldError(path + ".reference", "'" + table.name() + "' references no reference"
                        + " table"));
                return;
            }
            List<String[]> names = new ArrayList<>();
            JsonRules.attributes(t.reference(), path + ".reference", names);
            for (String[] a : names) {
                if (referenced.stream().noneMatch(s -> s.column(a[0]).isPresent())) {
                    errors.add(new FieldError(a[1], "'" + a[0] + "' is not an attribute of "
                            + referenced.stream().map(TableSchema::name).toList()));
                }
            }
        }
    }

    private void attributes(Trigger t, TableSchema table, String path, List<FieldError> errors) {
        List<String[]> attributes = new ArrayList<>();
        JsonRules.attributes(t.where(), path + ".where", attributes);
        for (String name : t.changed()) {
            attributes.add(new String[] {name, path + ".changed"});
        }
        boolean related = t.kind() == Trigger.Kind.ROW && t.on().equals(Set.of("reference-changed"));
        for (String[] a : attributes) {
            int dot = a[0].indexOf('.');
            if (dot > 0 && related && a[1].startsWith(path + ".where")) {
                // A relation of the linking row, one hop further: cart_id.status.
                String relation = a[0].substring(0, dot);
                String column = a[0].substring(dot + 1);
                Optional<TableSchema.Column> r = table.column(relation);
                Optional<TableSchema> target = r.map(TableSchema.Column::referencesTable).flatMap(this::find);
                if (target.isEmpty()) {
                    errors.add(new FieldError(a[1], "'" + relation + "' is not a relation attribute of '"
                            + table.name() + "'"));
                } else if (target.get().column(column).isEmpty()) {
                    errors.add(new FieldError(a[1], "'" + column + "' is not an attribute of '"
                            + target.get().name() + "'"));
                }
            } else if (table.column(a[0]).isEmpty()) {
                errors.add(new FieldError(a[1], "'" + a[0] + "' is not an attribute of '" + table.name() + "'"
                        + (dot > 0 ? " (relations are followed on reference-changed triggers only)" : "")));
            }
        }
    }

    private void date(Trigger t, String path, List<FieldError> errors) {
        Trigger.DateRule rule = t.date();
        if (t.table() == null || rule == null || rule.column() == null || rule.at() == null) {
            return; // reported by parsing
        }
        try {
            dates.validate(rule.spec(0, t.table(), ZoneId.of("UTC")));
        } catch (InvalidInputException e) {
            for (FieldError f : e.errors()) {
                String field = f.field();
                String mapped;
                if (field.startsWith("where[")) {
                    mapped = field.replace("].column", "].attribute").replace("].values", "].value");
                } else {
                    mapped = DATE_FIELDS.getOrDefault(field, field);
                }
                errors.add(new FieldError(path + "." + mapped, f.message()));
            }
        }
    }

    private void schedule(Trigger t, String path, List<FieldError> errors) {
        if (t.segment() != null && segments.idByName(t.segment()).isEmpty()) {
            errors.add(new FieldError(path + ".segment", "unknown segment: '" + t.segment() + "'"));
        }
        Trigger.ScheduleRule s = t.schedule();
        if (s != null && s.at() != null && s.at().getYear() < 10_000 && s.firstAtOrAfter(clock.instant()) == null) {
            errors.add(new FieldError(path + ".at", s.at() + " in " + s.zone() + " is in the past"));
        }
    }

    private Optional<TableSchema> find(String name) {
        try {
            return Optional.of(catalog.schema(name));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private TableSchema table(String name, String path, List<FieldError> errors) {
        if (name == null) {
            return null;
        }
        try {
            TableSchema t = catalog.schema(name, path);
            if (t.kind() == TableKind.CONTACTS) {
                errors.add(new FieldError(path, "use a contactAttribute trigger or an updateContact step for"
                        + " contacts"));
                return null;
            }
            return t;
        } catch (NotFoundException e) {
            errors.add(new FieldError(path, "unknown table: " + e.getMessage()));
            return null;
        }
    }
}
