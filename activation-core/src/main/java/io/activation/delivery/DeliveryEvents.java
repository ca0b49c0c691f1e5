package io.activation.delivery;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.EventGroups;
import io.activation.ingest.OutboxMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The events arbitration publishes on {@code activation.events} (keyed by contact, through the outbox in the
 * decision's transaction), so journeys and reports can react to a message that was not sent (yet). Ids derive from
 * the request and outcome, so a replayed decision publishes the same event id. Arbitration appends them to the
 * outbox with the rest of its batch, grouped per partition ({@link #messages}, ADR 0022): the outcomes of a batch
 * whose contacts share a partition of {@code activation.events} travel as one {@value #OUTCOMES} record, each
 * outcome in it with the id, type, contact and data its own record would have.
 */
@Component
class DeliveryEvents {

    static final String SKIPPED = "io.activation.message.skipped";
    static final String DEFERRED = "io.activation.message.deferred";
    /** Two or more of the above, of contacts whose records share a partition, in one record (ADR 0022). */
    static final String OUTCOMES = "io.activation.message.outcomes";

    /** An outcome event before it is written: the group member, and the subject its own record names. */
    record Outcome(EventGroups.Member member, String subject) {

        long contactId() {
            return member.contactId();
        }
    }

    private final ChangeEvents events;

    DeliveryEvents(ChangeEvents events) {
        this.events = events;
    }

    /** The request ended undelivered: skipped, dropped, expired or failed. */
    Outcome skipped(MessageRequest r, String channel, String stage, String status, String reason) {
        ObjectNode data = data(r, channel);
        data.put("stage", stage);
        data.put("status", status);
        data.put("reason", reason);
        return event(SKIPPED, r, data, "message-skipped:" + r.id() + ":" + status);
    }

    /** The request waits until {@code until} (a cap slot, the end of quiet hours, its expiry). */
    Outcome deferred(MessageRequest r, String channel, String stage, Instant until, String reason) {
        ObjectNode data = data(r, channel);
        data.put("stage", stage);
        data.put("until", until.toString());
        data.put("reason", reason);
        return event(DEFERRED, r, data, "message-deferred:" + r.id() + ":" + until);
    }

    private static Outcome event(String type, MessageRequest r, ObjectNode data, String idSeed) {
        return new Outcome(new EventGroups.Member(ChangeEvents.deterministicId(idSeed), type, r.contactId(), data),
                "message-requests/" + r.id());
    }

    /**
     * The records of a batch's outcomes (in their order): those of contacts whose keys map to one partition of
     * {@code activation.events} (of {@code partitions}) in one {@value #OUTCOMES} record keyed by the first of them,
     * so it lands on that partition behind every earlier record of each of them, with an id derived from its first
     * outcome's; an outcome alone in its partition, or every outcome while {@code partitions} is 0 (unknown), in a
     * record of its own, as before.
     */
    List<OutboxMessage> messages(List<Outcome> outcomes, int partitions) {
        List<OutboxMessage> messages = new ArrayList<>();
        for (List<Outcome> group : EventGroups.byPartition(outcomes, Outcome::contactId, partitions)) {
            Outcome first = group.get(0);
            if (group.size() == 1) {
                EventGroups.Member m = first.member();
                messages.add(events.event(m.type(), m.contactId(), first.subject(), "delivery",
                        (ObjectNode) m.data(), m.id()));
                continue;
            }
            List<EventGroups.Member> members = new ArrayList<>(group.size());
            for (Outcome o : group) {
                members.add(o.member());
            }
            messages.add(events.event(OUTCOMES, first.contactId(), "message-requests/outcomes", "delivery",
                    EventGroups.data(members),
                    ChangeEvents.deterministicId("message-outcomes:" + first.member().id())));
        }
        return messages;
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
