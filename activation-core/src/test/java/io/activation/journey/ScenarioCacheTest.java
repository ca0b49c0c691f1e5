package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The live scenarios against a reload on a lane thread that straddles an activation's commit: what it read before
 * the commit must not be what the engine uses after it (it was, for up to a second, and the engine skipped the first
 * records of a scenario just activated as concerning no scenario: they were lost).
 */
class ScenarioCacheTest {

    /** The scenarios table as the queries read it; a reader can be held between its read and its return. */
    private static final class Db extends JdbcTemplate {
        volatile List<Scenario> active = List.of();
        volatile boolean hold;
        final CountDownLatch read = new CountDownLatch(1);
        final CountDownLatch resume = new CountDownLatch(1);

        @Override
        @SuppressWarnings("unchecked")
        public <T> List<T> query(String sql, RowMapper<T> rowMapper) {
            List<Scenario> snapshot = active;
            if (hold) {
                read.countDown();
                try {
                    assertThat(resume.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return (List<T>) snapshot;
        }

        @Override
        public void query(String sql, RowCallbackHandler handler) {
            // no versions: the active scenarios are what this test looks at
        }
    }

    private static Scenario active(long id) {
        Instant t = Instant.parse("2026-11-23T03:00:00Z");
        return new Scenario(id, "s" + id, Scenario.Status.ACTIVE, 1, 1, t, t);
    }

    @Test
    void aReloadThatReadBeforeAnActivationCommittedIsNotUsedAfterIt() throws Exception {
        Db db = new Db();
        ScenarioCache cache = new ScenarioCache(db, null);
        assertThat(cache.activeScenarios()).isEmpty();

        // An earlier change expired the live scenarios; a lane thread reloads them and is preempted after its read.
        cache.liveChanged();
        db.hold = true;
        Thread lane = new Thread(cache::activeScenarios, "journey-engine-test");
        lane.start();
        assertThat(db.read.await(10, TimeUnit.SECONDS)).isTrue();

        // Meanwhile scenario 7 is activated: its transaction changes the table and commits.
        TransactionSynchronizationManager.initSynchronization();
        try {
            cache.liveChanged();
            db.active = List.of(active(7));
            for (TransactionSynchronization s : TransactionSynchronizationManager.getSynchronizations()) {
                s.afterCommit();
                s.afterCompletion(TransactionSynchronization.STATUS_COMMITTED);
            }
        } finally {
            TransactionSynchronizationManager.clearSynchronization();
        }

        // The lane stores what it read; a record produced after the activation must still see scenario 7.
        db.resume.countDown();
        lane.join(10_000);
        db.hold = false;
        assertThat(cache.activeScenarios()).extracting(Scenario::id).containsExactly(7L);
    }

    @Test
    void aChangeOnThisNodeIsSeenAtOnceAndAnUnchangedCacheIsNotReloaded() {
        Db db = new Db();
        ScenarioCache cache = new ScenarioCache(db, null);
        assertThat(cache.activeScenarios()).isEmpty();
        db.active = List.of(active(3));
        assertThat(cache.activeScenarios()).as("within the second, nothing changed here").isEmpty();
        cache.liveChanged();
        assertThat(cache.activeScenarios()).extracting(Scenario::id).containsExactly(3L);
    }
}
