package io.activation.datamodel;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Row counts for the per-table row limit, kept in memory and re-counted from the database every few minutes, so
 * the limit costs no query per write. It is exact on one node and close on several (each node re-counts).
 */
@Component
class RowCounts {

    private static final Duration RECOUNT_AFTER = Duration.ofMinutes(5);
    private static final long EXACT_BELOW = 1_000_000;

    private record Count(AtomicLong rows, long countedAt) {}

    private final JdbcTemplate jdbc;
    private final ConcurrentMap<String, Count> counts = new ConcurrentHashMap<>();

    RowCounts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    long current(TableSchema table) {
        Count count = counts.get(table.name());
        if (count == null || System.nanoTime() - count.countedAt() > RECOUNT_AFTER.toNanos()) {
            count = new Count(new AtomicLong(count(table)), System.nanoTime());
            counts.put(table.name(), count);
        }
        return count.rows().get();
    }

    void added(TableSchema table, long rows) {
        Count count = counts.get(table.name());
        if (count != null) {
            count.rows().addAndGet(rows);
        }
    }

    void forget(String table) {
        counts.remove(table);
    }

    private long count(TableSchema table) {
        Long estimate = jdbc.queryForObject(
                "select greatest(reltuples, 0)::bigint from pg_class where oid = to_regclass(?)", Long.class,
                table.qualifiedName());
        if (estimate != null && estimate >= EXACT_BELOW) {
            return estimate;
        }
        Long exact = jdbc.queryForObject("select count(*) from " + table.qualifiedName(), Long.class);
        return exact == null ? 0 : exact;
    }
}
