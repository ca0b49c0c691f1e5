package io.activation.journey;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/** Journey state in PostgreSQL for the engine: instances (locked for update), timers, history. */
@Component
class Journeys {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final ScenarioCache scenarios;
    private final io.activation.delivery.MessageRequests messages;

    Journeys(JdbcTemplate jdbc, ScenarioCache scenarios, io.activation.delivery.MessageRequests messages) {
        this.jdbc = jdbc;
        this.scenarios = scenarios;
        this.messages = messages;
    }

    /**
     * Locks the contacts for the rest of the transaction, in the order of their ids (two engine instances locking
     * overlapping sets wait for each other instead of deadlocking); returns those that exist.
     */
    java.util.Set<Long> lockContacts(java.util.Collection<Long> contactIds) {
        // The first statement of every engine transaction: its look-ups by ids, planned for their actual arrays.
        io.activation.platform.CustomPlans.forThisTransaction(jdbc);
        java.util.Set<Long> found = new java.util.HashSet<>();
        jdbc.query("select id from contacts where id = any(?) order by id for update",
                (org.springframework.jdbc.core.RowCallbackHandler) rs -> found.add(rs.getLong(1)),
                (Object) array("bigint", contactIds.toArray(Long[]::new)));
        return found;
    }

    /** Records records as applied in one statement; returns the ids that had not been applied before. */
    java.util.Set<java.util.UUID> markApplied(java.util.Collection<java.util.UUID> eventIds, Instant now) {
        java.util.Set<java.util.UUID> fresh = new java.util.HashSet<>();
        jdbc.query("insert into journey_applied (event_id, applied_at) select unnest(?::uuid[]), ?"
                + " on conflict do nothing returning event_id",
                (org.springframework.jdbc.core.RowCallbackHandler) rs -> fresh.add(rs.getObject(1,
                        java.util.UUID.class)), array("uuid", eventIds.toArray(java.util.UUID[]::new)), ts(now));
        return fresh;
    }

    /** The live journeys with these ids, locked, by id. */
    Map<Long, Journey> liveByIds(java.util.Collection<Long> ids) {
        Map<Long, Journey> out = new java.util.HashMap<>();
        jdbc.query("select * from journey_instances where id = any(?) and ended_at is null order by id for update",
                (org.springframework.jdbc.core.RowCallbackHandler) rs -> out.put(rs.getLong("id"), map(rs)),
                (Object) array("bigint", ids.toArray(Long[]::new)));
        return out;
    }

    /** The live journeys of these contacts, locked, each contact's in id order. */
    Map<Long, List<Journey>> liveOf(java.util.Collection<Long> contactIds) {
        Map<Long, List<Journey>> out = new java.util.HashMap<>();
        jdbc.query("select * from journey_instances where contact_id = any(?) and ended_at is null"
                + " order by contact_id, id for update",
                (org.springframework.jdbc.core.RowCallbackHandler) rs -> out.computeIfAbsent(rs.getLong(
                        "contact_id"), k -> new java.util.ArrayList<>()).add(map(rs)),
                (Object) array("bigint", contactIds.toArray(Long[]::new)));
        return out;
    }

    private java.sql.Array array(String type, Object[] values) {
        return jdbc.execute((java.sql.Connection c) -> c.createArrayOf(type, values));
    }

    /**
     * Writes of one pass of the engine over a poll's records, kept until {@link #flush}: journey updates (the last
     * state of each journey), message requests and history rows, each written by one statement. Reads of journey
     * state within the pass call {@link #flushJourneys} first.
     */
    final class Writes {

        private final Instant now;
        private final java.util.LinkedHashMap<Long, Journey> journeys = new java.util.LinkedHashMap<>();
        private final List<HistoryRow> history = new java.util.ArrayList<>();
        private final List<PendingRequest> requests = new java.util.ArrayList<>();

        Writes(Instant now) {
            this.now = now;
        }

        void save(Journey j) {
            journeys.put(j.id, j);
        }

        void history(long journeyId, String stepId, boolean entered, String outcome, String reason) {
            history.add(new HistoryRow(journeyId, stepId, entered, outcome, reason, null));
        }

        /** A history row whose outcome is the request's: "requested" with its id, or "duplicate". */
        void history(long journeyId, String stepId, PendingRequest request) {
            history.add(new HistoryRow(journeyId, stepId, true, null, null, request));
        }

        PendingRequest request(io.activation.delivery.MessageRequest request) {
            PendingRequest p = new PendingRequest(request);
            requests.add(p);
            return p;
        }

        void flushJourneys() {
            if (journeys.isEmpty()) {
                return;
            }
            int n = journeys.size();
            Long[] ids = new Long[n];
            String[] statuses = new String[n];
            String[] steps = new String[n];
            Integer[] seqs = new Integer[n];
            Long[] timers = new Long[n];
            String[] events = new String[n];
            Boolean[] ended = new Boolean[n];
            int i = 0;
            for (Journey j : journeys.values()) {
                ids[i] = j.id;
                statuses[i] = j.statusName();
                steps[i] = j.currentStep;
                seqs[i] = j.seq;
                timers[i] = j.timer;
                events[i] = j.waitingEvent;
                ended[i] = j.status == Journey.Status.COMPLETED || j.status == Journey.Status.EXITED;
                i++;
            }
            jdbc.update("""
                    update journey_instances j set status = x.status, current_step = x.step, step_seq = x.seq,
                        waiting_timer = x.timer, waiting_event = x.event, updated_at = ?,
                        ended_at = case when x.ended then ?::timestamptz end
                    from unnest(?::bigint[], ?::varchar[], ?::varchar[], ?::integer[], ?::bigint[], ?::varchar[],
                        ?::boolean[]) as x(id, status, step, seq, timer, event, ended)
                    where j.id = x.id""", ts(now), ts(now), array("bigint", ids), array("varchar", statuses),
                    array("varchar", steps), array("integer", seqs), array("bigint", timers),
                    array("varchar", events), array("boolean", ended));
            journeys.clear();
        }

