package io.activation.tracking;

import io.activation.ingest.ChangeEvents;
import io.activation.platform.BackgroundConsumers;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kafka edge of attribution: created rows of the attribution table on {@code activation.events}, each attributed
 * in its own transaction. Attribution is idempotent per row, so a redelivered batch attributes nothing twice.
 */
@Component
@ConditionalOnRole(Role.ENGINE)
class AttributionListener {

    private static final Logger log = LoggerFactory.getLogger(AttributionListener.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Attribution attribution;

    AttributionListener(Attribution attribution) {
        this.attribution = attribution;
    }

    // Earliest: a new group must not miss orders published while it joined; attributing is idempotent per row.
    @KafkaListener(id = "activation-tracking", topics = "${activation.ingest.events-topic:activation.events}",
            batch = "true", properties = {"auto.offset.reset=earliest", BackgroundConsumers.FETCH_MIN_BYTES,
                    BackgroundConsumers.FETCH_MAX_WAIT_MS})
    void on(List<String> payloads) {
        for (String payload : payloads) {
            // Only created rows can be conversions: every other record is dropped on its type, unparsed.
            if (!ChangeEvents.ROW_CREATED.equals(ChangeEvents.typeOf(payload))) {
                continue;
            }
            JsonNode event;
            try {
                event = JSON.readTree(payload);
            } catch (JacksonException e) {
                log.warn("Skipping an event that is not JSON: {}", e.getOriginalMessage());
                continue;
            }
            if (attribution.concerns(event)) {
                attribution.attribute(event);
            }
        }
    }
}
