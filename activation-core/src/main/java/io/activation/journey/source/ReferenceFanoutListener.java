package io.activation.journey.source;

import io.activation.ingest.ChangeEvents;
import io.activation.platform.BackgroundConsumers;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The Kafka edge of the fan-out: its own consumer group on {@code activation.events}. A new group starts at the
 * topic's end (Kafka's default), so a first deployment does not fan out the whole history; afterwards committed
 * offsets carry it across restarts, and a redelivered event resumes from its recorded progress.
 */
@Component
@ConditionalOnRole(Role.ENGINE)
@ConditionalOnProperty(name = "activation.reference-fanout.enabled", havingValue = "true", matchIfMissing = true)
class ReferenceFanoutListener {

    static final String LISTENER_ID = "reference-fanout";

    private final ReferenceFanout fanout;

    ReferenceFanoutListener(ReferenceFanout fanout) {
        this.fanout = fanout;
    }

    @KafkaListener(id = LISTENER_ID, topics = "${activation.ingest.events-topic:activation.events}",
            groupId = "${activation.reference-fanout.group-id:activation-reference-fanout}",
            properties = {BackgroundConsumers.FETCH_MIN_BYTES, BackgroundConsumers.FETCH_MAX_WAIT_MS})
    void onEvent(String cloudEvent) {
        // Only created and updated rows can fan out; the type is read before anything is parsed.
        String type = ChangeEvents.typeOf(cloudEvent);
        if (type.equals(ChangeEvents.ROW_CREATED) || type.equals(ChangeEvents.ROW_UPDATED)) {
            fanout.handle(cloudEvent);
        }
    }

    @Scheduled(initialDelayString = "PT5M", fixedDelayString = "PT1H")
    void purgeProgress() {
        fanout.purgeProgress();
    }
}
