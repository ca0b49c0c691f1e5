package io.activation.journey;

import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.MessageListener;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Kafka edge of the engine: reads the CloudEvent and hands it to {@link JourneyEngine}. */
class EngineListener implements MessageListener<String, String> {

    private static final Logger log = LoggerFactory.getLogger(EngineListener.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JourneyEngine engine;

    EngineListener(JourneyEngine engine) {
        this.engine = engine;
    }

    @Override
    public void onMessage(ConsumerRecord<String, String> record) {
        EngineEvent event = parse(record.value());
        if (event != null && engine.concerns(event)) {
            engine.apply(event);
        }
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
