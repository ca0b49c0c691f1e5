package io.activation.ingest;

import io.activation.datamodel.RowInputs;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.platform.LimitExceededException;
import io.activation.platform.NotFoundException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * CSV imports into contacts or any table. {@link #submit} checks everything it can before it answers — the table,
 * the mapping, the file's encoding, CSV syntax and header — so a refused import changes nothing; then the file
 * waits in the spool directory for one of this node's workers, which imports it in chunks (see {@link ImportJob})
 * while {@link #find} shows its progress from the database. Each worker is one thread: imports run side by side
 * only up to {@code activation.imports.concurrency}.
 *
 * <p>A node that stops marks its unfinished imports failed; one that dies stops reporting, and another node (or
 * itself, restarted) marks them failed after {@code activation.imports.stale-after}. Importing a file again is the
 * remedy in both cases: rows are upserted by business key.
 */
@Service
public class CsvImporter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CsvImporter.class);

    private final TableCatalog catalog;
    private final CsvImports imports;
    private final ImportProperties properties;
    private final Clock clock;
    private final ImportJob.Services services;
    private final Set<UUID> owned = ConcurrentHashMap.newKeySet();
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile ExecutorService workers;
    private volatile boolean stopping;

    CsvImporter(TableCatalog catalog, CsvImports imports, Ingestion ingestion, RowInputs inputs,
            TransactionTemplate transactions, ImportProperties properties, Clock clock) {
        this.catalog = catalog;
        this.imports = imports;
        this.properties = properties;
        this.clock = clock;
        this.services = new ImportJob.Services(ingestion, imports, inputs, transactions, clock, properties);
    }

    /**
     * Checks and queues an import; it runs in the background.
     *
     * @param mapping see {@link ImportMapping}
     * @param file the CSV text, gzip-compressed or not; read to its end here
     * @throws NotFoundException when there is no such table (field {@code table})
     * @throws io.activation.platform.InvalidInputException naming {@code mapping.*} or {@code file}
     */
    public CsvImport submit(String table, JsonNode mapping, InputStream file, String fileName, String createdBy) {
        Prepared prepared = prepare(table, mapping, file, fileName, createdBy, true);
        try {
            workers.execute(() -> {
                waiting.decrementAndGet();
                try {
                    job(prepared).run();
                } finally {
                    owned.remove(prepared.id());
                }
            });
        } catch (RuntimeException e) {
            waiting.decrementAndGet();
            owned.remove(prepared.id());
            imports.finished(prepared.id(), ImportStatus.FAILED, "The application is stopping; import the file again",
                    clock.instant());
            throw e;
        }
        return imports.find(prepared.id()).orElseThrow();
    }

    /** Checks and runs an import in the calling thread (the demo data set); its final state. */
    public CsvImport importNow(String table, JsonNode mapping, InputStream file, String fileName, String createdBy) {
        Prepared prepared = prepare(table, mapping, file, fileName, createdBy, false);
        try {
            job(prepared).run();
        } finally {
            owned.remove(prepared.id());
        }
        return imports.find(prepared.id()).orElseThrow();
    }

    public Optional<CsvImport> find(UUID id) {
        return imports.find(id);
    }

    /** The latest imports, newest first, optionally of one table. */
    public List<CsvImport> recent(String table, int limit) {
        return imports.recent(table, limit);
    }

    private record Prepared(UUID id, ImportMapping mapping, CsvUpload.Received file) {}

    private Prepared prepare(String table, JsonNode mappingJson, InputStream file, String fileName, String createdBy,
            boolean queued) {
        TableSchema schema = catalog.schema(table, "table");
        ImportMapping mapping = ImportMapping.parse(mappingJson, schema);
        if (queued && waiting.get() >= properties.maxQueued()) {
            throw new LimitExceededException("file", properties.maxQueued(), properties.maxQueued()
                    + " imports are already waiting on this node; send this one when one of them has finished");
        }
        CsvUpload.Received received = CsvUpload.receive(file, properties.spoolPath(), mapping.options(),
                properties.maxFileSize());
        try {
            new RecordConverter(mapping, received.header(), services.inputs());
            if (queued && waiting.incrementAndGet() > properties.maxQueued()) {
                waiting.decrementAndGet();
                throw new LimitExceededException("file", properties.maxQueued(), properties.maxQueued()
                        + " imports are already waiting on this node; send this one when one of them has finished");
            }
            UUID id = UUID.randomUUID();
            owned.add(id);
            imports.create(id, schema.name(), fileName == null ? null : Cells.shown(fileName), received.bytes(),
                    received.records(), mapping.json(), mapping.options().toJson(), createdBy, clock.instant());
            return new Prepared(id, mapping, received);
        } catch (RuntimeException e) {
            CsvUpload.delete(received.file());
            throw e;
        }
    }

    private ImportJob job(Prepared prepared) {
        return new ImportJob(prepared.id(), prepared.mapping(), prepared.file(), services, () -> stopping);
    }

    /** Tells the other nodes this one still works on its imports, and fails those of nodes that stopped telling. */
    @Scheduled(fixedDelayString = "PT30S", initialDelayString = "PT10S")
    void keepAlive() {
        imports.heartbeat(Set.copyOf(owned));
        int stale = imports.failStale(properties.staleAfter(), "The node that ran this import stopped reporting"
                + " (it was stopped or crashed); import the file again", clock.instant());
        if (stale > 0) {
            log.warn("Marked {} import(s) failed: their node stopped reporting", stale);
        }
    }

    @Override
    public void start() {
        stopping = false;
        AtomicInteger n = new AtomicInteger();
        workers = new ThreadPoolExecutor(properties.concurrency(), properties.concurrency(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "csv-import-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    @Override
    public void stop() {
        // Running imports stop after their current chunk and queued ones before they start; both are marked failed.
        stopping = true;
        ExecutorService w = workers;
        if (w != null) {
            w.shutdown();
            try {
                if (!w.awaitTermination(30, TimeUnit.SECONDS)) {
                    log.warn("CSV imports did not stop within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return workers != null && !workers.isShutdown();
    }
}
