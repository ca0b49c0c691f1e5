package io.activation.journey.source;

import io.activation.datamodel.AttributeType;
import io.activation.datamodel.RowReader;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.platform.NotFoundException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reference row changed → the contacts linked to it. When a row of a reference table is created or updated (a
 * product's price drops, its stock returns), every row of a contact-owned table whose relation column holds that
 * row's business key (a wishlist item, a cart line) gets one {@value #REFERENCE_CHANGED} event, keyed by its
 * contact, with the linking row's values and the reference row's change:
 *
 * <pre>{"contactId", "table" (linking table), "key", "rowId", "values" (linking row),
 *  "reference": {"table", "key", "values", "previous", "changed"},
 *  "related": {"&lt;relation column&gt;": {"table", "key", "values"} | null}}</pre>
 *
 * <p>One mechanism for every use: the links are the catalogue's relations ({@code "references": "products"}), found
 * anew for each event. {@code related} carries, one hop further, the rows the linking row itself references (the
 * cart of a cart line), so a trigger can filter on "the cart is open" without a query of its own. Which rows count
 * (open carts only) is the trigger's filter, not the fan-out's.
 *
 * <p>Big fan-outs are paged by linking-row id (keyset), one transaction per page that appends the page's events to
 * the outbox and records the progress; a restart or a redelivered source event resumes after the last committed
 * page. Event ids are name-based UUIDs of (source event id, linking table, row id), so a replay that does publish
 * again publishes the same ids.
 */
@Component
public class ReferenceFanout {

    public static final String REFERENCE_CHANGED = "io.activation.row.reference-changed";

    private static final Logger log = LoggerFactory.getLogger(ReferenceFanout.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final long WATCH_CACHE_NANOS = 5_000_000_000L;

    /** A relation column of a contact-owned table that references a reference table. */
    public record Link(String table, String column) {}

    private record Cached(Set<String> tables, long generation, long loadedAt) {}

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final ReferenceFanoutProperties properties;
    private final JsonMapper json = JsonMapper.builder().build();
    private volatile Cached watched;
    /** Moved on by every watch and unwatch, at once and when its transaction completes; see {@link #watchedTables}. */
    private final AtomicLong watchGeneration = new AtomicLong();

    ReferenceFanout(JdbcTemplate jdbc, TableCatalog catalog, Outbox outbox, ChangeEvents events,
            TransactionTemplate transactions, Clock clock, ReferenceFanoutProperties properties) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.outbox = outbox;
        this.events = events;
        this.transactions = transactions;
        this.clock = clock;
        this.properties = properties;
    }

    /**
     * Asks for the fan-out of {@code referenceTable} on behalf of {@code watcher} (e.g. a scenario id), needed when
     * {@code activation.reference-fanout.tables=WATCHED}; idempotent. All nodes see it within seconds.
     */
    public void watch(String referenceTable, String watcher) {
        TableSchema schema = catalog.schema(referenceTable, "table");
        if (schema.kind() != TableKind.REFERENCE) {
            throw new io.activation.platform.InvalidInputException("table",
                    "'" + referenceTable + "' is not a reference table");
        }
        jdbc.update("""
                insert into reference_fanout_watches (table_name, watcher, created_at) values (?, ?, ?)
                on conflict do nothing""", referenceTable, Objects.requireNonNull(watcher, "watcher"), now());
        watchesChanged();
    }

    /** Withdraws one watcher's request; the table stays watched while another watcher still asks for it. */
    public void unwatch(String referenceTable, String watcher) {
        jdbc.update("delete from reference_fanout_watches where table_name = ? and watcher = ?", referenceTable,
                watcher);
        watchesChanged();
    }

    /**
     * Forgets the cached watched tables now and again once the caller's transaction (a scenario's activation)
     * completes: a reload on a listener thread in between reads the watches as they were before the commit, and
     * must not be used after it (it was kept for five seconds, and in WATCHED mode a price drop right after the
     * activation was not fanned out).
     */
    private void watchesChanged() {
        watchGeneration.incrementAndGet();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    watchGeneration.incrementAndGet();
                }
            });
        }
    }

    /** Whether a change of a row of this table fans out now (kind, links, mode, exclusions, watches). */
    public boolean fansOut(String table) {
        TableSchema schema;
        try {
            schema = catalog.schema(table);
        } catch (NotFoundException e) {
            return false;
        }
        if (schema.kind() != TableKind.REFERENCE || properties.excludedTables().contains(table)) {
            return false;
        }
        if (properties.tables() == ReferenceFanoutProperties.Mode.WATCHED && !watchedTables().contains(table)) {
            return false;
        }
        return !links(table).isEmpty();
    }

    /**
     * The relation columns of contact-owned tables that reference {@code referenceTable}, in catalogue order. Read
     * from the catalogue tables for every source event (two small tables), so a table defined a moment ago is
     * covered at once, and a busy reference table does not reload the whole catalogue per event.
     */
    public List<Link> links(String referenceTable) {
        return jdbc.query("""
                select a.table_name, a.name from data_attributes a join data_tables t on t.name = a.table_name
                where a.references_table = ? and t.kind in (?, ?)
                order by t.created_at, t.name, a.position""",
                (rs, n) -> new Link(rs.getString(1), rs.getString(2)), referenceTable, TableKind.INTERACTION.name(),
                TableKind.LINKED.name());
    }

    /** Handles one CloudEvent from {@code activation.events}; returns how many events it published. */
    int handle(String cloudEvent) {
        if (!cloudEvent.contains("\"io.activation.row.")) {
            return 0;
        }
        JsonNode event;
        try {
            event = json.readTree(cloudEvent);
        } catch (JacksonException e) {
            log.warn("Skipping an unreadable event on the events topic: {}", e.getOriginalMessage());
            return 0;
        }
        String type = event.path("type").asString("");
        if (!type.equals(ChangeEvents.ROW_CREATED) && !type.equals(ChangeEvents.ROW_UPDATED)) {
            return 0;
        }
        JsonNode data = event.path("data");
        String table = data.path("table").asString("");
        if (table.isEmpty() || !fansOut(table)) {
            return 0;
        }
        if (type.equals(ChangeEvents.ROW_UPDATED) && data.path("changed").isArray()
                && data.path("changed").isEmpty()) {
            return 0;
        }
        return fanOut(sourceId(event.path("id").asString("")), catalog.schema(table), data);
    }

    private static UUID sourceId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8));
        }
    }

    private record Progress(long lastRowId, boolean done) {}

    private record PageResult(long lastRowId, int rows) {}

    private int fanOut(UUID sourceId, TableSchema reference, JsonNode data) {
        JsonNode key = data.path("key");
        if (key.isNull() || key.isMissingNode()) {
            return 0;
        }
        ObjectNode referenceNode = F.objectNode();
        referenceNode.put("table", reference.name());
        referenceNode.set("key", key);
        referenceNode.set("values", data.path("values").isObject() ? data.get("values") : F.objectNode());
        referenceNode.set("previous", data.path("previous").isObject() ? data.get("previous") : F.objectNode());
        referenceNode.set("changed", data.path("changed").isArray() ? data.get("changed") : F.arrayNode());
        int published = 0;
        for (Link link : links(reference.name())) {
            TableSchema linking = catalog.schema(link.table());
            TableSchema.Column column = linking.column(link.column()).orElseThrow();
            Object boundKey = column.type() == AttributeType.INTEGER ? (Object) key.asLong() : key.asString();
            Progress progress = progress(sourceId, link);
            if (progress.done()) {
                continue;
            }
            long after = progress.lastRowId();
            while (true) {
                long from = after;
                PageResult page = transactions.execute(status -> {
                    List<StoredRow> rows = linkingRows(linking, column, boundKey, from);
                    List<OutboxMessage> messages = new ArrayList<>(rows.size());
                    Map<String, Map<Object, StoredRow>> related = related(linking, column, rows);
                    for (StoredRow row : rows) {
                        messages.add(message(sourceId, linking, row, referenceNode, related));
                    }
                    outbox.append(messages);
                    long last = rows.isEmpty() ? from : rows.get(rows.size() - 1).id();
                    boolean done = rows.size() < properties.batchSize();
                    recordProgress(sourceId, link, last, done, rows.size());
                    return new PageResult(last, rows.size());
                });
                published += page.rows();
                if (page.rows() < properties.batchSize()) {
                    break;
                }
                after = page.lastRowId();
            }
        }
        if (published > 0) {
            log.debug("Reference {} {} fanned out to {} linking rows", reference.name(), key, published);
        }
        return published;
    }

    private Progress progress(UUID sourceId, Link link) {
        return jdbc.query("""
                select last_row_id, done from reference_fanout_progress
                where source_event_id = ? and linking_table = ? and linking_column = ?""",
                (rs, n) -> new Progress(rs.getLong(1), rs.getBoolean(2)), sourceId, link.table(), link.column())
                .stream().findFirst().orElse(new Progress(0, false));
    }

    private void recordProgress(UUID sourceId, Link link, long lastRowId, boolean done, int rows) {
        jdbc.update("""
                insert into reference_fanout_progress
                    (source_event_id, linking_table, linking_column, last_row_id, done, published, updated_at)
                values (?, ?, ?, ?, ?, ?, ?)
                on conflict (source_event_id, linking_table, linking_column) do update
                set last_row_id = excluded.last_row_id, done = excluded.done,
                    published = reference_fanout_progress.published + excluded.published,
                    updated_at = excluded.updated_at""",
                sourceId, link.table(), link.column(), lastRowId, done, rows, now());
    }

    /** Deletes the progress of fan-outs older than the retention. */
    int purgeProgress() {
        return jdbc.update("delete from reference_fanout_progress where updated_at < ?",
                OffsetDateTime.ofInstant(clock.instant().minus(properties.progressRetention()), ZoneOffset.UTC));
    }

    /** One page of linking rows, by id after {@code afterId}: an index lookup on the relation column. */
    private List<StoredRow> linkingRows(TableSchema linking, TableSchema.Column column, Object key, long afterId) {
        return jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("select " + RowReader.selectList(linking) + " from "
                    + linking.qualifiedName() + " where " + column.quoted() + " = ? and id > ? order by id limit ?");
            ps.setObject(1, key);
            ps.setLong(2, afterId);
            ps.setInt(3, properties.batchSize());
            return ps;
        }, (rs, n) -> RowReader.read(linking, rs));
    }

    /**
     * For each other relation column of the linking table, the referenced rows of this page by key (one query per
     * column): relation column -> key -> row.
     */
    private Map<String, Map<Object, StoredRow>> related(TableSchema linking, TableSchema.Column via,
            List<StoredRow> rows) {
        Map<String, Map<Object, StoredRow>> related = new HashMap<>();
        if (rows.isEmpty()) {
            return related;
        }
        for (TableSchema.Column c : linking.columns()) {
            if (c.referencesTable() == null || c.name().equals(via.name()) || "contacts".equals(c.referencesTable())) {
                continue;
            }
            TableSchema target;
            try {
                target = catalog.schema(c.referencesTable());
            } catch (NotFoundException e) {
                continue;
            }
            Set<Object> keys = new LinkedHashSet<>();
            rows.forEach(r -> {
                Object k = r.values().get(c.name());
                if (k != null) {
                    keys.add(k);
                }
            });
            Map<Object, StoredRow> byKey = new HashMap<>();
            if (!keys.isEmpty()) {
                boolean numeric = target.keyColumn().type() == AttributeType.INTEGER;
                List<StoredRow> found = jdbc.query(connection -> {
                    PreparedStatement ps = connection.prepareStatement("select " + RowReader.selectList(target)
                            + " from " + target.qualifiedName() + " where " + target.keyColumn().quoted()
                            + " = any(?)");
                    ps.setArray(1, connection.createArrayOf(numeric ? "bigint" : "text", keys.toArray()));
                    return ps;
                }, (rs, n) -> RowReader.read(target, rs));
                found.forEach(r -> byKey.put(r.key(target), r));
            }
            related.put(c.name(), byKey);
        }
        return related;
    }

    private OutboxMessage message(UUID sourceId, TableSchema linking, StoredRow row, ObjectNode reference,
            Map<String, Map<Object, StoredRow>> related) {
        ObjectNode data = F.objectNode();
        data.put("contactId", row.contactId());
        data.put("table", linking.name());
        data.set("key", Values.toJson(row.key(linking)));
        data.put("rowId", row.id());
        ObjectNode values = F.objectNode();
        row.values().forEach((k, v) -> values.set(k, Values.toJson(v)));
        data.set("values", values);
        data.set("reference", reference);
        ObjectNode hop = F.objectNode();
        related.forEach((column, byKey) -> {
            Object k = row.values().get(column);
            StoredRow target = k == null ? null : byKey.get(k);
            if (target == null) {
                hop.putNull(column);
                return;
            }
            String targetTable = linking.column(column).orElseThrow().referencesTable();
            ObjectNode node = F.objectNode();
            node.put("table", targetTable);
            node.set("key", Values.toJson(k));
            ObjectNode targetValues = F.objectNode();
            target.values().forEach((name, v) -> targetValues.set(name, Values.toJson(v)));
            node.set("values", targetValues);
            hop.set(column, node);
        });
        data.set("related", hop);
        UUID id = UUID.nameUUIDFromBytes(("reference-changed:" + sourceId + ":" + linking.name() + ":" + row.id())
                .getBytes(StandardCharsets.UTF_8));
        return events.event(REFERENCE_CHANGED, row.contactId(), linking.name() + "/" + row.key(linking),
                "reference-fanout", data, id);
    }

    /**
     * The watched tables, cached for five seconds (changes on other nodes are seen within them). A load is stamped with
     * the generation read before its query and is used only while no watch or unwatch on this node came after it.
     */
    private Set<String> watchedTables() {
        Cached c = watched;
        long generation = watchGeneration.get();
        long now = System.nanoTime();
        if (c == null || c.generation() != generation || now - c.loadedAt() > WATCH_CACHE_NANOS) {
            c = new Cached(Set.copyOf(jdbc.queryForList(
                    "select distinct table_name from reference_fanout_watches", String.class)), generation, now);
            watched = c;
        }
        return c.tables();
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
