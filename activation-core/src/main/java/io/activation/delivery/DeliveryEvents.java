package io.activation.delivery;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.OutboxMessage;
import java.time.Instant;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The events arbitration publishes on {@code activation.events} (keyed by contact, through the outbox in the
 * decision's transaction), so journeys and reports can react to a message that was not sent (yet). Ids derive from
 * the request and outcome, so a replayed decision publishes the same event id. Arbitration appends them to the
 * outbox with the rest of its batch.
 */
@Component
class DeliveryEvents {

    static final String SKIPPED = "io.activation.message.skipped";
    static final String DEFERRED = "io.activation.message.deferred";

    private final ChangeEvents events;

    DeliveryEvents(ChangeEvents events) {
        this.events = events;
    }

    /** The request ended undelivered: skipped, dropped, expired or failed. */
    OutboxMessage skipped(MessageRequest r, String channel, String stage, String status, String reason) {
        ObjectNode data = data(r, channel);
        data.put("stage", stage);
        data.put("status", status);
        data.put("reason", reason);
        return event(SKIPPED, r, data, "message-skipped:" + r.id() + ":" + status);
    }

    /** The request waits until {@code until} (a cap slot, the end of quiet hours, its expiry). */
    OutboxMessage deferred(MessageRequest r, String channel, String stage, Instant until, String reason) {
        ObjectNode data = data(r, channel);
        data.put("stage", stage);
        data.put("until", until.toString());
        data.put("reason", reason);
        return event(DEFERRED, r, data, "message-deferred:" + r.id() + ":" + until);
    }

    private OutboxMessage event(String type, MessageRequest r, ObjectNode data, String idSeed) {
        return events.event(type, r.contactId(), "message-requests/" + r.id(), "delivery", data,
                ChangeEvents.deterministicId(idSeed));
    }

    /** What every message event carries: contact, request, delivery (none here), channel, scenario, step, template. */
    private static ObjectNode data(MessageRequest r, String channel) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("contactId", r.contactId());
        data.put("requestId", r.id());
        data.putNull("deliveryId");
        data.putNull("messageKey");
        MessageRequest.ChannelChoice c = r.channels().stream().filter(x -> x.channel().equals(channel)).findFirst()
                .orElse(r.channels().get(0));
        data.put("channel", channel);
        data.put("scenarioId", r.scenarioId());
        data.put("stepId", r.stepId());
        data.put("template", c.template());
        return data;
    }
}
