package io.activation.api.consent;

import io.activation.access.Scope;
import io.activation.api.web.JsonFields;
import io.activation.api.web.RequiresScope;
import io.activation.consent.Channel;
import io.activation.consent.Consent;
import io.activation.consent.ConsentChange;
import io.activation.consent.ConsentStatus;
import io.activation.consent.Consents;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Consents", description = "Consent per contact, channel and purpose, with its proof and history")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/contacts/{externalId}/consents", produces = MediaType.APPLICATION_JSON_VALUE)
class ConsentController {

    private static final String ORIGIN = "api";

    private final Consents consents;

    ConsentController(Consents consents) {
        this.consents = consents;
    }

    @Operation(summary = "Grant or withdraw a consent",
            description = "Body: {\"purpose\": \"marketing\", \"status\": \"granted|withdrawn\", \"source\": \"signup-form\","
                    + " \"proof\": {\"ip\": ..., \"userAgent\": ..., \"form\": ..., \"text\": ...}}. A change is kept in the"
                    + " history and publishes io.activation.consent.changed; setting the current status again changes"
                    + " nothing (result unchanged). The contact must exist (404 otherwise).")
    @PutMapping(path = "/{channel}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ObjectNode put(@PathVariable String externalId, @PathVariable String channel, @RequestBody JsonNode body) {
        ConsentChange change = change(channel, body);
        Consents.Recorded recorded = consents.record(externalId, change, ORIGIN);
        ObjectNode answer = toJson(recorded.consent());
        answer.put("result", recorded.changed() ? "changed" : "unchanged");
        if (recorded.previousStatus() == null) {
            answer.putNull("previousStatus");
        } else {
            answer.put("previousStatus", recorded.previousStatus().code());
        }
        return answer;
    }

    @Operation(summary = "The contact's current consents")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@PathVariable String externalId) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        consents.of(externalId).forEach(c -> items.add(toJson(c)));
        return answer;
    }

    @Operation(summary = "Every consent change of the contact, oldest first")
    @GetMapping("/history")
    @RequiresScope(Scope.READ)
    ObjectNode history(@PathVariable String externalId) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        for (Consents.HistoryEntry h : consents.history(externalId)) {
            ObjectNode item = items.addObject();
            item.put("channel", h.channel().code());
            item.put("purpose", h.purpose());
            item.put("status", h.status().code());
            if (h.previousStatus() == null) {
                item.putNull("previousStatus");
            } else {
                item.put("previousStatus", h.previousStatus().code());
            }
            item.put("changedAt", h.changedAt().toString());
            item.put("source", h.source());
            item.set("proof", h.proof());
        }
        return answer;
    }

    private static ConsentChange change(String channelCode, JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be an object with purpose, status, source and proof");
        }
        body.propertyNames().forEach(name -> {
            if (!List.of("purpose", "status", "source", "proof").contains(name)) {
                errors.add(new FieldError(name, "is not a field of a consent (purpose, status, source, proof)"));
            }
        });
        Channel channel = null;
        try {
            channel = Channel.of(channelCode, "channel");
        } catch (InvalidInputException e) {
            errors.addAll(e.errors());
        }
        ConsentStatus status = null;
        JsonNode s = body.get("status");
        try {
            status = ConsentStatus.of(s != null && s.isString() ? s.stringValue() : null, "status");
        } catch (InvalidInputException e) {
            errors.addAll(e.errors());
        }
        String purpose = JsonFields.optionalText(body, "purpose", errors);
        String source = JsonFields.optionalText(body, "source", errors);
        try {
            ConsentChange change = new ConsentChange(channel, purpose, status, source, body.get("proof"));
            if (errors.isEmpty()) {
                return change;
            }
        } catch (InvalidInputException e) {
            // Every problem in one answer: the domain's checks add what the request's shape did not already name.
            JsonFields.addDomainErrors(errors, e);
        }
        throw new InvalidInputException(errors);
    }


    static ObjectNode toJson(Consent c) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("channel", c.channel().code());
        json.put("purpose", c.purpose());
        json.put("status", c.status().code());
        json.put("changedAt", c.changedAt().toString());
        json.put("source", c.source());
        json.set("proof", c.proof());
        return json;
    }
}
