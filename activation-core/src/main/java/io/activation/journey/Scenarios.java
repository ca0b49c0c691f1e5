package io.activation.journey;

import io.activation.contact.ContactRef;
import io.activation.contact.ContactResolver;
import io.activation.contact.ResolvedContacts;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.platform.ConflictException;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The application service of scenario management: drafts, versions, validation, the lifecycle (activate, pause,
 * resume, archive), explicit migration of in-flight journeys, counts, and API-call triggers.
 */
@Service
public class Scenarios {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final ScenarioValidator validator;
    private final ScenarioCache cache;
    private final ContactResolver resolver;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Clock clock;
    private final TriggerSchedules triggers;

    Scenarios(JdbcTemplate jdbc, ScenarioValidator validator, ScenarioCache cache, ContactResolver resolver,
            Outbox outbox, ChangeEvents events, Clock clock, TriggerSchedules triggers) {
        this.triggers = triggers;
        this.jdbc = jdbc;
        this.validator = validator;
        this.cache = cache;
        this.resolver = resolver;
        this.outbox = outbox;
        this.events = events;
        this.clock = clock;
    }

    /** Per-scenario and per-step counts. */
    public record Counts(long total, long live, long completed, long exited, List<StepCount> steps) {}

    /** How many journeys are at a step now, and how many entered it ever (per version). */
    public record StepCount(int version, String stepId, long current, long entered) {}

    /** Creates a draft (version 1): any object with a name; validation and activation check the rest. */
    @Transactional
    public Scenario create(JsonNode definition) {
        String name = structural(definition);
        definition = WebhookSecrets.kept(definition, null);
        Instant now = now();
        Long id = jdbc.queryForObject("""
                insert into scenarios (name, status, latest_version, created_at, updated_at)
                values (?, 'draft', 1, ?, ?) returning id""", Long.class, name, ts(now), ts(now));
        insertVersion(id, 1, definition, now);
        return get(id);
    }

    /**
     * Stores a new version. On an active scenario the new version must be valid and takes over new entries at
     * once; journeys in flight stay on their version unless {@link #migrate} moves them.
     */
    @Transactional
    public Scenario update(long id, JsonNode definition) {
        cache.liveChanged();
        Scenario s = lock(id);
        if (s.status() == Scenario.Status.ARCHIVED) {
            throw new ConflictException("scenario-archived", "id", "Scenario " + id + " is archived");
        }
        String name = structural(definition);
        definition = WebhookSecrets.kept(definition, version(id, s.latestVersion()).definition());
        if (s.status() == Scenario.Status.ACTIVE) {
            validOrThrow(definition);
        }
        int version = s.latestVersion() + 1;
        Instant now = now();
        insertVersion(id, version, definition, now);
        if (s.status() == Scenario.Status.ACTIVE) {
            jdbc.update("update scenario_versions set activated_at = ? where scenario_id = ? and version = ?", ts(now),
                    id, version);
            jdbc.update("update scenarios set name = ?, latest_version = ?, active_version = ?, updated_at = ?"
                    + " where id = ?", name, version, version, ts(now), id);
            triggers.replaced(id, cache.definition(id, s.activeVersion()), cache.definition(id, version), now);
        } else {
            jdbc.update("update scenarios set name = ?, latest_version = ?, updated_at = ? where id = ?", name,
                    version, ts(now), id);
        }
        return get(id);
    }

    /** Every problem of the latest version; empty when it could be activated. */
    public List<FieldError> validate(long id) {
        Scenario s = get(id);
        return validator.problems(version(id, s.latestVersion()).definition());
    }

    /** Problems of a definition not stored (for the API's dry run). */
    public List<FieldError> validate(JsonNode definition) {
        return validator.problems(definition);
    }

    /** Activates the latest version (after validation); resuming a paused scenario goes through {@link #resume}. */
    @Transactional
    public Scenario activate(long id) {
        cache.liveChanged();
        Scenario s = lock(id);
        if (s.status() == Scenario.Status.ARCHIVED) {
            throw new ConflictException("scenario-archived", "id", "Scenario " + id + " is archived");
        }
        if (s.status() == Scenario.Status.ACTIVE && s.activeVersion() == s.latestVersion()) {
            return s;
        }
        validOrThrow(version(id, s.latestVersion()).definition());
        Instant now = now();
        jdbc.update("update scenario_versions set activated_at = coalesce(activated_at, ?) where scenario_id = ?"
                + " and version = ?", ts(now), id, s.latestVersion());
        jdbc.update("update scenarios set status = 'active', active_version = ?, updated_at = ? where id = ?",
                s.latestVersion(), ts(now), id);
        if (s.status() == Scenario.Status.PAUSED) {
            releaseHeld(id, now);
        }
        triggers.activated(id, cache.definition(id, s.latestVersion()), now);
        return get(id);
    }

