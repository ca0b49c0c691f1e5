package io.activation.ingest;

import io.activation.datamodel.RowInputs;
import io.activation.datamodel.RowResult;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.platform.FieldError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs one import: streams the spooled file record by record, converts each, and writes them in chunks through
 * {@link Ingestion} (the one write path, change events included), one transaction per chunk that also records
 * the progress, so the counters always describe what is committed. A line that fails is reported and skipped;
 * an error of the database stops the import, keeping the chunks committed before it.
 */
final class ImportJob {

    private static final Logger log = LoggerFactory.getLogger(ImportJob.class);
    static final String ORIGIN = "import";

    /** What the job needs from the application. */
    record Services(Ingestion ingestion, CsvImports imports, RowInputs inputs, TransactionTemplate transactions,
            Clock clock, ImportProperties properties) {}

    /** Thrown between chunks when the application is stopping. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    private record Pending(long line, RecordConverter.Outcome outcome) {}

    private final UUID id;
    private final ImportMapping mapping;
    private final CsvUpload.Received file;
    private final Services services;
    private final BooleanSupplier stopping;
    private final TableSchema table;
    private final Map<String, String> origins = new HashMap<>();
    private ImportCounters totals = ImportCounters.ZERO;
    private List<LineError> errors = List.of();
    private ImportWarnings warnings;
    private long firstLineOfChunk;

    ImportJob(UUID id, ImportMapping mapping, CsvUpload.Received file, Services services, BooleanSupplier stopping) {
        this.id = id;
        this.mapping = mapping;
        this.file = file;
        this.services = services;
        this.stopping = stopping;
        this.table = mapping.table();
        this.warnings = new ImportWarnings(services.properties().maxErrors());
        mapping.attributes().forEach(a -> origins.put(a.name(), a.source().describe()));
        if (mapping.contact() != null) {
            origins.put("contact", mapping.contact().describe());
        }
    }

    /** Imports the file and records the outcome; never throws. */
    void run() {
        ImportStatus status = ImportStatus.FAILED;
        String message = null;
        long started = System.nanoTime();
        try {
            if (stopping.getAsBoolean()) {
                throw new Stopped();
            }
            services.imports().started(id, services.clock().instant());
            read();
            status = ImportStatus.SUCCEEDED;
        } catch (Stopped e) {
            message = firstLineOfChunk == 0 ? "The application stopped before this import started; import the file"
                    + " again" : "The application stopped before line " + firstLineOfChunk + " was imported; import"
                    + " the file again (rows are upserted by business key, so lines already imported stay as they are)";
        } catch (RuntimeException | IOException e) {
            log.warn("Import {} into {} failed near line {}", id, table.name(), firstLineOfChunk, e);
            message = "Failed in the chunk starting at line " + firstLineOfChunk + ": " + rootMessage(e)
                    + ". The lines before it are imported; importing the file again is safe (rows are upserted by"
                    + " business key)";
        } finally {
            CsvUpload.delete(file.file());
        }
        try {
            services.imports().finished(id, status, message, services.clock().instant());
        } catch (RuntimeException e) {
            log.error("Could not record the end of import {} ({})", id, status, e);
        }
        log.info("Import {} into {}: {} in {} ms, {}", id, table.name(), status,
                (System.nanoTime() - started) / 1_000_000, totals);
    }

