package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.listener.BatchListenerFailedException;

/** The listener's handling of timers-fired records, including a poll where one of their timers fails. */
class EngineListenerTest {

    /** An engine that fails a whole poll, and one timer on its own; it remembers what it applied one by one. */
    private static final class Engine extends JourneyEngine {
        final List<UUID> applied = new ArrayList<>();
        final UUID failing;

        Engine(UUID failing) {
            super(null, null, null, null, null);
            this.failing = failing;
        }

        @Override
        public boolean concerns(EngineEvent event) {
            return true;
        }

        @Override
        public int applyAll(List<EngineEvent> events) {
            throw new IllegalStateException("the poll as a whole fails");
        }

        @Override
        public boolean apply(EngineEvent event) {
            if (event.id().equals(failing)) {
                throw new IllegalStateException("poisoned timer");
            }
            applied.add(event.id());
            return true;
        }
    }

    private static String timers(long... timerIds) {
        StringBuilder timers = new StringBuilder();
        for (long id : timerIds) {
            timers.append(timers.isEmpty() ? "" : ",").append("""
                    {"timerId": %d, "instanceId": %d, "contactId": %d, "stepId": "wait"}""".formatted(id, id + 100,
                    id + 1000));
        }
        return """
                {"specversion": "1.0", "id": "%s", "type": "%s", "source": "journeys", "contactid": "%d",
                 "data": {"timers": [%s]}}""".formatted(UUID.randomUUID(), EngineEvent.TIMERS_FIRED,
                timerIds[0] + 1000, timers);
    }

    private static String event(long contactId) {
        return """
                {"specversion": "1.0", "id": "%s", "type": "%s", "source": "test", "contactid": "%d",
                 "data": {"eventType": "x"}}""".formatted(UUID.randomUUID(), EngineEvent.EVENT_RECORDED, contactId);
    }

    @Test
    void aTimersFiredRecordIsOneTimerFiredEventPerTimerWithTheTimersOwnId() {
        List<EngineEvent> events = EngineListener.parseAll(timers(7, 8));
        assertThat(events).extracting(EngineEvent::type).containsOnly(EngineEvent.TIMER_FIRED);
        assertThat(events).extracting(EngineEvent::contactId).containsExactly(1007L, 1008L);
        assertThat(events).extracting(EngineEvent::id).containsExactly(TimerPoller.timerEventId(7),
                TimerPoller.timerEventId(8));
        assertThat(events.get(1).data().path("instanceId").asLong()).isEqualTo(108);
    }

    @Test
    void aFailingTimerFailsItsRecordOnlyAfterTheRecordsOtherTimersAreApplied() {
        Engine engine = new Engine(TimerPoller.timerEventId(2));
        ConsumerRecord<String, String> before = new ConsumerRecord<>("activation.events", 0, 10, "1", event(1));
        ConsumerRecord<String, String> batch = new ConsumerRecord<>("activation.events", 0, 11, "1001",
                timers(1, 2, 3));
        ConsumerRecord<String, String> after = new ConsumerRecord<>("activation.events", 0, 12, "5", event(5));
        EngineListener listener = new EngineListener(engine);

        assertThatThrownBy(() -> listener.onMessage(List.of(before, batch, after)))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> {
                    assertThat(e.getRecord()).isSameAs(batch);
                    assertThat(e.getCause()).hasMessage("poisoned timer");
                });
        // The record before and the batch's other timers are applied; the record after is left to the retry.
        assertThat(engine.applied).hasSize(3).contains(TimerPoller.timerEventId(1), TimerPoller.timerEventId(3))
                .doesNotContain(TimerPoller.timerEventId(2));
        assertThat(engine.applied).noneMatch(id -> EngineListener.parse(after.value()).id().equals(id));
    }

    @Test
    void aFailingTimerInTheLastRecordIsReportedWithThatRecord() {
        Engine engine = new Engine(TimerPoller.timerEventId(4));
        ConsumerRecord<String, String> batch = new ConsumerRecord<>("activation.events", 0, 3, "1004", timers(4, 5));
        ConsumerRecord<String, String> first = new ConsumerRecord<>("activation.events", 0, 2, "9", event(9));
        assertThatThrownBy(() -> new EngineListener(engine).onMessage(List.of(first, batch)))
                .isInstanceOfSatisfying(BatchListenerFailedException.class,
                        e -> assertThat(e.getRecord()).isSameAs(batch));
        assertThat(engine.applied).contains(TimerPoller.timerEventId(5)).hasSize(2);
    }
}
