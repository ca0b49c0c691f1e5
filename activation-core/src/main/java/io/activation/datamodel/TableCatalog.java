package io.activation.datamodel;

import io.activation.platform.NotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Read side of the catalogue, cached: the write path looks up a table's schema for every request. Local changes
 * evict at once; changes made by another node are seen within {@link #MAX_AGE} (and the one reload it takes).
 *
 * <p>When an entry has aged, one caller reloads it while the others keep using the aged schema until the new one is
 * in (64 sender threads used to reload the same table at once, each in a transaction of its own). An eviction
 * bumps a generation read before every load, so a load that started before a local change never stores the schema
 * from before it.
 */
@Component
public class TableCatalog {

    private static final Duration MAX_AGE = Duration.ofSeconds(5);

    private record Cached(TableSchema schema, long loadedAt, AtomicBoolean reloading) {}

    private final TableDefinitions definitions;
    private final TransactionTemplate readOnly;
    private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();

    private final LongSupplier ticker;

    @Autowired
    TableCatalog(TableDefinitions definitions, TransactionTemplate transactions) {
        this(definitions, transactions, System::nanoTime);
    }

    /** With the source of {@link System#nanoTime} given (tests age entries without waiting). */
    TableCatalog(TableDefinitions definitions, TransactionTemplate transactions, LongSupplier ticker) {
        this.ticker = ticker;
        this.definitions = definitions;
        this.readOnly = new TransactionTemplate(transactions.getTransactionManager());
        this.readOnly.setReadOnly(true);
    }

    /** The table's current schema; {@link NotFoundException} naming {@code field} when there is none. */
    public TableSchema schema(String table, String field) {
        Cached cached = cache.get(table);
        long now = ticker.getAsLong();
        if (cached != null && (now - cached.loadedAt() < MAX_AGE.toNanos()
                || !cached.reloading().compareAndSet(false, true))) {
            return cached.schema();
        }
        try {
            if (Identifier.problem(table) != null && !"contacts".equals(table)) {
                throw new NotFoundException(field, "There is no table '" + printable(table) + "'");
            }
            long loadedIn = generation.get();
            TableSchema schema = readOnly.execute(status -> definitions.findById(table).map(TableSchema::of)
                    .orElse(null));
            if (schema == null) {
                cache.remove(table);
                throw new NotFoundException(field, "There is no table '" + table + "'");
            }
            Cached loaded = new Cached(schema, now, new AtomicBoolean());
            if (generation.get() == loadedIn) {
                cache.put(table, loaded);
            }
            return schema;
        } finally {
            if (cached != null) {
                cached.reloading().set(false);
            }
        }
    }

    public TableSchema schema(String table) {
        return schema(table, "table");
    }

    public TableSchema contacts() {
        return schema("contacts");
    }

    public List<TableSchema> all() {
        return readOnly.execute(status -> definitions.findAllByOrderByCreatedAtAscNameAsc().stream()
                .map(TableSchema::of).toList());
    }

    void evict(String table) {
        generation.incrementAndGet();
        cache.remove(table);
    }

    private static String printable(String s) {
        String cut = s.length() > 63 ? s.substring(0, 63) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
