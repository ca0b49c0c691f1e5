package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The poller claims no timers while the engine's consumer group is further behind on activation.events than
 * timer-backlog-limit, and the backlog it reads is the group's real one.
 */
class TimerBacklogTest extends EngineTestSupport {

    @Autowired
    EngineBacklog backlog;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    Outbox outbox;

    @Autowired
    ChangeEvents events;

    @Autowired
    JourneyProperties properties;

    private TimerPoller poller(long backlogRecords) {
        return poller(properties.timerBatchSize(), 10, () -> backlogRecords);
    }

    private TimerPoller poller(int batchSize, int backlogLimit, TimerPoller.Backlog backlog) {
        JourneyProperties p = properties;
        JourneyProperties limited = new JourneyProperties(p.consumerGroup(), p.concurrency(), p.timerPollInterval(),
                p.batchSize(), batchSize, p.timerOutboxLimit(), backlogLimit, p.deadLetterTopic(),
                p.appliedRetention(), p.schedulePollInterval(), p.schedulePageSize(), p.scheduleCatchUp());
        return new TimerPoller(jdbc, transactions, outbox, events, clock, limited,
                new io.activation.ingest.EventPartitions(() -> kafka.partitionsFor("activation.events").size()),
                backlog);
    }

    /** A backlog whose reading the test sets: records and the moment it was read. */
    private static final class Reading implements TimerPoller.Backlog {
        long records;
        long readAt = 1;

        @Override
        public long getAsLong() {
            return records;
        }

        @Override
        public long readAt() {
            return readAt;
        }
    }

    @Test
    void appliedIdsAndEffectKeysAreForgottenPastTheRetentionAndKeptBeforeIt() {
        java.time.Instant edge = clock.instant().minus(properties.appliedRetention());
        java.sql.Timestamp before = java.sql.Timestamp.from(edge.minusSeconds(60));
        java.sql.Timestamp after = java.sql.Timestamp.from(edge.plusSeconds(60));
        String oldKey = unique("effect-old");
        String newKey = unique("effect-new");
        java.util.UUID oldId = java.util.UUID.randomUUID();
        java.util.UUID newId = java.util.UUID.randomUUID();
        jdbc.update("insert into journey_effects (effect_key, applied_at) values (?, ?), (?, ?)", oldKey, before,
                newKey, after);
        jdbc.update("insert into journey_applied (event_id, applied_at) values (?, ?), (?, ?)", oldId, before, newId,
                after);

        assertThat(poller(0).forgetApplied()).isGreaterThanOrEqualTo(2);

        assertThat(count("select count(*) from journey_effects where effect_key in (?, ?)", oldKey, newKey))
                .isEqualTo(1);
        assertThat(count("select count(*) from journey_effects where effect_key = ?", newKey)).isEqualTo(1);
        assertThat(count("select count(*) from journey_applied where event_id in (?, ?)", oldId, newId)).isEqualTo(1);
        assertThat(count("select count(*) from journey_applied where event_id = ?", newId)).isEqualTo(1);
    }

    @Test
    void noTimerIsClaimedWhileTheEngineIsTooFarBehind() {
        long scenario = waitThenSend("{\"rule\": \"once_at_a_time\"}");
        String who = unique("behind");
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Bo\"}").expect(201);
        triggerFor(scenario, who);
        long instance = awaitJourney(who, "waiting", "hour").get("id").longValue();
        runtime.stop();
        try {
            clock.advance(Duration.ofMinutes(61));
            String pending = "select count(*) from journey_timers where instance_id = ? and status = 'pending'";
            assertThat(poller(11).pollOnce()).isEqualTo(TimerPoller.HELD_BACK);
            assertThat(count(pending, instance)).isEqualTo(1);
            assertThat(poller(10).pollOnce()).isPositive();
            assertThat(count(pending, instance)).isZero();
        } finally {
            runtime.start();
        }
        awaitJourney(who, "completed", "send");
        assertThat(messageRequests(who)).hasSize(1);
    }

    @Test
    void whatThePollerAnnouncedSinceTheLastReadingCountsAsBacklogUntilTheNextReading() {
        long scenario = waitThenSend("{\"rule\": \"once_at_a_time\"}");
        java.util.List<String> contacts = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String who = unique("announced");
            put("/api/v1/contacts/" + who, "{\"firstName\": \"An\"}").expect(201);
            triggerFor(scenario, who);
            awaitJourney(who, "waiting", "hour");
            contacts.add(who);
        }
        runtime.stop();
        try {
            clock.advance(Duration.ofMinutes(61));
            Reading reading = new Reading();
            // One timer per poll, so one announcement per poll; the reading says the lanes are idle.
            TimerPoller poller = poller(1, 1, reading);
            assertThat(poller.pollOnce()).isEqualTo(1);
            assertThat(poller.pollOnce()).isEqualTo(1);
            // 0 read + 2 announced since > 1: held back although the (old) reading is under the limit.
            assertThat(poller.pollOnce()).isEqualTo(TimerPoller.HELD_BACK);
            assertThat(poller.pollOnce()).isEqualTo(TimerPoller.HELD_BACK);
            // A new reading shows what was announced as applied: the poller goes on.
            reading.readAt = 2;
            assertThat(poller.pollOnce()).isEqualTo(1);
            // A reading over the limit holds it back by itself.
            reading.records = 2;
            reading.readAt = 3;
            assertThat(poller.pollOnce()).isEqualTo(TimerPoller.HELD_BACK);
        } finally {
            runtime.start();
        }
        for (String who : contacts) {
            awaitJourney(who, "completed", "send");
        }
    }

    @Test
    void theBacklogIsWhatTheEnginesGroupHasStillToApply() {
        String who = unique("lag");
        put("/api/v1/contacts/" + who, "{\"firstName\": \"Lu\"}").expect(201);
        marker(who);
        await("engine caught up", backlog::getAsLong, n -> n == 0);
        runtime.stop();
        try {
            for (int i = 0; i < 5; i++) {
                post("/api/v1/events", """
                        {"type": "%s", "contact": {"externalId": "%s"}}""".formatted(unique("seen"), who))
                        .expect(202);
            }
            await("backlog seen", backlog::getAsLong, n -> n >= 5);
        } finally {
            runtime.start();
        }
        await("engine caught up again", backlog::getAsLong, n -> n == 0);
    }
}
