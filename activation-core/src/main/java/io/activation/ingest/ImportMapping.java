package io.activation.ingest;

import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * How the columns of a CSV file become the rows of one table: for each attribute, where its value comes from; for
 * tables whose rows belong to a contact, the column holding the contact's external id; and the options. Written as
 * JSON:
 *
 * <pre>{@code
 * {"attributes": {
 *     "order_no":   "InvoiceNo",
 *     "ordered_at": {"column": "InvoiceDate", "transform": "datetime:yyyy-MM-dd HH:mm:ss"},
 *     "cancelled":  {"column": "InvoiceNo", "transform": "startsWith:C"},
 *     "line_id":    {"template": "{InvoiceNo}-{$line}"},
 *     "currency":   {"value": "GBP"}},
 *  "contact": {"column": "CustomerID", "transform": "integer"},
 *  "options": {"timeZone": "Europe/London", "skipRowsWithoutContact": true}}
 * }</pre>
 *
 * A column source is trimmed first (unless {@code "trim": false}); {@code transform} is one name or a list applied
 * in order. Attributes left out of the mapping keep their stored values. Validation checks the mapping against
 * the table here and against the file's header in {@link #checkColumns}; every problem names its field under
 * {@code mapping}.
 */
public final class ImportMapping {

    /** One mapped attribute. */
    record Attribute(String name, ValueSource source) {}

    private static final String PATH = "mapping";
    private static final Set<String> TOP_FIELDS = Set.of("attributes", "contact", "options");
    private static final Set<String> SOURCE_FIELDS = Set.of("column", "transform", "trim", "timeZone", "template",
            "value");

    private final TableSchema table;
    private final List<Attribute> attributes;
    private final ValueSource contact;
    private final ImportOptions options;
    private final JsonNode json;

    private ImportMapping(TableSchema table, List<Attribute> attributes, ValueSource contact, ImportOptions options,
            JsonNode json) {
        this.table = table;
        this.attributes = List.copyOf(attributes);
        this.contact = contact;
        this.options = options;
        this.json = json;
    }

