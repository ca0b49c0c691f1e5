package io.activation.api.sms;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.template.SmsSegments;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.Role;
import java.util.ArrayList;
import java.util.List;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "SMS", description = "SMS text rules: encoding and segment count")
@RestController
@ConditionalOnRole(Role.API)
class SmsSegmentController {

    @Operation(summary = "Count the segments an SMS text is sent as",
            description = "Body: {\"text\": \"...\"}. Answers {\"encoding\": \"GSM-7|UCS-2\", \"characters\": n,"
                    + " \"units\": septets or UTF-16 units, \"segments\": n, \"perSegment\": 160|153|70|67,"
                    + " \"nonGsmCharacters\": [the characters that forced UCS-2]}. GSM-7 extension characters"
                    + " (€ [ ] { } \\ ^ ~ | and form feed) take two septets; one character outside GSM 03.38 makes"
                    + " the whole text UCS-2. Count the rendered text: template tags change the length.")
    @PostMapping(path = "/api/v1/sms/segments", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode segments(@RequestBody JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be an object: {\"text\": \"...\"}");
        }
        List<FieldError> errors = new ArrayList<>();
        body.propertyNames().forEach(name -> {
            if (!"text".equals(name)) {
                errors.add(new FieldError(name, "is not a field (only text)"));
            }
        });
        JsonNode text = body.get("text");
        if (text == null || text.isNull()) {
            errors.add(new FieldError("text", "is required"));
        } else if (!text.isString()) {
            errors.add(new FieldError("text", "must be a string"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        SmsSegments.Count count = SmsSegments.count(text.stringValue(), "text");
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("encoding", count.encoding().label());
        json.put("characters", count.characters());
        json.put("units", count.units());
        json.put("segments", count.segments());
        json.put("perSegment", count.perSegment());
        var nonGsm = json.putArray("nonGsmCharacters");
        count.nonGsmCharacters().forEach(nonGsm::add);
        return json;
    }
}