    @Transactional
    public Scenario pause(long id) {
        cache.liveChanged();
        Scenario s = lock(id);
        if (s.status() != Scenario.Status.ACTIVE) {
            throw new ConflictException("scenario-not-active", "status", "Only an active scenario can be paused;"
                    + " scenario " + id + " is " + s.status().json());
        }
        jdbc.update("update scenarios set status = 'paused', updated_at = ? where id = ?", ts(now()), id);
        triggers.deactivated(id, cache.definition(id, s.activeVersion()));
        return get(id);
    }

    /** Resumes a paused scenario: new entries again, held journeys continue (through a timer due now). */
    @Transactional
    public Scenario resume(long id) {
        cache.liveChanged();
        Scenario s = lock(id);
        if (s.status() != Scenario.Status.PAUSED) {
            throw new ConflictException("scenario-not-paused", "status", "Only a paused scenario can be resumed;"
                    + " scenario " + id + " is " + s.status().json());
        }
        Instant now = now();
        jdbc.update("update scenarios set status = 'active', updated_at = ? where id = ?", ts(now), id);
        releaseHeld(id, now);
        triggers.activated(id, cache.definition(id, s.activeVersion()), now);
        return get(id);
    }

    private void releaseHeld(long id, Instant now) {
        List<Map<String, Object>> held = jdbc.queryForList("""
                select id, contact_id, current_step from journey_instances
                where scenario_id = ? and status = 'held' for update""", id);
        for (Map<String, Object> h : held) {
            Long timer = jdbc.queryForObject("""
                    insert into journey_timers (instance_id, contact_id, step_id, due_at, status)
                    values (?, ?, ?, ?, 'pending') returning id""", Long.class, h.get("id"), h.get("contact_id"),
                    h.get("current_step"), ts(now));
            jdbc.update("update journey_instances set waiting_timer = ?, updated_at = ? where id = ?", timer,
                    ts(now), h.get("id"));
        }
    }

    /** Archives: no new entries; journeys in flight exit, their timers are cancelled. */
    @Transactional
    public Scenario archive(long id) {
        cache.liveChanged();
        Scenario s = lock(id);
        if (s.status() == Scenario.Status.ARCHIVED) {
            return s;
        }
        Instant now = now();
        jdbc.update("update journey_timers set status = 'cancelled' where status = 'pending' and instance_id in"
                + " (select id from journey_instances where scenario_id = ? and ended_at is null)", id);
        jdbc.update("""
                insert into journey_history (instance_id, step_id, entered, at, outcome, reason)
                select id, current_step, false, ?, 'exited', 'scenario archived'
                from journey_instances where scenario_id = ? and ended_at is null""", ts(now), id);
        jdbc.update("""
                update journey_instances set status = 'exited', waiting_timer = null, waiting_event = null,
                    ended_at = ?, updated_at = ?
                where scenario_id = ? and ended_at is null""", ts(now), ts(now), id);
        jdbc.update("update scenarios set status = 'archived', updated_at = ? where id = ?", ts(now), id);
        if (s.status() == Scenario.Status.ACTIVE) {
            triggers.deactivated(id, cache.definition(id, s.activeVersion()));
        }
        return get(id);
    }

