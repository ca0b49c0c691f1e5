package io.activation.api.template;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.activation.template.Template;
import io.activation.template.Templates;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Templates", description = "Message templates per channel, referred to by scenarios' send steps")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/templates", produces = MediaType.APPLICATION_JSON_VALUE)
class TemplateController {

    private static final Set<String> FIELDS = Set.of("name", "channel", "subject", "body");

    private final Templates templates;

    TemplateController(Templates templates) {
        this.templates = templates;
    }

    @Operation(summary = "Create a template", description = "Body: {\"name\": \"cart-reminder\", \"channel\":"
            + " \"email\", \"subject\": \"...\", \"body\": \"...\"}. Name and channel are unique together.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> create(@RequestBody JsonNode body) {
        Template t = templates.create(input(body));
        return ResponseEntity.created(URI.create("/api/v1/templates/" + t.id())).body(json(t));
    }

    @Operation(summary = "List templates, optionally of one channel")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@RequestParam(required = false) String channel) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        templates.list(channel).forEach(t -> items.add(json(t)));
        return answer;
    }

    @Operation(summary = "Read a template")
    @GetMapping("/{id}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable long id) {
        return json(templates.get(id));
    }

    @Operation(summary = "Replace a template")
    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode replace(@PathVariable long id, @RequestBody JsonNode body) {
        return json(templates.replace(id, input(body)));
    }

    @Operation(summary = "Delete a template")
    @DeleteMapping("/{id}")
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<Void> delete(@PathVariable long id) {
        if (!templates.delete(id)) {
            throw new NotFoundException("id", "No template with id " + id);
        }
        return ResponseEntity.noContent().build();
    }

    private static Templates.TemplateInput input(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object");
        }
        for (String field : body.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw new InvalidInputException(field, "is not a field of a template: send name, channel, subject,"
                        + " body");
            }
            if (!body.get(field).isNull() && !body.get(field).isString()) {
                throw new InvalidInputException(field, "must be a string");
            }
        }
        return new Templates.TemplateInput(text(body, "name"), text(body, "channel"), text(body, "subject"),
                text(body, "body"));
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    static ObjectNode json(Template t) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", t.id());
        node.put("name", t.name());
        node.put("channel", t.channel());
        node.put("subject", t.subject());
        node.put("body", t.body());
        node.put("createdAt", t.createdAt().toString());
        node.put("updatedAt", t.updatedAt().toString());
        return node;
    }
}
