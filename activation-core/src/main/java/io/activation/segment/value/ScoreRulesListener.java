package io.activation.segment.value;

import io.activation.ingest.ChangeEvents;
import io.activation.platform.BackgroundConsumers;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Applies behaviour-score rules to what is published on {@code activation.events}: one consumer group, so each
 * event is scored once across engine nodes; per-contact order follows from the partitioning by contact. The
 * ledger's dedupe key makes a redelivered event a no-op.
 */
@Component
@ConditionalOnRole(Role.ENGINE)
class ScoreRulesListener {

    private static final Logger log = LoggerFactory.getLogger(ScoreRulesListener.class);

    /** The types {@link Scores#apply} scores; see its rules. */
    static final Set<String> TYPES = Set.of(ChangeEvents.EVENT_RECORDED, ChangeEvents.ROW_CREATED,
            ChangeEvents.ROW_UPDATED);

    private final Scores scores;
    private final JsonMapper json = JsonMapper.builder().build();

    ScoreRulesListener(Scores scores) {
        this.scores = scores;
    }

    @KafkaListener(id = "activation-scores", groupId = "activation-scores",
            topics = "${activation.ingest.events-topic:activation.events}",
            properties = {"auto.offset.reset=earliest",
                    "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
                    "value.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
                    BackgroundConsumers.FETCH_MIN_BYTES, BackgroundConsumers.FETCH_MAX_WAIT_MS})
    void onEvent(ConsumerRecord<String, String> record) {
        // Without score definitions, or for a type no rule can match, the record is not even parsed.
        if (scores.definitions().isEmpty() || !TYPES.contains(ChangeEvents.typeOf(record.value()))) {
            return;
        }
        JsonNode event;
        try {
            event = json.readTree(record.value());
        } catch (JacksonException e) {
            log.warn("Skipping a record of {} that is not JSON (offset {})", record.topic(), record.offset());
            return;
        }
        try {
            scores.apply(event);
        } catch (NotFoundException e) {
            // The contact was deleted (or a score dropped) after the event: nothing left to score.
            log.debug("Score rules skipped event {}: {}", event.path("id").asString(""), e.getMessage());
        }
    }
}
