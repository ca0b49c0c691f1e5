package io.activation.journey;

import io.activation.delivery.MessageRequest;
import io.activation.delivery.SendOptions;
import io.activation.platform.FieldError;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A parsed scenario version: the JSON documented in docs/journeys.md. Parsing reports every structural problem
 * with a path ({@code steps[2].wait.duration}); what needs the catalogue (tables, attributes, templates) and the
 * graph (reachability, loops) is checked by {@link ScenarioValidator}.
 */
public record ScenarioDefinition(String name, int priority, ZoneId timeZone, Trigger trigger, EntryRule entry,
        List<Trigger> exits, String start, Map<String, Step> steps, Map<String, Integer> positions) {

    static final Set<String> KINDS = Set.of("wait", "waitUntil", "waitForEvent", "condition", "split", "send",
            "updateContact", "updateRow", "exit");
    private static final Set<String> FIELDS = Set.of("name", "description", "priority", "timeZone", "trigger",
            "entry", "exit", "start", "steps");

    public Step step(String id) {
        return steps.get(id);
    }

    /** The path prefix of a step in the JSON, e.g. {@code steps[2]}. */
    String path(String stepId) {
        return "steps[" + positions.getOrDefault(stepId, -1) + "]";
    }

    /** Parses; problems go to {@code errors} (the result is then partial and must not run). */
    static ScenarioDefinition parse(JsonNode node, Set<String> actionKinds, List<FieldError> errors) {
        if (node == null || !node.isObject()) {
            errors.add(new FieldError("body", "must be a JSON object (a scenario definition)"));
            return null;
        }
        for (String field : node.propertyNames()) {
            if (!FIELDS.contains(field)) {
                errors.add(new FieldError(field, "is not a field of a scenario"));
            }
        }
        String name = Trigger.text(node, "name");
        if (name == null || name.length() > 200) {
            errors.add(new FieldError("name", "is required: 1 to 200 characters"));
        }
        int priority = 50;
        JsonNode p = node.get("priority");
        if (p != null && !p.isNull()) {
            if (!p.isIntegralNumber() || p.asInt() < 0 || p.asInt() > 100) {
                errors.add(new FieldError("priority", "must be an integer from 0 to 100"));
            } else {
                priority = p.asInt();
            }
        }
        ZoneId zone = zone(node.get("timeZone"), "timeZone", errors);
        Trigger trigger = Trigger.parse(node.get("trigger"), "trigger", errors);
        EntryRule entry = entry(node.get("entry"), errors);
        List<Trigger> exits = new ArrayList<>();
        JsonNode exitNode = node.get("exit");
        if (exitNode != null && !exitNode.isNull()) {
            if (!exitNode.isArray()) {
                errors.add(new FieldError("exit", "must be an array of exit rules (triggers)"));
            } else {
                for (int i = 0; i < exitNode.size(); i++) {
                    Trigger t = Trigger.parse(exitNode.get(i), "exit[" + i + "]", errors);
                    if (t != null) {
                        exits.add(t);
                    }
                }
            }
        }
        Map<String, Step> steps = new LinkedHashMap<>();
        Map<String, Integer> positions = new LinkedHashMap<>();
        JsonNode stepsNode = node.get("steps");
        if (stepsNode == null || !stepsNode.isArray() || stepsNode.isEmpty()) {
            errors.add(new FieldError("steps", "is required: a non-empty array of steps"));
        } else {
            for (int i = 0; i < stepsNode.size(); i++) {
                String path = "steps[" + i + "]";
                Step step = step(stepsNode.get(i), path, actionKinds, errors);
                if (step == null) {
                    continue;
                }
                if (steps.containsKey(step.id())) {
                    errors.add(new FieldError(path + ".id", "'" + step.id() + "' is the id of another step too"));
                    continue;
                }
                steps.put(step.id(), step);
                positions.put(step.id(), i);
            }
        }
        String start = Trigger.text(node, "start");
        if (start == null && !steps.isEmpty()) {
            start = steps.keySet().iterator().next();
        } else if (start != null && !steps.containsKey(start)) {
            errors.add(new FieldError("start", "names no step: '" + start + "'"));
        }
        return new ScenarioDefinition(name, priority, zone == null ? ZoneId.of("UTC") : zone, trigger, entry, exits,
                start, steps, positions);
    }

    private static EntryRule entry(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return EntryRule.DEFAULT;
        }
        String rule = node.isObject() ? Trigger.text(node, "rule") : null;
        if (rule == null) {
            errors.add(new FieldError("entry.rule", "must be once_ever, once_at_a_time, again_after or"
                    + " once_per_trigger_row"));
            return EntryRule.DEFAULT;
        }
        try {
            EntryRule.Kind kind = EntryRule.Kind.valueOf(rule.toUpperCase(Locale.ROOT));
            int days = 0;
            if (kind == EntryRule.Kind.AGAIN_AFTER) {
                JsonNode d = node.get("days");
                if (d == null || !d.isIntegralNumber() || d.asInt() < 1 || d.asInt() > 3650) {
                    errors.add(new FieldError("entry.days", "is required for again_after: 1 to 3650"));
                } else {
                    days = d.asInt();
                }
            }
            return new EntryRule(kind, days);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("entry.rule", "must be once_ever, once_at_a_time, again_after or"
                    + " once_per_trigger_row"));
            return EntryRule.DEFAULT;
        }
    }

    private static Step step(JsonNode node, String path, Set<String> actionKinds, List<FieldError> errors) {
        if (node == null || !node.isObject()) {
            errors.add(new FieldError(path, "must be a step object"));
            return null;
        }
        String id = Trigger.text(node, "id");
        if (id == null || id.length() > 100) {
            errors.add(new FieldError(path + ".id", "is required: 1 to 100 characters"));
            return null;
        }
        List<String> kinds = new ArrayList<>();
        for (String field : node.propertyNames()) {
            if (KINDS.contains(field) || actionKinds.contains(field)) {
                kinds.add(field);
            } else if (!field.equals("id") && !field.equals("next") && !field.equals("name")
                    && !field.equals("onFailure")) {
                errors.add(new FieldError(path + "." + field, "is not a step kind or field; kinds: "
                        + new java.util.TreeSet<>(union(KINDS, actionKinds))));
            }
        }
        if (kinds.size() != 1) {
            errors.add(new FieldError(path, "must have exactly one step kind (" + String.join(", ",
                    new java.util.TreeSet<>(union(KINDS, actionKinds))) + ")"));
            return null;
        }
        String kind = kinds.get(0);
        String k = path + "." + kind;
        JsonNode s = node.get(kind);
        if (!s.isObject()) {
            errors.add(new FieldError(k, "must be an object"));
            return null;
        }
        String next = Trigger.text(node, "next");
        String onFailure = Trigger.text(node, "onFailure");
        if (node.has("onFailure") && !actionKinds.contains(kind)) {
            errors.add(new FieldError(path + ".onFailure", "only steps that can fail have it: "
                    + new java.util.TreeSet<>(actionKinds)));
        }
        return switch (kind) {
            case "wait" -> new Step.Wait(id, duration(s.get("duration"), k + ".duration", errors), next);
            case "waitUntil" -> waitUntil(id, s, k, next, errors);
            case "waitForEvent" -> {
                String type = Trigger.text(s, "eventType");
                if (type == null) {
                    errors.add(new FieldError(k + ".eventType", "is required"));
                }
                JsonNode where = s.get("where");
                if (where != null && !where.isNull()) {
                    errors.addAll(JsonRules.problems(where, k + ".where"));
                }
                yield new Step.WaitForEvent(id, type, where == null || where.isNull() ? null : where,
                        duration(s.get("timeout"), k + ".timeout", errors), Trigger.text(s, "onEvent"),
                        Trigger.text(s, "onTimeout"));
            }
            case "condition" -> {
                JsonNode rule = s.get("rule");
                if (rule == null || !rule.isObject()) {
                    errors.add(new FieldError(k + ".rule", "is required: a rule (see docs/segments.md)"));
                }
                yield new Step.Condition(id, rule, Trigger.text(s, "then"), Trigger.text(s, "else"));
            }
            case "split" -> split(id, s, k, errors);
            case "send" -> send(id, s, k, next, errors);
            case "updateContact" -> {
                JsonNode attributes = s.get("attributes");
                if (attributes == null || !attributes.isObject() || attributes.isEmpty()) {
                    errors.add(new FieldError(k + ".attributes", "is required: an object of attribute values"));
                    yield null;
                }
                yield new Step.UpdateContact(id, (ObjectNode) attributes, next);
            }
            case "updateRow" -> {
                String table = Trigger.text(s, "table");
                if (table == null) {
                    errors.add(new FieldError(k + ".table", "is required"));
                }
                JsonNode values = s.get("values");
                if (values == null || !values.isObject() || values.isEmpty()) {
                    errors.add(new FieldError(k + ".values", "is required: an object of column values"));
                    yield null;
                }
                yield new Step.UpdateRow(id, table, (ObjectNode) values, next);
            }
            case "exit" -> new Step.Exit(id);
            default -> new Step.Action(id, kind, s, next, onFailure);
        };
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static Step waitUntil(String id, JsonNode s, String k, String next, List<FieldError> errors) {
        LocalTime time = null;
        String t = Trigger.text(s, "time");
        if (t == null) {
            errors.add(new FieldError(k + ".time", "is required: a local time of day such as 09:00"));
        } else {
            try {
                time = LocalTime.parse(t);
            } catch (DateTimeParseException e) {
                errors.add(new FieldError(k + ".time", "must be a local time of day such as 09:00"));
            }
        }
        Set<DayOfWeek> weekdays = new LinkedHashSet<>();
        for (String day : Trigger.strings(s.get("weekdays"), k + ".weekdays", errors)) {
            try {
                weekdays.add(DayOfWeek.valueOf(day.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(k + ".weekdays", "'" + day + "' is not a weekday (MONDAY ... SUNDAY)"));
            }
        }
        String dateAttribute = Trigger.text(s, "dateAttribute");
        if (dateAttribute != null && !weekdays.isEmpty()) {
            errors.add(new FieldError(k + ".weekdays", "cannot be combined with dateAttribute"));
        }
        ZoneId zone = zone(s.get("timeZone"), k + ".timeZone", errors);
        return new Step.WaitUntil(id, time, weekdays, dateAttribute, zone, next);
    }

    private static Step split(String id, JsonNode s, String k, List<FieldError> errors) {
        List<Step.Split.Variant> variants = new ArrayList<>();
        JsonNode vs = s.get("variants");
        int total = 0;
        if (vs == null || !vs.isArray() || vs.isEmpty()) {
            errors.add(new FieldError(k + ".variants", "is required: [{\"name\", \"percent\", \"next\"}, ...]"));
        } else {
            for (int i = 0; i < vs.size(); i++) {
                JsonNode v = vs.get(i);
                String vp = k + ".variants[" + i + "]";
                String name = Trigger.text(v, "name");
                if (name == null) {
                    errors.add(new FieldError(vp + ".name", "is required"));
                }
                JsonNode pc = v.get("percent");
                int percent = 0;
                if (pc == null || !pc.isIntegralNumber() || pc.asInt() < 0 || pc.asInt() > 100) {
                    errors.add(new FieldError(vp + ".percent", "is required: an integer from 0 to 100"));
                } else {
                    percent = pc.asInt();
                }
                total += percent;
                variants.add(new Step.Split.Variant(name, percent, Trigger.text(v, "next")));
            }
        }
        int holdout = 0;
        JsonNode h = s.get("holdout");
        if (h != null && !h.isNull()) {
            if (!h.isIntegralNumber() || h.asInt() < 0 || h.asInt() > 100) {
                errors.add(new FieldError(k + ".holdout", "must be an integer from 0 to 100"));
            } else {
                holdout = h.asInt();
            }
        }
        if (!variants.isEmpty() && total + holdout != 100) {
            errors.add(new FieldError(k + ".variants", "percentages plus holdout must add up to 100, not "
                    + (total + holdout)));
        }
        return new Step.Split(id, variants, holdout);
    }

    private static Step send(String id, JsonNode s, String k, String next, List<FieldError> errors) {
        List<MessageRequest.ChannelChoice> channels = new ArrayList<>();
        for (String field : s.propertyNames()) {
            if (!field.equals("channels") && !SendOptions.FIELDS.contains(field)) {
                errors.add(new FieldError(k + "." + field, "is not a field of a send step: channels, "
                        + new java.util.TreeSet<>(SendOptions.FIELDS)));
            }
        }
        SendOptions options = SendOptions.parse(s, k, errors);
        JsonNode cs = s.get("channels");
        if (cs == null || !cs.isArray() || cs.isEmpty()) {
            errors.add(new FieldError(k + ".channels", "is required: [{\"channel\": \"email\", \"template\":"
                    + " \"...\"}, ...] in order of preference"));
        } else {
            Set<String> seen = new LinkedHashSet<>();
            for (int i = 0; i < cs.size(); i++) {
                String cp = k + ".channels[" + i + "]";
                String channel = Trigger.text(cs.get(i), "channel");
                String template = Trigger.text(cs.get(i), "template");
                if (channel == null || !io.activation.template.Templates.CHANNELS.contains(channel)) {
                    errors.add(new FieldError(cp + ".channel", "must be one of "
                            + new java.util.TreeSet<>(io.activation.template.Templates.CHANNELS)));
                } else if (!seen.add(channel)) {
                    errors.add(new FieldError(cp + ".channel", "'" + channel + "' is listed twice"));
                }
                if (template == null) {
                    errors.add(new FieldError(cp + ".template", "is required"));
                }
                channels.add(new MessageRequest.ChannelChoice(channel, template));
            }
        }
        return new Step.Send(id, channels, options, next);
    }

    private static Duration duration(JsonNode node, String path, List<FieldError> errors) {
        if (node == null || !node.isString()) {
            errors.add(new FieldError(path, "is required: an ISO-8601 duration such as PT1H or P2D"));
            return null;
        }
        try {
            Duration d = Duration.parse(node.asString());
            if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(3650)) > 0) {
                errors.add(new FieldError(path, "must be positive and at most 3650 days"));
                return null;
            }
            return d;
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(path, "'" + node.asString() + "' is not an ISO-8601 duration such as PT1H or"
                    + " P2D"));
            return null;
        }
    }

    private static ZoneId zone(JsonNode node, String path, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return ZoneId.of(node.asString());
        } catch (DateTimeException e) {
            errors.add(new FieldError(path, "'" + node.asString() + "' is not a time zone (e.g. Europe/Brussels)"));
            return null;
        }
    }
}
