package io.activation.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.activation.delivery.Arbitration;
import io.activation.ingest.EventGroups;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.listener.BatchListenerFailedException;

/**
 * The listener's handling of grouped records (timers-fired, message.outcomes), including a poll where one of their
 * events fails.
 */
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

    /** A message.outcomes record as arbitration writes it (through the same builder), with one raw member added. */
    private static String outcomes(List<EventGroups.Member> members, String extraMember) {
        String data = EventGroups.data(members).toString();
        if (extraMember != null) {
            data = data.replace("{\"events\":[", "{\"events\":[" + extraMember + ",");
        }
        return """
                {"specversion": "1.0", "id": "%s", "type": "%s", "source": "/activation/delivery", "contactid": "%d",
                 "data": %s}""".formatted(UUID.randomUUID(), Arbitration.OUTCOMES, members.get(0).contactId(), data);
    }

    private static EventGroups.Member outcome(String type, long contactId, long requestId) {
        return new EventGroups.Member(UUID.nameUUIDFromBytes(("o" + requestId).getBytes()), type, contactId,
                JSON.readTree("""
                        {"contactId": %d, "requestId": %d, "deliveryId": null, "channel": "email", "stage": "channel",
                         "status": "skipped", "reason": "no address"}""".formatted(contactId, requestId)));
    }

    private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper
            .builder().build();

    @Test
    void aMessageOutcomesRecordIsEachOfItsEventsWithItsOwnIdTypeContactAndData() {
        EventGroups.Member skipped = outcome(Arbitration.SKIPPED, 41, 501);
        EventGroups.Member deferred = outcome(Arbitration.DEFERRED, 42, 502);
        EventGroups.Member other = outcome(Arbitration.SKIPPED, 43, 503);

        List<EngineEvent> events = EngineListener.parseAll(outcomes(List.of(skipped, deferred, other), null));

        assertThat(events).extracting(EngineEvent::id).containsExactly(skipped.id(), deferred.id(), other.id());
        assertThat(events).extracting(EngineEvent::type).containsExactly(Arbitration.SKIPPED, Arbitration.DEFERRED,
                Arbitration.SKIPPED);
        assertThat(events).extracting(EngineEvent::contactId).containsExactly(41L, 42L, 43L);
        assertThat(events).extracting(EngineEvent::data).containsExactly(skipped.data(), deferred.data(),
                other.data());
        // What a wait-for-event step matches on: the message event's own type, and its data as the properties.
        assertThat(JourneyEngine.awaitableType(events.get(1))).isEqualTo(Arbitration.DEFERRED);
    }

    @Test
    void aMalformedEventOfAMessageOutcomesRecordIsSkippedAndTheOthersKept() {
        EventGroups.Member kept = outcome(Arbitration.SKIPPED, 44, 504);
        EventGroups.Member alsoKept = outcome(Arbitration.SKIPPED, 45, 505);
        for (String bad : List.of(
                "{\"id\": \"not-a-uuid\", \"type\": \"t\", \"contactId\": 1, \"data\": {}}",
                "{\"id\": \"%s\", \"contactId\": 1, \"data\": {}}".formatted(UUID.randomUUID()),
                "{\"id\": \"%s\", \"type\": \"t\", \"contactId\": \"x\", \"data\": {}}"
                        .formatted(UUID.randomUUID()),
                "{\"id\": \"%s\", \"type\": \"t\", \"contactId\": 1, \"data\": 3}".formatted(UUID.randomUUID()),
                "7")) {
            List<EngineEvent> events = EngineListener.parseAll(outcomes(List.of(kept, alsoKept), bad));
            assertThat(events).as(bad).extracting(EngineEvent::id).containsExactly(kept.id(), alsoKept.id());
        }
        // A group without its events is nothing, not a failure.
        assertThat(EngineListener.parseAll("""
                {"specversion": "1.0", "id": "%s", "type": "%s", "contactid": "1", "data": {"contactId": 1}}"""
                .formatted(UUID.randomUUID(), Arbitration.OUTCOMES))).isEmpty();
    }

    @Test
    void aFailingEventOfAMessageOutcomesRecordFailsItsRecordAfterTheOthersAreApplied() {
        EventGroups.Member a = outcome(Arbitration.SKIPPED, 46, 506);
        EventGroups.Member b = outcome(Arbitration.SKIPPED, 47, 507);
        EventGroups.Member c = outcome(Arbitration.SKIPPED, 48, 508);
        Engine engine = new Engine(b.id());
        ConsumerRecord<String, String> group = new ConsumerRecord<>("activation.events", 0, 20, "46",
                outcomes(List.of(a, b, c), null));
        assertThatThrownBy(() -> new EngineListener(engine).onMessage(List.of(group)))
                .isInstanceOfSatisfying(BatchListenerFailedException.class,
                        e -> assertThat(e.getRecord()).isSameAs(group));
        assertThat(engine.applied).containsExactly(a.id(), c.id());
    }
}
