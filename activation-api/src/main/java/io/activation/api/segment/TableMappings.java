package io.activation.api.segment;

import io.activation.api.segment.SegmentProperties.Action;
import io.activation.api.segment.SegmentProperties.TableMapping;
import io.activation.contact.ContactRef;
import io.activation.datamodel.RowInputs;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import io.activation.platform.FieldError;
import io.activation.platform.NotFoundException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The configured mappings of track events onto the shop's tables ({@code activation.segment.mappings}), compiled
 * at start-up (a bad expression stops the application with the property's name) and applied to each message:
 * which rows it writes or deletes. Tables are looked up at run time, so a mapping starts working as soon as its
 * table is defined; until then it is skipped with one warning in the log.
 */
@Component
class TableMappings {

    /**
     * A row a message writes ({@code values}) or deletes ({@code key}); {@code source} is the field path it comes
     * from (its for-each element, else its key), for warnings.
     */
    record PlannedRow(String table, Action action, ContactRef contact, ObjectNode values, Object key, String source) {}

    /** The rows of one message, and the values that could not be used (the rest of the row is still written). */
    record Planned(List<PlannedRow> rows, List<FieldError> warnings) {
        static final Planned NONE = new Planned(List.of(), List.of());
    }

    private record Compiled(int position, TableMapping config, ValueExpression forEach,
            Map<String, ValueExpression> values) {}

    private static final Logger log = LoggerFactory.getLogger(TableMappings.class);

    private final TableCatalog catalog;
    private final RowInputs inputs;
    private final Map<String, List<Compiled>> byEvent = new LinkedHashMap<>();
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    TableMappings(SegmentProperties properties, TableCatalog catalog, RowInputs inputs) {
        this.catalog = catalog;
        this.inputs = inputs;
        List<TableMapping> mappings = properties.mappings();
        for (int i = 0; i < mappings.size(); i++) {
            TableMapping mapping = mappings.get(i);
            if (!mapping.isEnabled()) {
                continue;
            }
            Compiled compiled = compile(i, mapping);
            for (String event : mapping.events()) {
                byEvent.computeIfAbsent(event, e -> new ArrayList<>()).add(compiled);
            }
        }
    }

    /** The rows a message writes; only track calls are mapped. */
    Planned plan(SegmentMessage message, String prefix) {
        if (message.type() != SegmentMessage.Type.TRACK) {
            return Planned.NONE;
        }
        List<Compiled> mappings = byEvent.getOrDefault(message.name(), List.of());
        if (mappings.isEmpty()) {
            return Planned.NONE;
        }
        List<PlannedRow> rows = new ArrayList<>();
        List<FieldError> warnings = new ArrayList<>();
        ValueExpression.Scope scope = ValueExpression.Scope.of(message.body(), message.occurredAt(), message.name());
        for (Compiled mapping : mappings) {
            TableSchema table = schema(mapping);
            if (table == null) {
                continue;
            }
            if (mapping.forEach() == null) {
                row(mapping, table, scope, null, message, prefix, rows, warnings);
                continue;
            }
            ValueExpression.Value array = mapping.forEach().evaluate(scope);
            if (array == null) {
                continue;
            }
            if (!array.node().isArray()) {
                warnings.add(new FieldError(prefix + array.source(), "must be an array to fill table '"
                        + table.name() + "'; no rows written"));
                continue;
            }
            for (int i = 0; i < array.node().size(); i++) {
                row(mapping, table, scope.element(array.node().get(i), array.source(), i),
                        prefix + array.source() + "[" + i + "]", message, prefix, rows, warnings);
            }
        }
        return new Planned(List.copyOf(rows), List.copyOf(warnings));
    }

    /** Plans one row; {@code element} is the field path of the for-each element it comes from, if any. */
    private void row(Compiled mapping, TableSchema table, ValueExpression.Scope scope, String element,
            SegmentMessage message, String prefix, List<PlannedRow> rows, List<FieldError> warnings) {
        TableSchema.Column keyColumn = table.keyColumn();
        ValueExpression.Value key = mapping.values().get(keyColumn.name()).evaluate(scope);
        if (key == null) {
            return; // the message does not name a row of this table
        }
        ContactRef contact = table.belongsToContact() ? message.contact() : null;
        String source = element != null ? element : prefix + key.source();
        JsonNode keyValue;
        try {
            keyValue = coerce(keyColumn, key.node());
        } catch (Values.InvalidValue e) {
            warnings.add(new FieldError(prefix + key.source(), e.getMessage() + " (the key of table '" + table.name()
                    + "'); no row written"));
            return;
        }
        if (mapping.config().action() == Action.DELETE) {
            try {
                rows.add(new PlannedRow(table.name(), Action.DELETE, contact, null,
                        inputs.json(keyColumn, keyValue, null), source));
            } catch (Values.InvalidValue e) {
                throw new IllegalStateException("A coerced key no longer parses", e);
            }
            return;
        }
        ObjectNode values = JsonNodeFactory.instance.objectNode();
        values.set(keyColumn.name(), keyValue);
        for (Map.Entry<String, ValueExpression> entry : mapping.values().entrySet()) {
            TableSchema.Column column = table.column(entry.getKey()).orElse(null);
            if (column == null || column == keyColumn || column.name().equals(keyColumn.name())) {
                continue;
            }
            ValueExpression.Value value = entry.getValue().evaluate(scope);
            if (value == null) {
                continue; // absent: the stored value stays as it is
            }
            try {
                values.set(column.name(), coerce(column, value.node()));
            } catch (Values.InvalidValue e) {
                warnings.add(new FieldError(prefix + value.source(), e.getMessage() + " (" + table.name() + "."
                        + column.name() + "); the row is written without it"));
            }
        }
        rows.add(new PlannedRow(table.name(), Action.UPSERT, contact, values, null, source));
    }

    /**
     * The value as the column's canonical JSON. Segment clients send numbers as strings and ids as numbers, so a
     * scalar the JSON rules refuse is read once more as text, the way a CSV cell is.
     */
    private JsonNode coerce(TableSchema.Column column, JsonNode node) throws Values.InvalidValue {
        try {
            return Values.toJson(inputs.json(column, node, null));
        } catch (Values.InvalidValue e) {
            if (!node.isValueNode()) {
                throw e;
            }
            return Values.toJson(inputs.text(column, node.asString(), null));
        }
    }

    /** The mapping's table when it can be written, else null (with one log line per mapping and cause). */
    private TableSchema schema(Compiled mapping) {
        String name = mapping.config().table();
        TableSchema table;
        try {
            table = catalog.schema(name);
        } catch (NotFoundException e) {
            warnOnce("missing:" + mapping.position(), "Segment mapping activation.segment.mappings[{}] ({} -> {}) is"
                    + " skipped: there is no table '{}'. Define the table or change the mapping; the events are"
                    + " stored all the same.", mapping.position(), mapping.config().events(), name, name);
            return null;
        }
        if (table.kind() == TableKind.CONTACTS) {
            warnOnce("contacts:" + mapping.position(), "Segment mapping activation.segment.mappings[{}] is skipped:"
                    + " contacts are written by identify calls, not by table mappings", mapping.position());
            return null;
        }
        if (!mapping.values().containsKey(table.businessKey())) {
            warnOnce("key:" + mapping.position() + ":" + table.version(), "Segment mapping"
                    + " activation.segment.mappings[{}] is skipped: it gives no value for '{}', the business key of"
                    + " table '{}'", mapping.position(), table.businessKey(), name);
            return null;
        }
        for (String column : mapping.values().keySet()) {
            if (table.column(column).isEmpty() && logged.add("column:" + mapping.position() + ":" + column)) {
                log.info("Segment mapping activation.segment.mappings[{}]: table '{}' has no attribute '{}'; that"
                        + " value is not written", mapping.position(), name, column);
            }
        }
        return table;
    }

    private void warnOnce(String key, String message, Object... arguments) {
        if (logged.add(key)) {
            log.warn(message, arguments);
        }
    }

    private static Compiled compile(int position, TableMapping mapping) {
        String property = "activation.segment.mappings[" + position + "]";
        ValueExpression forEach = null;
        if (mapping.forEach() != null) {
            try {
                forEach = ValueExpression.parsePath(mapping.forEach());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(property + ".for-each '" + mapping.forEach() + "' " + e.getMessage());
            }
        }
        Map<String, ValueExpression> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : mapping.values().entrySet()) {
            try {
                ValueExpression expression = ValueExpression.parse(entry.getValue());
                if (forEach == null && expression.usesItem()) {
                    throw new IllegalArgumentException("uses item or @index but the mapping has no for-each");
                }
                values.put(entry.getKey(), expression);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(property + ".values." + entry.getKey() + " '" + entry.getValue()
                        + "' " + e.getMessage());
            }
        }
        return new Compiled(position, mapping, forEach, java.util.Collections.unmodifiableMap(values));
    }
}
