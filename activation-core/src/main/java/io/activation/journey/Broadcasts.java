package io.activation.journey;

import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A broadcast is a scenario with a schedule trigger and one send step: one mechanism, so its messages pass through
 * the same entry rules, message requests and delivery arbitration as any journey's. This service only writes such
 * a scenario from a short form and lists the scenarios that have a schedule trigger.
 */
@Service
public class Broadcasts {

    private static final Set<String> FIELDS = Set.of("name", "segment", "at", "cron", "timeZone", "priority",
            "send");

    /** A scenario with a schedule trigger, as a broadcast. */
    public record Broadcast(Scenario scenario, String segment, String at, String cron, String timeZone,
            Instant nextOccurrence) {}

    private final Scenarios scenarios;
    private final ScenarioCache cache;
    private final TriggerSchedules schedules;
    private final JdbcTemplate jdbc;
    private final Clock clock;

    Broadcasts(Scenarios scenarios, ScenarioCache cache, TriggerSchedules schedules, JdbcTemplate jdbc,
            Clock clock) {
        this.scenarios = scenarios;
        this.cache = cache;
        this.schedules = schedules;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Creates and activates the scenario of a broadcast: {@code {name, segment, at | cron, timeZone, priority,
     * send: {channels: [...]}}}. Problems are named by these fields; a refused broadcast creates nothing.
     */
    @Transactional
    public Broadcast create(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object");
        }
        List<FieldError> errors = new ArrayList<>();
        for (String field : body.propertyNames()) {
            if (!FIELDS.contains(field)) {
                errors.add(new FieldError(field, "is not a field of a broadcast: " + FIELDS.stream().sorted()
                        .toList()));
            }
        }
        JsonNode send = body.get("send");
        if (send == null || !send.isObject()) {
            errors.add(new FieldError("send", "is required: {\"channels\": [{\"channel\": \"email\", \"template\":"
                    + " \"...\"}]}"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode definition = f.objectNode();
        definition.set("name", body.get("name"));
        if (body.has("priority")) {
            definition.set("priority", body.get("priority"));
        }
        ObjectNode trigger = definition.putObject("trigger");
        trigger.put("type", "schedule");
        for (String field : List.of("segment", "at", "cron", "timeZone")) {
            if (body.has(field)) {
                trigger.set(field, body.get(field));
            }
        }
        if (body.has("timeZone")) {
            definition.set("timeZone", body.get("timeZone"));
        }
        definition.putObject("entry").put("rule", "once_per_trigger_row");
        definition.putArray("steps").addObject().put("id", "send").set("send", send);
        List<FieldError> problems = scenarios.validate(definition);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems.stream().map(p -> new FieldError(field(p.field()),
                    p.message())).distinct().toList());
        }
        Scenario s = scenarios.create(definition);
        return broadcast(scenarios.activate(s.id()));
    }

    /**
     * Scenarios whose latest version has a schedule trigger, newest first: at most {@code limit} of them with an id
     * below {@code before} (keyset paging; {@code Long.MAX_VALUE} for the first page).
     */
    public List<Broadcast> list(long before, int limit) {
        List<Long> ids = jdbc.queryForList("""
                select s.id from scenarios s join scenario_versions v
                  on v.scenario_id = s.id and v.version = s.latest_version
                where v.definition -> 'trigger' ->> 'type' = 'schedule' and s.id < ?
                order by s.id desc limit ?""", Long.class, before, limit);
        return ids.stream().map(id -> broadcast(scenarios.get(id))).toList();
    }

    private Broadcast broadcast(Scenario s) {
        ScenarioDefinition d = cache.definition(s.id(), s.latestVersion());
        Trigger.ScheduleRule rule = d.trigger() == null ? null : d.trigger().schedule();
        if (rule == null) {
            return new Broadcast(s, null, null, null, null, null);
        }
        Instant next = null;
        if (s.status() == Scenario.Status.ACTIVE) {
            TriggerSchedules.State state = schedules.state(s.id());
            Instant from = state == null ? clock.instant() : state.occurrence() != null ? state.occurrence()
                    : state.watermark();
            next = rule.firstAtOrAfter(from);
        }
        return new Broadcast(s, d.trigger().segment(), rule.at() == null ? null : rule.at().toString(), rule.cron(),
                rule.zone().getId(), next);
    }

    /** A scenario path of the generated definition as the broadcast's field. */
    private static String field(String path) {
        if (path.startsWith("trigger.")) {
            return path.substring("trigger.".length());
        }
        if (path.startsWith("steps[0].send")) {
            return "send" + path.substring("steps[0].send".length());
        }
        if (path.startsWith("steps[0]")) {
            return "send" + path.substring("steps[0]".length());
        }
        return path;
    }
}
