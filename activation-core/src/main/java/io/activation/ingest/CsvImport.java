package io.activation.ingest;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * An import as stored: what was asked, where it is, what it did so far.
 *
 * @param records the data records the file holds (known when it was received), to show progress against
 * @param mapping the mapping as it was sent
 * @param options the options in effect, defaults included
 * @param errors the first line errors, in line order per chunk
 * @param warnings the kinds of warnings, with how many lines had each
 * @param message why it failed, when it did
 */
public record CsvImport(UUID id, String table, ImportStatus status, String fileName, long sizeBytes, long records,
        JsonNode mapping, JsonNode options, ImportCounters counters, List<LineError> errors,
        List<ImportWarning> warnings, String message, String createdBy, Instant createdAt, Instant startedAt,
        Instant finishedAt) {}
