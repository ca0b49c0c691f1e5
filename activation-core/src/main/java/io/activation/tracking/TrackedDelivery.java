package io.activation.tracking;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A row of the {@code deliveries} ledger (with the step of its request) as tracking sees it: read with plain SQL, so
 * this package does not depend on {@code io.activation.delivery}.
 */
record TrackedDelivery(long id, long contactId, long requestId, String messageKey, String channel, Long scenarioId,
        String stepId, String template, String address) {

    static final String SELECT = """
            select d.id, d.contact_id, d.request_id, d.message_key, d.channel, d.scenario_id, r.step_id, d.template,
                   d.address
            from deliveries d join message_requests r on r.id = d.request_id""";

    /** The data every {@code io.activation.message.*} event carries. */
    ObjectNode eventData() {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("contactId", contactId);
        data.put("requestId", requestId);
        data.put("deliveryId", id);
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
