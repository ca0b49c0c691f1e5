package io.activation.api.delivery;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.consent.Suppressions;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Suppressions", description = "Addresses nothing is sent to on a channel, whoever the contact: hard"
        + " bounces, complaints, unsubscribes, STOP replies and manual entries")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/suppressions", produces = MediaType.APPLICATION_JSON_VALUE)
class SuppressionController {

    private static final Set<String> CHANNELS = Set.of("email", "sms", "push", "wallet", "print", "webhook");
    private static final Set<String> REASONS = Set.of("hard-bounce", "complaint", "unsubscribe", "opted-out",
            "manual");
    private static final Set<String> FIELDS = Set.of("channel", "address", "reason", "detail");

    private final Suppressions suppressions;

    SuppressionController(Suppressions suppressions) {
        this.suppressions = suppressions;
    }

    @Operation(summary = "A channel's suppressed addresses, newest first (or the one address asked for)")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@RequestParam(required = false) String channel, @RequestParam(required = false) String address,
            @RequestParam(defaultValue = "100") int limit, @RequestParam(defaultValue = "0") int offset) {
        channel(channel);
        if (limit < 1 || limit > 1000) {
            throw new InvalidInputException("limit", "must be from 1 to 1000");
        }
        if (offset < 0) {
            throw new InvalidInputException("offset", "must be 0 or more");
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        if (address != null) {
            suppressions.find(channel, address).ifPresent(s -> items.add(json(s)));
        } else {
            suppressions.list(channel, limit, offset).forEach(s -> items.add(json(s)));
        }
        return answer;
    }

    @Operation(summary = "Suppress an address", description = "Body: {\"channel\": \"email\", \"address\":"
            + " \"someone@example.com\", \"reason\": \"manual\" (default; or hard-bounce, complaint, unsubscribe,"
            + " opted-out), \"detail\": \"...\"}. 201 when added, 200 when it was suppressed already (the first reason"
            + " is kept).")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> suppress(@RequestBody JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object: {channel, address, reason, detail}");
        }
        List<FieldError> errors = new ArrayList<>();
        body.propertyNames().forEach(f -> {
            if (!FIELDS.contains(f)) {
                errors.add(new FieldError(f, "is not a field of a suppression: " + FIELDS.stream().sorted().toList()));
            }
        });
        String channel = text(body, "channel");
        if (channel == null || !CHANNELS.contains(channel)) {
            errors.add(new FieldError("channel", "is required: one of " + CHANNELS.stream().sorted().toList()));
        }
        String address = text(body, "address");
        if (address == null || address.length() > 1000) {
            errors.add(new FieldError("address", "is required: 1 to 1000 characters"));
        }
        String reason = body.has("reason") ? text(body, "reason") : "manual";
        if (reason == null || !REASONS.contains(reason)) {
            errors.add(new FieldError("reason", "must be one of " + REASONS.stream().sorted().toList()));
        }
        JsonNode d = body.get("detail");
        if (d != null && !d.isNull() && (!d.isString() || d.asString().length() > 2000)) {
            errors.add(new FieldError("detail", "must be text of at most 2000 characters"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        boolean added = suppressions.suppress(channel, address, reason, "api", d == null || d.isNull() ? null
                : d.asString());
        ObjectNode answer = json(suppressions.find(channel, address).orElseThrow());
        return added ? ResponseEntity.created(URI.create("/api/v1/suppressions?channel=" + channel)).body(answer)
                : ResponseEntity.ok(answer);
    }

    @Operation(summary = "Lift a suppression", description = "404 when the address is not suppressed on the channel.")
    @DeleteMapping("/{channel}/{address}")
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<Void> lift(@PathVariable String channel, @PathVariable String address) {
        channel(channel);
        if (!suppressions.lift(channel, address)) {
            throw new NotFoundException("address", "'" + address + "' is not suppressed on " + channel);
        }
        return ResponseEntity.noContent().build();
    }

    private static void channel(String channel) {
        if (channel == null || !CHANNELS.contains(channel)) {
            throw new InvalidInputException("channel", "is required: one of " + CHANNELS.stream().sorted().toList());
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n != null && n.isString() && !n.asString().isBlank() ? n.asString().trim() : null;
    }

    private static ObjectNode json(Suppressions.Suppression s) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("channel", s.channel());
        node.put("address", s.address());
        node.put("reason", s.reason());
        node.put("source", s.source());
        node.put("detail", s.detail());
        node.put("createdAt", s.createdAt().toString());
        return node;
    }
}
