package io.activation.api.datamodel;

import io.activation.access.Scope;
import io.activation.api.web.RequiresScope;
import io.activation.datamodel.AttributeSpec;
import io.activation.datamodel.DataModel;
import io.activation.datamodel.TableSchema;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
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
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Data model", description = "Define interaction, linked-data and reference tables and their attributes")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/tables", produces = MediaType.APPLICATION_JSON_VALUE)
class TableController {

    private final DataModel dataModel;

    TableController(DataModel dataModel) {
        this.dataModel = dataModel;
    }

    @Operation(summary = "Define a table", description = "Creates a real PostgreSQL table with typed columns, a unique"
            + " business key and the indexes segments need (contact id + time for interaction tables).")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> define(@RequestBody TableRequest request) {
        TableSchema table = dataModel.defineTable(TableJson.spec(request));
        return ResponseEntity.created(URI.create("/api/v1/tables/" + table.name())).body(TableJson.toJson(table));
    }

    @Operation(summary = "List tables, contacts included")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list() {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        dataModel.list().forEach(t -> items.add(TableJson.toJson(t)));
        return answer;
    }

    @Operation(summary = "Describe a table")
    @GetMapping("/{table}")
    @RequiresScope(Scope.READ)
    ObjectNode describe(@PathVariable String table) {
        return TableJson.toJson(dataModel.describe(table));
    }

    @Operation(summary = "Add an attribute to a live table", description = "No downtime: a nullable column is added"
            + " without rewriting the table. On 'contacts' this adds a custom contact attribute.")
    @PostMapping(path = "/{table}/attributes", consumes = MediaType.APPLICATION_JSON_VALUE)
    @RequiresScope(Scope.ADMIN)
    ResponseEntity<ObjectNode> addAttribute(@PathVariable String table, @RequestBody AttributeRequest request) {
        List<FieldError> errors = new ArrayList<>();
        AttributeSpec spec = TableJson.attribute(request, "", errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        TableSchema updated = dataModel.addAttribute(table, spec);
        return ResponseEntity.created(URI.create("/api/v1/tables/" + table)).body(TableJson.toJson(updated));
    }
}
