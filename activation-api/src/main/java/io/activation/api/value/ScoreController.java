package io.activation.api.value;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.datamodel.StoredRow;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.activation.segment.value.ScoreDefinition;
import io.activation.segment.value.Scores;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Behaviour scores", description = "Points per action, optional decay, thresholds that publish an event")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/scores", produces = MediaType.APPLICATION_JSON_VALUE)
class ScoreController {

    private final Scores scores;
    private final Contacts contacts;

    ScoreController(Scores scores, Contacts contacts) {
        this.scores = scores;
        this.contacts = contacts;
    }

    @Operation(summary = "Define a behaviour score", description = "Body: {\"name\": \"engagement\", \"rules\":"
            + " [{\"event\": \"link_clicked\", \"where\": {\"campaign\": \"spring\"}, \"points\": 5}, {\"table\":"
            + " \"orders\", \"on\": \"created|updated|any\", \"where\": {...}, \"points\": 20}], \"decay\":"
            + " {\"halfLifeDays\": 30}, \"thresholds\": [50, 100]}. Adds the DECIMAL contact attribute score_<name>.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> define(@RequestBody JsonNode body) {
        ScoreDefinition d = scores.define(body);
        return ResponseEntity.created(URI.create("/api/v1/scores/" + d.name())).body(d.toJson());
    }

    @Operation(summary = "List behaviour scores")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list() {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        scores.list().forEach(d -> items.add(d.toJson()));
        return answer;
    }

    @Operation(summary = "Describe a behaviour score")
    @GetMapping("/{name}")
    @RequiresScope(Scope.READ)
    ObjectNode describe(@PathVariable String name) {
        return scores.definition(name).toJson();
    }

    @Operation(summary = "Apply the score's decay now", description = "Recomputes every value from the ledger at the"
            + " current time; also runs on a schedule (activation.value.score-decay-interval).")
    @PostMapping("/{name}/recompute")
    @RequiresScope(Scope.ADMIN)
    ObjectNode recompute(@PathVariable String name) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("score", name);
        json.put("contactsChanged", scores.recompute(name));
        return json;
    }

    @Operation(summary = "A contact's value of the score and its latest points (up to 100)")
    @GetMapping("/{name}/contacts/{externalId}")
    @RequiresScope(Scope.READ)
    ObjectNode contact(@PathVariable String name, @PathVariable String externalId) {
        scores.definition(name);
        long contactId = contactId(externalId);
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("score", name);
        json.put("externalId", externalId);
        json.put("value", scores.valueOf(contactId, name));
        var points = json.putArray("points");
        scores.ledger(contactId, name, 100).forEach(p -> {
            ObjectNode item = points.addObject();
            item.put("key", p.dedupeKey());
            item.put("points", p.points());
            item.put("awardedAt", p.awardedAt().toString());
        });
        return json;
    }

    @Operation(summary = "Add points to a contact's score, once per key",
            description = "Body: {\"points\": 10, \"key\": \"unique cause\"}. The same key again changes nothing.")
    @PostMapping(path = "/{name}/contacts/{externalId}/points", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ObjectNode addPoints(@PathVariable String name, @PathVariable String externalId, @RequestBody JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be an object {\"points\": n, \"key\": \"...\"}");
        }
        body.propertyNames().forEach(f -> {
            if (!f.equals("points") && !f.equals("key")) {
                errors.add(new FieldError(f, "is not a field (points, key)"));
            }
        });
        JsonNode p = body.get("points");
        if (p == null || !p.isNumber() || p.decimalValue().abs().compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
            errors.add(new FieldError("points", "is required: a number (negative takes points away)"));
        }
        JsonNode k = body.get("key");
        if (k == null || !k.isString() || k.stringValue().isBlank() || k.stringValue().length() > 250) {
            errors.add(new FieldError("key", "is required: 1 to 250 characters that identify the cause"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        scores.definition(name);
        BigDecimal value = scores.add(contactId(externalId), name, p.decimalValue(), "api:" + k.stringValue());
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("score", name);
        json.put("externalId", externalId);
        json.put("value", value);
        return json;
    }

    private long contactId(String externalId) {
        return contacts.byExternalId(externalId).map(StoredRow::id)
                .orElseThrow(() -> new NotFoundException("externalId", "There is no contact '" + externalId + "'"));
    }
}
