package io.activation.segment.value;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An RFM model's configuration. Columns are paths: a column of {@code table} or one relation hop away
 * ({@code order_no.ordered_at}).
 *
 * @param table the interaction table of purchases (orders, or order lines)
 * @param dateColumn when the purchase happened (TIMESTAMP or DATE)
 * @param orderColumn what one purchase is, for frequency (distinct values); null: the table's business key
 * @param amount one numeric column, or the product of two (quantity × unit price)
 * @param exclude rows to leave out when any of these holds (e.g. cancelled invoices)
 * @param referenceDate the day recency is counted back from; null: today by the clock, in {@code timeZone}
 * @param timeZone the zone in which a timestamp's day is taken
 */
public record RfmModel(String name, String table, String dateColumn, String orderColumn, List<String> amount,
        List<RowCondition> exclude, LocalDate referenceDate, ZoneId timeZone) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");

    public RfmModel {
        amount = List.copyOf(amount);
        exclude = List.copyOf(exclude);
    }

    /** Reads and checks the shape of a definition; the columns are checked against the tables by {@link Rfm}. */
    static RfmModel parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be an object");
        }
        List<FieldError> errors = new ArrayList<>();
        for (String field : body.propertyNames()) {
            if (!List.of("name", "table", "dateColumn", "orderColumn", "amountColumn", "amount", "exclude",
                    "referenceDate", "timeZone").contains(field)) {
                errors.add(new FieldError(field, "is not a field of an RFM model"));
            }
        }
        String name = text(body, "name", errors, true);
        if (name != null && !NAME.matcher(name).matches()) {
            errors.add(new FieldError("name", "must be 1 to 63 characters of a-z, 0-9, '_' or '-', starting with a"
                    + " letter"));
        }
        String table = text(body, "table", errors, true);
        String date = text(body, "dateColumn", errors, true);
        String order = text(body, "orderColumn", errors, false);
        List<String> amount = new ArrayList<>();
        String amountColumn = text(body, "amountColumn", errors, false);
        JsonNode a = body.get("amount");
        if (amountColumn != null && a != null) {
            errors.add(new FieldError("amount", "give amountColumn or amount, not both"));
        } else if (amountColumn != null) {
            amount.add(amountColumn);
        } else if (a == null || !a.isObject() || a.size() != 1 || !(a.has("column") || a.has("multiply"))) {
            errors.add(new FieldError("amount", "is required: {\"column\": \"total\"} or {\"multiply\": [\"quantity\","
                    + " \"unit_price\"]} (or amountColumn)"));
        } else if (a.has("column")) {
            if (!a.get("column").isString()) {
                errors.add(new FieldError("amount.column", "must be a column name"));
            } else {
                amount.add(a.get("column").stringValue());
            }
        } else {
            JsonNode m = a.get("multiply");
            if (!m.isArray() || m.size() != 2 || !m.get(0).isString() || !m.get(1).isString()) {
                errors.add(new FieldError("amount.multiply", "must be two column names"));
            } else {
                amount.add(m.get(0).stringValue());
                amount.add(m.get(1).stringValue());
            }
        }
        List<RowCondition> exclude = new ArrayList<>();
        JsonNode ex = body.get("exclude");
        if (ex != null && !ex.isNull()) {
            if (!ex.isArray()) {
                errors.add(new FieldError("exclude", "must be an array of conditions"));
            } else {
                for (int i = 0; i < ex.size(); i++) {
                    try {
                        exclude.add(RowCondition.parse(ex.get(i), "exclude[" + i + "]"));
                    } catch (InvalidInputException e) {
                        errors.addAll(e.errors());
                    }
                }
            }
        }
        LocalDate reference = null;
        String ref = text(body, "referenceDate", errors, false);
        if (ref != null) {
            try {
                reference = LocalDate.parse(ref);
            } catch (DateTimeParseException e) {
                errors.add(new FieldError("referenceDate", "must be a date (yyyy-MM-dd)"));
            }
        }
        ZoneId zone = java.time.ZoneOffset.UTC;
        String tz = text(body, "timeZone", errors, false);
        if (tz != null) {
            try {
                zone = ZoneId.of(tz);
            } catch (DateTimeException e) {
                errors.add(new FieldError("timeZone", "is not a time zone (e.g. Europe/London)"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new RfmModel(name, table, date, order, amount, exclude, reference, zone);
    }

    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("name", name);
        json.put("table", table);
        json.put("dateColumn", dateColumn);
        if (orderColumn != null) {
            json.put("orderColumn", orderColumn);
        }
        ObjectNode a = json.putObject("amount");
        if (amount.size() == 1) {
            a.put("column", amount.get(0));
        } else {
            a.putArray("multiply").add(amount.get(0)).add(amount.get(1));
        }
        var ex = json.putArray("exclude");
        exclude.forEach(c -> ex.add(c.toJson()));
        if (referenceDate != null) {
            json.put("referenceDate", referenceDate.toString());
        } else {
            json.putNull("referenceDate");
        }
        json.put("timeZone", timeZone.getId());
        return json;
    }

    private static String text(JsonNode body, String field, List<FieldError> errors, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
            return null;
        }
        if (!v.isString() || v.stringValue().isBlank()) {
            errors.add(new FieldError(field, "must be a non-empty string"));
            return null;
        }
        return v.stringValue();
    }
}
