package io.activation.datamodel;

import io.activation.platform.NotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Read side of the catalogue, cached: the write path looks up a table's schema for every request. Local changes
 * evict at once; changes made by another node are seen within {@link #MAX_AGE}.
 */
@Component
public class TableCatalog {

    private static final Duration MAX_AGE = Duration.ofSeconds(5);

    private record Cached(TableSchema schema, long loadedAt) {}

    private final TableDefinitions definitions;
    private final TransactionTemplate readOnly;
    private final ConcurrentMap<String, Cached> cache = new ConcurrentHashMap<>();

    TableCatalog(TableDefinitions definitions, TransactionTemplate transactions) {
        this.definitions = definitions;
        this.readOnly = new TransactionTemplate(transactions.getTransactionManager());
        this.readOnly.setReadOnly(true);
    }

    /** The table's current schema; {@link NotFoundException} naming {@code field} when there is none. */
    public TableSchema schema(String table, String field) {
        Cached cached = cache.get(table);
        long now = System.nanoTime();
        if (cached != null && now - cached.loadedAt() < MAX_AGE.toNanos()) {
            return cached.schema();
        }
        if (Identifier.problem(table) != null && !"contacts".equals(table)) {
            throw new NotFoundException(field, "There is no table '" + printable(table) + "'");
        }
        TableSchema schema = readOnly.execute(status -> definitions.findById(table).map(TableSchema::of).orElse(null));
        if (schema == null) {
            cache.remove(table);
            throw new NotFoundException(field, "There is no table '" + table + "'");
        }
        cache.put(table, new Cached(schema, now));
        return schema;
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
        cache.remove(table);
    }

    private static String printable(String s) {
        String cut = s.length() > 63 ? s.substring(0, 63) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
