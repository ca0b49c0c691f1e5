package io.activation.journey;

import io.activation.platform.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parsed scenario versions; versions never change once written, so they are cached for good. Also the versions that
 * can still have journeys (every version of an active or paused scenario), re-read at most once a second and at
 * once after a change on this node, so the engine can tell without the database that a record concerns no journey.
 *
 * <p>"At once" holds against a reload running on a lane thread while the change commits: each load is stamped with
 * the generation it started under, and a committed change moves the generation on, so a load whose queries may have
 * read the state before the commit is never used after it (it used to be stored over the invalidation and kept for a
 * second, and the engine then skipped as "of no scenario" the first records of a scenario just activated).
 */
@Component
class ScenarioCache {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final ScenarioValidator validator;
    private static final long LIVE_TTL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Map<String, ScenarioDefinition> cache = new ConcurrentHashMap<>();
    private volatile Live live;
    /** Moved on by every committed change of a scenario's status or versions; a load is valid for one generation. */
    private final AtomicLong generation = new AtomicLong();

    /** A scenario version that may have journeys in flight or take new ones. */
    record LiveVersion(long scenarioId, ScenarioDefinition definition) {}

    private record Live(long generation, long loadedAt, List<Scenario> active, java.util.Set<Long> paused,
            List<LiveVersion> versions) {}

    ScenarioCache(JdbcTemplate jdbc, ScenarioValidator validator) {
        this.jdbc = jdbc;
        this.validator = validator;
    }

    ScenarioDefinition definition(long scenarioId, int version) {
        return cache.computeIfAbsent(scenarioId + "/" + version, k -> {
            String json = jdbc.queryForObject("select definition::text from scenario_versions where scenario_id = ?"
                    + " and version = ?", String.class, scenarioId, version);
            List<FieldError> errors = new ArrayList<>();
            ScenarioDefinition d = validator.parse(JSON.readTree(json), errors);
            if (!errors.isEmpty()) {
                throw new IllegalStateException("stored scenario " + k + " no longer parses: " + errors);
            }
            return d;
        });
    }

    /** Every version of the active and paused scenarios (archived ones have no journeys left). */
    List<LiveVersion> liveVersions() {
        return live().versions();
    }

    /** The active scenarios, as of at most a second ago (at once after a change on this node). */
    List<Scenario> activeScenarios() {
        return live().active();
    }

    /** Whether the scenario is paused, as of at most a second ago (at once after a change on this node). */
    boolean paused(long scenarioId) {
        return live().paused().contains(scenarioId);
    }

    private Live live() {
        Live current = live;
        long now = generation.get();
        if (current == null || current.generation() != now
                || System.nanoTime() - current.loadedAt() > LIVE_TTL_NANOS) {
            // The generation is read before the queries: a change committed while they run makes this load stale.
            long loadedAt = System.nanoTime();
            List<Scenario> active = new ArrayList<>();
            java.util.Set<Long> paused = new java.util.HashSet<>();
            for (Scenario s : jdbc.query("select * from scenarios where status in ('active', 'paused') order by id",
                    Scenarios::map)) {
                if (s.status() == Scenario.Status.ACTIVE) {
                    active.add(s);
                } else {
                    paused.add(s.id());
                }
            }
            List<LiveVersion> versions = new ArrayList<>();
            jdbc.query("""
                    select v.scenario_id, v.version from scenario_versions v join scenarios s on s.id = v.scenario_id
                    where s.status in ('active', 'paused') order by v.scenario_id, v.version""",
                    (org.springframework.jdbc.core.RowCallbackHandler) rs -> versions.add(new LiveVersion(
                            rs.getLong(1), definition(rs.getLong(1), rs.getInt(2)))));
            current = new Live(now, loadedAt, List.copyOf(active), java.util.Set.copyOf(paused),
                    List.copyOf(versions));
            live = current;
        }
        return current;
    }

    /**
     * A scenario's status or versions changed: forget the live versions once the change is committed (and at once, so
     * this transaction's own reads do not use a load from before it).
     */
    void liveChanged() {
        generation.incrementAndGet();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    generation.incrementAndGet();
                }
            });
        }
    }
}
