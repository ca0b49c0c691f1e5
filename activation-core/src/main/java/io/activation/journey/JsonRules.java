package io.activation.journey;

import io.activation.platform.FieldError;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Evaluates the attribute part of the shared rule JSON ({@code and}, {@code or}, {@code not}, attribute
 * comparisons) against a flat JSON object: event properties, row values or contact values. Numbers compare as
 * numbers, everything else as text (ISO dates and timestamps compare correctly as text).
 */
public final class JsonRules {

    static final Set<String> OPS = Set.of("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains",
            "starts_with", "is_null", "is_not_null", "between");
    /**
     * Operators that compare a value with its value before the change (row and contact triggers only):
     * {@code changed}, {@code increased}, {@code decreased} (numbers), {@code became} (now equal to {@code value},
     * before not).
     */
    static final Set<String> CHANGE_OPS = Set.of("changed", "increased", "decreased", "became");

    private JsonRules() {}

    /** Whether the values satisfy the rule; a null rule matches everything. */
    public static boolean matches(JsonNode rule, JsonNode values) {
        return matches(rule, values, values);
    }

    /**
     * Whether the values satisfy the rule, where change operators and {@code {"previous": <rule>}} read
     * {@code previous}: the complete values before the change (equal to {@code values} when nothing changed, an
     * empty object for a created row).
     */
    public static boolean matches(JsonNode rule, JsonNode values, JsonNode previous) {
        if (rule == null || rule.isNull() || rule.isMissingNode()) {
            return true;
        }
        if (rule.has("and")) {
            for (JsonNode r : rule.get("and")) {
                if (!matches(r, values, previous)) {
                    return false;
                }
            }
            return true;
        }
        if (rule.has("or")) {
            for (JsonNode r : rule.get("or")) {
                if (matches(r, values, previous)) {
                    return true;
                }
            }
            return false;
        }
        if (rule.has("not")) {
            return !matches(rule.get("not"), values, previous);
        }
        if (rule.has("previous")) {
            return matches(rule.get("previous"), previous, previous);
        }
        String op = rule.path("op").asString();
        String attribute = rule.path("attribute").asString();
        JsonNode now = values == null ? null : values.get(attribute);
        if (CHANGE_OPS.contains(op)) {
            return changed(op, now, previous == null ? null : previous.get(attribute), rule.get("value"));
        }
        return compare(op, now, rule.get("value"));
    }

    private static boolean changed(String op, JsonNode now, JsonNode before, JsonNode expected) {
        boolean hadNone = before == null || before.isNull() || before.isMissingNode();
        boolean hasNone = now == null || now.isNull() || now.isMissingNode();
        boolean same = hadNone ? hasNone : !hasNone && equal(now, before);
        return switch (op) {
            case "changed" -> !same;
            case "became" -> !same && compare("eq", now, expected);
            case "increased", "decreased" -> {
                BigDecimal a = hasNone ? null : number(now);
                BigDecimal b = hadNone ? null : number(before);
                yield a != null && b != null && (op.equals("increased") ? a.compareTo(b) > 0 : a.compareTo(b) < 0);
            }
            default -> false;
        };
    }

    /** Compares one actual value with the rule's value by the operator. */
    public static boolean compare(String op, JsonNode actual, JsonNode expected) {
        boolean missing = actual == null || actual.isNull() || actual.isMissingNode();
        switch (op) {
            case "is_null":
                return missing;
            case "is_not_null":
                return !missing;
            case "ne":
                return missing || !equal(actual, expected);
            case "not_in":
                if (missing) {
                    return true;
                }
                for (JsonNode v : expected) {
                    if (equal(actual, v)) {
                        return false;
                    }
                }
                return true;
            default:
                break;
        }
        if (missing) {
            return false;
        }
        return switch (op) {
            case "eq" -> equal(actual, expected);
            case "lt" -> order(actual, expected) < 0;
            case "lte" -> order(actual, expected) <= 0;
            case "gt" -> order(actual, expected) > 0;
            case "gte" -> order(actual, expected) >= 0;
            case "in" -> {
                for (JsonNode v : expected) {
                    if (equal(actual, v)) {
                        yield true;
                    }
                }
                yield false;
            }
            case "contains" -> actual.asString().contains(expected.asString());
            case "starts_with" -> actual.asString().startsWith(expected.asString());
            case "between" -> order(actual, expected.get(0)) >= 0 && order(actual, expected.get(1)) <= 0;
            default -> false;
        };
    }

