package io.activation.api.journey;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.delivery.MessageRequests;
import io.activation.journey.JourneyInstance;
import io.activation.journey.JourneyInstances;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Journeys", description = "Where contacts stand in scenarios, with the history of every journey")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/journeys", produces = MediaType.APPLICATION_JSON_VALUE)
class JourneyController {

    private final JourneyInstances journeys;
    private final Contacts contacts;
    private final MessageRequests messages;

    JourneyController(JourneyInstances journeys, Contacts contacts, MessageRequests messages) {
        this.journeys = journeys;
        this.contacts = contacts;
        this.messages = messages;
    }

    @Operation(summary = "A contact's journeys, newest first", description = "?contact=<externalId>[&scenario=<id>]")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@RequestParam String contact, @RequestParam(required = false) Long scenario,
            @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidInputException("limit", "must be from 1 to 1000");
        }
        long contactId = contacts.byExternalId(contact).orElseThrow(() -> new NotFoundException("contact",
                "No contact with external id '" + contact + "'")).id();
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        journeys.ofContact(contactId, scenario, limit).forEach(j -> items.add(json(j, false)));
        return answer;
    }

    @Operation(summary = "One journey with its history and message requests")
    @GetMapping("/{id}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable long id) {
        return json(journeys.get(id), true);
    }

    private ObjectNode json(JourneyInstance j, boolean details) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", j.id());
        node.put("scenarioId", j.scenarioId());
        node.put("version", j.version());
        node.put("contactId", j.contactId());
        node.put("status", j.status());
        node.put("currentStep", j.currentStep());
        node.put("startedAt", j.startedAt().toString());
        node.put("endedAt", j.endedAt() == null ? null : j.endedAt().toString());
        node.put("waitingUntil", j.waitingUntil() == null ? null : j.waitingUntil().toString());
        node.put("triggerKey", j.triggerKey());
        if (details) {
            node.set("trigger", j.triggerData());
            var history = node.putArray("history");
            j.history().forEach(h -> history.addObject().put("stepId", h.stepId()).put("entered", h.entered())
                    .put("at", h.at().toString()).put("outcome", h.outcome()).put("reason", h.reason()));
            var requests = node.putArray("messageRequests");
            messages.ofInstance(j.id()).forEach(r -> requests.add(MessageRequests.json(r)));
        }
        return node;
    }
}
