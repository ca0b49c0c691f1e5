package io.activation.segment.value;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A behaviour score: rules that award points, an optional decay and thresholds.
 *
 * @param halfLifeDays with decay, the days after which points count half; null: points never fade
 * @param thresholds values whose upward crossing publishes {@code io.activation.score.threshold-reached}
 */
public record ScoreDefinition(String name, List<Rule> rules, BigDecimal halfLifeDays, List<BigDecimal> thresholds) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,39}");

    /**
     * A rule: a behavioural event of a type, or a row created/updated in a table, whose properties (or values)
     * equal every entry of {@code where} (an array value means any of), awards {@code points} (may be negative).
     *
     * @param on for row rules: created, updated or any
     */
    public record Rule(String event, String table, String on, Map<String, JsonNode> where, BigDecimal points) {

        public Rule {
            where = Map.copyOf(where);
        }

        boolean matches(JsonNode values) {
            for (Map.Entry<String, JsonNode> e : where.entrySet()) {
                JsonNode actual = values == null ? null : values.get(e.getKey());
                if (actual == null || actual.isNull()) {
                    return false;
                }
                boolean any = false;
                for (JsonNode wanted : e.getValue().isArray() ? e.getValue() : List.of(e.getValue())) {
                    any |= same(wanted, actual);
                }
                if (!any) {
                    return false;
                }
            }
            return true;
        }

        private static boolean same(JsonNode wanted, JsonNode actual) {
            if (wanted.isNumber() && (actual.isNumber() || actual.isString())) {
                try {
                    BigDecimal a = actual.isNumber() ? actual.decimalValue() : new BigDecimal(actual.stringValue());
                    return wanted.decimalValue().compareTo(a) == 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
            if (actual.isArray()) {
                for (JsonNode item : actual) {
                    if (same(wanted, item)) {
                        return true;
                    }
                }
                return false;
            }
            return wanted.equals(actual);
        }
    }

    public ScoreDefinition {
        rules = List.copyOf(rules);
        thresholds = thresholds.stream().sorted().toList();
    }

    /** The contact attribute that holds the score's value. */
    public String attribute() {
        return "score_" + name;
    }

    static ScoreDefinition parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be an object");
        }
        List<FieldError> errors = new ArrayList<>();
        body.propertyNames().forEach(f -> {
            if (!List.of("name", "rules", "decay", "thresholds").contains(f)) {
                errors.add(new FieldError(f, "is not a field of a score (name, rules, decay, thresholds)"));
            }
        });
        JsonNode n = body.get("name");
        String name = n != null && n.isString() ? n.stringValue() : null;
        if (name == null || !NAME.matcher(name).matches()) {
            errors.add(new FieldError("name", "is required: 1 to 40 characters of a-z, 0-9 or '_', starting with a"
                    + " letter (the contact attribute is score_<name>)"));
        }
        List<Rule> rules = new ArrayList<>();
        JsonNode rs = body.get("rules");
        if (rs == null || !rs.isArray() || rs.isEmpty()) {
            errors.add(new FieldError("rules", "is required: at least one rule"));
        } else if (rs.size() > 50) {
            errors.add(new FieldError("rules", "at most 50 rules"));
        } else {
            for (int i = 0; i < rs.size(); i++) {
                rule(rs.get(i), "rules[" + i + "]", errors).ifPresent(rules::add);
            }
        }
        BigDecimal halfLife = null;
        JsonNode decay = body.get("decay");
        if (decay != null && !decay.isNull()) {
            JsonNode h = decay.isObject() ? decay.get("halfLifeDays") : null;
            if (h == null || !h.isNumber() || h.decimalValue().signum() <= 0
                    || h.decimalValue().compareTo(BigDecimal.valueOf(36_500)) > 0 || decay.size() != 1) {
                errors.add(new FieldError("decay.halfLifeDays", "must be a number of days above 0 (at most 36500)"));
            } else {
                halfLife = h.decimalValue();
            }
        }
        List<BigDecimal> thresholds = new ArrayList<>();
        JsonNode ts = body.get("thresholds");
        if (ts != null && !ts.isNull()) {
            if (!ts.isArray() || ts.size() > 20) {
                errors.add(new FieldError("thresholds", "must be an array of at most 20 numbers"));
            } else {
                for (int i = 0; i < ts.size(); i++) {
                    if (!ts.get(i).isNumber()) {
                        errors.add(new FieldError("thresholds[" + i + "]", "must be a number"));
                    } else {
                        BigDecimal t = ts.get(i).decimalValue();
                        if (thresholds.stream().anyMatch(x -> x.compareTo(t) == 0)) {
                            errors.add(new FieldError("thresholds[" + i + "]", "is listed twice"));
                        } else {
                            thresholds.add(t);
                        }
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new ScoreDefinition(name, rules, halfLife, thresholds);
    }

    private static java.util.Optional<Rule> rule(JsonNode r, String path, List<FieldError> errors) {
        if (r == null || !r.isObject()) {
            errors.add(new FieldError(path, "must be an object: {\"event\": type} or {\"table\": name, \"on\": ...},"
                    + " with \"where\" and \"points\""));
            return java.util.Optional.empty();
        }
        int before = errors.size();
        r.propertyNames().forEach(f -> {
            if (!List.of("event", "table", "on", "where", "points").contains(f)) {
                errors.add(new FieldError(path + "." + f, "is not a field of a rule (event, table, on, where,"
                        + " points)"));
            }
        });
        JsonNode event = r.get("event");
        JsonNode table = r.get("table");
        if ((event == null) == (table == null)) {
            errors.add(new FieldError(path, "name either an event type (event) or a table (table)"));
        }
        if (event != null && (!event.isString() || event.stringValue().isBlank()
                || event.stringValue().length() > 100)) {
            errors.add(new FieldError(path + ".event", "must be an event type"));
        }
        if (table != null && (!table.isString() || !table.stringValue().matches("[a-z][a-z0-9_]{0,62}"))) {
            errors.add(new FieldError(path + ".table", "must be a table name"));
        }
        String on = "any";
        JsonNode o = r.get("on");
        if (o != null) {
            if (table == null) {
                errors.add(new FieldError(path + ".on", "applies to table rules only"));
            } else if (!o.isString() || !List.of("created", "updated", "any").contains(o.stringValue())) {
                errors.add(new FieldError(path + ".on", "must be created, updated or any"));
            } else {
                on = o.stringValue();
            }
        }
        Map<String, JsonNode> where = new LinkedHashMap<>();
        JsonNode w = r.get("where");
        if (w != null && !w.isNull()) {
            if (!w.isObject() || w.size() > 20) {
                errors.add(new FieldError(path + ".where", "must be an object of at most 20 property: value pairs"));
            } else {
                w.properties().forEach(e -> {
                    if (e.getValue().isObject() || e.getValue().isNull()) {
                        errors.add(new FieldError(path + ".where." + e.getKey(),
                                "must be a value or an array of values"));
                    }
                    where.put(e.getKey(), e.getValue());
                });
            }
        }
        JsonNode p = r.get("points");
        if (p == null || !p.isNumber() || p.decimalValue().abs().compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
            errors.add(new FieldError(path + ".points", "is required: a number (negative takes points away)"));
        }
        if (errors.size() > before) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Rule(event == null ? null : event.stringValue(),
                table == null ? null : table.stringValue(), table == null ? null : on, where, p.decimalValue()));
    }

    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("name", name);
        json.put("attribute", attribute());
        var rs = json.putArray("rules");
        for (Rule r : rules) {
            ObjectNode rule = rs.addObject();
            if (r.event() != null) {
                rule.put("event", r.event());
            } else {
                rule.put("table", r.table());
                rule.put("on", r.on());
            }
            ObjectNode where = rule.putObject("where");
            r.where().forEach(where::set);
            rule.put("points", r.points());
        }
        if (halfLifeDays != null) {
            json.putObject("decay").put("halfLifeDays", halfLifeDays);
        } else {
            json.putNull("decay");
        }
        var ts = json.putArray("thresholds");
        thresholds.forEach(ts::add);
        return json;
    }
}
