package io.activation.segment.value;

import io.activation.datamodel.AttributeType;
import io.activation.platform.InvalidInputException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A condition on a row, in the segment rules' shape: {@code {"attribute": "order_no.cancelled", "op": "eq",
 * "value": true}}. Ops: eq ne lt lte gt gte in not_in starts_with is_null is_not_null. Values are bound as
 * parameters, typed by the column.
 */
public record RowCondition(String attribute, String op, JsonNode value) {

    static final Set<String> OPS = Set.of("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "starts_with",
            "is_null", "is_not_null");

    public static RowCondition parse(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            throw new InvalidInputException(field, "must be an object {\"attribute\": ..., \"op\": ..., \"value\": ...}");
        }
        JsonNode a = node.get("attribute");
        JsonNode o = node.get("op");
        if (a == null || !a.isString()) {
            throw new InvalidInputException(field + ".attribute", "is required: a column or relation.column");
        }
        if (o == null || !o.isString() || !OPS.contains(o.stringValue())) {
            throw new InvalidInputException(field + ".op", "must be one of " + String.join(", ", OPS.stream().sorted()
                    .toList()));
        }
        JsonNode v = node.get("value");
        boolean unary = o.stringValue().startsWith("is_");
        if (!unary && (v == null || v.isNull())) {
            throw new InvalidInputException(field + ".value", "is required for op " + o.stringValue());
        }
        if ((o.stringValue().equals("in") || o.stringValue().equals("not_in")) && !v.isArray()) {
            throw new InvalidInputException(field + ".value", "must be an array for op " + o.stringValue());
        }
        return new RowCondition(a.stringValue(), o.stringValue(), unary ? null : v);
    }

    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("attribute", attribute);
        json.put("op", op);
        if (value != null) {
            json.set("value", value);
        }
        return json;
    }

    /** The SQL of this condition (null-safe: an unknown value is false), appending its parameters to {@code args}. */
    String sql(ColumnPath.Joins joins, String field, List<Object> args) {
        ColumnPath.Resolved column = joins.resolve(attribute, field + ".attribute");
        String c = column.sql();
        String sql = switch (op) {
            case "is_null" -> c + " is null";
            case "is_not_null" -> c + " is not null";
            case "starts_with" -> {
                if (column.type() == AttributeType.BOOLEAN || column.numeric() || column.temporal()
                        || column.type() == AttributeType.JSON) {
                    throw new InvalidInputException(field + ".op", "starts_with applies to text columns");
                }
                args.add(escapeLike(text(value, field)) + "%");
                yield c + " like ? escape '\\'";
            }
            case "in", "not_in" -> {
                List<String> marks = new ArrayList<>();
                for (JsonNode item : value) {
                    args.add(bind(column.type(), item, field + ".value"));
                    marks.add("?");
                }
                if (marks.isEmpty()) {
                    yield op.equals("in") ? "false" : "true";
                }
                yield c + (op.equals("in") ? " in (" : " not in (") + String.join(", ", marks) + ")";
            }
            default -> {
                args.add(bind(column.type(), value, field + ".value"));
                String operator = switch (op) {
                    case "eq" -> "=";
                    case "ne" -> "<>";
                    case "lt" -> "<";
                    case "lte" -> "<=";
                    case "gt" -> ">";
                    default -> ">=";
                };
                yield c + " " + operator + " ?";
            }
        };
        return "coalesce(" + sql + ", false)";
    }

    private static Object bind(AttributeType type, JsonNode v, String field) {
        try {
            return switch (type) {
                case BOOLEAN -> {
                    if (!v.isBoolean()) {
                        throw new InvalidInputException(field, "must be true or false");
                    }
                    yield v.booleanValue();
                }
                case INTEGER, DECIMAL -> {
                    if (!v.isNumber() && !v.isString()) {
                        throw new InvalidInputException(field, "must be a number");
                    }
                    yield new BigDecimal(v.isNumber() ? v.decimalValue().toPlainString() : v.stringValue());
                }
                case DATE -> LocalDate.parse(text(v, field));
                case TIMESTAMP -> OffsetDateTime.parse(text(v, field));
                default -> text(v, field);
            };
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new InvalidInputException(field, "is not a valid " + type + " value");
        }
    }

    private static String text(JsonNode v, String field) {
        if (v == null || !(v.isString() || v.isNumber())) {
            throw new InvalidInputException(field, "must be a string");
        }
        return v.isString() ? v.stringValue() : v.asString();
    }

    private static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
