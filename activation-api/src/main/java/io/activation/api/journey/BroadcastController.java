package io.activation.api.journey;

import io.activation.access.Scope;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.BatchItems;
import io.activation.api.web.CanonicalJson;
import io.activation.api.web.Idempotency;
import io.activation.api.web.RequiresScope;
import io.activation.journey.Broadcasts;
import io.activation.platform.InvalidInputException;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Broadcasts", description = "One-off or recurring sends to a segment: scenarios with a schedule trigger")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/broadcasts", produces = MediaType.APPLICATION_JSON_VALUE)
class BroadcastController {

    private final Broadcasts broadcasts;
    private final Idempotency idempotency;

    BroadcastController(Broadcasts broadcasts, Idempotency idempotency) {
        this.broadcasts = broadcasts;
        this.idempotency = idempotency;
    }

    @Operation(summary = "Create and activate a broadcast", description = "Body: {\"name\", \"segment\", \"at\":"
            + " \"2026-12-01T09:00\" | \"cron\": \"0 0 9 * * MON\", \"timeZone\", \"priority\", \"send\":"
            + " {\"channels\": [{\"channel\": \"email\", \"template\": \"...\"}]}}. Creates a scenario with a"
            + " schedule trigger and one send step (see docs/journeys.md) and activates it; pause or"
            + " archive it through /api/v1/scenarios/{scenarioId}. Honours Idempotency-Key.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<?> create(@RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        byte[] fingerprint = key == null ? null : CanonicalJson.fingerprint(request.getMethod(),
                request.getRequestURI(), body);
        return idempotency.run(principal, key, fingerprint, () -> {
            Broadcasts.Broadcast b = broadcasts.create(body);
            return ResponseEntity.created(URI.create("/api/v1/scenarios/" + b.scenario().id())).body(json(b));
        });
    }

    @Operation(summary = "List broadcasts: every scenario with a schedule trigger, newest first", description =
            "Page with 'limit' (1-500) and 'before' (the 'next' of the previous page: the last scenario id seen).")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@RequestParam(required = false) Long before, @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 500) {
            throw new InvalidInputException("limit", "must be between 1 and 500");
        }
        if (before != null && before < 1) {
            throw new InvalidInputException("before", "must be a scenario id (1 or more)");
        }
        List<Broadcasts.Broadcast> page = broadcasts.list(before == null ? Long.MAX_VALUE : before, limit);
        return BatchItems.page(page, limit, BroadcastController::json, b -> b.scenario().id());
    }

    private static ObjectNode json(Broadcasts.Broadcast b) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("scenarioId", b.scenario().id());
        node.put("name", b.scenario().name());
        node.put("status", b.scenario().status().json());
        node.put("segment", b.segment());
        node.put("at", b.at());
        node.put("cron", b.cron());
        node.put("timeZone", b.timeZone());
        node.put("nextOccurrence", b.nextOccurrence() == null ? null : b.nextOccurrence().toString());
        node.put("scenario", "/api/v1/scenarios/" + b.scenario().id());
        return node;
    }
}