    /**
     * Moves the live journeys of {@code fromVersion} to {@code toVersion}, each to the step the mapping names for
     * the step it is at. Every step a journey is at must be mapped, to a step of the same kind (a waiting journey
     * keeps its timer); otherwise nothing moves.
     *
     * @return the number of journeys migrated
     */
    @Transactional
    public int migrate(long id, int fromVersion, int toVersion, Map<String, String> steps) {
        Scenario s = lock(id);
        List<FieldError> errors = new ArrayList<>();
        if (fromVersion == toVersion) {
            errors.add(new FieldError("toVersion", "must differ from fromVersion"));
        }
        Optional<ScenarioVersion> to = findVersion(id, toVersion);
        if (to.isEmpty() || to.get().activatedAt() == null) {
            errors.add(new FieldError("toVersion", "must be a version that has been active"));
        }
        Optional<ScenarioVersion> from0 = findVersion(id, fromVersion);
        if (from0.isEmpty() || from0.get().activatedAt() == null) {
            errors.add(new FieldError("fromVersion", "must be a version of scenario " + id + " that has been"
                    + " active"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        ScenarioDefinition from = cache.definition(id, fromVersion);
        ScenarioDefinition target = cache.definition(id, toVersion);
        List<Map<String, Object>> live = jdbc.queryForList("""
                select id, current_step, status from journey_instances
                where scenario_id = ? and version = ? and ended_at is null order by id for update""", id, fromVersion);
        for (Map<String, Object> row : live) {
            String at = (String) row.get("current_step");
            String mapped = steps.get(at);
            if (mapped == null) {
                errors.add(new FieldError("steps." + at, "journeys are at step '" + at + "' of version "
                        + fromVersion + ": map it to a step of version " + toVersion));
            } else if (target.step(mapped) == null) {
                errors.add(new FieldError("steps." + at, "version " + toVersion + " has no step '" + mapped + "'"));
            } else if (from.step(at) != null && !sameKind(from.step(at), target.step(mapped))) {
                errors.add(new FieldError("steps." + at, "'" + at + "' and '" + mapped + "' are steps of different"
                        + " kinds"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors.stream().distinct().toList());
        }
        Instant now = now();
        for (Map<String, Object> row : live) {
            long instance = ((Number) row.get("id")).longValue();
            String at = (String) row.get("current_step");
            String mapped = steps.get(at);
            String waitingEvent = target.step(mapped) instanceof Step.WaitForEvent w ? w.eventType() : null;
            jdbc.update("""
                    update journey_instances set version = ?, current_step = ?,
                        waiting_event = case when status = 'waiting' then ? else waiting_event end, updated_at = ?
                    where id = ?""", toVersion, mapped, waitingEvent, ts(now), instance);
            jdbc.update("update journey_timers set step_id = ? where instance_id = ? and status in ('pending',"
                    + " 'fired')", mapped, instance);
            jdbc.update("""
                    insert into journey_history (instance_id, step_id, entered, at, outcome, reason)
                    values (?, ?, false, ?, 'migrated', ?)""", instance, mapped, ts(now), "from version "
                    + fromVersion + " step '" + at + "' to version " + toVersion + " step '" + mapped + "'");
        }
        jdbc.update("update scenarios set updated_at = ? where id = ?", ts(now), s.id());
        return live.size();
    }

    /**
     * Starts the scenario for a contact by API call: published as an event keyed by the contact, so the engine
     * applies it in the contact's lane like any other. The contact must exist.
     *
     * @return the id of the trigger event
     */
    @Transactional
    public UUID trigger(long id, ContactRef contact, JsonNode payload) {
        Scenario s = get(id);
        if (s.status() != Scenario.Status.ACTIVE) {
            throw new ConflictException("scenario-not-active", "id", "Scenario " + id + " is " + s.status().json());
        }
        ScenarioDefinition d = cache.definition(id, s.activeVersion());
        if (d.trigger().kind() != Trigger.Kind.API) {
            throw new ConflictException("not-an-api-trigger", "id", "Scenario " + id + " is not started by API calls"
                    + " (its trigger is of type " + d.trigger().kind().json + ")");
        }
        if (payload != null && !payload.isNull() && !payload.isObject()) {
            throw new InvalidInputException("payload", "must be an object");
        }
        ResolvedContacts resolved = resolver.resolve(List.of(contact));
        if (!resolved.has(contact) || !resolved.created().isEmpty()) {
            throw new NotFoundException("contact", ResolvedContacts.unknown(contact));
        }
        long contactId = resolved.id(contact);
        UUID eventId = UUID.randomUUID();
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("scenarioId", id);
        data.put("contactId", contactId);
        data.set("payload", payload == null || payload.isNull() ? JsonNodeFactory.instance.objectNode() : payload);
        outbox.append(List.of(events.event(EngineEvent.TRIGGERED, contactId, "scenarios/" + id, "api", data,
                eventId)));
        return eventId;
    }

    public Scenario get(long id) {
        return jdbc.query("select * from scenarios where id = ?", Scenarios::map, id).stream().findFirst()
                .orElseThrow(() -> new NotFoundException("id", "No scenario with id " + id));
    }

    public List<Scenario> list(Scenario.Status status) {
        return status == null ? jdbc.query("select * from scenarios order by id", Scenarios::map)
                : jdbc.query("select * from scenarios where status = ? order by id", Scenarios::map, status.json());
    }

    public List<ScenarioVersion> versions(long id) {
        get(id);
        return jdbc.query("select * from scenario_versions where scenario_id = ? order by version",
                Scenarios::mapVersion, id);
    }

    public ScenarioVersion version(long id, int version) {
        return findVersion(id, version).orElseThrow(() -> new NotFoundException("version", "Scenario " + id
                + " has no version " + version));
    }

    private Optional<ScenarioVersion> findVersion(long id, int version) {
        return jdbc.query("select * from scenario_versions where scenario_id = ? and version = ?",
                Scenarios::mapVersion, id, version).stream().findFirst();
    }

    public Counts counts(long id) {
        get(id);
        Map<String, Object> totals = jdbc.queryForMap("""
                select count(*) as total, count(*) filter (where ended_at is null) as live,
                       count(*) filter (where status = 'completed') as completed,
                       count(*) filter (where status = 'exited') as exited
                from journey_instances where scenario_id = ?""", id);
        Map<String, StepCount> steps = new LinkedHashMap<>();
        jdbc.query("""
                select i.version, h.step_id, count(*) as entered from journey_history h
                join journey_instances i on i.id = h.instance_id
                where i.scenario_id = ? and h.entered group by i.version, h.step_id order by i.version, h.step_id""",
                rs -> {
                    steps.put(rs.getInt(1) + "/" + rs.getString(2), new StepCount(rs.getInt(1), rs.getString(2), 0,
                            rs.getLong(3)));
                }, id);
        jdbc.query("""
                select version, current_step, count(*) from journey_instances
                where scenario_id = ? and ended_at is null group by version, current_step""", rs -> {
                    String key = rs.getInt(1) + "/" + rs.getString(2);
                    StepCount c = steps.get(key);
                    steps.put(key, new StepCount(rs.getInt(1), rs.getString(2), rs.getLong(3),
                            c == null ? 0 : c.entered()));
                }, id);
        return new Counts(num(totals.get("total")), num(totals.get("live")), num(totals.get("completed")),
                num(totals.get("exited")), List.copyOf(steps.values()));
    }

    private static long num(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }

    private void validOrThrow(JsonNode definition) {
        List<FieldError> problems = validator.problems(definition);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
    }

    /**
     * A draft may be incomplete or wrong (validation lists its problems); it must be an object with a name. The
     * name is checked here so that the list of scenarios stays readable.
     */
    private static String structural(JsonNode definition) {
        if (definition == null || !definition.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object (a scenario definition)");
        }
        String name = Trigger.text(definition, "name");
        if (name == null || name.length() > 200) {
            throw new InvalidInputException("name", "is required: 1 to 200 characters");
        }
        return name;
    }

    private void insertVersion(long id, int version, JsonNode definition, Instant now) {
        jdbc.update("insert into scenario_versions (scenario_id, version, definition, created_at) values (?, ?,"
                + " ?::jsonb, ?)", id, version, JSON.writeValueAsString(definition), ts(now));
    }

    private Scenario lock(long id) {
        return jdbc.query("select * from scenarios where id = ? for update", Scenarios::map, id).stream().findFirst()
                .orElseThrow(() -> new NotFoundException("id", "No scenario with id " + id));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }

    static Scenario map(ResultSet rs, int n) throws SQLException {
        return new Scenario(rs.getLong("id"), rs.getString("name"),
                Scenario.Status.valueOf(rs.getString("status").toUpperCase(java.util.Locale.ROOT)),
                rs.getInt("latest_version"), (Integer) rs.getObject("active_version"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }

    private static ScenarioVersion mapVersion(ResultSet rs, int n) throws SQLException {
        Timestamp activated = rs.getTimestamp("activated_at");
        return new ScenarioVersion(rs.getLong("scenario_id"), rs.getInt("version"),
                JSON.readTree(rs.getString("definition")), rs.getTimestamp("created_at").toInstant(),
                activated == null ? null : activated.toInstant());
    }

    /** Same step kind; plug-in steps (webhook, score) are one class, told apart by their kind. */
    private static boolean sameKind(Step a, Step b) {
        if (a instanceof Step.Action x && b instanceof Step.Action y) {
            return x.kind().equals(y.kind());
        }
        return a.getClass() == b.getClass();
    }
}
