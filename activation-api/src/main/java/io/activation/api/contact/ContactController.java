package io.activation.api.contact;

import io.activation.access.Scope;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.BatchItems;
import io.activation.api.web.CanonicalJson;
import io.activation.api.web.Idempotency;
import io.activation.api.web.Problems;
import io.activation.api.web.RequestText;
import io.activation.api.web.RequiresScope;
import io.activation.contact.Contacts;
import io.activation.datamodel.RowResult;
import io.activation.datamodel.StoredRow;
import io.activation.ingest.IngestProperties;
import io.activation.ingest.Ingestion;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
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

@Tag(name = "Contacts", description = "Upsert by externalId, read, search, delete")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/contacts", produces = MediaType.APPLICATION_JSON_VALUE)
class ContactController {

    private static final String ORIGIN = "api";

    private final Ingestion ingestion;
    private final Contacts contacts;
    private final Idempotency idempotency;
    private final IngestProperties properties;

    ContactController(Ingestion ingestion, Contacts contacts, Idempotency idempotency,
            IngestProperties properties) {
        this.ingestion = ingestion;
        this.contacts = contacts;
        this.idempotency = idempotency;
        this.properties = properties;
    }

    @Operation(summary = "Create or update a contact by its externalId",
            description = "Fields left out stay as they are; an explicit null clears. 201 when created, 200 otherwise.")
    @PutMapping(path = "/{externalId}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> put(@PathVariable String externalId, @RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        ObjectNode columns = ContactJson.toColumns(body, "");
        JsonNode sent = columns.get("external_id");
        if (sent != null && !(sent.isString() && sent.stringValue().equals(externalId))) {
            throw new InvalidInputException("externalId", "differs from the externalId in the path");
        }
        columns.put("external_id", externalId);
        return upsert(columns, key, principal, request, body);
    }

    @Operation(summary = "Create or update a contact; externalId in the body")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> post(@RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        return upsert(ContactJson.toColumns(body, ""), key, principal, request, body);
    }

    private ResponseEntity<?> upsert(ObjectNode columns, String key, ApiPrincipal principal,
            HttpServletRequest request, JsonNode body) {
        byte[] fingerprint = CanonicalJson.fingerprint(request.getMethod(), request.getRequestURI(), body);
        return idempotency.run(principal, key, fingerprint, () -> {
            RowResult result = ingestion.upsertContacts(List.of(columns), ORIGIN).get(0);
            if (!result.accepted()) {
                throw new InvalidInputException(ContactJson.apiErrors(result.errors(), ""));
            }
            HttpStatus status = result.status() == RowResult.Status.CREATED ? HttpStatus.CREATED : HttpStatus.OK;
            ObjectNode json = ContactJson.toJson(result.row(), null);
            json.put("result", result.status().name().toLowerCase());
            return ResponseEntity.status(status).body(json);
        });
    }

    @Operation(summary = "Upsert up to 1,000 contacts; one result per item, a bad item does not sink the others",
            description = "Body: {\"items\": [contact, ...]}; an item may carry its own \"idempotencyKey\".")
    @PostMapping(path = "/batch", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> batch(@RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        JsonNode items = BatchItems.items(body, properties.maxBatchItems());
        byte[] fingerprint = CanonicalJson.fingerprint(request.getMethod(), request.getRequestURI(), body);
        return idempotency.run(principal, key, fingerprint, () -> {
            Map<Integer, ObjectNode> results = idempotency.runItems(principal, items, request.getRequestURI(),
                    indices -> BatchItems.process(items, indices,
                            item -> (JsonNode) ContactJson.toColumns(item, ""),
                            columns -> ingestion.upsertContacts(columns, ORIGIN), ContactController::item));
            return ResponseEntity.ok(BatchItems.answer(items.size(), results));
        });
    }

    private static ObjectNode item(RowResult r) {
        if (!r.accepted()) {
            List<io.activation.platform.FieldError> errors = ContactJson.apiErrors(r.errors(), "");
            return Problems.itemProblem(422, r.errorCode(),
                    errors.isEmpty() ? "rejected" : errors.get(0).field() + ": " + errors.get(0).message(), errors);
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("status", r.status() == RowResult.Status.CREATED ? 201 : 200);
        node.put("result", r.status().name().toLowerCase());
        node.put("id", r.row().id());
        node.set("externalId", io.activation.datamodel.Values.toJson(r.row().values().get("external_id")));
        return node;
    }

    @Operation(summary = "Get a contact by externalId")
    @GetMapping("/{externalId}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable String externalId) {
        StoredRow contact = contacts.byExternalId(externalId)
                .orElseThrow(() -> new NotFoundException("externalId", "There is no contact '" + externalId + "'"));
        return ContactJson.toJson(contact, contacts.anonymousIds(contact.id()));
    }

    @Operation(summary = "Get a contact by internal id")
    @GetMapping("/by-id/{id}")
    @RequiresScope(Scope.READ)
    ObjectNode byId(@PathVariable long id) {
        StoredRow contact = contacts.byId(id)
                .orElseThrow(() -> new NotFoundException("id", "There is no contact with id " + id));
        return ContactJson.toJson(contact, contacts.anonymousIds(contact.id()));
    }

    @Operation(summary = "Search contacts", description = "Filters combine with AND; page with 'after' (the last id"
            + " seen) and 'limit' (1-500).")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode search(@RequestParam(required = false) String email, @RequestParam(required = false) String phone,
            @RequestParam(required = false) String externalIdPrefix, @RequestParam(required = false) String name,
            @RequestParam(defaultValue = "0") long after, @RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > 500) {
            throw new InvalidInputException("limit", "must be between 1 and 500");
        }
        Contacts.Query query = new Contacts.Query(RequestText.check("email", email), RequestText.check("phone", phone),
                RequestText.check("externalIdPrefix", externalIdPrefix), RequestText.check("name", name));
        List<StoredRow> page = contacts.search(query, after, limit);
        return BatchItems.page(page, limit, c -> ContactJson.toJson(c, null), StoredRow::id);
    }

    @Operation(summary = "Delete a contact with all its rows, events and identities")
    @DeleteMapping("/{externalId}")
    @RequiresScope(Scope.INGEST)
    ResponseEntity<Void> delete(@PathVariable String externalId) {
        return ingestion.deleteContact(externalId, ORIGIN).isPresent()
                ? ResponseEntity.noContent().build()
                : ResponseEntity.notFound().build();
    }
}
