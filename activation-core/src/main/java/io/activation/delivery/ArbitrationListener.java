package io.activation.delivery;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.MessageListener;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Kafka edge of arbitration: reads a message request's CloudEvent and hands its id to {@link Arbitration}. */
class ArbitrationListener implements MessageListener<String, String> {

    private static final Logger log = LoggerFactory.getLogger(ArbitrationListener.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Arbitration arbitration;

    ArbitrationListener(Arbitration arbitration) {
        this.arbitration = arbitration;
    }

    @Override
    public void onMessage(ConsumerRecord<String, String> record) {
        Long id = requestId(record.value());
        if (id != null) {
            arbitration.arrive(id);
        }
    }

    /** The request id of a {@code io.activation.message.requested} event, or null for anything else. */
    static Long requestId(String value) {
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (RuntimeException e) {
            log.warn("Skipping a record of the messages topic that is not JSON");
            return null;
        }
        if (!MessageRequests.REQUESTED_EVENT.equals(node.path("type").asString(null))) {
            return null;
        }
        JsonNode id = node.path("data").path("id");
        return id.canConvertToLong() ? id.asLong() : null;
    }
}