        /** Writes everything kept: message requests (and their outbox rows), journeys, then history. */
        void flush() {
            if (!requests.isEmpty()) {
                List<java.util.Optional<io.activation.delivery.MessageRequest>> stored = messages.requestAll(
                        requests.stream().map(PendingRequest::request).toList());
                for (int i = 0; i < requests.size(); i++) {
                    requests.get(i).stored = stored.get(i).orElse(null);
                }
                requests.clear();
            }
            flushJourneys();
            if (history.isEmpty()) {
                return;
            }
            int n = history.size();
            Long[] ids = new Long[n];
            String[] steps = new String[n];
            Boolean[] entered = new Boolean[n];
            String[] outcomes = new String[n];
            String[] reasons = new String[n];
            for (int i = 0; i < n; i++) {
                HistoryRow h = history.get(i);
                ids[i] = h.journeyId();
                steps[i] = h.stepId();
                entered[i] = h.entered();
                String reason;
                if (h.request() != null) {
                    io.activation.delivery.MessageRequest r = h.request().stored;
                    outcomes[i] = r != null ? "requested" : "duplicate";
                    reason = r != null ? "message request " + r.id() : "request " + h.request().request().dedupeKey()
                            + " existed";
                } else {
                    outcomes[i] = h.outcome();
                    reason = h.reason();
                }
                reasons[i] = reason == null || reason.length() <= 1000 ? reason : reason.substring(0, 1000);
            }
            jdbc.update("""
                    insert into journey_history (instance_id, step_id, entered, at, outcome, reason)
                    select i, s, e, ?, o, r
                    from unnest(?::bigint[], ?::varchar[], ?::boolean[], ?::varchar[], ?::varchar[])
                        with ordinality as x(i, s, e, o, r, n)
                    order by n""", ts(now), array("bigint", ids), array("varchar", steps),
                    array("boolean", entered), array("varchar", outcomes), array("varchar", reasons));
            history.clear();
        }
    }

    private record HistoryRow(long journeyId, String stepId, boolean entered, String outcome, String reason,
            PendingRequest request) {}

    /** A message request written at the flush; {@code stored} is then the request, or null for a duplicate. */
    static final class PendingRequest {
        private final io.activation.delivery.MessageRequest request;
        io.activation.delivery.MessageRequest stored;

        PendingRequest(io.activation.delivery.MessageRequest request) {
            this.request = request;
        }

        io.activation.delivery.MessageRequest request() {
            return request;
        }
    }

    /** Records a data effect by its key; false when it was done before. */
    boolean claimEffect(String key, Instant now) {
        return jdbc.update("insert into journey_effects (effect_key, applied_at) values (?, ?) on conflict do nothing",
                key, ts(now)) == 1;
    }

    Journey start(Scenario s, ScenarioDefinition d, long contactId, String triggerKey,
            tools.jackson.databind.JsonNode triggerData, Instant now) {
        Long id = jdbc.queryForObject("""
                insert into journey_instances (scenario_id, version, contact_id, status, current_step, step_seq,
                    trigger_key, trigger_data, started_at, updated_at)
                values (?, ?, ?, 'running', ?, 0, ?, ?::jsonb, ?, ?) returning id""", Long.class, s.id(),
                s.activeVersion(), contactId, d.start(), triggerKey, JSON.writeValueAsString(triggerData), ts(now),
                ts(now));
        return new Journey(id, s.id(), s.activeVersion(), contactId, Journey.Status.RUNNING, d.start(), 0, null,
                triggerKey, triggerData, now, d);
    }


    long createTimer(Journey j, String stepId, Instant due) {
        Long id = jdbc.queryForObject("""
                insert into journey_timers (instance_id, contact_id, step_id, due_at, status)
                values (?, ?, ?, ?, 'pending') returning id""", Long.class, j.id, j.contactId, stepId, ts(due));
        return id;
    }

    void cancelTimer(Long timerId) {
        if (timerId != null) {
            jdbc.update("update journey_timers set status = 'cancelled' where id = ? and status in ('pending',"
                    + " 'fired')", timerId);
        }
    }



    List<Scenario> activeScenarios() {
        return jdbc.query("select * from scenarios where status = 'active' order by id", Scenarios::map);
    }

    /** Whether a journey of the scenario matches the condition (entry rules). */
    boolean exists(String where, Object... args) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select exists(select 1 from journey_instances where " + where
                + ")", Boolean.class, args));
    }

    Map<String, Object> contactRow(long contactId) {
        return jdbc.queryForMap("select * from contacts where id = ?", contactId);
    }

    private Journey map(ResultSet rs) throws SQLException {
        long scenarioId = rs.getLong("scenario_id");
        int version = rs.getInt("version");
        Journey j = new Journey(rs.getLong("id"), scenarioId, version, rs.getLong("contact_id"),
                Journey.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                rs.getString("current_step"), rs.getInt("step_seq"), (Long) rs.getObject("waiting_timer"),
                rs.getString("trigger_key"), JSON.readTree(rs.getString("trigger_data")),
                rs.getTimestamp("started_at").toInstant(), scenarios.definition(scenarioId, version));
        j.waitingEvent = rs.getString("waiting_event");
        return j;
    }

    static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }
}
