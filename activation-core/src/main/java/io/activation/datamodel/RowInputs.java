package io.activation.datamodel;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Turns the values a client sent for a row into a validated {@link RowWrite}: every attribute must exist and hold
 * a value of its type; field paths in errors are those of the request ({@code values.total}).
 */
@Component
public class RowInputs {

    /**
     * The built-in contact columns that are {@code varchar(n)} (V1__platform.sql) and whose type does not bound the
     * length already: longer text must be refused here, as the database would refuse it with an error naming no
     * field.
     */
    private static final Map<String, Integer> CONTACT_TEXT_LIMITS = Map.of(
            "external_id", 255, "first_name", 200, "last_name", 200, "locale", 35, "time_zone", 64);

    private final Values values;

    RowInputs(DataModelProperties properties) {
        this.values = new Values(properties.maxTextLength());
    }

    /**
     * @param fields the attribute values as JSON (object of attribute name to value)
     * @param path the request path of that object, e.g. {@code values} or {@code items[2].values}
     * @param contactId the owning contact for contact-owned tables, else null
     * @param defaultRegion the country used to read national phone numbers, or null
     */
    public RowWrite parse(TableSchema table, JsonNode fields, String path, Long contactId, String defaultRegion) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Object> parsed = values(table, fields, path, defaultRegion, errors);
        Object key = parsed.get(table.businessKey());
        if (key == null && errors.stream().noneMatch(e -> e.field().endsWith(table.businessKey()))) {
            errors.add(new FieldError(path.isEmpty() ? table.businessKey() : path + "." + table.businessKey(),
                    "is required: it is the business key of '" + table.name() + "'"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new RowWrite(key, parsed, contactId);
    }

    /** The canonical values of the attributes sent, without requiring the business key. */
    public Map<String, Object> parseValues(TableSchema table, JsonNode fields, String path, String defaultRegion) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Object> parsed = values(table, fields, path, defaultRegion, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return parsed;
    }

    private Map<String, Object> values(TableSchema table, JsonNode fields, String path, String defaultRegion,
            List<FieldError> errors) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        if (fields == null || fields.isNull() || fields.isMissingNode()) {
            throw new InvalidInputException(path.isEmpty() ? "values" : path, "is required");
        }
        if (!fields.isObject()) {
            throw new InvalidInputException(path.isEmpty() ? "values" : path,
                    "must be an object of attribute names to values");
        }
        for (Map.Entry<String, JsonNode> field : fields.properties()) {
            String name = field.getKey();
            String fieldPath = path.isEmpty() ? name : path + "." + name;
            TableSchema.Column column = table.column(name).orElse(null);
            if (column == null) {
                errors.add(new FieldError(fieldPath, "is not an attribute of table '" + table.name() + "'"));
                continue;
            }
            try {
                Object value = values.fromJson(column, field.getValue(), defaultRegion);
                Integer limit = table.kind() == TableKind.CONTACTS ? CONTACT_TEXT_LIMITS.get(name) : null;
                if (limit != null && value instanceof String text && text.length() > limit) {
                    errors.add(new FieldError(fieldPath, "must be at most " + limit + " characters"));
                    continue;
                }
                parsed.put(name, value);
            } catch (Values.InvalidValue e) {
                errors.add(new FieldError(fieldPath, e.getMessage()));
            }
        }
        return parsed;
    }

    /** A business key given as text (a URL path segment) in its canonical type. */
    public Object key(TableSchema table, String text, String field) {
        try {
            Object key = values.fromText(table.keyColumn(), text, null);
            if (key == null) {
                throw new InvalidInputException(field, "is required");
            }
            return key;
        } catch (Values.InvalidValue e) {
            throw new InvalidInputException(field, e.getMessage());
        }
    }

    /** The canonical value of a text cell for a column (CSV import). */
    public Object text(TableSchema.Column column, String text, String defaultRegion) throws Values.InvalidValue {
        return values.fromText(column, text, defaultRegion);
    }

    /** The canonical value of a JSON value for a column. */
    public Object json(TableSchema.Column column, JsonNode node, String defaultRegion) throws Values.InvalidValue {
        return values.fromJson(column, node, defaultRegion);
    }
}
