package io.activation.journey;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;

/**
 * Applies one record of a contact's lane in one transaction: the contact is locked (so even two engine instances
 * briefly sharing a partition during a rebalance apply its records one after the other), the record's id is
 * recorded (a replay finds it and does nothing), then exit rules, waiting journeys, and triggers with their entry
 * rules, advancing every journey until it waits or ends. Every effect is keyed by journey, step and occurrence.
 */
@Service
public class JourneyEngine {

    private static final Logger log = LoggerFactory.getLogger(JourneyEngine.class);
    private static final int MAX_STEPS_PER_RECORD = 200;
    /** Events of what became of a message (tracking, sending), which a wait-for-event step may wait for. */
    private static final String MESSAGE_EVENTS = "io.activation.message.";

    private final Journeys journeys;
    private final ScenarioCache scenarios;
    private final ConditionEvaluator conditions;
    private final StepEffects effects;
    private final Clock clock;

    JourneyEngine(Journeys journeys, ScenarioCache scenarios, ConditionEvaluator conditions, StepEffects effects,
            Clock clock) {
        this.journeys = journeys;
        this.scenarios = scenarios;
        this.conditions = conditions;
        this.effects = effects;
        this.clock = clock;
    }

    /**
     * Whether the record can concern a journey at all, decided without the database: a fired timer always; anything
     * else only when a trigger or exit rule of a live scenario version matches it, or one of its steps waits for an
     * event of its type. Most of the bus (page views, contact updates no scenario looks at) is skipped here, without a
     * transaction. A scenario activated on another node is seen within a second.
     */
    public boolean concerns(EngineEvent event) {
        if (event.type().equals(EngineEvent.TIMER_FIRED)) {
            return true;
        }
        String eventType = awaitableType(event);
        for (ScenarioCache.LiveVersion v : scenarios.liveVersions()) {
            ScenarioDefinition d = v.definition();
            if (d.trigger() != null && d.trigger().match(event, v.scenarioId()).isPresent()) {
                return true;
            }
            for (Trigger exit : d.exits()) {
                if (exit.match(event, v.scenarioId()).isPresent()) {
                    return true;
                }
            }
            if (eventType != null) {
                for (Step step : d.steps().values()) {
                    if (step instanceof Step.WaitForEvent w && eventType.equals(w.eventType())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * The type a wait-for-event step can wait for: a recorded behavioural event's own type, or the CloudEvent type of
     * what became of a message ({@code io.activation.message.opened}, {@code .clicked}, ...); null for anything else.
     */
    static String awaitableType(EngineEvent event) {
        if (event.type().equals(EngineEvent.EVENT_RECORDED)) {
            return event.data().path("eventType").asString();
        }
        return event.type().startsWith(MESSAGE_EVENTS) ? event.type() : null;
    }

    /** What a wait's {@code where} tests: a recorded event's properties, a message event's data (url, stepId...). */
    private static JsonNode awaitableProperties(EngineEvent event) {
        return event.type().equals(EngineEvent.EVENT_RECORDED) ? event.data().path("properties") : event.data();
    }

    /**
     * Applies the record; false when it had been applied before (a replay; for a fired timer: its journey no longer
     * waits on it) or its contact no longer exists.
     */
    @Transactional
    public boolean apply(EngineEvent event) {
        return applyAll(List.of(event)) == 1;
    }

    /**
     * Applies a poll's records in one transaction, set-based: the contacts are locked with one statement in the
     * order of their ids, the record ids recorded with one (a replay, or an id met earlier in the list, is
     * skipped; a fired timer is recognised by its journey, which waits on it only until it is applied), and the
     * records applied in rounds, a contact's first record in the first round, its second in the second, so each
     * contact's records apply in their order. Per round the journeys of fired timers and of events are loaded with
     * one statement each, and the round's journey updates, message requests (with their outbox rows) and history
     * rows are written with one statement each. Returns how many records were applied. When anything
     * fails the whole poll rolls back; the caller then applies the records one by one.
     */
    @Transactional
    public int applyAll(List<EngineEvent> events) {
        if (events.isEmpty()) {
            return 0;
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Set<Long> contactIds = new TreeSet<>();
        events.forEach(e -> contactIds.add(e.contactId()));
        Set<Long> existing = journeys.lockContacts(contactIds);
        List<EngineEvent> candidates = new ArrayList<>(events.size());
        Set<UUID> ids = new LinkedHashSet<>();
        for (EngineEvent e : events) {
            if (existing.contains(e.contactId()) && ids.add(e.id())) {
                candidates.add(e);
            }
        }
        if (candidates.isEmpty()) {
            return 0;
        }
        // A fired timer needs no applied id: its journey stops waiting on it in this transaction, which is what a
        // replay finds.
        Set<UUID> others = new LinkedHashSet<>();
        for (EngineEvent e : candidates) {
            if (!e.type().equals(EngineEvent.TIMER_FIRED)) {
                others.add(e.id());
            }
        }
        Set<UUID> fresh = others.isEmpty() ? Set.of() : journeys.markApplied(others, now);
        List<List<EngineEvent>> rounds = new ArrayList<>();
        Map<Long, Integer> seen = new HashMap<>();
        for (EngineEvent e : candidates) {
            if (!e.type().equals(EngineEvent.TIMER_FIRED) && !fresh.contains(e.id())) {
                log.debug("Record {} was applied before; skipped", e.id());
                continue;
            }
            int round = seen.merge(e.contactId(), 1, Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(e);
        }
        int applied = 0;
        for (List<EngineEvent> round : rounds) {
            applied += applyRound(round, now);
        }
        return applied;
    }

    /** Applies records of distinct contacts; returns how many did apply (a timer its journey no longer waits on did not). */
    private int applyRound(List<EngineEvent> round, Instant now) {
        Journeys.Writes w = journeys.new Writes(now);
        List<Long> timerInstances = new ArrayList<>();
        List<Long> eventContacts = new ArrayList<>();
        for (EngineEvent e : round) {
            if (e.type().equals(EngineEvent.TIMER_FIRED)) {
                timerInstances.add(e.data().path("instanceId").asLong());
            } else {
                eventContacts.add(e.contactId());
            }
        }
        // A fired timer is applied only while its journey still waits on it: the journey, locked, moves on in this
        // transaction, so a replay, a second announcement or a timer cancelled meanwhile finds it waiting on
        // something else (or ended) and does nothing. The timer row stays as the poller left it ('fired').
        Map<Long, Journey> byId = timerInstances.isEmpty() ? Map.of() : journeys.liveByIds(timerInstances);
        Map<Long, List<Journey>> live = eventContacts.isEmpty() ? Map.of() : journeys.liveOf(eventContacts);
        int applied = 0;
        for (EngineEvent e : round) {
            if (e.type().equals(EngineEvent.TIMER_FIRED)) {
                long timerId = e.data().path("timerId").asLong();
                if (!timerFired(w, timerId, byId.get(e.data().path("instanceId").asLong()), now)) {
                    log.debug("Timer {} was cancelled or applied before; record {} skipped", timerId, e.id());
                    continue;
                }
            } else {
                event(w, e, live.getOrDefault(e.contactId(), List.of()), now);
            }
            applied++;
        }
        w.flush();
        return applied;
    }

    private void event(Journeys.Writes w, EngineEvent event, List<Journey> live, Instant now) {
        for (Journey j : live) {
            Integer exit = exitRule(j, event);
            if (exit != null) {
                end(w, j, Journey.Status.EXITED, "exit rule " + exit + " matched " + describe(event), now);
            } else if (j.status == Journey.Status.WAITING && j.step() instanceof Step.WaitForEvent wait
                    && wait.eventType().equals(awaitableType(event))
                    && JsonRules.matches(wait.where(), awaitableProperties(event))) {
                journeys.cancelTimer(j.stopWaiting());
                w.history(j.id, wait.id(), false, "event", wait.eventType() + " received");
                run(w, j, wait.onEvent(), now);
            }
        }
        for (Scenario s : scenarios.activeScenarios()) {
            ScenarioDefinition d = scenarios.definition(s.id(), s.activeVersion());
            d.trigger().match(event, s.id()).ifPresent(match -> enter(w, s, d, event, match, now));
        }
    }

    /**
     * A fired timer, with its live journey (null: the journey ended); false when the journey does not wait on it
     * (cancelled, applied before, or a stale timer of a journey that has moved on).
     */
    private boolean timerFired(Journeys.Writes w, long timerId, Journey j, Instant now) {
        if (j == null || !j.waitingOn(timerId)) {
            return false;
        }
        j.stopWaiting();
        Step at = j.step();
        if (j.status == Journey.Status.HELD) {
            w.history(j.id, j.currentStep, false, "resumed", "scenario resumed");
            run(w, j, j.currentStep, now);
        } else if (at instanceof Step.Wait wait) {
            w.history(j.id, wait.id(), false, "waited", "waited " + wait.duration());
            run(w, j, wait.next(), now);
        } else if (at instanceof Step.WaitUntil wait) {
            w.history(j.id, wait.id(), false, "waited", "reached " + wait.time() + " local");
            run(w, j, wait.next(), now);
        } else if (at instanceof Step.WaitForEvent wait) {
            w.history(j.id, wait.id(), false, "timeout", "no " + wait.eventType() + " within " + wait.timeout());
            run(w, j, wait.onTimeout(), now);
        } else {
            log.warn("Timer {} of journey {} fired at non-waiting step {}", timerId, j.id, at.id());
        }
        return true;
    }

    private void enter(Journeys.Writes w, Scenario s, ScenarioDefinition d, EngineEvent event, Trigger.Match match,
            Instant now) {
        long contactId = event.contactId();
        EntryRule rule = d.entry();
        w.flushJourneys(); // the entry rules read the journeys' state, which this record may have changed
        boolean refused = switch (rule.kind()) {
            case ONCE_EVER -> journeys.exists("scenario_id = ? and contact_id = ?", s.id(), contactId);
            case ONCE_AT_A_TIME -> journeys.exists("scenario_id = ? and contact_id = ? and ended_at is null", s.id(),
                    contactId);
            case AGAIN_AFTER -> journeys.exists("scenario_id = ? and contact_id = ? and (ended_at is null"
                    + " or started_at > ?)", s.id(), contactId, Journeys.ts(now.minus(rule.days(), ChronoUnit.DAYS)));
            case ONCE_PER_TRIGGER_ROW -> match.triggerKey() == null
                    || journeys.exists("scenario_id = ? and trigger_key = ?", s.id(), match.triggerKey());
        };
        if (refused) {
            log.debug("Contact {} not entered into scenario {}: entry rule {}", contactId, s.id(), rule.kind());
            return;
        }
        String triggerKey = rule.kind() == EntryRule.Kind.ONCE_PER_TRIGGER_ROW ? match.triggerKey() : null;
        Journey j = journeys.start(s, d, contactId, triggerKey, match.data(), now);
        w.history(j.id, null, false, "started", "version " + j.version + ", " + describe(event));
        run(w, j, d.start(), now);
    }

    /** Executes steps from {@code stepId} until the journey waits, is held, or ends. */
    private void run(Journeys.Writes w, Journey j, String stepId, Instant now) {
        boolean paused = scenarios.paused(j.scenarioId);
        for (int executed = 0; ; executed++) {
            if (stepId == null) {
                end(w, j, Journey.Status.COMPLETED, "no next step", now);
                return;
            }
            if (paused) {
                j.hold(stepId);
                w.save(j);
                w.history(j.id, stepId, false, "held", "scenario paused");
                return;
            }
            if (executed >= MAX_STEPS_PER_RECORD) {
                end(w, j, Journey.Status.EXITED, "more than " + MAX_STEPS_PER_RECORD + " steps without waiting", now);
                return;
            }
            String key = j.enter(stepId);
            Step step = j.step();
            if (step instanceof Step.Wait wait) {
                waitAt(w, j, now.plus(wait.duration()), null, now, "waiting " + wait.duration());
                return;
            } else if (step instanceof Step.WaitUntil until) {
                Instant due = waitUntilDue(j, until, now);
                if (due != null && due.isAfter(now)) {
                    waitAt(w, j, due, null, now, "waiting until " + due);
                    return;
                }
                w.history(j.id, until.id(), true, "passed", due == null ? "no date to wait for"
                        : "the moment " + due + " has passed");
                stepId = until.next();
            } else if (step instanceof Step.WaitForEvent wait) {
                waitAt(w, j, now.plus(wait.timeout()), wait.eventType(), now, "waiting for " + wait.eventType()
                        + " up to " + wait.timeout());
                return;
            } else if (step instanceof Step.Condition c) {
                boolean result;
                String reason = null;
                try {
                    result = conditions.test(c.rule(), "scenario:" + j.scenarioId + ":" + j.version + ":" + c.id(),
                            new ConditionEvaluator.Subject(j.contactId, j.startedAt, now));
                } catch (ConditionEvaluator.Unusable e) {
                    // A table or segment the rule names is gone: the else branch, said so, rather than a record
                    // that fails forever.
                    result = false;
                    reason = "the rule cannot be evaluated any more: " + e.getMessage();
                }
                w.history(j.id, c.id(), true, result ? "then" : "else", reason);
                stepId = result ? c.then() : c.otherwise();
            } else if (step instanceof Step.Split s) {
                int bucket = SplitBuckets.bucket(j.contactId, j.scenarioId);
                Step.Split.Variant chosen = variant(s, bucket);
                if (chosen == null) {
                    w.history(j.id, s.id(), true, "holdout", "bucket " + bucket);
                    end(w, j, Journey.Status.EXITED, "holdout", now);
                    return;
                }
                w.history(j.id, s.id(), true, "variant " + chosen.name(), "bucket " + bucket);
                stepId = chosen.next();
            } else if (step instanceof Step.Send s) {
                w.history(j.id, s.id(), effects.send(w, j, s, key, now));
                stepId = s.next();
            } else if (step instanceof Step.UpdateContact u) {
                record(w, j, u.id(), effects.updateContact(j, u, key, now), now);
                stepId = u.next();
            } else if (step instanceof Step.UpdateRow u) {
                record(w, j, u.id(), effects.updateRow(j, u, key, now), now);
                stepId = u.next();
            } else if (step instanceof Step.Action a) {
                StepEffects.Outcome outcome = effects.action(j, a, key, now);
                record(w, j, a.id(), outcome, now);
                stepId = outcome.failed() && a.onFailure() != null ? a.onFailure() : a.next();
            } else if (step instanceof Step.Exit e) {
                w.history(j.id, e.id(), true, "exit", null);
                end(w, j, Journey.Status.EXITED, "exit step '" + e.id() + "'", now);
                return;
            }
        }
    }

    private static Step.Split.Variant variant(Step.Split s, int bucket) {
        int upper = 0;
        for (Step.Split.Variant v : s.variants()) {
            upper += v.percent();
            if (bucket < upper) {
                return v;
            }
        }
        return null; // the holdout
    }

    private void record(Journeys.Writes w, Journey j, String stepId, StepEffects.Outcome outcome, Instant now) {
        w.history(j.id, stepId, true, outcome.outcome(), outcome.reason());
    }

    private void waitAt(Journeys.Writes w, Journey j, Instant due, String eventType, Instant now, String reason) {
        j.waitOn(journeys.createTimer(j, j.currentStep, due), eventType);
        w.save(j);
        w.history(j.id, j.currentStep, true, "waiting", reason);
    }

    private void end(Journeys.Writes w, Journey j, Journey.Status outcome, String reason, Instant now) {
        journeys.cancelTimer(j.end(outcome));
        w.save(j);
        w.history(j.id, j.currentStep, false, j.statusName(), reason);
    }

    private Instant waitUntilDue(Journey j, Step.WaitUntil w, Instant now) {
        Map<String, Object> contact = journeys.contactRow(j.contactId);
        ZoneId zone = w.zone() != null ? w.zone() : j.definition.timeZone();
        Object tz = contact.get("time_zone");
        if (tz != null) {
            try {
                zone = ZoneId.of(tz.toString());
            } catch (DateTimeException e) {
                log.debug("Contact {} has an unreadable time zone {}; using {}", j.contactId, tz, zone);
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

    private static Integer exitRule(Journey j, EngineEvent event) {
        List<Trigger> exits = j.definition.exits();
        for (int i = 0; i < exits.size(); i++) {
            if (exits.get(i).match(event, j.scenarioId).isPresent()) {
                return i;
            }
        }
        return null;
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
}