    private void read() throws IOException {
        int chunkSize = services.properties().chunkSize();
        try (CSVParser parser = CsvFiles.open(file.file(), mapping.options())) {
            RecordConverter converter = new RecordConverter(mapping, parser.getHeaderNames(), services.inputs());
            Iterator<CSVRecord> records = parser.iterator();
            long previousEnd = parser.getCurrentLineNumber();
            long recordNumber = 0;
            List<Pending> chunk = new ArrayList<>(chunkSize);
            ImportWarnings chunkWarnings = new ImportWarnings(services.properties().maxErrors());
            firstLineOfChunk = previousEnd + 1;
            try {
                while (records.hasNext()) {
                    long end = parser.getCurrentLineNumber();
                    CSVRecord record = records.next();
                    long line = previousEnd + 1;
                    previousEnd = end;
                    if (CsvFiles.blank(record)) {
                        continue;
                    }
                    chunk.add(new Pending(line, converter.convert(record, line, ++recordNumber, chunkWarnings)));
                    if (chunk.size() == chunkSize) {
                        write(chunk, chunkWarnings);
                        chunk.clear();
                        chunkWarnings = new ImportWarnings(services.properties().maxErrors());
                        firstLineOfChunk = previousEnd + 1;
                        if (stopping.getAsBoolean()) {
                            throw new Stopped();
                        }
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (!chunk.isEmpty()) {
                write(chunk, chunkWarnings);
            }
        }
    }

    /** Writes one chunk and its progress in one transaction. */
    private void write(List<Pending> chunk, ImportWarnings chunkWarnings) {
        // A line that repeats the last write of its key in this chunk would leave the row unchanged: it is counted
        // so without a second round trip (an order's lines all carry the same order).
        List<Integer> written = new ArrayList<>();
        int[] sameAs = new int[chunk.size()];
        Map<Object, Integer> lastOfKey = new HashMap<>();
        for (int i = 0; i < chunk.size(); i++) {
            sameAs[i] = -1;
            if (chunk.get(i).outcome() instanceof RecordConverter.Outcome.Row row) {
                Integer previous = lastOfKey.get(row.key());
                if (previous != null && same((RecordConverter.Outcome.Row) chunk.get(previous).outcome(), row)) {
                    sameAs[i] = previous;
                } else {
                    lastOfKey.put(row.key(), i);
                    written.add(i);
                }
            }
        }
        boolean events = mapping.options().events();
        services.transactions().executeWithoutResult(tx -> {
            List<RowResult> results;
            if (table.kind() == TableKind.CONTACTS) {
                results = services.ingestion().upsertContactValues(written.stream()
                        .map(i -> ((RecordConverter.Outcome.Row) chunk.get(i).outcome()).values()).toList(), ORIGIN,
                        events);
            } else {
                results = services.ingestion().upsertRowValues(table.name(), written.stream().map(i -> {
                    RecordConverter.Outcome.Row row = (RecordConverter.Outcome.Row) chunk.get(i).outcome();
                    return new Ingestion.RowValues(row.contact(), row.values());
                }).toList(), ORIGIN, events);
            }
            RowResult[] byLine = new RowResult[chunk.size()];
            for (int j = 0; j < written.size(); j++) {
                byLine[written.get(j)] = results.get(j);
            }
            long created = 0;
            long updated = 0;
            long unchanged = 0;
            long rejected = 0;
            long skipped = 0;
            List<LineError> chunkErrors = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                Pending pending = chunk.get(i);
                if (pending.outcome() instanceof RecordConverter.Outcome.Skipped) {
                    skipped++;
                } else if (pending.outcome() instanceof RecordConverter.Outcome.Rejected r) {
                    rejected++;
                    chunkErrors.addAll(r.errors());
                } else {
                    RowResult result = sameAs[i] >= 0 ? byLine[sameAs[i]] : byLine[i];
                    if (result.status() == RowResult.Status.REJECTED) {
                        rejected++;
                        result.errors().forEach(e -> chunkErrors.add(lineError(pending.line(), e)));
                    } else if (sameAs[i] >= 0 || result.status() == RowResult.Status.UNCHANGED) {
                        unchanged++;
                    } else if (result.status() == RowResult.Status.CREATED) {
                        created++;
                    } else {
                        updated++;
                    }
                }
            }
            ImportCounters next = totals.plus(new ImportCounters(chunk.size(), created, updated, unchanged, rejected,
                    skipped, chunkWarnings.total()));
            List<LineError> nextErrors = errors;
            int room = services.properties().maxErrors() - errors.size();
            if (room > 0 && !chunkErrors.isEmpty()) {
                nextErrors = new ArrayList<>(errors);
                nextErrors.addAll(chunkErrors.subList(0, Math.min(room, chunkErrors.size())));
            }
            ImportWarnings nextWarnings = chunkWarnings.total() == 0 ? warnings : warnings.plus(chunkWarnings);
            services.imports().progress(id, next, nextErrors, nextWarnings.list());
            totals = next;
            errors = nextErrors;
            warnings = nextWarnings;
        });
    }

    private LineError lineError(long line, FieldError error) {
        String field = error.field();
        if (field.startsWith("values.")) {
            field = field.substring("values.".length());
        } else if (field.startsWith("contact")) {
            field = "contact";
        }
        return new LineError(line, field, origins.get(field), error.message());
    }

    private static boolean same(RecordConverter.Outcome.Row a, RecordConverter.Outcome.Row b) {
        return Objects.equals(a.contact(), b.contact()) && a.values().equals(b.values());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
