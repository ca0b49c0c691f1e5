package io.activation.api.datamodel;

import io.activation.access.Scope;
import io.activation.api.web.BatchItems;
import io.activation.api.contact.ContactRefJson;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.CanonicalJson;
import io.activation.api.web.Idempotency;
import io.activation.api.web.Problems;
import io.activation.api.web.RequestText;
import io.activation.api.web.RequiresScope;
import io.activation.contact.ContactRef;
import io.activation.contact.Contacts;
import io.activation.datamodel.DataModelProperties;
import io.activation.datamodel.RowInputs;
import io.activation.datamodel.RowReader;
import io.activation.datamodel.RowResult;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import io.activation.ingest.IngestProperties;
import io.activation.ingest.Ingestion;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
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

@Tag(name = "Rows", description = "Upsert, read and delete rows of the shop's tables by business key")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/tables/{table}/rows", produces = MediaType.APPLICATION_JSON_VALUE)
class RowController {

    private static final String ORIGIN = "api";

    private final Ingestion ingestion;
    private final TableCatalog catalog;
    private final RowReader rows;
    private final RowInputs inputs;
    private final Contacts contacts;
    private final Idempotency idempotency;
    private final IngestProperties properties;
    private final DataModelProperties limits;

    RowController(Ingestion ingestion, TableCatalog catalog, RowReader rows, RowInputs inputs, Contacts contacts,
            Idempotency idempotency, IngestProperties properties, DataModelProperties limits) {
        this.ingestion = ingestion;
        this.catalog = catalog;
        this.rows = rows;
        this.inputs = inputs;
        this.contacts = contacts;
        this.idempotency = idempotency;
        this.properties = properties;
        this.limits = limits;
    }

    @Operation(summary = "Create or update a row by business key (in 'values')",
            description = "Body: {\"contact\": {\"externalId\": \"c-1\"}, \"values\": {...}}. The contact is required"
                    + " for interaction and linked-data tables (created bare if unknown), absent for reference"
                    + " tables. Attributes left out stay as they are.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> upsert(@PathVariable String table, @RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        Ingestion.RowInput input = input(body, "");
        return single(table, input, key, principal, request, body);
    }

    @Operation(summary = "Create or update the row with this business key")
    @PutMapping(path = "/{key}", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> put(@PathVariable String table, @PathVariable("key") String keyText, @RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        TableSchema schema = catalog.schema(table);
        Object pathKey = inputs.key(schema, keyText, "key");
        Ingestion.RowInput input = input(body, "");
        ObjectNode values = input.values() != null && input.values().isObject()
                ? ((ObjectNode) input.values()).deepCopy() : JsonNodeFactory.instance.objectNode();
        JsonNode sent = values.get(schema.businessKey());
        if (sent != null && !Values.toJson(pathKey).equals(sent)) {
            throw new InvalidInputException("values." + schema.businessKey(), "differs from the key in the path");
        }
        values.set(schema.businessKey(), Values.toJson(pathKey));
        return single(table, new Ingestion.RowInput(input.contact(), values), key, principal, request, body);
    }

    private ResponseEntity<?> single(String table, Ingestion.RowInput input, String key, ApiPrincipal principal,
            HttpServletRequest request, JsonNode body) {
        TableSchema schema = catalog.schema(table);
        byte[] fingerprint = CanonicalJson.fingerprint(request.getMethod(), request.getRequestURI(), body);
        return idempotency.run(principal, key, fingerprint, () -> {
            RowResult result = ingestion.upsertRows(table, List.of(input), ORIGIN).get(0);
            if (!result.accepted()) {
                if (Ingestion.NOT_FOUND.equals(result.errorCode())) {
                    throw new NotFoundException(result.errors().get(0).field(), result.errors().get(0).message());
                }
                if ("limit-exceeded".equals(result.errorCode())) {
                    throw new io.activation.platform.LimitExceededException("table",
                            limits.maxRows(schema.kind()), result.errors().get(0).message());
                }
                throw new InvalidInputException(result.errors());
            }
            ObjectNode json = TableJson.row(schema, result.row());
            json.put("result", result.status().name().toLowerCase());
            return ResponseEntity.status(result.status() == RowResult.Status.CREATED ? HttpStatus.CREATED
                    : HttpStatus.OK).body(json);
        });
    }

    @Operation(summary = "Upsert up to 1,000 rows; one result per item",
            description = "Body: {\"items\": [{\"contact\": {...}, \"values\": {...}, \"idempotencyKey\": \"...\"}]}")
    @PostMapping(path = "/batch", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<?> batch(@PathVariable String table, @RequestBody JsonNode body,
            @RequestHeader(name = Idempotency.HEADER, required = false) String key, ApiPrincipal principal,
            HttpServletRequest request) {
        catalog.schema(table);
        JsonNode items = BatchItems.items(body, properties.maxBatchItems());
        byte[] fingerprint = CanonicalJson.fingerprint(request.getMethod(), request.getRequestURI(), body);
        return idempotency.run(principal, key, fingerprint, () -> {
            Map<Integer, ObjectNode> results = idempotency.runItems(principal, items, request.getRequestURI(),
                    indices -> BatchItems.process(items, indices, item -> input(item, ""),
                            inputs -> ingestion.upsertRows(table, inputs, ORIGIN), r -> item(table, r)));
            return ResponseEntity.ok(BatchItems.answer(items.size(), results));
        });
    }

    @Operation(summary = "Get a row by business key")
    @GetMapping("/{key}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable String table, @PathVariable String key) {
        TableSchema schema = catalog.schema(table);
        StoredRow row = rows.byKey(schema, inputs.key(schema, key, "key"))
                .orElseThrow(() -> new NotFoundException("key", "Table '" + table + "' has no row '" + key + "'"));
        return TableJson.row(schema, row);
    }

    @Operation(summary = "List rows, optionally those of one contact",
            description = "Page with 'after' (the last id seen) and 'limit' (1-500).")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@PathVariable String table, @RequestParam(required = false) String contactExternalId,
            @RequestParam(required = false) Long contactId, @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "50") int limit) {
        TableSchema schema = catalog.schema(table);
        if (limit < 1 || limit > 500) {
            throw new InvalidInputException("limit", "must be between 1 and 500");
        }
        RequestText.check("contactExternalId", contactExternalId);
        List<StoredRow> page;
        if (contactExternalId != null || contactId != null) {
            if (!schema.belongsToContact()) {
                throw new InvalidInputException("contactExternalId", "rows of '" + table + "' belong to no contact");
            }
            long id = contactId != null ? contactId : contacts.byExternalId(contactExternalId)
                    .orElseThrow(() -> new NotFoundException("contactExternalId",
                            "There is no contact '" + contactExternalId + "'")).id();
            page = rows.byContact(schema, id, after, limit);
        } else {
            page = rows.page(schema, after, limit);
        }
        return BatchItems.page(page, limit, r -> TableJson.row(schema, r), StoredRow::id);
    }

