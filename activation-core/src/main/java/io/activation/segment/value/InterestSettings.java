package io.activation.segment.value;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where interests come from and which purchases are secondary.
 *
 * @param clickEventTypes behavioural event types whose {@code tagsProperty} (an array of strings) names interests
 * @param purchases the purchase table and how to read a row's category and date; null: no purchase signals
 * @param secondaryRules "category C bought in months M by a contact who never buys C in other months"
 * @param halfLifeDays a signal counts half after this many days; null: every signal counts 1
 * @param timeZone the zone of a purchase's month
 */
public record InterestSettings(List<String> clickEventTypes, String tagsProperty, Purchases purchases,
        List<SecondaryRule> secondaryRules, BigDecimal halfLifeDays, ZoneId timeZone) {

    /**
     * @param giftFlag a BOOLEAN column (or relation path) that marks a row as a gift or incidental purchase
     */
    public record Purchases(String table, String category, String date, List<RowCondition> exclude,
            String giftFlag) {}

    public record SecondaryRule(String category, List<Integer> months) {}

    public InterestSettings {
        clickEventTypes = List.copyOf(clickEventTypes);
        secondaryRules = List.copyOf(secondaryRules);
    }

    static InterestSettings parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be an object");
        }
        List<FieldError> errors = new ArrayList<>();
        body.propertyNames().forEach(f -> {
            if (!List.of("clicks", "purchases", "secondaryRules", "halfLifeDays", "timeZone").contains(f)) {
                errors.add(new FieldError(f, "is not a field (clicks, purchases, secondaryRules, halfLifeDays,"
                        + " timeZone)"));
            }
        });
        List<String> types = new ArrayList<>();
        String tags = "tags";
        JsonNode clicks = body.get("clicks");
        if (clicks != null && !clicks.isNull()) {
            JsonNode t = clicks.get("eventTypes");
            if (!clicks.isObject() || t == null || !t.isArray() || t.isEmpty() || t.size() > 20) {
                errors.add(new FieldError("clicks.eventTypes", "is required: 1 to 20 event types"));
            } else {
                t.forEach(x -> {
                    if (!x.isString() || x.stringValue().isBlank()) {
                        errors.add(new FieldError("clicks.eventTypes", "must be event type names"));
                    } else {
                        types.add(x.stringValue());
                    }
                });
            }
            JsonNode p = clicks.get("tagsProperty");
            if (p != null) {
                if (!p.isString() || !p.stringValue().matches("[A-Za-z0-9_]{1,100}")) {
                    errors.add(new FieldError("clicks.tagsProperty", "must be a property name"));
                } else {
                    tags = p.stringValue();
                }
            }
        }
        Purchases purchases = null;
        JsonNode p = body.get("purchases");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                errors.add(new FieldError("purchases", "must be an object"));
            } else {
                String table = text(p, "purchases.table", "table", true, errors);
                String category = text(p, "purchases.category", "category", true, errors);
                String date = text(p, "purchases.date", "date", true, errors);
                String flag = text(p, "purchases.giftFlag", "giftFlag", false, errors);
                List<RowCondition> exclude = new ArrayList<>();
                JsonNode ex = p.get("exclude");
                if (ex != null && !ex.isNull()) {
                    if (!ex.isArray()) {
                        errors.add(new FieldError("purchases.exclude", "must be an array of conditions"));
                    } else {
                        for (int i = 0; i < ex.size(); i++) {
                            try {
                                exclude.add(RowCondition.parse(ex.get(i), "purchases.exclude[" + i + "]"));
                            } catch (InvalidInputException e) {
                                errors.addAll(e.errors());
                            }
                        }
                    }
                }
                purchases = new Purchases(table, category, date, exclude, flag);
            }
        }
        if (types.isEmpty() && purchases == null && errors.isEmpty()) {
            errors.add(new FieldError("clicks", "give clicks, purchases or both"));
        }
        List<SecondaryRule> rules = new ArrayList<>();
        JsonNode rs = body.get("secondaryRules");
        if (rs != null && !rs.isNull()) {
            if (!rs.isArray() || rs.size() > 50) {
                errors.add(new FieldError("secondaryRules", "must be an array of at most 50 rules"));
            } else {
                for (int i = 0; i < rs.size(); i++) {
                    String path = "secondaryRules[" + i + "]";
                    JsonNode r = rs.get(i);
                    JsonNode c = r.get("category");
                    JsonNode m = r.get("months");
                    if (c == null || !c.isString() || c.stringValue().isBlank()) {
                        errors.add(new FieldError(path + ".category", "is required"));
                        continue;
                    }
                    TreeSet<Integer> months = new TreeSet<>();
                    if (m == null || !m.isArray() || m.isEmpty()) {
                        errors.add(new FieldError(path + ".months", "is required: months 1 to 12"));
                        continue;
                    }
                    for (JsonNode x : m) {
                        if (!x.isInt() || x.intValue() < 1 || x.intValue() > 12) {
                            errors.add(new FieldError(path + ".months", "must be months 1 to 12"));
                            break;
                        }
                        months.add(x.intValue());
                    }
                    if (months.size() == 12) {
                        errors.add(new FieldError(path + ".months", "all twelve months leave no primary history"));
                    }
                    rules.add(new SecondaryRule(Interests.normalise(c.stringValue()), List.copyOf(months)));
                }
                if (purchases == null && !rules.isEmpty()) {
                    errors.add(new FieldError("secondaryRules", "need purchases"));
                }
            }
        }
        BigDecimal halfLife = null;
        JsonNode h = body.get("halfLifeDays");
        if (h != null && !h.isNull()) {
            if (!h.isNumber() || h.decimalValue().signum() <= 0 || h.decimalValue().compareTo(BigDecimal.valueOf(36500)) > 0) {
                errors.add(new FieldError("halfLifeDays", "must be a number of days above 0 (at most 36500)"));
            } else {
                halfLife = h.decimalValue();
            }
        }
        ZoneId zone = ZoneOffset.UTC;
        JsonNode tz = body.get("timeZone");
        if (tz != null && !tz.isNull()) {
            try {
                zone = ZoneId.of(tz.asString(""));
            } catch (DateTimeException e) {
                errors.add(new FieldError("timeZone", "is not a time zone (e.g. Europe/Amsterdam)"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new InterestSettings(types, tags, purchases, rules, halfLife, zone);
    }

    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (!clickEventTypes.isEmpty()) {
            ObjectNode c = json.putObject("clicks");
            var t = c.putArray("eventTypes");
            clickEventTypes.forEach(t::add);
            c.put("tagsProperty", tagsProperty);
        }
        if (purchases != null) {
            ObjectNode p = json.putObject("purchases");
            p.put("table", purchases.table());
            p.put("category", purchases.category());
            p.put("date", purchases.date());
            var ex = p.putArray("exclude");
            purchases.exclude().forEach(c -> ex.add(c.toJson()));
            if (purchases.giftFlag() != null) {
                p.put("giftFlag", purchases.giftFlag());
            }
        }
        var rs = json.putArray("secondaryRules");
        secondaryRules.forEach(r -> {
            ObjectNode rule = rs.addObject();
            rule.put("category", r.category());
            var m = rule.putArray("months");
            r.months().forEach(m::add);
        });
        if (halfLifeDays != null) {
            json.put("halfLifeDays", halfLifeDays);
        }
        json.put("timeZone", timeZone.getId());
        return json;
    }

    private static String text(JsonNode node, String path, String field, boolean required, List<FieldError> errors) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(new FieldError(path, "is required"));
            }
            return null;
        }
        if (!v.isString() || v.stringValue().isBlank()) {
            errors.add(new FieldError(path, "must be a column name (or relation.column)"));
            return null;
        }
        return v.stringValue();
    }
}
