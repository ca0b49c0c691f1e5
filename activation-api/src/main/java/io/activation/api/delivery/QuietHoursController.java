package io.activation.api.delivery;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.delivery.QuietHours;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Quiet hours", description = "Local times of day (in each contact's time zone) when no marketing message"
        + " goes out: deferred to their end, or skipped, as the send step says")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/quiet-hours", produces = MediaType.APPLICATION_JSON_VALUE)
class QuietHoursController {

    private final QuietHours quietHours;

    QuietHoursController(QuietHours quietHours) {
        this.quietHours = quietHours;
    }

    @Operation(summary = "The quiet hours ({\"enabled\": false} when off)")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode get() {
        return json(quietHours.window());
    }

    @Operation(summary = "Set the quiet hours", description = "Body: {\"start\": \"21:00\", \"end\": \"08:00\"}; a start"
            + " after the end spans midnight. Judged in the contact's time zone (contacts.timeZone), else"
            + " activation.delivery.default-time-zone.")
    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode put(@RequestBody JsonNode body) {
        return json(Optional.of(quietHours.set(body)));
    }

    @Operation(summary = "Turn quiet hours off")
    @DeleteMapping
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<Void> delete() {
        quietHours.clear();
        return ResponseEntity.noContent().build();
    }

    private static ObjectNode json(Optional<QuietHours.Window> window) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("enabled", window.isPresent());
        window.ifPresent(w -> node.put("start", w.start().toString()).put("end", w.end().toString()));
        return node;
    }
}
