package io.activation.api.ingest;

import io.activation.ingest.CsvImport;
import io.activation.ingest.ImportCounters;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** An import as the API shows it. */
final class ImportJson {

    private ImportJson() {}

    /** Everything but the errors, warnings and mapping: what a list shows. */
    static ObjectNode summary(CsvImport i) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("id", i.id().toString());
        json.put("table", i.table());
        json.put("status", i.status().name());
        json.put("fileName", i.fileName());
        json.put("sizeBytes", i.sizeBytes());
        ObjectNode progress = json.putObject("progress");
        progress.put("records", i.records());
        progress.put("linesRead", i.counters().linesRead());
        progress.put("percent", i.records() == 0 ? BigDecimal.valueOf(100)
                : BigDecimal.valueOf(i.counters().linesRead() * 100.0 / i.records()).setScale(1, RoundingMode.DOWN));
        ImportCounters c = i.counters();
        ObjectNode counters = json.putObject("counters");
        counters.put("linesRead", c.linesRead());
        counters.put("rowsWritten", c.rowsWritten());
        counters.put("rowsCreated", c.rowsCreated());
        counters.put("rowsUpdated", c.rowsUpdated());
        counters.put("rowsUnchanged", c.rowsUnchanged());
        counters.put("rowsRejected", c.rowsRejected());
        counters.put("rowsSkipped", c.rowsSkipped());
        counters.put("warnings", c.warnings());
        json.put("message", i.message());
        json.put("createdBy", i.createdBy());
        put(json, "createdAt", i.createdAt());
        put(json, "startedAt", i.startedAt());
        put(json, "finishedAt", i.finishedAt());
        if (i.startedAt() != null && i.finishedAt() != null) {
            json.put("durationMs", Duration.between(i.startedAt(), i.finishedAt()).toMillis());
        }
        return json;
    }

    static ObjectNode detail(CsvImport i) {
        ObjectNode json = summary(i);
        var errors = json.putArray("errors");
        i.errors().forEach(e -> {
            ObjectNode error = errors.addObject();
            error.put("line", e.line());
            error.put("field", e.field());
            error.put("column", e.column());
            error.put("message", e.message());
        });
        var warnings = json.putArray("warnings");
        i.warnings().forEach(w -> {
            ObjectNode warning = warnings.addObject();
            warning.put("field", w.field());
            warning.put("column", w.column());
            warning.put("message", w.message());
            warning.put("count", w.count());
            warning.put("firstLine", w.firstLine());
        });
        json.set("mapping", i.mapping());
        json.set("options", i.options());
        return json;
    }

    private static void put(ObjectNode json, String name, Instant at) {
        if (at == null) {
            json.putNull(name);
        } else {
            json.put(name, at.toString());
        }
    }
}
