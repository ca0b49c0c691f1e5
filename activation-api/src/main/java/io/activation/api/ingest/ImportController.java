package io.activation.api.ingest;

import io.activation.access.Scope;
import io.activation.api.web.ApiPrincipal;
import io.activation.api.web.RequiresScope;
import io.activation.ingest.CsvImport;
import io.activation.ingest.CsvImporter;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import io.activation.platform.Role;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

@Tag(name = "Imports", description = "CSV files into contacts or any table, imported in the background")
@RestController
@ConditionalOnRole(Role.API)
@RequestMapping(path = "/api/v1/imports", produces = MediaType.APPLICATION_JSON_VALUE)
class ImportController {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final CsvImporter importer;

    ImportController(CsvImporter importer) {
        this.importer = importer;
    }

    @Operation(summary = "Import a CSV file into a table (contacts included)",
            description = "multipart/form-data with a part 'file' (the CSV, RFC 4180 with a header line, UTF-8 unless"
                    + " options.encoding says otherwise; it may be gzip-compressed) and a part 'mapping' (JSON:"
                    + " {\"attributes\": {\"<attribute>\": \"<column>\" | {\"column\": ..., \"transform\": ...} |"
                    + " {\"template\": \"{Col}-{$line}\"} | {\"value\": ...}}, \"contact\": <column source>,"
                    + " \"options\": {...}}). The table, the mapping, the file's encoding, CSV syntax and header are"
                    + " checked before the answer; 202 means queued, and GET on the Location shows the progress,"
                    + " counters and per-line errors. See docs/import.md.")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @RequiresScope(Scope.INGEST)
    ResponseEntity<ObjectNode> create(@RequestParam(required = false) String table,
            @RequestPart(name = "file", required = false) MultipartFile file,
            @RequestPart(name = "mapping", required = false) String mapping, ApiPrincipal principal) {
        List<FieldError> errors = new ArrayList<>();
        if (table == null || table.isBlank()) {
            errors.add(new FieldError("table", "is required: the table to import into, e.g. ?table=orders"
                    + " (?table=contacts for contacts)"));
        }
        if (file == null) {
            errors.add(new FieldError("file", "is required: a multipart part 'file' with the CSV file"));
        }
        if (mapping == null || mapping.isBlank()) {
            errors.add(new FieldError("mapping", "is required: a multipart part 'mapping' with the JSON mapping"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        JsonNode mappingJson;
        try {
            mappingJson = JSON.readTree(mapping);
        } catch (JacksonException e) {
            throw new InvalidInputException("mapping", "is not valid JSON: " + e.getOriginalMessage());
        }
        CsvImport started;
        try (InputStream content = file.getInputStream()) {
            started = importer.submit(table, mappingJson, content, file.getOriginalFilename(), principal.keyName());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/api/v1/imports/" + started.id()))
                .body(ImportJson.detail(started));
    }

    @Operation(summary = "An import: status, progress, counters, the first line errors and the warnings")
    @GetMapping("/{id}")
    @RequiresScope(Scope.READ)
    ObjectNode get(@PathVariable UUID id) {
        return ImportJson.detail(importer.find(id)
                .orElseThrow(() -> new NotFoundException("id", "There is no import " + id)));
    }

    @Operation(summary = "The latest imports, newest first", description = "Optionally of one table; limit 1-100.")
    @GetMapping
    @RequiresScope(Scope.READ)
    ObjectNode list(@RequestParam(required = false) String table, @RequestParam(defaultValue = "20") int limit) {
        if (limit < 1 || limit > 100) {
            throw new InvalidInputException("limit", "must be between 1 and 100");
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        var items = answer.putArray("items");
        importer.recent(table, limit).forEach(i -> items.add(ImportJson.summary(i)));
        return answer;
    }
}
