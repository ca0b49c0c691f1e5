package io.activation.segment;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads rule JSON into {@link Rule} records, collecting every structural problem with the path of its field. Types
 * of values are checked later, against the catalogue, by the compiler.
 */
final class RuleParser {

    static final int MAX_DEPTH = 12;
    static final int MAX_NODES = 500;
    static final int MAX_LIST = 1000;

    private static final Set<String> KINDS = Set.of("and", "or", "not", "attribute", "aggregate", "exists",
            "segment", "consent", "rfm", "interest");

    private final List<FieldError> errors = new ArrayList<>();
    private int nodes;

    private RuleParser() {}

    /** The rule; {@link InvalidInputException} naming every bad field when it is not a well-formed rule. */
    static Rule parse(JsonNode json, String path) {
        RuleParser parser = new RuleParser();
        Rule rule = parser.rule(json, path, 0, false);
        if (!parser.errors.isEmpty()) {
            throw new InvalidInputException(parser.errors);
        }
        return rule;
    }

    private Rule rule(JsonNode json, String path, int depth, boolean rowRule) {
        if (++nodes > MAX_NODES) {
            if (nodes == MAX_NODES + 1) {
                errors.add(new FieldError(path, "a rule has at most " + MAX_NODES + " conditions"));
            }
            return null;
        }
        if (depth > MAX_DEPTH) {
            errors.add(new FieldError(path, "rules nest at most " + MAX_DEPTH + " levels deep"));
            return null;
        }
        if (json == null || json.isNull() || json.isMissingNode()) {
            errors.add(new FieldError(path, "a rule is required"));
            return null;
        }
        if (!json.isObject()) {
            errors.add(new FieldError(path, "must be an object such as {\"attribute\": ..., \"op\": ..., \"value\": ...}"));
            return null;
        }
        List<String> kinds = new ArrayList<>();
        json.propertyNames().forEach(name -> {
            if (KINDS.contains(name)) {
                kinds.add(name);
            }
        });
        if (kinds.size() != 1) {
            errors.add(new FieldError(path, kinds.isEmpty()
                    ? "must have one of " + KINDS.stream().sorted().toList()
                    : "must have only one of " + kinds + " (combine conditions with and / or)"));
            return null;
        }
        String kind = kinds.get(0);
        if (rowRule && !Set.of("and", "or", "not", "attribute").contains(kind)) {
            errors.add(new FieldError(path + "." + kind, "a row filter holds only and / or / not / attribute conditions"));
            return null;
        }
        return switch (kind) {
            case "and", "or" -> {
                allowOnly(json, path, kind);
                JsonNode items = json.get(kind);
                String at = path + "." + kind;
                if (!items.isArray() || items.isEmpty()) {
                    errors.add(new FieldError(at, "must be a non-empty array of rules"));
                    yield null;
                }
                List<Rule> rules = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    rules.add(rule(items.get(i), at + "[" + i + "]", depth + 1, rowRule));
                }
                // A null stands for a part with problems, already recorded; the rule is then never used.
                rules.removeIf(java.util.Objects::isNull);
                yield kind.equals("and") ? new Rule.And(path, rules) : new Rule.Or(path, rules);
            }
            case "not" -> {
                allowOnly(json, path, "not");
                yield new Rule.Not(path, rule(json.get("not"), path + ".not", depth + 1, rowRule));
            }
            case "attribute" -> {
                allowOnly(json, path, "attribute", "op", "value");
                String attribute = text(json, "attribute", path);
                Rule.Op op = op(json, path);
                yield new Rule.Compare(path, attribute, op, json.get("value"));
            }
            case "aggregate" -> aggregate(json, path, depth);
            case "exists" -> {
                allowOnly(json, path, "exists");
                JsonNode e = json.get("exists");
                String at = path + ".exists";
                if (!e.isObject()) {
                    errors.add(new FieldError(at, "must be an object with table, where (optional), window (optional)"));
                    yield null;
                }
                allowOnly(e, at, "table", "where", "window");
                String table = text(e, "table", at);
                Rule where = e.has("where") ? rule(e.get("where"), at + ".where", depth + 1, true) : null;
                Rule.Window window = e.has("window") ? window(e.get("window"), at + ".window") : null;
                yield new Rule.Exists(path, table, where, window);
            }
            case "segment" -> {
                allowOnly(json, path, "segment");
                yield new Rule.InSegment(path, text(json, "segment", path));
            }
            case "consent" -> {
                allowOnly(json, path, "consent");
                JsonNode c = json.get("consent");
                String at = path + ".consent";
                if (!c.isObject()) {
                    errors.add(new FieldError(at, "must be an object with channel and purpose"));
                    yield null;
                }
                allowOnly(c, at, "channel", "purpose");
                String channel = text(c, "channel", at);
                String purpose = c.has("purpose") ? text(c, "purpose", at) : "marketing";
                yield new Rule.Consent(path, channel, purpose);
            }
            case "rfm" -> {
                allowOnly(json, path, "rfm");
                JsonNode r = json.get("rfm");
                String at = path + ".rfm";
                if (!r.isObject()) {
                    errors.add(new FieldError(at, "must be an object with model (optional) and group"));
                    yield null;
                }
                allowOnly(r, at, "model", "group");
                String model = r.has("model") ? text(r, "model", at) : "default";
                yield new Rule.Rfm(path, model, text(r, "group", at));
            }
            case "interest" -> {
                allowOnly(json, path, "interest", "profile", "op", "value");
                String interest = text(json, "interest", path);
                String profile = json.has("profile") ? text(json, "profile", path) : "primary";
                if (profile != null && !profile.equals("primary") && !profile.equals("secondary")) {
                    errors.add(new FieldError(path + ".profile", "must be primary or secondary"));
                }
                yield new Rule.Interest(path, interest, profile, op(json, path), json.get("value"));
            }
            default -> throw new IllegalStateException(kind);
        };
    }

    private Rule aggregate(JsonNode json, String path, int depth) {
        allowOnly(json, path, "aggregate", "op", "value");
        JsonNode a = json.get("aggregate");
        String at = path + ".aggregate";
        if (!a.isObject()) {
            errors.add(new FieldError(at, "must be an object with table, fn, column, where, window"));
            return null;
        }
        allowOnly(a, at, "table", "fn", "column", "where", "window");
        String table = text(a, "table", at);
        Rule.Fn fn = null;
        String fnText = text(a, "fn", at);
        if (fnText != null) {
            try {
                fn = Rule.Fn.valueOf(fnText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(at + ".fn", "must be one of count, sum, avg, min, max, last"));
            }
        }
        String column = null;
        if (a.has("column") && !a.get("column").isNull()) {
            column = text(a, "column", at);
        } else if (fn != null && fn != Rule.Fn.COUNT) {
            errors.add(new FieldError(at + ".column", "is required for " + fnText));
        }
        Rule where = a.has("where") ? rule(a.get("where"), at + ".where", depth + 1, true) : null;
        Rule.Window window = a.has("window") ? window(a.get("window"), at + ".window") : null;
        Rule.Op op = op(json, path);
        if (op != null && (op.dateRelative() || op == Rule.Op.CONTAINS || op == Rule.Op.STARTS_WITH)) {
            errors.add(new FieldError(path + ".op", "'" + op.json() + "' cannot compare an aggregate"));
        }
        return new Rule.Aggregate(path, table, fn, column, where, window, op, json.get("value"));
    }

    private Rule.Window window(JsonNode w, String at) {
        if (!w.isObject() || w.size() == 0) {
            errors.add(new FieldError(at, "must be {\"lastDays\": N}, {\"from\": ..., \"to\": ...} or {\"since\": \"journeyStart\"}"));
            return null;
        }
        if (w.has("lastDays")) {
            allowOnly(w, at, "lastDays");
            JsonNode n = w.get("lastDays");
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0 || n.intValue() > 36_600) {
                errors.add(new FieldError(at + ".lastDays", "must be a whole number of days from 0 to 36600"));
                return null;
            }
            return new Rule.Window.LastDays(n.intValue());
        }
        if (w.has("since")) {
            allowOnly(w, at, "since");
            if (!"journeyStart".equals(w.get("since").asString(""))) {
                errors.add(new FieldError(at + ".since", "must be \"journeyStart\""));
                return null;
            }
            return new Rule.Window.SinceJourneyStart();
        }
        allowOnly(w, at, "from", "to");
        Instant from = instant(w.get("from"), at + ".from");
        Instant to = instant(w.get("to"), at + ".to");
        if (from == null && to == null) {
            errors.add(new FieldError(at, "needs lastDays, since, or from and/or to"));
            return null;
        }
        if (from != null && to != null && !from.isBefore(to)) {
            errors.add(new FieldError(at + ".to", "must be after from"));
        }
        return new Rule.Window.Between(from, to);
    }

    private Instant instant(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            return null;
        }
        String s = node.isString() ? node.stringValue() : null;
        if (s != null) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                try {
                    return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException e2) {
                    // reported below
                }
            }
        }
        errors.add(new FieldError(at, "must be an ISO-8601 instant (2026-01-31T00:00:00Z) or date (2026-01-31)"));
        return null;
    }

    private Rule.Op op(JsonNode json, String path) {
        String text = text(json, "op", path);
        if (text == null) {
            return null;
        }
        Rule.Op op = Rule.Op.of(text);
        if (op == null) {
            errors.add(new FieldError(path + ".op", "'" + printable(text) + "' is not an operator; use one of "
                    + java.util.Arrays.stream(Rule.Op.values()).map(Rule.Op::json).toList()));
        }
        return op;
    }

    private String text(JsonNode json, String name, String path) {
        JsonNode node = json.get(name);
        if (node == null || node.isNull()) {
            errors.add(new FieldError(path + "." + name, "is required"));
            return null;
        }
        if (!node.isString() || node.stringValue().isBlank()) {
            errors.add(new FieldError(path + "." + name, "must be a non-empty string"));
            return null;
        }
        if (node.stringValue().length() > 200) {
            errors.add(new FieldError(path + "." + name, "must be at most 200 characters"));
            return null;
        }
        return node.stringValue();
    }

    private void allowOnly(JsonNode json, String path, String... names) {
        Set<String> allowed = Set.of(names);
        json.propertyNames().forEach(name -> {
            if (!allowed.contains(name)) {
                errors.add(new FieldError(path + "." + printable(name), "is not a field here; allowed: "
                        + List.of(names)));
            }
        });
    }

    static String printable(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
