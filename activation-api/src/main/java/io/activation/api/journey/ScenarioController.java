package io.activation.api.journey;

import io.activation.access.Scope;
import io.activation.api.contact.ContactRefJson;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.CanonicalJson;
import io.activation.api.web.Idempotency;
import io.activation.api.web.RequiresScope;
import io.activation.contact.ContactRef;
import io.activation.journey.Scenario;
import io.activation.journey.ScenarioVersion;
import io.activation.journey.Scenarios;
import io.activation.journey.WebhookSecrets;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Scenarios", description = "Journey definitions: versions, validation, lifecycle, counts, API triggers")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/scenarios", produces = MediaType.APPLICATION_JSON_VALUE)
class ScenarioController {

    private final Scenarios scenarios;
    private final Idempotency idempotency;

    ScenarioController(Scenarios scenarios, Idempotency idempotency) {
        this.scenarios = scenarios;
        this.idempotency = idempotency;
    }

    @Operation(summary = "Create a scenario (a draft, version 1)", description = "Body: the scenario definition, see"
            + " docs/journeys.md. Structural problems are refused; the rest is checked by validate and activate.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> create(@RequestBody JsonNode body) {
        Scenario s = scenarios.create(body);
        return ResponseEntity.created(URI.create("/api/v1/scenarios/" + s.id())).body(json(s));
    }

