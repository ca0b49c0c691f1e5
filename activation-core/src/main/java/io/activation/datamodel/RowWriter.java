package io.activation.datamodel;

import io.activation.platform.FieldError;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The one write path for rows of every table, contacts included. For a batch it locks the existing rows by
 * business key ({@code SELECT ... FOR UPDATE}), merges what the client sent over what is stored, writes only rows
 * that really change (batched UPDATE, multi-row INSERT) and reports per row what changed and what it was before,
 * so change events can say "status became abandoned". A row that fails a rule is rejected alone.
 *
 * <p>Runs inside the caller's transaction: the caller adds the outbox events to the same commit.
 */
@Component
public class RowWriter {

    private static final int MAX_ROUNDS = 5;
    private static final int INSERT_CHUNK = 500;

    private final JdbcTemplate jdbc;
    private final RowCounts counts;
    private final DataModelProperties limits;
    private final Clock clock;

    RowWriter(JdbcTemplate jdbc, RowCounts counts, DataModelProperties limits, Clock clock) {
        this.jdbc = jdbc;
        this.counts = counts;
        this.limits = limits;
        this.clock = clock;
    }

    /** Upserts the rows by business key; the result list is parallel to {@code writes}. */
    @Transactional(propagation = Propagation.MANDATORY)
    @SuppressWarnings({"unchecked", "rawtypes"})
    public List<RowResult> upsert(TableSchema table, List<RowWrite> writes) {
        RowResult[] results = new RowResult[writes.size()];
        Map<Integer, Integer> attempts = new HashMap<>();
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            pending.add(i);
        }
        Instant now = now();
        while (!pending.isEmpty()) {
            // One round takes the first write of each key; later writes of the same key wait for the next round,
            // so two writes of one row in one batch apply in order.
            Set<Object> keysThisRound = new HashSet<>();
            List<Integer> round = new ArrayList<>();
            List<Integer> later = new ArrayList<>();
            for (int i : pending) {
                (keysThisRound.add(writes.get(i).key()) ? round : later).add(i);
            }
            Map<Object, StoredRow> existing = lockExisting(table, keysThisRound);
            List<Integer> updates = new ArrayList<>();
            List<Integer> inserts = new ArrayList<>();
            long rowsNow = table.kind() == TableKind.CONTACTS ? 0 : counts.current(table);
            long maxRows = limits.maxRows(table.kind());
            for (int i : round) {
                RowWrite write = writes.get(i);
                StoredRow before = existing.get(write.key());
                if (before == null) {
                    List<FieldError> missing = missingRequired(table, write.values(), null);
                    if (table.belongsToContact() && write.contactId() == null) {
                        missing.add(new FieldError("contact", "a row of '" + table.name() + "' must name its contact"));
                    }
                    if (!missing.isEmpty()) {
                        results[i] = RowResult.rejected("invalid-input", missing);
                    } else if (rowsNow + inserts.size() + 1 > maxRows) {
                        results[i] = RowResult.rejected("limit-exceeded", List.of(new FieldError("table",
                                "table '" + table.name() + "' has reached its limit of " + maxRows + " rows")));
                    } else {
                        inserts.add(i);
                    }
                } else {
                    Map<String, Object> merged = new LinkedHashMap<>(before.values());
                    merged.putAll(write.values());
                    List<FieldError> missing = missingRequired(table, merged, write.values());
                    if (!missing.isEmpty()) {
                        results[i] = RowResult.rejected("invalid-input", missing);
                        continue;
                    }
                    Long contactId = write.contactId() != null ? write.contactId() : before.contactId();
                    Map<String, Object> previous = new LinkedHashMap<>();
                    Set<String> changed = new LinkedHashSet<>();
                    if (table.belongsToContact() && !contactId.equals(before.contactId())) {
                        changed.add("contact_id");
                        previous.put("contact_id", before.contactId());
                    }
                    for (Map.Entry<String, Object> e : write.values().entrySet()) {
                        Object old = before.values().get(e.getKey());
                        if (!Values.same(old, e.getValue())) {
                            changed.add(e.getKey());
                            previous.put(e.getKey(), old);
                        }
                    }
                    if (changed.isEmpty()) {
                        results[i] = new RowResult(RowResult.Status.UNCHANGED, before, Map.of(), Set.of(), null,
                                List.of());
                    } else {
                        StoredRow after = new StoredRow(before.id(), contactId, merged, before.createdAt(), now);
                        results[i] = new RowResult(RowResult.Status.UPDATED, after, previous, changed, null, List.of());
                        updates.add(i);
                    }
                }
            }
            // Writes in key order: two batches that share keys (existing or new) lock them in the same order, so
            // they wait for each other instead of deadlocking on row locks or the unique index.
            Comparator<Integer> byKey = (a, b) -> compareKeys(writes.get(a).key(), writes.get(b).key());
            updates.sort(byKey);
            inserts.sort(byKey);
            update(table, updates, results);
            List<Integer> retry = insert(table, inserts, writes, results, now);
            for (int i : retry) {
                if (attempts.merge(i, 1, Integer::sum) > MAX_ROUNDS) {
                    throw new IllegalStateException("Row " + writes.get(i).key() + " of " + table.name()
                            + " kept conflicting with concurrent writes");
                }
            }
            pending = new ArrayList<>(retry);
            pending.addAll(later);
            pending.sort(Integer::compare);
        }
        return List.of(results);
    }

    /**
     * Updates the row with that surrogate id (anonymous contacts have no business key yet); a rejected or unchanged
     * result when nothing is written. Empty when there is no such row.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<RowResult> updateById(TableSchema table, long id, Map<String, Object> values) {
        List<StoredRow> found = jdbc.query("select " + RowSql.selectList(table) + " from " + table.qualifiedName()
                + " where id = ? for update", (rs, n) -> RowSql.read(table, rs), id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        StoredRow before = found.get(0);
        Map<String, Object> merged = new LinkedHashMap<>(before.values());
        merged.putAll(values);
        List<FieldError> missing = missingRequired(table, merged, values);
        if (!missing.isEmpty()) {
            return Optional.of(RowResult.rejected("invalid-input", missing));
        }
        Map<String, Object> previous = new LinkedHashMap<>();
        Set<String> changed = new LinkedHashSet<>();
        values.forEach((k, v) -> {
            if (!Values.same(before.values().get(k), v)) {
                changed.add(k);
                previous.put(k, before.values().get(k));
            }
        });
        if (changed.isEmpty()) {
            return Optional.of(new RowResult(RowResult.Status.UNCHANGED, before, Map.of(), Set.of(), null, List.of()));
        }
        RowResult[] results = {new RowResult(RowResult.Status.UPDATED,
                new StoredRow(id, before.contactId(), merged, before.createdAt(), now()), previous, changed,
                null, List.of())};
        update(table, List.of(0), results);
        return Optional.of(results[0]);
    }

    /** Deletes the row with that business key; the row as it was, if there was one. */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<StoredRow> delete(TableSchema table, Object key) {
        List<StoredRow> rows = jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("delete from " + table.qualifiedName() + " where "
                    + table.keyColumn().quoted() + " = ? returning " + RowSql.selectList(table));
            RowSql.bind(ps, 1, table.keyColumn().type(), key);
            return ps;
        }, (rs, n) -> RowSql.read(table, rs));
        if (!rows.isEmpty()) {
            counts.added(table, -1);
        }
        return rows.stream().findFirst();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(Object a, Object b) {
        return ((Comparable) a).compareTo(b);
    }

    /** Now, at the precision PostgreSQL stores, so what a write answers is what a later read returns. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private Map<Object, StoredRow> lockExisting(TableSchema table, Set<Object> keys) {
        Map<Object, StoredRow> existing = new HashMap<>();
        if (keys.isEmpty()) {
            return existing;
        }
        String sql = "select " + RowSql.selectList(table) + " from " + table.qualifiedName() + " where "
                + table.keyColumn().quoted() + " = any(?) order by " + table.keyColumn().quoted() + " for update";
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement(sql);
            Array array = connection.createArrayOf(RowSql.keyArrayType(table), keys.toArray());
            ps.setArray(1, array);
            return ps;
        }, rs -> {
            StoredRow row = RowSql.read(table, rs);
            existing.put(row.key(table), row);
        });
        return existing;
    }

    private List<FieldError> missingRequired(TableSchema table, Map<String, Object> row, Map<String, Object> sent) {
        List<FieldError> errors = new ArrayList<>();
        for (TableSchema.Column column : table.columns()) {
            if (!column.required()) {
                continue;
            }
            boolean checked = sent == null || sent.containsKey(column.name());
            if (checked && row.get(column.name()) == null) {
                errors.add(new FieldError("values." + column.name(), "is required"));
            }
        }
        return errors;
    }

    private void update(TableSchema table, List<Integer> indices, RowResult[] results) {
        if (indices.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder("update ").append(table.qualifiedName()).append(" set ");
        List<String> sets = new ArrayList<>();
        if (table.belongsToContact()) {
            sets.add("contact_id = ?");
        }
        for (TableSchema.Column column : table.columns()) {
            sets.add(column.quoted() + " = " + RowSql.placeholder(column));
        }
        sets.add("updated_at = ?");
        sql.append(String.join(", ", sets)).append(" where id = ?");
        jdbc.execute((Connection connection) -> {
            try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
                for (int i : indices) {
                    StoredRow row = results[i].row();
                    int p = 1;
                    if (table.belongsToContact()) {
                        ps.setLong(p++, row.contactId());
                    }
                    for (TableSchema.Column column : table.columns()) {
                        RowSql.bind(ps, p++, column.type(), row.values().get(column.name()));
                    }
                    ps.setObject(p++, OffsetDateTime.ofInstant(row.updatedAt(), ZoneOffset.UTC));
                    ps.setLong(p, row.id());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** Inserts new rows; returns the indices whose key was inserted concurrently (to be retried as updates). */
    private List<Integer> insert(TableSchema table, List<Integer> indices, List<RowWrite> writes,
            RowResult[] results, Instant now) {
        List<Integer> conflicted = new ArrayList<>();
        for (int from = 0; from < indices.size(); from += INSERT_CHUNK) {
            List<Integer> chunk = indices.subList(from, Math.min(indices.size(), from + INSERT_CHUNK));
            conflicted.addAll(insertChunk(table, chunk, writes, results, now));
        }
        counts.added(table, indices.size() - conflicted.size());
        return conflicted;
    }

    private List<Integer> insertChunk(TableSchema table, List<Integer> indices, List<RowWrite> writes,
            RowResult[] results, Instant now) {
        List<String> columns = new ArrayList<>();
        List<String> placeholders = new ArrayList<>();
        if (table.belongsToContact()) {
            columns.add("contact_id");
            placeholders.add("?");
        }
        for (TableSchema.Column column : table.columns()) {
            columns.add(column.quoted());
            placeholders.add(RowSql.placeholder(column));
        }
        columns.add("created_at");
        columns.add("updated_at");
        placeholders.add("?");
        placeholders.add("?");
        String tuple = "(" + String.join(", ", placeholders) + ")";
        String sql = "insert into " + table.qualifiedName() + " (" + String.join(", ", columns) + ") values "
                + String.join(", ", java.util.Collections.nCopies(indices.size(), tuple))
                + " on conflict (" + table.keyColumn().quoted() + ") do nothing returning id, "
                + table.keyColumn().quoted();
        Map<Object, Long> inserted = new HashMap<>();
        jdbc.execute((Connection connection) -> {
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                int p = 1;
                OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
                for (int i : indices) {
                    RowWrite write = writes.get(i);
                    if (table.belongsToContact()) {
                        ps.setLong(p++, write.contactId());
                    }
                    for (TableSchema.Column column : table.columns()) {
                        RowSql.bind(ps, p++, column.type(), write.values().get(column.name()));
                    }
                    ps.setObject(p++, at);
                    ps.setObject(p++, at);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        inserted.put(RowSql.readValue(rs, 2, table.keyColumn().type()), rs.getLong(1));
                    }
                }
            } catch (SQLException e) {
                throw e;
            }
            return null;
        });
        List<Integer> conflicted = new ArrayList<>();
        for (int i : indices) {
            RowWrite write = writes.get(i);
            Long id = inserted.get(write.key());
            if (id == null) {
                conflicted.add(i);
                continue;
            }
            Map<String, Object> values = new LinkedHashMap<>();
            for (TableSchema.Column column : table.columns()) {
                values.put(column.name(), write.values().get(column.name()));
            }
            Set<String> changed = new LinkedHashSet<>();
            write.values().forEach((k, v) -> {
                if (v != null) {
                    changed.add(k);
                }
            });
            results[i] = new RowResult(RowResult.Status.CREATED,
                    new StoredRow(id, write.contactId(), values, now, now), Map.of(), changed, null, List.of());
        }
        return conflicted;
    }
}
