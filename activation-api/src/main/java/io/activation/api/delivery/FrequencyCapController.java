package io.activation.api.delivery;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.delivery.FrequencyCap;
import io.activation.delivery.FrequencyCaps;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Frequency caps", description = "At most N marketing messages per contact over a sliding window: across"
        + " channels, per channel or per scenario; transactional messages are exempt")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/frequency-caps", produces = MediaType.APPLICATION_JSON_VALUE)
class FrequencyCapController {

    private static final String BODY = "Body: {\"name\": \"email-weekly\", \"scope\": \"global|channel|scenario\","
            + " \"channel\": \"email\" (scope channel), \"scenarioId\": 12 (scope scenario, optional: without it each"
            + " scenario is capped on its own), \"max\": 3, \"window\": \"P7D\" (ISO-8601)}.";

    private final FrequencyCaps caps;

    FrequencyCapController(FrequencyCaps caps) {
        this.caps = caps;
    }

    @Operation(summary = "Create a frequency cap", description = BODY)
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> create(@RequestBody JsonNode body) {
        FrequencyCap cap = caps.create(body);
        return ResponseEntity.created(URI.create("/api/v1/frequency-caps/" + cap.id())).body(json(cap));
    }

    @Operation(summary = "List the frequency caps")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list() {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        caps.list().forEach(c -> items.add(json(c)));
        return answer;
    }

    @Operation(summary = "One frequency cap")
    @GetMapping("/{id}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable long id) {
        return json(caps.get(id));
    }

    @Operation(summary = "Replace a frequency cap's settings", description = BODY)
    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode update(@PathVariable long id, @RequestBody JsonNode body) {
        return json(caps.update(id, body));
    }

    @Operation(summary = "Delete a frequency cap")
    @DeleteMapping("/{id}")
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<Void> delete(@PathVariable long id) {
        caps.delete(id);
        return ResponseEntity.noContent().build();
    }

    static ObjectNode json(FrequencyCap c) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", c.id());
        node.put("name", c.name());
        node.put("scope", c.scope().code());
        node.put("channel", c.channel());
        node.put("scenarioId", c.scenarioId());
        node.put("max", c.maxMessages());
        node.put("window", c.window().toString());
        node.put("createdAt", c.createdAt().toString());
        node.put("updatedAt", c.updatedAt().toString());
        return node;
    }
}