    /** Reads and checks a mapping for the table; {@link InvalidInputException} naming every wrong field. */
    public static ImportMapping parse(JsonNode json, TableSchema table) {
        List<FieldError> errors = new ArrayList<>();
        if (json == null || json.isNull() || json.isMissingNode()) {
            throw new InvalidInputException(PATH, "is required: a JSON object with 'attributes'");
        }
        if (!json.isObject()) {
            throw new InvalidInputException(PATH, "must be a JSON object with 'attributes'");
        }
        for (String name : json.propertyNames()) {
            if (!TOP_FIELDS.contains(name)) {
                errors.add(new FieldError(PATH + "." + name, "is not part of a mapping; use attributes, contact"
                        + " and options"));
            }
        }
        ImportOptions options = ImportOptions.parse(json.get("options"), PATH + ".options", errors);
        List<Attribute> attributes = new ArrayList<>();
        JsonNode mapped = json.get("attributes");
        if (mapped == null || mapped.isNull()) {
            errors.add(new FieldError(PATH + ".attributes", "is required: an object of attribute names to columns"));
        } else if (!mapped.isObject() || mapped.isEmpty()) {
            errors.add(new FieldError(PATH + ".attributes", "must be a non-empty object of attribute names to"
                    + " columns"));
        } else {
            for (Map.Entry<String, JsonNode> entry : mapped.properties()) {
                String name = entry.getKey();
                String path = PATH + ".attributes." + name;
                if (table.column(name).isEmpty()) {
                    errors.add(new FieldError(path, "is not an attribute of table '" + table.name() + "'"));
                    continue;
                }
                ValueSource source = source(entry.getValue(), path, options.timeZone(), true, errors);
                if (source != null) {
                    attributes.add(new Attribute(name, source));
                }
            }
            Set<String> names = new LinkedHashSet<>(mapped.propertyNames());
            if (!names.contains(table.businessKey())) {
                errors.add(new FieldError(PATH + ".attributes." + table.businessKey(), "is required: it is the"
                        + " business key of '" + table.name() + "'"));
            }
            for (TableSchema.Column column : table.columns()) {
                if (column.required() && !column.name().equals(table.businessKey())
                        && !names.contains(column.name())) {
                    errors.add(new FieldError(PATH + ".attributes." + column.name(), "is required by table '"
                            + table.name() + "'"));
                }
            }
        }
        ValueSource contact = null;
        JsonNode contactJson = json.get("contact");
        boolean contactSent = contactJson != null && !contactJson.isNull();
        if (table.kind() == TableKind.CONTACTS) {
            if (contactSent) {
                errors.add(new FieldError(PATH + ".contact", "contacts are identified by their external_id: map it"
                        + " under attributes"));
            }
        } else if (table.belongsToContact()) {
            if (!contactSent) {
                errors.add(new FieldError(PATH + ".contact", "is required: rows of '" + table.name() + "' belong to"
                        + " a contact; name the column that holds the contact's external id"));
            } else {
                contact = source(contactJson, PATH + ".contact", options.timeZone(), false, errors);
            }
        } else if (contactSent) {
            errors.add(new FieldError(PATH + ".contact", "rows of reference table '" + table.name()
                    + "' belong to no contact"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new ImportMapping(table, attributes, contact, options, json);
    }

    /** The problems of the mapping with a file that has these columns (empty when it fits). */
    public List<FieldError> checkColumns(List<String> header) {
        Set<String> present = new LinkedHashSet<>(header);
        List<FieldError> errors = new ArrayList<>();
        for (Attribute a : attributes) {
            check(a.source(), PATH + ".attributes." + a.name(), present, errors);
        }
        if (contact != null) {
            check(contact, PATH + ".contact", present, errors);
        }
        return errors;
    }

    public TableSchema table() {
        return table;
    }

    public ImportOptions options() {
        return options;
    }

    /** The mapping as it was sent. */
    public JsonNode json() {
        return json;
    }

    List<Attribute> attributes() {
        return attributes;
    }

    /** The contact's source, for tables whose rows belong to a contact; else null. */
    ValueSource contact() {
        return contact;
    }

    private static void check(ValueSource source, String path, Set<String> present, List<FieldError> errors) {
        for (String column : source.columns()) {
            if (!present.contains(column)) {
                String field = source instanceof ValueSource.Template ? path + ".template" : path + ".column";
                errors.add(new FieldError(field, "the file has no column '" + Cells.shown(column) + "'; its columns"
                        + " are " + shownColumns(present)));
            }
        }
    }

    private static String shownColumns(Set<String> present) {
        List<String> names = present.stream().map(Cells::shown).toList();
        String list = String.join(", ", names.size() > 30 ? names.subList(0, 30) : names);
        return names.size() > 30 ? list + ", ..." : list;
    }

    private static ValueSource source(JsonNode node, String path, ZoneId defaultZone, boolean constantAllowed,
            List<FieldError> errors) {
        if (node.isString()) {
            String column = node.stringValue();
            if (column.isEmpty()) {
                errors.add(new FieldError(path, "must name a column of the file"));
                return null;
            }
            return new ValueSource.Column(column, true, List.of());
        }
        if (!node.isObject()) {
            errors.add(new FieldError(path, "must be a column name or an object with 'column', 'template' or"
                    + " 'value'"));
            return null;
        }
        int before = errors.size();
        for (String name : node.propertyNames()) {
            if (!SOURCE_FIELDS.contains(name)) {
                errors.add(new FieldError(path + "." + name, "is not part of a source; use column (with transform,"
                        + " trim, timeZone), template or value"));
            }
        }
        JsonNode column = node.get("column");
        JsonNode template = node.get("template");
        JsonNode value = node.get("value");
        int kinds = (column != null ? 1 : 0) + (template != null ? 1 : 0) + (value != null ? 1 : 0);
        if (kinds != 1) {
            errors.add(new FieldError(path, "must have exactly one of 'column', 'template' or 'value'"));
            return null;
        }
        ZoneId zone = defaultZone;
        JsonNode zoneJson = node.get("timeZone");
        if (zoneJson != null) {
            if (!zoneJson.isString()) {
                errors.add(new FieldError(path + ".timeZone", "must be a string such as Europe/London"));
            } else {
                zone = ImportOptions.zone(zoneJson.stringValue(), path + ".timeZone", errors);
            }
        }
        if (value != null) {
            if (!constantAllowed) {
                errors.add(new FieldError(path + ".value", "must come from the file: use 'column' or 'template'"));
            } else if (node.size() > 1) {
                errors.add(new FieldError(path, "a constant 'value' takes no other setting"));
            } else if (!value.isString() && !value.isNumber() && !value.isBoolean()) {
                errors.add(new FieldError(path + ".value", "must be a string, number or boolean"));
            } else {
                return new ValueSource.Constant(value.isString() ? value.stringValue() : value.toString());
            }
            return null;
        }
        if (template != null) {
            if (node.has("transform") || node.has("trim")) {
                errors.add(new FieldError(path, "a template takes transforms inside its placeholders, e.g."
                        + " {CustomerID|integer}"));
                return null;
            }
            if (!template.isString()) {
                errors.add(new FieldError(path + ".template", "must be a string such as \"{InvoiceNo}-{$line}\""));
                return null;
            }
            try {
                return ValueSource.Template.parse(template.stringValue(), zone);
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(path + ".template", e.getMessage()));
                return null;
            }
        }
        if (!column.isString() || column.stringValue().isEmpty()) {
            errors.add(new FieldError(path + ".column", "must name a column of the file"));
            return null;
        }
        boolean trim = true;
        JsonNode trimJson = node.get("trim");
        if (trimJson != null) {
            if (!trimJson.isBoolean()) {
                errors.add(new FieldError(path + ".trim", "must be true or false"));
            } else {
                trim = trimJson.booleanValue();
            }
        }
        List<CellTransform> transforms = new ArrayList<>();
        JsonNode transform = node.get("transform");
        if (transform != null) {
            List<JsonNode> specs = new ArrayList<>();
            if (transform.isArray()) {
                transform.forEach(specs::add);
            } else {
                specs.add(transform);
            }
            for (int i = 0; i < specs.size(); i++) {
                String field = path + ".transform" + (transform.isArray() ? "[" + i + "]" : "");
                JsonNode spec = specs.get(i);
                if (!spec.isString()) {
                    errors.add(new FieldError(field, "must be a string: one of " + CellTransform.NAMES));
                    continue;
                }
                try {
                    transforms.add(CellTransform.parse(spec.stringValue(), zone));
                } catch (IllegalArgumentException e) {
                    errors.add(new FieldError(field, e.getMessage()));
                }
            }
        }
        if (errors.size() > before) {
            return null;
        }
        return new ValueSource.Column(column.stringValue(), trim, transforms);
    }

    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>();
        attributes.forEach(a -> shown.put(a.name(), a.source().describe()));
        return "ImportMapping[" + table.name() + " " + shown + (contact == null ? "" : ", contact "
                + contact.describe()) + "]";
    }
}
