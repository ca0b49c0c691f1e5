package io.activation.journey;

import io.activation.delivery.Arbitration;
import io.activation.ingest.EventGroups;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.List;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kafka edge of the engine: reads a poll's CloudEvents and hands those that concern journeys to
 * {@link JourneyEngine#applyAll} in one transaction. When that fails (one poisoned record, a deadlock), nothing of
 * it is kept and the records are applied one by one, each in its own transaction; the first that fails on its own is
 * reported to the container as the failed record, whose error handler commits the records before it, retries from
 * it and finally publishes it to the dead-letter topic, so the others are neither lost nor applied twice.
 */
class EngineListener implements BatchMessageListener<String, String> {

    private static final Logger log = LoggerFactory.getLogger(EngineListener.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JourneyEngine engine;

    EngineListener(JourneyEngine engine) {
        this.engine = engine;
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, String>> records) {
        List<EngineEvent> events = new ArrayList<>(records.size());
        List<ConsumerRecord<String, String>> sources = new ArrayList<>(records.size());
        for (ConsumerRecord<String, String> record : records) {
            for (EngineEvent event : parseAll(record.value())) {
                if (engine.concerns(event)) {
                    events.add(event);
                    sources.add(record);
                }
            }
        }
        if (events.isEmpty()) {
            return;
        }
        try {
            engine.applyAll(events);
            return;
        } catch (RuntimeException e) {
            if (events.size() == 1) {
                throw new BatchListenerFailedException("record could not be applied", e, sources.get(0));
            }
            log.warn("A poll of {} records could not be applied together ({}); applying them one by one",
                    events.size(), e.toString());
        }
        // One by one. The timers of one timers-fired record are applied even when one of them fails, before that
        // record is reported as failed: its retries (and in the end its dead letter) then only concern what failed,
        // since the journeys of the timers applied no longer wait on them and a replay skips them.
        RuntimeException failure = null;
        for (int i = 0; i < events.size(); i++) {
            if (failure != null && sources.get(i) != sources.get(i - 1)) {
                throw new BatchListenerFailedException("record could not be applied", failure, sources.get(i - 1));
            }
            try {
                engine.apply(events.get(i));
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw new BatchListenerFailedException("record could not be applied", failure,
                    sources.get(events.size() - 1));
        }
    }

    /**
     * The engine events of one record: a {@code timers-fired} record is one {@link EngineEvent#TIMER_FIRED} per
     * timer it announces (each with its contact and the id a lone announcement of that timer would have); a
     * {@code message.outcomes} record (arbitration's skipped and deferred events grouped per partition, ADR 0022) is
     * each event it carries, with that event's own id, type, contact and data; any other record the event
     * {@link #parse} makes of it, or none.
     */
    static List<EngineEvent> parseAll(String value) {
        EngineEvent event = parse(value);
        if (event == null) {
            return List.of();
        }
        if (event.type().equals(Arbitration.OUTCOMES)) {
            List<EventGroups.Member> members = EventGroups.expand(event.id(), event.data());
            List<EngineEvent> expanded = new ArrayList<>(members.size());
            for (EventGroups.Member m : members) {
                expanded.add(new EngineEvent(m.id(), m.type(), m.contactId(), m.data()));
            }
            return expanded;
        }
        if (!event.type().equals(EngineEvent.TIMERS_FIRED)) {
            return List.of(event);
        }
        List<EngineEvent> timers = new ArrayList<>();
        for (JsonNode timer : event.data().path("timers")) {
            if (timer.path("timerId").canConvertToLong() && timer.path("contactId").canConvertToLong()) {
                long timerId = timer.path("timerId").asLong();
                timers.add(new EngineEvent(TimerPoller.timerEventId(timerId), EngineEvent.TIMER_FIRED,
                        timer.path("contactId").asLong(), timer));
            } else {
                log.warn("Skipping a malformed timer of timers-fired record {}", event.id());
            }
        }
        return timers;
    }

    /** The event, or null for records that concern no contact (reference rows) or are not CloudEvents. */
    static EngineEvent parse(String value) {
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (RuntimeException e) {
            log.warn("Skipping a record of activation.events that is not JSON");
            return null;
        }
        JsonNode data = node.path("data");
        String contact = node.path("contactid").asString(null);
        long contactId;
        if (contact != null) {
            contactId = Long.parseLong(contact);
        } else if (data.path("contactId").canConvertToLong()) {
            contactId = data.path("contactId").asLong();
        } else {
            return null;
        }
        String id = node.path("id").asString(null);
        String type = node.path("type").asString(null);
        if (id == null || type == null) {
            return null;
        }
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            uuid = UUID.nameUUIDFromBytes(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return new EngineEvent(uuid, type, contactId, data);
    }
}
