package io.activation.api.delivery;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.delivery.Deliveries;
import io.activation.delivery.Delivery;
import io.activation.delivery.DeliveryDecisions;
import io.activation.delivery.MessageRequest;
import io.activation.delivery.MessageRequests;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Message requests", description = "What journeys and broadcasts asked to send, and why each was (not)"
        + " sent: the decision trail of arbitration and the senders")
@RestController
@ConditionalOnRole(Role.API)
class MessageRequestController {

    private final MessageRequests requests;
    private final Contacts contacts;
    private final DeliveryDecisions decisions;
    private final Deliveries deliveries;

    MessageRequestController(MessageRequests requests, Contacts contacts, DeliveryDecisions decisions,
            Deliveries deliveries) {
        this.requests = requests;
        this.contacts = contacts;
        this.decisions = decisions;
        this.deliveries = deliveries;
    }

    @Operation(summary = "A contact's message requests, newest first")
    @GetMapping(path = "/api/v1/contacts/{externalId}/message-requests", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode ofContact(@PathVariable String externalId, @RequestParam(defaultValue = "100") int limit) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        requests.ofContact(contactId(externalId), limit(limit)).forEach(r -> items.add(MessageRequests.json(r)));
        return answer;
    }

    @Operation(summary = "Why (not) sent: a request with its whole decision trail and its deliveries",
            description = "The request as asked (channels, priority, purpose, quiet hours, expiry), its status"
                    + " (requested, pending, deferred, dispatched, skipped, dropped, expired, failed), every decision in"
                    + " order (stage: consent, suppression, address, cap, quiet-hours, priority, channel, expiry,"
                    + " fallback, send, status; outcome; channel; reason; at) and each delivery with its status.")
    @GetMapping(path = "/api/v1/message-requests/{id}/decisions", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public ObjectNode decisions(@PathVariable long id) {
        MessageRequest r = requests.find(id).orElseThrow(() -> new NotFoundException("id",
                "There is no message request " + id));
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.set("request", MessageRequests.json(r));
        ArrayNode trail = answer.putArray("decisions");
        decisions.of(id).forEach(d -> {
            ObjectNode item = trail.addObject();
            item.put("stage", d.stage());
            item.put("channel", d.channel());
            item.put("outcome", d.outcome());
            item.put("reason", d.reason());
            if (d.deliveryId() == null) {
                item.putNull("deliveryId");
            } else {
                item.put("deliveryId", d.deliveryId());
            }
            item.put("at", d.at().toString());
        });
        ArrayNode list = answer.putArray("deliveries");
        deliveries.ofRequest(id).forEach(d -> list.add(delivery(d)));
        return answer;
    }

    @Operation(summary = "A contact's messages with their final outcome, newest first",
            description = "Each request with its status, the decision that settled it (the last one: stage, outcome,"
                    + " reason) and its deliveries; GET /api/v1/message-requests/{id}/decisions has the whole trail.")
    @GetMapping(path = "/api/v1/contacts/{externalId}/messages", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public ObjectNode messages(@PathVariable String externalId, @RequestParam(defaultValue = "100") int limit) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        for (MessageRequest r : requests.ofContact(contactId(externalId), limit(limit))) {
            ObjectNode item = items.addObject();
            item.put("requestId", r.id());
            item.put("scenarioId", r.scenarioId());
            item.put("stepId", r.stepId());
            item.put("purpose", r.options().purpose().code());
            item.put("priority", r.priority());
            item.put("status", r.status());
            item.put("createdAt", r.createdAt().toString());
            List<DeliveryDecisions.Decision> trail = decisions.of(r.id());
            if (trail.isEmpty()) {
                item.putNull("outcome");
            } else {
                DeliveryDecisions.Decision last = trail.get(trail.size() - 1);
                ObjectNode outcome = item.putObject("outcome");
                outcome.put("stage", last.stage());
                outcome.put("channel", last.channel());
                outcome.put("outcome", last.outcome());
                outcome.put("reason", last.reason());
                outcome.put("at", last.at().toString());
            }
            ArrayNode list = item.putArray("deliveries");
            deliveries.ofRequest(r.id()).forEach(d -> list.add(delivery(d)));
            item.put("decisions", "/api/v1/message-requests/" + r.id() + "/decisions");
        }
        return answer;
    }

    private static ObjectNode delivery(Delivery d) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", d.id());
        node.put("channel", d.channel());
        node.put("template", d.template());
        node.put("messageKey", d.messageKey());
        node.put("address", d.address());
        node.put("status", d.status());
        node.put("attempts", d.attempts());
        put(node, "sentAt", d.sentAt());
        put(node, "confirmBy", d.confirmBy());
        put(node, "fallenBackAt", d.fallenBackAt());
        node.put("providerId", d.providerId());
        node.put("lastError", d.lastError());
        node.put("createdAt", d.createdAt().toString());
        node.put("updatedAt", d.updatedAt().toString());
        return node;
    }

    private static void put(ObjectNode node, String field, Object value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value.toString());
        }
    }

    private long contactId(String externalId) {
        return contacts.byExternalId(externalId).orElseThrow(() -> new NotFoundException("externalId",
                "No contact with external id '" + externalId + "'")).id();
    }

    private static int limit(int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidInputException("limit", "must be from 1 to 1000");
        }
        return limit;
    }
}
