package io.activation.journey;

import io.activation.contact.ContactRef;
import io.activation.datamodel.RowResult;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.TableCatalog;
import io.activation.delivery.MessageRequest;
import io.activation.delivery.MessageRequests;
import io.activation.ingest.Ingestion;
import io.activation.platform.NotFoundException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Applies one record of a contact's lane in one transaction: the contact is locked (so even two engine instances
 * briefly sharing a partition during a rebalance apply its records one after the other), the record's id is
 * recorded (a replay finds it and does nothing), then exit rules, waiting journeys, and triggers with their entry
 * rules, advancing every journey until it waits or ends. Every effect is keyed by journey, step and occurrence.
 */
@Service
public class JourneyEngine {

    private static final Logger log = LoggerFactory.getLogger(JourneyEngine.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-zA-Z0-9_.]+)}");
    private static final int MAX_STEPS_PER_RECORD = 200;
    private static final String ORIGIN = "journeys";

    private final JdbcTemplate jdbc;
    private final ScenarioCache scenarios;
    private final ScenarioValidator validator;
    private final ConditionEvaluator conditions;
    private final MessageRequests messages;
    private final Ingestion ingestion;
    private final TableCatalog catalog;
    private final Clock clock;

    JourneyEngine(JdbcTemplate jdbc, ScenarioCache scenarios, ScenarioValidator validator,
            ConditionEvaluator conditions, MessageRequests messages, Ingestion ingestion, TableCatalog catalog,
            Clock clock) {
        this.jdbc = jdbc;
        this.scenarios = scenarios;
        this.validator = validator;
        this.conditions = conditions;
        this.messages = messages;
        this.ingestion = ingestion;
        this.catalog = catalog;
        this.clock = clock;
    }

    /** A live journey, loaded for update within the record's transaction. */
    private static final class Live {
        long id;
        long scenarioId;
        int version;
        long contactId;
        String status;
        String currentStep;
        int seq;
        Long timer;
        String triggerKey;
        JsonNode triggerData;
        Instant startedAt;
        ScenarioDefinition definition;
    }

    /**
     * Applies the record; returns false when it had been applied before (a replay) or concerns no contact.
     */
    @Transactional
    public boolean apply(EngineEvent event) {
        List<Long> contact = jdbc.queryForList("select id from contacts where id = ? for update", Long.class,
                event.contactId());
        if (contact.isEmpty()) {
            return false;
        }
        Instant now = now();
        if (jdbc.update("insert into journey_applied (event_id, applied_at) values (?, ?) on conflict do nothing",
                event.id(), ts(now)) == 0) {
            log.debug("Record {} was applied before; skipped", event.id());
            return false;
        }
        if (event.type().equals(EngineEvent.TIMER_FIRED)) {
            timerFired(event, now);
            return true;
        }
        for (Live live : live(event.contactId())) {
            Integer exit = exitRule(live, event);
            if (exit != null) {
                end(live, "exited", "exit rule " + exit + " matched " + describe(event), now);
                continue;
            }
            Step at = live.definition.step(live.currentStep);
            if ("waiting".equals(live.status) && at instanceof Step.WaitForEvent w
                    && event.type().equals(EngineEvent.EVENT_RECORDED)
                    && w.eventType().equals(event.data().path("eventType").asString())
                    && JsonRules.matches(w.where(), event.data().path("properties"))) {
                cancelTimer(live);
                history(live.id, w.id(), false, now, "event", w.eventType() + " received");
                run(live, w.onEvent(), now);
            }
        }
        for (Scenario s : activeScenarios()) {
            ScenarioDefinition d = scenarios.definition(s.id(), s.activeVersion());
            d.trigger().match(event, s.id()).ifPresent(match -> enter(s, d, event, match, now));
        }
        return true;
    }

    private void timerFired(EngineEvent event, Instant now) {
        long timerId = event.data().path("timerId").asLong();
        Map<String, Object> timer = jdbc.queryForList("select instance_id, status from journey_timers where id = ?"
                + " for update", timerId).stream().findFirst().orElse(null);
        if (timer == null || !"fired".equals(timer.get("status"))) {
            return; // cancelled (the journey moved on or exited) or done already
        }
        jdbc.update("update journey_timers set status = 'done' where id = ?", timerId);
        Live live = load(((Number) timer.get("instance_id")).longValue());
        if (live == null || live.timer == null || live.timer != timerId) {
            return; // a stale timer of a journey that has moved on
        }
        live.timer = null;
        jdbc.update("update journey_instances set waiting_timer = null, waiting_event = null where id = ?", live.id);
        if ("held".equals(live.status)) {
            history(live.id, live.currentStep, false, now, "resumed", "scenario resumed");
            run(live, live.currentStep, now);
            return;
        }
        Step at = live.definition.step(live.currentStep);
        if (at instanceof Step.Wait w) {
            history(live.id, w.id(), false, now, "waited", "waited " + w.duration());
            run(live, w.next(), now);
        } else if (at instanceof Step.WaitUntil w) {
            history(live.id, w.id(), false, now, "waited", "reached " + w.time() + " local");
            run(live, w.next(), now);
        } else if (at instanceof Step.WaitForEvent w) {
            history(live.id, w.id(), false, now, "timeout", "no " + w.eventType() + " within " + w.timeout());
            run(live, w.onTimeout(), now);
        } else {
            log.warn("Timer {} of journey {} fired at non-waiting step {}", timerId, live.id, at.id());
        }
    }

    private void enter(Scenario s, ScenarioDefinition d, EngineEvent event, Trigger.Match match, Instant now) {
        long contactId = event.contactId();
        EntryRule rule = d.entry();
        String refusal = switch (rule.kind()) {
            case ONCE_EVER -> exists("scenario_id = ? and contact_id = ?", s.id(), contactId)
                    ? "once ever" : null;
            case ONCE_AT_A_TIME -> exists("scenario_id = ? and contact_id = ? and ended_at is null", s.id(),
                    contactId) ? "once at a time" : null;
            case AGAIN_AFTER -> exists("scenario_id = ? and contact_id = ? and (ended_at is null or started_at > ?)",
                    s.id(), contactId, ts(now.minus(rule.days(), ChronoUnit.DAYS))) ? "again after "
                    + rule.days() + " days" : null;
            case ONCE_PER_TRIGGER_ROW -> match.triggerKey() == null || exists("scenario_id = ? and trigger_key = ?",
                    s.id(), match.triggerKey()) ? "once per trigger row" : null;
        };
        if (refusal != null) {
            log.debug("Contact {} not entered into scenario {}: entry rule {}", contactId, s.id(), refusal);
            return;
        }
        Live live = new Live();
        live.scenarioId = s.id();
        live.version = s.activeVersion();
        live.contactId = contactId;
        live.status = "running";
        live.currentStep = d.start();
        live.triggerKey = rule.kind() == EntryRule.Kind.ONCE_PER_TRIGGER_ROW ? match.triggerKey() : null;
        live.triggerData = match.data();
        live.startedAt = now;
        live.definition = d;
        live.id = jdbc.queryForObject("""
                insert into journey_instances (scenario_id, version, contact_id, status, current_step, step_seq,
                    trigger_key, trigger_data, started_at, updated_at)
                values (?, ?, ?, 'running', ?, 0, ?, ?::jsonb, ?, ?) returning id""", Long.class, s.id(),
                live.version, contactId, d.start(), live.triggerKey, JSON.writeValueAsString(match.data()), ts(now),
                ts(now));
        history(live.id, null, false, now, "started", "version " + live.version + ", " + describe(event));
        run(live, d.start(), now);
    }

    /** Executes steps from {@code stepId} until the journey waits, is held, or ends. */
    private void run(Live live, String stepId, Instant now) {
        boolean paused = "paused".equals(jdbc.queryForObject("select status from scenarios where id = ?",
                String.class, live.scenarioId));
        int executed = 0;
        while (true) {
            if (stepId == null) {
                end(live, "completed", "no next step", now);
                return;
            }
            if (paused) {
                live.status = "held";
                live.currentStep = stepId;
                save(live, null, null, now);
                history(live.id, stepId, false, now, "held", "scenario paused");
                return;
            }
            if (++executed > MAX_STEPS_PER_RECORD) {
                end(live, "exited", "more than " + MAX_STEPS_PER_RECORD + " steps without waiting", now);
                return;
            }
            Step step = live.definition.step(stepId);
            live.seq++;
            live.currentStep = stepId;
            live.status = "running";
            String key = "journey:" + live.id + ":" + stepId + ":" + live.seq;
            if (step instanceof Step.Wait w) {
                waitUntil(live, w.id(), now.plus(w.duration()), null, now, "waiting " + w.duration());
                return;
            } else if (step instanceof Step.WaitUntil w) {
                Instant due = waitUntilDue(live, w, now);
                if (due == null || !due.isAfter(now)) {
                    history(live.id, w.id(), true, now, "passed", due == null ? "no date to wait for"
                            : "the moment " + due + " has passed");
                    stepId = w.next();
                    continue;
                }
                waitUntil(live, w.id(), due, null, now, "waiting until " + due);
                return;
            } else if (step instanceof Step.WaitForEvent w) {
                waitUntil(live, w.id(), now.plus(w.timeout()), w.eventType(), now, "waiting for "
                        + w.eventType() + " up to " + w.timeout());
                return;
            } else if (step instanceof Step.Condition c) {
                boolean result = conditions.test(c.rule(), new ConditionEvaluator.Subject(live.contactId,
                        live.startedAt, now));
                history(live.id, c.id(), true, now, result ? "then" : "else", null);
                stepId = result ? c.then() : c.otherwise();
            } else if (step instanceof Step.Split s) {
                int bucket = SplitBuckets.bucket(live.contactId, live.scenarioId);
                int upper = 0;
                String next = null;
                String variant = null;
                for (Step.Split.Variant v : s.variants()) {
                    upper += v.percent();
                    if (bucket < upper) {
                        next = v.next();
                        variant = v.name();
                        break;
                    }
                }
                if (variant == null) {
                    history(live.id, s.id(), true, now, "holdout", "bucket " + bucket);
                    end(live, "exited", "holdout", now);
                    return;
                }
                history(live.id, s.id(), true, now, "variant " + variant, "bucket " + bucket);
                stepId = next;
            } else if (step instanceof Step.Send s) {
                var request = messages.request(new MessageRequest(null, key, live.contactId, live.scenarioId,
                        live.version, live.id, s.id(), s.channels(), live.definition.priority(), null, now));
                history(live.id, s.id(), true, now, request.isPresent() ? "requested" : "duplicate",
                        request.map(r -> "message request " + r.id()).orElse("request " + key + " existed"));
                stepId = s.next();
            } else if (step instanceof Step.UpdateContact u) {
                history(live.id, u.id(), true, now, updateContact(live, u, key), null);
                stepId = u.next();
            } else if (step instanceof Step.UpdateRow u) {
                history(live.id, u.id(), true, now, updateRow(live, u, key), null);
                stepId = u.next();
            } else if (step instanceof Step.Action a) {
                String outcome = validator.action(a.kind()).execute(new StepAction.Context(live.contactId,
                        live.scenarioId, live.version, live.id, a.id(), key, live.startedAt, live.triggerData,
                        now), a.settings());
                history(live.id, a.id(), true, now, outcome, null);
                stepId = a.next();
            } else if (step instanceof Step.Exit e) {
                history(live.id, e.id(), true, now, "exit", null);
                end(live, "exited", "exit step '" + e.id() + "'", now);
                return;
            }
        }
    }

    private void waitUntil(Live live, String stepId, Instant due, String eventType, Instant now, String reason) {
        Long timer = jdbc.queryForObject("""
                insert into journey_timers (instance_id, contact_id, step_id, due_at, status)
                values (?, ?, ?, ?, 'pending') returning id""", Long.class, live.id, live.contactId, stepId, ts(due));
        live.status = "waiting";
        live.timer = timer;
        save(live, timer, eventType, now);
        history(live.id, stepId, true, now, "waiting", reason);
    }

    private Instant waitUntilDue(Live live, Step.WaitUntil w, Instant now) {
        Map<String, Object> contact = jdbc.queryForMap("select * from contacts where id = ?", live.contactId);
        ZoneId zone = w.zone() != null ? w.zone() : live.definition.timeZone();
        Object tz = contact.get("time_zone");
        if (tz != null) {
            try {
                zone = ZoneId.of(tz.toString());
            } catch (DateTimeException e) {
                // An unreadable stored zone falls back to the scenario's.
            }
        }
        if (w.dateAttribute() != null) {
            Object date = contact.get(w.dateAttribute());
            if (date == null) {
                return null;
            }
            LocalDate d = date instanceof java.sql.Date sql ? sql.toLocalDate() : LocalDate.parse(date.toString());
            return WaitUntilPolicy.on(d, zone, w.time());
        }
        return WaitUntilPolicy.next(now, zone, w.time(), w.weekdays());
    }

    private String updateContact(Live live, Step.UpdateContact u, String key) {
        if (!claimEffect(key)) {
            return "duplicate";
        }
        String externalId = jdbc.queryForObject("select external_id from contacts where id = ?", String.class,
                live.contactId);
        if (externalId == null) {
            return "skipped: the contact has no external id";
        }
        ObjectNode values = resolve(u.attributes(), live);
        values.put("external_id", externalId);
        RowResult result = ingestion.upsertContacts(List.of(values), ORIGIN).get(0);
        return result.accepted() ? "contact " + result.status().name().toLowerCase(java.util.Locale.ROOT)
                : "rejected: " + result.errors();
    }

    private String updateRow(Live live, Step.UpdateRow u, String key) {
        if (!claimEffect(key)) {
            return "duplicate";
        }
        TableSchema table;
        try {
            table = catalog.schema(u.table());
        } catch (NotFoundException e) {
            return "rejected: " + e.getMessage();
        }
        ContactRef owner = table.belongsToContact() ? ContactRef.internal(live.contactId) : null;
        RowResult result = ingestion.upsertRows(table.name(), List.of(new Ingestion.RowInput(owner,
                resolve(u.values(), live))), ORIGIN).get(0);
        return result.accepted() ? u.table() + " row " + result.status().name().toLowerCase(java.util.Locale.ROOT)
                : "rejected: " + result.errors();
    }

    /** Records a data effect by its deterministic key; false when it was done before. */
    private boolean claimEffect(String key) {
        return jdbc.update("insert into journey_effects (effect_key, applied_at) values (?, ?) on conflict do nothing",
                key, ts(now())) == 1;
    }

    /** Replaces placeholders in string values: ${instance.id}, ${contact.id}, ${trigger.key}, ${trigger.<path>}. */
    private ObjectNode resolve(ObjectNode template, Live live) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : template.properties()) {
            JsonNode v = e.getValue();
            if (v.isString()) {
                Matcher m = PLACEHOLDER.matcher(v.asString());
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    m.appendReplacement(sb, Matcher.quoteReplacement(placeholder(m.group(1), live)));
                }
                m.appendTail(sb);
                out.put(e.getKey(), sb.toString());
            } else {
                out.set(e.getKey(), v);
            }
        }
        return out;
    }

    private String placeholder(String name, Live live) {
        return switch (name) {
            case "instance.id" -> Long.toString(live.id);
            case "contact.id" -> Long.toString(live.contactId);
            case "scenario.id" -> Long.toString(live.scenarioId);
            case "trigger.key" -> live.triggerData.path("key").asString("");
            default -> {
                if (name.startsWith("trigger.")) {
                    JsonNode node = live.triggerData;
                    for (String part : name.substring("trigger.".length()).split("\\.")) {
                        node = node.path(part);
                    }
                    yield node.isMissingNode() || node.isNull() ? "" : node.asString();
                }
                yield "";
            }
        };
    }

    private Integer exitRule(Live live, EngineEvent event) {
        List<Trigger> exits = live.definition.exits();
        for (int i = 0; i < exits.size(); i++) {
            if (exits.get(i).match(event, live.scenarioId).isPresent()) {
                return i;
            }
        }
        return null;
    }

    private void end(Live live, String status, String reason, Instant now) {
        cancelTimer(live);
        live.status = status;
        jdbc.update("""
                update journey_instances set status = ?, step_seq = ?, current_step = ?, waiting_timer = null,
                    waiting_event = null, ended_at = ?, updated_at = ? where id = ?""", status, live.seq,
                live.currentStep, ts(now), ts(now), live.id);
        history(live.id, live.currentStep, false, now, status, reason);
    }

    private void cancelTimer(Live live) {
        if (live.timer != null) {
            jdbc.update("update journey_timers set status = 'cancelled' where id = ? and status in ('pending',"
                    + " 'fired')", live.timer);
            live.timer = null;
        }
    }

    private void save(Live live, Long timer, String waitingEvent, Instant now) {
        jdbc.update("""
                update journey_instances set status = ?, current_step = ?, step_seq = ?, waiting_timer = ?,
                    waiting_event = ?, updated_at = ? where id = ?""", live.status, live.currentStep, live.seq, timer,
                waitingEvent, ts(now), live.id);
    }

    private void history(long instanceId, String stepId, boolean entered, Instant at, String outcome,
            String reason) {
        jdbc.update("insert into journey_history (instance_id, step_id, entered, at, outcome, reason) values (?, ?,"
                + " ?, ?, ?, ?)", instanceId, stepId, entered, ts(at), outcome,
                reason == null || reason.length() <= 1000 ? reason : reason.substring(0, 1000));
    }

    private List<Live> live(long contactId) {
        return jdbc.query("select * from journey_instances where contact_id = ? and ended_at is null order by id"
                + " for update", (rs, n) -> live(rs), contactId);
    }

    private Live load(long id) {
        return jdbc.query("select * from journey_instances where id = ? and ended_at is null for update",
                (rs, n) -> live(rs), id).stream().findFirst().orElse(null);
    }

    private Live live(java.sql.ResultSet rs) throws java.sql.SQLException {
        Live l = new Live();
        l.id = rs.getLong("id");
        l.scenarioId = rs.getLong("scenario_id");
        l.version = rs.getInt("version");
        l.contactId = rs.getLong("contact_id");
        l.status = rs.getString("status");
        l.currentStep = rs.getString("current_step");
        l.seq = rs.getInt("step_seq");
        l.timer = (Long) rs.getObject("waiting_timer");
        l.triggerKey = rs.getString("trigger_key");
        l.triggerData = JSON.readTree(rs.getString("trigger_data"));
        l.startedAt = rs.getTimestamp("started_at").toInstant();
        l.definition = scenarios.definition(l.scenarioId, l.version);
        return l;
    }

    private List<Scenario> activeScenarios() {
        return jdbc.query("select * from scenarios where status = 'active' order by id", Scenarios::map);
    }

    private boolean exists(String where, Object... args) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select exists(select 1 from journey_instances where " + where
                + ")", Boolean.class, args));
    }

    private static String describe(EngineEvent event) {
        JsonNode d = event.data();
        String detail = switch (event.type()) {
            case EngineEvent.EVENT_RECORDED -> " " + d.path("eventType").asString();
            case EngineEvent.ROW_CREATED, EngineEvent.ROW_UPDATED, EngineEvent.REFERENCE_CHANGED -> " "
                    + d.path("table").asString() + "/" + d.path("key").asString();
            default -> "";
        };
        return event.type() + detail + " (" + event.id() + ")";
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }
}
