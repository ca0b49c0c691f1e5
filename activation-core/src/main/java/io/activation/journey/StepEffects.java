package io.activation.journey;

import io.activation.contact.ContactRef;
import io.activation.datamodel.RowResult;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.delivery.MessageRequest;
import io.activation.ingest.Ingestion;
import io.activation.platform.NotFoundException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The steps with effects outside the journey: message requests, contact and row updates (through {@link Ingestion},
 * so they publish change events like any write), plug-in actions. Each is keyed by the visit's effect key, so a
 * replayed step does nothing. Each returns the outcome for the history.
 */
@Component
class StepEffects {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-zA-Z0-9_.]+)}");
    private static final String ORIGIN = "journeys";

    private final Ingestion ingestion;
    private final TableCatalog catalog;
    private final Journeys journeys;
    private final ScenarioValidator validator;
    private final JdbcTemplate jdbc;

    StepEffects(Ingestion ingestion, TableCatalog catalog, Journeys journeys,
            ScenarioValidator validator, JdbcTemplate jdbc) {
        this.ingestion = ingestion;
        this.catalog = catalog;
        this.journeys = journeys;
        this.validator = validator;
        this.jdbc = jdbc;
    }

    /** Outcome and reason of a step, for the history; {@code failed} for an action that failed. */
    record Outcome(String outcome, String reason, boolean failed) {
        Outcome(String outcome, String reason) {
            this(outcome, reason, false);
        }
    }

    /** Asks for the message; it is written with the pass's other requests, and the history row says how it went. */
    Journeys.PendingRequest send(Journeys.Writes w, Journey j, Step.Send s, String key, Instant now) {
        ObjectNode context = JsonNodeFactory.instance.objectNode();
        context.set("trigger", j.triggerData == null ? JsonNodeFactory.instance.nullNode() : j.triggerData);
        return w.request(new MessageRequest(null, key, j.contactId, j.scenarioId, j.version, j.id, s.id(),
                s.channels(), j.definition.priority(), null, now, s.options(), context));
    }

    Outcome updateContact(Journey j, Step.UpdateContact u, String key, Instant now) {
        if (!journeys.claimEffect(key, now)) {
            return new Outcome("duplicate", key);
        }
        String externalId = jdbc.queryForObject("select external_id from contacts where id = ?", String.class,
                j.contactId);
        if (externalId == null) {
            return new Outcome("skipped", "the contact has no external id");
        }
        ObjectNode values = resolve(u.attributes(), j);
        values.put("external_id", externalId);
        RowResult result = ingestion.upsertContacts(List.of(values), ORIGIN).get(0);
        return result.accepted() ? new Outcome("contact " + result.status().name().toLowerCase(Locale.ROOT), null)
                : new Outcome("rejected", result.errors().toString());
    }

    Outcome updateRow(Journey j, Step.UpdateRow u, String key, Instant now) {
        if (!journeys.claimEffect(key, now)) {
            return new Outcome("duplicate", key);
        }
        TableSchema table;
        try {
            // Checked here, outside Ingestion's transaction boundary, so an unknown table (dropped since the
            // scenario was activated) does not mark the engine's transaction rollback-only.
            table = catalog.schema(u.table());
        } catch (NotFoundException e) {
            return new Outcome("rejected", e.getMessage());
        }
        ContactRef owner = table.belongsToContact() ? ContactRef.internal(j.contactId) : null;
        RowResult result = ingestion.upsertRows(table.name(), List.of(new Ingestion.RowInput(owner,
                resolve(u.values(), j))), ORIGIN).get(0);
        return result.accepted() ? new Outcome("row " + result.status().name().toLowerCase(Locale.ROOT),
                u.table() + "/" + result.row().key(table)) : new Outcome("rejected", result.errors().toString());
    }

    /** A plug-in step: its effect key is claimed first, so a replayed visit does not run it again. */
    Outcome action(Journey j, Step.Action a, String key, Instant now) {
        if (!journeys.claimEffect(key, now)) {
            return new Outcome("duplicate", key);
        }
        StepAction.Result result = validator.action(a.kind()).execute(new StepAction.Context(j.contactId,
                j.scenarioId, j.version, j.id, a.id(), key, j.startedAt, j.triggerData, now), a.settings());
        return new Outcome(result.outcome(), result.reason(), result.failed());
    }

    /**
     * Replaces placeholders in the string values of a JSON template, at any depth: {@code ${instance.id}},
     * {@code ${contact.id}}, {@code ${scenario.id}}, {@code ${trigger.key}}, {@code ${trigger.<path>}}.
     */
    static JsonNode resolveDeep(JsonNode template, StepAction.Context c) {
        if (template.isString()) {
            return JsonNodeFactory.instance.stringNode(substitute(template.asString(), name -> placeholder(name,
                    c.instanceId(), c.contactId(), c.scenarioId(), c.triggerData())));
        }
        if (template.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : template.properties()) {
                out.set(e.getKey(), resolveDeep(e.getValue(), c));
            }
            return out;
        }
        if (template.isArray()) {
            var out = JsonNodeFactory.instance.arrayNode();
            template.forEach(v -> out.add(resolveDeep(v, c)));
            return out;
        }
        return template;
    }

    private static String substitute(String text, java.util.function.UnaryOperator<String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(values.apply(m.group(1))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Replaces placeholders in string values: ${instance.id}, ${contact.id}, ${trigger.key}, ${trigger.<path>}. */
    private static ObjectNode resolve(ObjectNode template, Journey j) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : template.properties()) {
            JsonNode v = e.getValue();
            if (v.isString()) {
                out.put(e.getKey(), substitute(v.asString(), name -> placeholder(name, j.id, j.contactId,
                        j.scenarioId, j.triggerData)));
            } else {
                out.set(e.getKey(), v);
            }
        }
        return out;
    }

    private static String placeholder(String name, long instanceId, long contactId, long scenarioId,
            JsonNode triggerData) {
        return switch (name) {
            case "instance.id" -> Long.toString(instanceId);
            case "contact.id" -> Long.toString(contactId);
            case "scenario.id" -> Long.toString(scenarioId);
            case "trigger.key" -> triggerData.path("key").asString("");
            default -> {
                if (name.startsWith("trigger.")) {
                    JsonNode node = triggerData;
                    for (String part : name.substring("trigger.".length()).split("\\.")) {
                        node = node.path(part);
                    }
                    yield node.isMissingNode() || node.isNull() ? "" : node.asString();
                }
                yield "";
            }
        };
    }
}
