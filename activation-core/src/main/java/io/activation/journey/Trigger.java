package io.activation.journey;

import io.activation.contact.ContactFields;
import io.activation.platform.FieldError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What starts a journey, or (as an exit rule) ends one: a behavioural event, a row written to a table, a changed
 * contact attribute, a consent given, a segment entered or exited, or an API call. Matching is pure: it reads only
 * the event.
 *
 * @param on for row triggers the operations ({@code created}, {@code updated}, {@code reference-changed}); for
 *     segment triggers {@code entered} or {@code exited}
 * @param where a rule (shared rule JSON, attribute part) over event properties, row values or contact values
 * @param changed attributes that must be among those the write changed
 */
public record Trigger(Kind kind, String eventType, String table, Set<String> on, JsonNode where,
        List<String> changed, String channel, String purpose, String segment) {

    public enum Kind {
        EVENT("event"), ROW("row"), CONTACT_ATTRIBUTE("contactAttribute"), CONSENT("consent"),
        SEGMENT("segment"), API("api");

        final String json;

        Kind(String json) {
            this.json = json;
        }

        static Optional<Kind> of(String json) {
            for (Kind k : values()) {
                if (k.json.equals(json)) {
                    return Optional.of(k);
                }
            }
            return Optional.empty();
        }
    }

    /** What a matching event gives the journey: a key for one-journey-per-row and the data steps may read. */
    public record Match(String triggerKey, JsonNode data) {}

    static final Set<String> ROW_OPERATIONS = Set.of("created", "updated", "reference-changed");

    /** The match, or empty when the event does not start (or end) anything for this trigger. */
    public Optional<Match> match(EngineEvent event, long scenarioId) {
        JsonNode d = event.data();
        switch (kind) {
            case EVENT -> {
                if (event.type().equals(EngineEvent.EVENT_RECORDED) && eventType.equals(d.path("eventType")
                        .asString()) && JsonRules.matches(where, d.path("properties"))) {
                    return Optional.of(new Match(null, d));
                }
            }
            case ROW -> {
                String op = switch (event.type()) {
                    case EngineEvent.ROW_CREATED -> "created";
                    case EngineEvent.ROW_UPDATED -> "updated";
                    case EngineEvent.REFERENCE_CHANGED -> "reference-changed";
                    default -> null;
                };
                if (op != null && on.contains(op) && table.equals(d.path("table").asString())
                        && JsonRules.matches(where, d.path("values")) && changedAll(d.path("changed"), false)) {
                    return Optional.of(new Match(table + ":" + d.path("key").asString(), d));
                }
            }
            case CONTACT_ATTRIBUTE -> {
                if ((event.type().equals(EngineEvent.CONTACT_UPDATED)
                        || event.type().equals(EngineEvent.CONTACT_CREATED))
                        && changedAny(d.path("changed")) && JsonRules.matches(where, contactColumns(d.path("values")))) {
                    return Optional.of(new Match(null, d));
                }
            }
            case CONSENT -> {
                if (event.type().equals(EngineEvent.CONSENT_CHANGED) && "granted".equals(d.path("status").asString())
                        && (channel == null || channel.equals(d.path("channel").asString()))
                        && (purpose == null || purpose.equals(d.path("purpose").asString()))) {
                    return Optional.of(new Match(null, d));
                }
            }
            case SEGMENT -> {
                String type = on.contains("exited") ? EngineEvent.SEGMENT_EXITED : EngineEvent.SEGMENT_ENTERED;
                if (event.type().equals(type) && segment.equals(d.path("segment").asString())) {
                    return Optional.of(new Match(null, d));
                }
            }
            case API -> {
                if (event.type().equals(EngineEvent.TRIGGERED) && d.path("scenarioId").asLong() == scenarioId) {
                    return Optional.of(new Match(null, d.path("payload")));
                }
            }
        }
        return Optional.empty();
    }

    private boolean changedAll(JsonNode names, boolean contact) {
        if (changed.isEmpty()) {
            return true;
        }
        Set<String> got = names(names, contact);
        return got.containsAll(changed);
    }

    private boolean changedAny(JsonNode names) {
        Set<String> got = names(names, true);
        if (changed.isEmpty()) {
            return !got.isEmpty();
        }
        return changed.stream().anyMatch(got::contains);
    }

    private static Set<String> names(JsonNode names, boolean contact) {
        Set<String> got = new LinkedHashSet<>();
        for (JsonNode n : names) {
            got.add(contact ? ContactFields.column(n.asString()).orElse(n.asString()) : n.asString());
        }
        return got;
    }

    /** Contact values of a change event by column name (built-ins arrive by API name, custom ones nested). */
    static ObjectNode contactColumns(JsonNode values) {
        ObjectNode flat = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : values.properties()) {
            if (e.getKey().equals("attributes") && e.getValue().isObject()) {
                e.getValue().properties().forEach(a -> flat.set(a.getKey(), a.getValue()));
            } else {
                flat.set(ContactFields.column(e.getKey()).orElse(e.getKey()), e.getValue());
            }
        }
        return flat;
    }

    /** Parses a trigger (or exit rule); problems are added with paths under {@code path}. */
    static Trigger parse(JsonNode node, String path, List<FieldError> errors) {
        if (node == null || !node.isObject()) {
            errors.add(new FieldError(path, "is required: an object with a type (event, row, contactAttribute,"
                    + " consent, segment, api)"));
            return null;
        }
        Optional<Kind> kind = Kind.of(node.path("type").asString(""));
        if (kind.isEmpty()) {
            errors.add(new FieldError(path + ".type", "must be one of event, row, contactAttribute, consent,"
                    + " segment, api"));
            return null;
        }
        JsonNode where = node.get("where");
        if (where != null && !where.isNull()) {
            errors.addAll(JsonRules.problems(where, path + ".where"));
        }
        List<String> changed = strings(node.get("changed"), path + ".changed", errors);
        Set<String> on = new LinkedHashSet<>(strings(node.get("on"), path + ".on", errors));
        String eventType = text(node, "eventType");
        String table = text(node, "table");
        switch (kind.get()) {
            case EVENT -> {
                if (eventType == null) {
                    errors.add(new FieldError(path + ".eventType", "is required for an event trigger"));
                }
            }
            case ROW -> {
                if (table == null) {
                    errors.add(new FieldError(path + ".table", "is required for a row trigger"));
                }
                if (on.isEmpty()) {
                    on.addAll(List.of("created", "updated"));
                }
                for (String op : on) {
                    if (!ROW_OPERATIONS.contains(op)) {
                        errors.add(new FieldError(path + ".on", "must list created, updated or reference-changed"));
                    }
                }
            }
            case SEGMENT -> {
                if (text(node, "segment") == null) {
                    errors.add(new FieldError(path + ".segment", "is required: the segment's name"));
                }
                if (on.isEmpty()) {
                    on.add("entered");
                }
                if (on.size() != 1 || !(on.contains("entered") || on.contains("exited"))) {
                    errors.add(new FieldError(path + ".on", "must be [\"entered\"] or [\"exited\"]"));
                }
            }
            default -> { }
        }
        for (Iterator<String> it = node.propertyNames().iterator(); it.hasNext();) {
            String name = it.next();
            if (!Set.of("type", "eventType", "table", "on", "where", "changed", "channel", "purpose", "segment")
                    .contains(name)) {
                errors.add(new FieldError(path + "." + name, "is not a field of a trigger"));
            }
        }
        return new Trigger(kind.get(), eventType, table, on, where == null || where.isNull() ? null : where,
                changed, text(node, "channel"), text(node, "purpose"), text(node, "segment"));
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() && !v.asString().isBlank() ? v.asString() : null;
    }

    static List<String> strings(JsonNode node, String path, List<FieldError> errors) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            errors.add(new FieldError(path, "must be an array of strings"));
            return out;
        }
        for (JsonNode n : node) {
            if (!n.isString()) {
                errors.add(new FieldError(path, "must be an array of strings"));
                return out;
            }
            out.add(n.asString());
        }
        return out;
    }
}
