package io.activation.api.delivery;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.delivery.MessageRequests;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Message requests", description = "What journeys asked to send, before delivery decides")
@RestController
@ConditionalOnRole(Role.API)
class MessageRequestController {

    private final MessageRequests requests;
    private final Contacts contacts;

    MessageRequestController(MessageRequests requests, Contacts contacts) {
        this.requests = requests;
        this.contacts = contacts;
    }

    @Operation(summary = "A contact's message requests, newest first")
    @GetMapping(path = "/api/v1/contacts/{externalId}/message-requests", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode ofContact(@PathVariable String externalId, @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidInputException("limit", "must be from 1 to 1000");
        }
        long contactId = contacts.byExternalId(externalId).orElseThrow(() -> new NotFoundException("externalId",
                "No contact with external id '" + externalId + "'")).id();
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        requests.ofContact(contactId, limit).forEach(r -> items.add(MessageRequests.json(r)));
        return answer;
    }
}