    /** Structural problems of a rule: unknown operators, missing values. Paths are under {@code path}. */
    static List<FieldError> problems(JsonNode rule, String path) {
        List<FieldError> errors = new ArrayList<>();
        check(rule, path, false, errors);
        return errors;
    }

    /** As {@link #problems(JsonNode, String)}, also allowing change operators and {@code previous}. */
    static List<FieldError> changeProblems(JsonNode rule, String path) {
        List<FieldError> errors = new ArrayList<>();
        check(rule, path, true, errors);
        return errors;
    }

    private static void check(JsonNode rule, String path, boolean changes, List<FieldError> errors) {
        if (rule == null || !rule.isObject()) {
            errors.add(new FieldError(path, "must be a rule object"));
            return;
        }
        for (String group : List.of("and", "or")) {
            if (rule.has(group)) {
                JsonNode list = rule.get(group);
                if (!list.isArray() || list.isEmpty()) {
                    errors.add(new FieldError(path + "." + group, "must be a non-empty array of rules"));
                    return;
                }
                for (int i = 0; i < list.size(); i++) {
                    check(list.get(i), path + "." + group + "[" + i + "]", changes, errors);
                }
                return;
            }
        }
        if (rule.has("not")) {
            check(rule.get("not"), path + ".not", changes, errors);
            return;
        }
        if (changes && rule.has("previous")) {
            check(rule.get("previous"), path + ".previous", false, errors);
            return;
        }
        if (!rule.path("attribute").isString()) {
            errors.add(new FieldError(path + ".attribute", "is required"));
        }
        String op = rule.path("op").asString("");
        if (changes && CHANGE_OPS.contains(op)) {
            if (op.equals("became") && rule.get("value") == null) {
                errors.add(new FieldError(path + ".value", "is required"));
            }
        } else if (!OPS.contains(op)) {
            List<String> allowed = new ArrayList<>(OPS);
            if (changes) {
                allowed.addAll(CHANGE_OPS);
            }
            errors.add(new FieldError(path + ".op", "must be one of " + allowed.stream().sorted().toList()));
        } else if (!op.startsWith("is_")) {
            JsonNode value = rule.get("value");
            boolean needsArray = op.equals("in") || op.equals("not_in") || op.equals("between");
            if (value == null || (needsArray && !value.isArray()) || (op.equals("between") && value.size() != 2)) {
                errors.add(new FieldError(path + ".value", needsArray ? "must be an array"
                        + (op.equals("between") ? " of two values" : "") : "is required"));
            }
        }
    }

    /** Attribute names a rule refers to, with their paths, for validation against a table. */
    static void attributes(JsonNode rule, String path, List<String[]> out) {
        if (rule == null || !rule.isObject()) {
            return;
        }
        for (String group : List.of("and", "or")) {
            if (rule.has(group) && rule.get(group).isArray()) {
                for (int i = 0; i < rule.get(group).size(); i++) {
                    attributes(rule.get(group).get(i), path + "." + group + "[" + i + "]", out);
                }
                return;
            }
        }
        if (rule.has("not")) {
            attributes(rule.get("not"), path + ".not", out);
        } else if (rule.has("previous")) {
            attributes(rule.get("previous"), path + ".previous", out);
        } else if (rule.path("attribute").isString()) {
            out.add(new String[] {rule.get("attribute").asString(), path + ".attribute"});
        }
    }

    private static boolean equal(JsonNode a, JsonNode b) {
        if (b == null || b.isNull()) {
            return a == null || a.isNull();
        }
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) {
            return x.compareTo(y) == 0;
        }
        if (a.isBoolean() || b.isBoolean()) {
            return a.asString().equalsIgnoreCase(b.asString());
        }
        return a.asString().equals(b.asString());
    }

    private static int order(JsonNode a, JsonNode b) {
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) {
            return x.compareTo(y);
        }
        return a.asString().compareTo(b.asString());
    }

    private static BigDecimal number(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isNumber()) {
            return n.decimalValue();
        }
        if (n.isString()) {
            try {
                return new BigDecimal(n.asString());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
