package io.activation.delivery.send;

import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A row of {@code deliveries} with what sending it needs from its request and contact.
 *
 * @param attempts provider calls so far (a claim adds one)
 * @param context the request's template context ({@code {"trigger": ...}}), or null
 * @param attributes the contact's columns as text (null values left out)
 */
record PendingDelivery(long id, long requestId, long contactId, String channel, String template, String messageKey,
        String address, String purpose, Long scenarioId, String stepId, String status, int attempts,
        Instant requestedAt, JsonNode context, String displayName, Map<String, String> attributes) {

    /** Whether a consumer may claim it (the retry poller's lease aside). */
    boolean claimable() {
        return "queued".equals(status) || "retrying".equals(status);
    }

    /** The fields every {@code io.activation.message.*} event carries. */
    ObjectNode eventData() {
        return eventData(contactId, requestId, id, messageKey, channel, scenarioId, stepId, template);
    }

    static ObjectNode eventData(long contactId, long requestId, long deliveryId, String messageKey, String channel,
            Long scenarioId, String stepId, String template) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("contactId", contactId);
        data.put("requestId", requestId);
        data.put("deliveryId", deliveryId);
        data.put("messageKey", messageKey);
        data.put("channel", channel);
        if (scenarioId == null) {
            data.putNull("scenarioId");
        } else {
            data.put("scenarioId", scenarioId);
        }
        data.put("stepId", stepId);
        data.put("template", template);
        return data;
    }
}