    @Operation(summary = "Delete a row by business key")
    @DeleteMapping("/{key}")
    @RequiresScope(Scope.INGEST)
    ResponseEntity<Void> delete(@PathVariable String table, @PathVariable String key) {
        TableSchema schema = catalog.schema(table);
        return ingestion.deleteRow(table, inputs.key(schema, key, "key"), ORIGIN).isPresent()
                ? ResponseEntity.noContent().build()
                : ResponseEntity.notFound().build();
    }

    private ObjectNode item(String table, RowResult r) {
        if (!r.accepted()) {
            List<FieldError> errors = r.errors();
            ObjectNode rejected = Problems.itemProblem(Problems.itemStatus(r.errorCode()), r.errorCode(),
                    errors.get(0).field() + ": "
                    + errors.get(0).message(), errors);
            if ("limit-exceeded".equals(r.errorCode())) {
                ((ObjectNode) rejected.get("problem")).put("limit",
                        limits.maxRows(catalog.schema(table).kind()));
            }
            return rejected;
        } else {
            ObjectNode item = JsonNodeFactory.instance.objectNode();
            item.put("status", r.status() == RowResult.Status.CREATED ? 201 : 200);
            item.put("result", r.status().name().toLowerCase());
            item.put("id", r.row().id());
            item.set("key", Values.toJson(r.row().values().get(catalog.schema(table).businessKey())));
            return item;
        }
    }

    private static Ingestion.RowInput input(JsonNode body, String path) {
        if (body == null || !body.isObject()) {
            throw new InvalidInputException(path.isEmpty() ? "body" : path, "must be a JSON object");
        }
        String prefix = path.isEmpty() ? "" : path + ".";
        for (var field : body.properties()) {
            String name = field.getKey();
            if (!name.equals("contact") && !name.equals("values") && !name.equals("idempotencyKey")) {
                throw new InvalidInputException(prefix + name, "is not a field of a row: send 'contact' and 'values'");
            }
        }
        ContactRef contact = ContactRefJson.parse(body.get("contact"), prefix + "contact");
        JsonNode values = body.get("values");
        if (values == null || !values.isObject()) {
            throw new InvalidInputException(prefix + "values", "is required: an object of attribute names to values");
        }
        return new Ingestion.RowInput(contact, values);
    }
}