    @Operation(summary = "List scenarios, optionally by status")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@RequestParam(required = false) String status) {
        Scenario.Status wanted = null;
        if (status != null) {
            try {
                wanted = Scenario.Status.valueOf(status.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("status", "must be draft, active, paused or archived");
            }
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        scenarios.list(wanted).forEach(s -> items.add(json(s)));
        return answer;
    }

    @Operation(summary = "Read a scenario with its latest definition")
    @GetMapping("/{id}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable long id) {
        return json(scenarios.get(id));
    }

    @Operation(summary = "Store a new version", description = "On an active scenario the new version must be valid;"
            + " it takes over new entries at once, journeys in flight stay on their version (see migrate).")
    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode update(@PathVariable long id, @RequestBody JsonNode body) {
        return json(scenarios.update(id, body));
    }

    @Operation(summary = "Validate the latest version", description = "200 {\"valid\": true}, or 422 naming every"
            + " problem (unknown table, attribute or template, unreachable step, loop without a wait, missing"
            + " branch, invalid duration or time zone).")
    @PostMapping("/{id}/validate")
    @RequiresScope(Scope.ADMIN)
    ObjectNode validate(@PathVariable long id) {
        List<FieldError> problems = scenarios.validate(id);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(problems);
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("valid", true);
        return answer;
    }

    @Operation(summary = "Activate the latest version (validated first)")
    @PostMapping("/{id}/activate")
    @RequiresScope(Scope.ADMIN)
    ObjectNode activate(@PathVariable long id) {
        return json(scenarios.activate(id));
    }

    @Operation(summary = "Pause: no new entries, journeys in flight hold at their next step")
    @PostMapping("/{id}/pause")
    @RequiresScope(Scope.ADMIN)
    ObjectNode pause(@PathVariable long id) {
        return json(scenarios.pause(id));
    }

    @Operation(summary = "Resume a paused scenario: held journeys go on")
    @PostMapping("/{id}/resume")
    @RequiresScope(Scope.ADMIN)
    ObjectNode resume(@PathVariable long id) {
        return json(scenarios.resume(id));
    }

    @Operation(summary = "Archive: no new entries, journeys in flight exit")
    @PostMapping("/{id}/archive")
    @RequiresScope(Scope.ADMIN)
    ObjectNode archive(@PathVariable long id) {
        return json(scenarios.archive(id));
    }

    @Operation(summary = "List versions")
    @GetMapping("/{id}/versions")
    @RequiresScope(Scope.READ)
    ObjectNode versions(@PathVariable long id) {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        scenarios.versions(id).forEach(v -> items.add(json(v)));
        return answer;
    }

    @Operation(summary = "Read one version")
    @GetMapping("/{id}/versions/{version}")
    @RequiresScope(Scope.READ)
    ObjectNode version(@PathVariable long id, @PathVariable int version) {
        return json(scenarios.version(id, version));
    }

    @Operation(summary = "Journeys per scenario and per step", description = "total, live, completed, exited; per"
            + " version and step: journeys there now (current) and entries ever (entered).")
    @GetMapping("/{id}/counts")
    @RequiresScope(Scope.READ)
    ObjectNode counts(@PathVariable long id) {
        Scenarios.Counts c = scenarios.counts(id);
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("scenarioId", id);
        answer.put("total", c.total());
        answer.put("live", c.live());
        answer.put("completed", c.completed());
        answer.put("exited", c.exited());
        var steps = answer.putArray("steps");
        c.steps().forEach(s -> steps.addObject().put("version", s.version()).put("stepId", s.stepId())
                .put("current", s.current()).put("entered", s.entered()));
        return answer;
    }

    @Operation(summary = "Migrate journeys in flight to another version", description = "Body: {\"fromVersion\": 1,"
            + " \"toVersion\": 2, \"steps\": {\"old-step\": \"new-step\", ...}}. Every step a journey is at must be"
            + " mapped, to a step of the same kind; otherwise nothing moves.")
    @PostMapping(path = "/{id}/migrate", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode migrate(@PathVariable long id, @RequestBody JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object");
        }
        for (String field : body.propertyNames()) {
            if (!Set.of("fromVersion", "toVersion", "steps").contains(field)) {
                errors.add(new FieldError(field, "is not a field: send fromVersion, toVersion, steps"));
            }
        }
        for (String field : List.of("fromVersion", "toVersion")) {
            if (!body.path(field).isIntegralNumber()) {
                errors.add(new FieldError(field, "is required: a version number"));
            }
        }
        Map<String, String> steps = new LinkedHashMap<>();
        JsonNode map = body.get("steps");
        if (map == null || !map.isObject()) {
            errors.add(new FieldError("steps", "is required: an object mapping old step ids to new ones"));
        } else {
            for (var e : map.properties()) {
                if (!e.getValue().isString()) {
                    errors.add(new FieldError("steps." + e.getKey(), "must be a step id"));
                } else {
                    steps.put(e.getKey(), e.getValue().asString());
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        int migrated = scenarios.migrate(id, body.get("fromVersion").asInt(), body.get("toVersion").asInt(), steps);
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("migrated", migrated);
        return answer;
    }

    @Operation(summary = "Start the scenario for a contact (API-call trigger)", description = "Body: {\"contact\":"
            + " {\"externalId\": ...}, \"payload\": {...}}. 202: queued in the contact's lane; the journey starts"
            + " within moments. Honours Idempotency-Key.")
    @PostMapping(path = "/{id}/trigger", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> trigger(@PathVariable long id, @RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object");
        }
        for (String field : body.propertyNames()) {
            if (!Set.of("contact", "payload").contains(field)) {
                throw new InvalidInputException(field, "is not a field: send contact and payload");
            }
        }
        ContactRef contact = ContactRefJson.parse(body.get("contact"), "contact");
        if (contact == null) {
            throw new InvalidInputException("contact", "is required: {\"externalId\": ...}");
        }
        byte[] fingerprint = key == null ? null : CanonicalJson.fingerprint(request.getMethod(),
                request.getRequestURI(), body);
        return idempotency.run(principal, key, fingerprint, () -> {
            UUID triggerId = scenarios.trigger(id, contact, body.get("payload"));
            ObjectNode answer = JsonNodeFactory.instance.objectNode();
            answer.put("status", 202);
            answer.put("triggerId", triggerId.toString());
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(answer);
        });
    }

    private ObjectNode json(Scenario s) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("id", s.id());
        node.put("name", s.name());
        node.put("status", s.status().json());
        node.put("latestVersion", s.latestVersion());
        node.put("activeVersion", s.activeVersion());
        node.put("createdAt", s.createdAt().toString());
        node.put("updatedAt", s.updatedAt().toString());
        node.set("definition", WebhookSecrets.redacted(scenarios.version(s.id(), s.latestVersion())
                .definition()));
        return node;
    }

    private static ObjectNode json(ScenarioVersion v) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("scenarioId", v.scenarioId());
        node.put("version", v.version());
        node.put("createdAt", v.createdAt().toString());
        node.put("activatedAt", v.activatedAt() == null ? null : v.activatedAt().toString());
        node.set("definition", WebhookSecrets.redacted(v.definition()));
        return node;
    }
}
