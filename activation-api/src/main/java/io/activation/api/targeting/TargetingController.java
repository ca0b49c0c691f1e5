package io.activation.api.targeting;

import io.activation.access.Scope;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.BatchItems;
import io.activation.api.web.CanonicalJson;
import io.activation.api.web.Idempotency;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.Values;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.activation.segment.CompiledRule;
import io.activation.segment.ContactSegment;
import io.activation.segment.Segment;
import io.activation.segment.SegmentMember;
import io.activation.segment.Targeting;
import io.activation.segment.TargetingProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Segments", description = "Rules over contacts and their rows (docs/targeting.md), materialised as"
        + " segments whose members enter and exit as the data changes")
@RestController
@ConditionalOnRole(Role.API)
class TargetingController {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String BASE = "/api/v1/segments";

    private final Targeting targeting;
    private final Contacts contacts;
    private final TargetingProperties properties;
    private final Idempotency idempotency;

    TargetingController(Targeting targeting, Contacts contacts, TargetingProperties properties,
            Idempotency idempotency) {
        this.targeting = targeting;
        this.contacts = contacts;
        this.properties = properties;
        this.idempotency = idempotency;
    }

    @Operation(summary = "Define a segment and compute its membership",
            description = "Body: {\"name\": \"vip\", \"description\": \"...\", \"rule\": {...}}. Members found now"
                    + " enter at once (segment.entered events).")
    @PostMapping(path = BASE, consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<?> createSegment(@RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        object(body);
        byte[] fingerprint = CanonicalJson.fingerprint(request.getMethod(), request.getRequestURI(), body);
        return idempotency.run(principal, key, fingerprint, () -> {
            Segment segment = targeting.create(text(body, "name"), text(body, "description"), body.get("rule"));
            return ResponseEntity.status(HttpStatus.CREATED).header("Location", BASE + "/" + segment.id())
                    .body(json(segment));
        });
    }

    @Operation(summary = "Check a rule against the data model without saving anything",
            description = "Body: {\"rule\": {...}}. 200 {\"valid\": true, \"dependencies\": [...]} or a 422 problem"
                    + " naming each bad field, e.g. rule.and[1].aggregate.window.lastDays.")
    @PostMapping(path = BASE + "/validate", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode validateRule(@RequestBody JsonNode body) {
        object(body);
        CompiledRule compiled = targeting.validate(body.get("rule"), "rule", false);
        ObjectNode answer = F.objectNode();
        answer.put("valid", true);
        compiled.dependencies().stream().sorted().forEach(answer.putArray("dependencies")::add);
        return answer;
    }

    @Operation(summary = "How many contacts match a rule now, and a sample of them",
            description = "Body: {\"rule\": {...}, \"sample\": 10, \"mode\": \"auto\"}. Nothing is saved. Mode"
                    + " auto (default) counts exactly, except a rule reading other tables than contacts on a large"
                    + " installation, which is estimated from a random sample of contacts (exact: false, with the"
                    + " 95 % interval countLow..countHigh); exact always counts exactly (may take seconds);"
                    + " estimate always samples.")
    @PostMapping(path = BASE + "/preview", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode previewRule(@RequestBody JsonNode body) {
        object(body);
        int sample = properties.previewSample();
        JsonNode asked = body.get("sample");
        if (asked != null && !asked.isNull()) {
            if (!asked.isIntegralNumber() || !asked.canConvertToInt() || asked.intValue() < 0
                    || asked.intValue() > 100) {
                throw new InvalidInputException("sample", "must be a whole number from 0 to 100");
            }
            sample = asked.intValue();
        }
        Targeting.PreviewMode mode = Targeting.PreviewMode.AUTO;
        JsonNode askedMode = body.get("mode");
        if (askedMode != null && !askedMode.isNull()) {
            mode = switch (askedMode.isString() ? askedMode.asString() : "") {
                case "auto" -> Targeting.PreviewMode.AUTO;
                case "exact" -> Targeting.PreviewMode.EXACT;
                case "estimate" -> Targeting.PreviewMode.ESTIMATE;
                default -> throw new InvalidInputException("mode", "must be one of auto, exact, estimate");
            };
        }
        Targeting.Preview preview = targeting.preview(body.get("rule"), sample, mode);
        ObjectNode answer = F.objectNode();
        answer.put("count", preview.count());
        answer.put("exact", preview.exact());
        if (!preview.exact()) {
            answer.put("countLow", preview.low());
            answer.put("countHigh", preview.high());
            answer.put("sampled", preview.sampled());
        }
        var items = answer.putArray("sample");
        preview.sample().forEach(m -> items.add(member(m)));
        return answer;
    }

    @Operation(summary = "List segments, by id", description = "Keyset paging: 'after' (the last id seen) and"
            + " 'limit' (1-500).")
    @GetMapping(path = BASE, produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode listSegments(@RequestParam(defaultValue = "0") long after, @RequestParam(defaultValue = "50") int limit) {
        limit(limit);
        return BatchItems.page(targeting.list(after, limit), limit, TargetingController::json, Segment::id);
    }

    @Operation(summary = "One segment")
    @GetMapping(path = BASE + "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode getSegment(@PathVariable long id) {
        return json(targeting.get(id));
    }

    @Operation(summary = "Delete a segment and its membership",
            description = "Refused (409) while another segment's rule tests membership of it.")
    @DeleteMapping(path = BASE + "/{id}")
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<Void> deleteSegment(@PathVariable long id) {
        targeting.delete(id);
        return ResponseEntity.noContent().build();
    }

    @Operation(summary = "Recompute the membership now", description = "Returns how many entered and exited.")
    @PostMapping(path = BASE + "/{id}/refresh", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode refreshSegment(@PathVariable long id) {
        var changes = targeting.refresh(id);
        ObjectNode answer = F.objectNode();
        answer.put("entered", changes.entered().size());
        answer.put("exited", changes.exited().size());
        answer.put("memberCount", targeting.get(id).memberCount());
        return answer;
    }

    @Operation(summary = "Members of a segment, by contact id",
            description = "Keyset paging: 'after' (the last contactId seen) and 'limit' (1-1000).")
    @GetMapping(path = BASE + "/{id}/members", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode segmentMembers(@PathVariable long id, @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new InvalidInputException("limit", "must be between 1 and 1000");
        }
        List<SegmentMember> page = targeting.members(id, after, limit);
        return BatchItems.page(page, limit, TargetingController::member, SegmentMember::contactId);
    }

    @Operation(summary = "The SQL of a segment's rule and PostgreSQL's plan for it (admins)",
            description = "With 'contact' (an external id): the single-contact form journeys evaluate.")
    @GetMapping(path = BASE + "/{id}/sql", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ObjectNode segmentSql(@PathVariable long id, @RequestParam(required = false) String contact) {
        Long contactId = contact == null ? null : contactId(contact, "contact");
        Targeting.Explain explain = targeting.explain(id, contactId);
        ObjectNode answer = F.objectNode();
        answer.put("sql", explain.sql());
        var parameters = answer.putArray("parameters");
        explain.parameters().forEach(p -> parameters.add(p == null ? null : p.toString()));
        var plan = answer.putArray("plan");
        explain.plan().forEach(plan::add);
        return answer;
    }

    @Operation(summary = "The segments a contact is in")
    @GetMapping(path = "/api/v1/contacts/{externalId}/segments", produces = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.READ)
    ObjectNode contactSegments(@PathVariable String externalId) {
        long contactId = contactId(externalId, "externalId");
        ObjectNode answer = F.objectNode();
        var items = answer.putArray("items");
        for (ContactSegment s : targeting.segmentsOf(contactId)) {
            ObjectNode item = items.addObject();
            item.put("id", s.segmentId());
            item.put("name", s.segment());
            item.put("enteredAt", s.enteredAt().toString());
        }
        return answer;
    }

    private long contactId(String externalId, String field) {
        return contacts.byExternalId(externalId).map(StoredRow::id)
                .orElseThrow(() -> new NotFoundException(field, "There is no contact '" + externalId + "'"));
    }

    private static void object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException("", "the body must be a JSON object");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw new InvalidInputException(field, "must be a string");
        }
        return node.stringValue();
    }

    private static void limit(int limit) {
        if (limit < 1 || limit > 500) {
            throw new InvalidInputException("limit", "must be between 1 and 500");
        }
    }

    static ObjectNode json(Segment segment) {
        ObjectNode json = F.objectNode();
        json.put("id", segment.id());
        json.put("name", segment.name());
        json.put("description", segment.description());
        json.set("rule", segment.rule());
        json.put("memberCount", segment.memberCount());
        json.put("createdAt", segment.createdAt().toString());
        json.set("refreshedAt", Values.toJson(segment.refreshedAt()));
        return json;
    }

    static ObjectNode member(SegmentMember member) {
        ObjectNode json = F.objectNode();
        json.put("contactId", member.contactId());
        json.put("externalId", member.externalId());
        if (member.enteredAt() != null) {
            json.put("enteredAt", member.enteredAt().toString());
        }
        return json;
    }
}
