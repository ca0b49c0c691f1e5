package io.activation.template;

import io.activation.contact.ContactFields;
import io.activation.datamodel.RowReader;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.platform.NotFoundException;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Builds what a template sees, as plain values only (see {@link LiquidSandbox#plain}):
 * <ul>
 *   <li>{@code contact}: every attribute of the contact by column name, and in camelCase where that differs;</li>
 *   <li>{@code trigger}: the triggering event or row as the message request carries it; for a row,
 *       {@code trigger.row} is its current state with relations joined and {@code trigger.related.<table>} the
 *       contact's rows of a table that refer to it (the order's lines);</li>
 *   <li>{@code tables.<table>}: the contact's latest rows of a table it owns, relations joined (the cart's items
 *       with {@code item.product.name});</li>
 *   <li>{@code recommendations}: co-purchase recommendations, {@code [{product: {...}, buyers: n}]};</li>
 *   <li>{@code links}, {@code message}, {@code now}: set by the renderer.</li>
 * </ul>
 * Only what the template names is loaded, and every read is bounded ({@code activation.templates.related-rows}).
 */
@Component
class Personalisation {

    private static final Pattern TABLES = Pattern.compile(
            "\\btables\\s*(?:\\.\\s*([a-z][a-z0-9_]*)|\\[\\s*['\"]([a-z][a-z0-9_]*)['\"]\\s*])");
    private static final Pattern TRIGGER_ROW = Pattern.compile("\\btrigger\\s*\\.\\s*(row|related)\\b");
    private static final Pattern RECOMMENDATIONS = Pattern.compile("\\brecommendations\\b");

    /** Sources analysed at most once each; bounded so that edited templates cannot grow it without end. */
    private static final int NEEDS_CACHE_SIZE = 1_000;

    private final Map<String, Needs> needs = new ConcurrentHashMap<>();
    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final RowReader rows;
    private final TemplateProperties properties;
    private final Clock clock;

    Personalisation(JdbcTemplate jdbc, TableCatalog catalog, RowReader rows, TemplateProperties properties,
            Clock clock) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.rows = rows;
        this.properties = properties;
        this.clock = clock;
    }

    /** The context for a contact; {@code sources} are the template's texts (to load only what they name). */
    Map<String, Object> build(long contactId, JsonNode requestContext, String sources) {
        return build(contactId, requestContext, sources, null).values();
    }

    /** The version of a catalogue template a render was given (see {@link Templates#current}). */
    record TemplateVersion(String name, String channel, long id, long version) {}

    /**
     * A context, and whether the template it was built for is still the stored one ({@code true} when none was
     * named).
     */
    record Built(Map<String, Object> values, boolean templateCurrent) {}

    /**
     * {@link #build(long, JsonNode, String)}, checking in the same round trip that {@code expected} (when not
     * null) is still the stored version of its template: the contact, its latest rows of every table the template
     * names and the template's version are read by one multi-statement execution (one round trip, one implicit
     * transaction, so one snapshot) instead of a query each.
     */
    Built build(long contactId, JsonNode requestContext, String sources, TemplateVersion expected) {
        Needs wants = needs(sources);
        Map<String, Object> context = new LinkedHashMap<>();
        TableSchema contacts = catalog.contacts();
        List<TableSchema> owned = new ArrayList<>(wants.tables().size());
        for (String name : wants.tables()) {
            Optional<TableSchema> table = table(name);
            if (table.isPresent() && table.get().belongsToContact()) {
                owned.add(table.get());
            }
        }
        Fetched fetched = fetch(contacts, owned, contactId, expected);
        if (!fetched.templateCurrent()) {
            return new Built(context, false);
        }
        StoredRow contact = fetched.contact();
        if (contact == null) {
            throw new RenderException("contact", "There is no contact " + contactId);
        }
        context.put("contact", contactMap(contact));
        Map<String, Map<Object, Map<String, Object>>> referenceCache = new HashMap<>();

        JsonNode trigger = requestContext == null ? null : requestContext.get("trigger");
        Map<String, Object> triggerMap = new LinkedHashMap<>();
        if (trigger != null && !trigger.isNull()) {
            Object plain = LiquidSandbox.plain(trigger);
            if (plain instanceof Map<?, ?> m) {
                m.forEach((k, v) -> triggerMap.put(String.valueOf(k), v));
            } else {
                triggerMap.put("value", plain);
            }
            if (wants.triggerRow()) {
                enrichTrigger(trigger, contactId, triggerMap, referenceCache);
            }
        }
        context.put("trigger", triggerMap);

        Map<String, Object> tables = new LinkedHashMap<>();
        for (int i = 0; i < owned.size(); i++) {
            TableSchema table = owned.get(i);
            List<StoredRow> latest = fetched.latest().get(i);
            List<Object> rowsOut = new ArrayList<>(latest.size());
            latest.forEach(r -> rowsOut.add(rowMap(table, r, referenceCache)));
            tables.put(table.name(), rowsOut);
        }
        context.put("tables", tables);
        if (wants.recommendations()) {
            context.put("recommendations", recommendations(contactId, triggerMap, referenceCache));
        }
        context.put("now", clock.instant().toString());
        return new Built(context, true);
    }

    /** What {@link #fetch} read: the contact (null: none), each table's latest rows, the template check. */
    private record Fetched(StoredRow contact, List<List<StoredRow>> latest, boolean templateCurrent) {}

    /**
     * The statements of one fetch, built once per set of table schemas (the catalogue hands out the same schema
     * objects until it reloads; select lists rebuilt per render were 2 % of the e-mail pipeline's CPU).
     */
    private record Plan(TableSchema contacts, List<TableSchema> tables, boolean versioned, String sql) {

        boolean fits(TableSchema c, List<TableSchema> t, boolean v) {
            if (contacts != c || versioned != v || tables.size() != t.size()) {
                return false;
            }
            for (int i = 0; i < t.size(); i++) {
                if (tables.get(i) != t.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final int PLAN_CACHE_SIZE = 256;
    private final Map<List<String>, Plan> plans = new ConcurrentHashMap<>();

    private Plan plan(TableSchema contacts, List<TableSchema> tables, boolean versioned) {
        List<String> key = new ArrayList<>(tables.size() + 1);
        key.add(versioned ? "+" : "-");
        tables.forEach(t -> key.add(t.name()));
        Plan known = plans.get(key);
        if (known != null && known.fits(contacts, tables, versioned)) {
            return known;
        }
        StringBuilder sql = new StringBuilder("select ").append(RowReader.selectList(contacts)).append(" from ")
                .append(contacts.qualifiedName()).append(" where id = ?");
        for (TableSchema table : tables) {
            sql.append(";\nselect ").append(RowReader.selectList(table)).append(" from ")
                    .append(table.qualifiedName()).append(" where contact_id = ? order by id desc limit ?");
        }
        if (versioned) {
            sql.append(";\n").append(Templates.VERSION_QUERY);
        }
        Plan plan = new Plan(contacts, List.copyOf(tables), versioned, sql.toString());
        if (plans.size() >= PLAN_CACHE_SIZE) {
            plans.clear();
        }
        plans.put(List.copyOf(key), plan);
        return plan;
    }

    private Fetched fetch(TableSchema contacts, List<TableSchema> tables, long contactId, TemplateVersion expected) {
        Plan plan = plan(contacts, tables, expected != null);
        int limit = properties.relatedRows();
        return jdbc.execute((ConnectionCallback<Fetched>) connection -> {
            try (PreparedStatement ps = connection.prepareStatement(plan.sql())) {
                int p = 1;
                ps.setLong(p++, contactId);
                for (int i = 0; i < tables.size(); i++) {
                    ps.setLong(p++, contactId);
                    ps.setInt(p++, limit);
                }
                if (expected != null) {
                    ps.setString(p++, expected.name());
                    ps.setString(p, expected.channel());
                }
                ps.execute();
                StoredRow contact = null;
                try (ResultSet rs = ps.getResultSet()) {
                    if (rs.next()) {
                        contact = RowReader.read(contacts, rs);
                    }
                }
                List<List<StoredRow>> latest = new ArrayList<>(tables.size());
                for (TableSchema table : tables) {
                    next(ps);
                    List<StoredRow> list = new ArrayList<>();
                    try (ResultSet rs = ps.getResultSet()) {
                        while (rs.next()) {
                            list.add(RowReader.read(table, rs));
                        }
                    }
                    latest.add(list);
                }
                boolean current = true;
                if (expected != null) {
                    next(ps);
                    try (ResultSet rs = ps.getResultSet()) {
                        current = rs.next() && rs.getLong(1) == expected.id() && rs.getLong(2) == expected.version();
                    }
                }
                return new Fetched(contact, latest, current);
            }
        });
    }

    private static void next(PreparedStatement ps) throws SQLException {
        if (!ps.getMoreResults()) {
            throw new SQLException("a statement of the personalisation fetch returned no result set");
        }
    }

    /**
     * What a template's texts name: the contact tables, the trigger's row, recommendations. Matching the patterns
     * over every part at every render was 8 % of the e-mail pipeline's CPU; the answer depends on the texts only.
     */
    private Needs needs(String sources) {
        Needs known = needs.get(sources);
        if (known != null) {
            return known;
        }
        Matcher named = TABLES.matcher(sources);
        Set<String> wanted = new LinkedHashSet<>();
        while (named.find()) {
            wanted.add(named.group(1) != null ? named.group(1) : named.group(2));
        }
        Needs found = new Needs(List.copyOf(wanted),
                TRIGGER_ROW.matcher(sources).find() || sources.contains("recommendations"),
                RECOMMENDATIONS.matcher(sources).find());
        if (needs.size() >= NEEDS_CACHE_SIZE) {
            needs.clear();
        }
        needs.put(sources, found);
        return found;
    }

    /** {@code triggerRow}: the trigger's row (and what it links to) is to be loaded. */
    private record Needs(List<String> tables, boolean triggerRow, boolean recommendations) {
    }

    /** A column's camelCase name (the API's name of a built-in column), per column name: a stream scan per render before. */
    private static final Map<String, String> CAMEL = new ConcurrentHashMap<>();

    private static Map<String, Object> contactMap(StoredRow contact) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", contact.id());
        contact.values().forEach((column, value) -> {
            Object plain = LiquidSandbox.plain(value);
            map.put(column, plain);
            String camel = CAMEL.computeIfAbsent(column,
                    c -> ContactFields.apiName(c).orElse(camel(c)));
            map.putIfAbsent(camel, plain);
        });
        map.put("created_at", contact.createdAt().toString());
        map.put("createdAt", contact.createdAt().toString());
        return map;
    }

    static String camel(String column) {
        StringBuilder out = new StringBuilder(column.length());
        boolean upper = false;
        for (char c : column.toCharArray()) {
            if (c == '_') {
                upper = out.length() > 0;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    private void enrichTrigger(JsonNode trigger, long contactId, Map<String, Object> triggerMap,
            Map<String, Map<Object, Map<String, Object>>> cache) {
        JsonNode tableName = trigger.get("table");
        if (tableName == null || !tableName.isString()) {
            return;
        }
        Optional<TableSchema> table = table(tableName.stringValue());
        if (table.isEmpty()) {
            return;
        }
        TableSchema schema = table.get();
        Optional<StoredRow> row = Optional.empty();
        if (trigger.hasNonNull("rowId") && trigger.get("rowId").canConvertToLong()) {
            row = rows.byId(schema, trigger.get("rowId").longValue());
        } else if (trigger.hasNonNull("key")) {
            row = byKeyText(schema, trigger.get("key").asString());
        }
        // Only the contact's own rows (or shared reference rows) are shown.
        row = row.filter(r -> r.contactId() == null || r.contactId() == contactId);
        if (row.isEmpty()) {
            return;
        }
        triggerMap.put("row", rowMap(schema, row.get(), cache));
        Map<String, Object> related = new LinkedHashMap<>();
        Object key = row.get().key(schema);
        for (TableSchema child : catalog.all()) {
            if (!child.belongsToContact()) {
                continue;
            }
            for (TableSchema.Column column : child.columns()) {
                if (schema.name().equals(column.referencesTable())) {
                    List<StoredRow> children = jdbc.query("select " + RowReader.selectList(child) + " from "
                                    + child.qualifiedName() + " where contact_id = ? and " + column.quoted()
                                    + "::text = ? order by id limit ?", (rs, n) -> RowReader.read(child, rs),
                            contactId, String.valueOf(key), properties.relatedRows());
                    List<Object> list = new ArrayList<>();
                    children.forEach(c -> list.add(rowMap(child, c, cache)));
                    related.putIfAbsent(child.name(), list);
                }
            }
        }
        triggerMap.put("related", related);
    }

    /** A row as plain values, each relation column replaced by the referenced row (one level). */
    private Map<String, Object> rowMap(TableSchema table, StoredRow row,
            Map<String, Map<Object, Map<String, Object>>> cache) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", row.id());
        for (TableSchema.Column column : table.columns()) {
            Object value = row.values().get(column.name());
            if (column.referencesTable() != null && value != null) {
                map.put(column.name(), referenced(column.referencesTable(), value, cache));
            } else {
                map.put(column.name(), LiquidSandbox.plain(value));
            }
        }
        map.put("created_at", row.createdAt().toString());
        return map;
    }

    private Map<String, Object> referenced(String tableName, Object key,
            Map<String, Map<Object, Map<String, Object>>> cache) {
        return cache.computeIfAbsent(tableName, t -> new HashMap<>()).computeIfAbsent(String.valueOf(key), k -> {
            Optional<TableSchema> table = table(tableName);
            Optional<StoredRow> row = table.flatMap(t -> byKeyText(t, String.valueOf(key)));
            if (row.isEmpty()) {
                Map<String, Object> only = new LinkedHashMap<>();
                only.put(table.map(TableSchema::businessKey).orElse("key"), LiquidSandbox.plain(key));
                return only;
            }
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("id", row.get().id());
            row.get().values().forEach((c, v) -> map.put(c, LiquidSandbox.plain(v)));
            return map;
        });
    }

    private Optional<StoredRow> byKeyText(TableSchema table, String key) {
        return jdbc.query("select " + RowReader.selectList(table) + " from " + table.qualifiedName() + " where "
                + table.keyColumn().quoted() + "::text = ?", (rs, n) -> RowReader.read(table, rs), key)
                .stream().findFirst();
    }

    private Optional<TableSchema> table(String name) {
        try {
            return Optional.of(catalog.schema(name));
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * The purchase table and its product relation: the configured table; else the trigger's own table or one of
     * its related tables (an order's lines) when it has a relation to a reference table; else the first interaction
     * table that has one.
     */
    private Optional<Purchases> purchases(Map<String, Object> trigger) {
        TemplateProperties.Recommendations config = properties.recommendations();
        List<TableSchema> candidates = new ArrayList<>();
        if (config.table() != null && !config.table().isBlank()) {
            table(config.table()).ifPresent(candidates::add);
        } else {
            if (trigger.get("table") instanceof String name && trigger.containsKey("row")) {
                table(name).ifPresent(candidates::add);
            }
            if (trigger.get("related") instanceof Map<?, ?> related) {
                related.keySet().forEach(name -> table(String.valueOf(name)).ifPresent(candidates::add));
            }
            catalog.all().stream().filter(t -> t.kind() == TableKind.INTERACTION).forEach(candidates::add);
        }
        for (TableSchema table : candidates) {
            if (table.kind() != TableKind.INTERACTION) {
                continue;
            }
            for (TableSchema.Column column : table.columns()) {
                boolean named = config.productColumn() == null || config.productColumn().isBlank()
                        || config.productColumn().equals(column.name());
                if (named && column.referencesTable() != null) {
                    Optional<TableSchema> products = table(column.referencesTable())
                            .filter(p -> p.kind() == TableKind.REFERENCE);
                    if (products.isPresent()) {
                        return Optional.of(new Purchases(table, column, products.get()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private record Purchases(TableSchema table, TableSchema.Column product, TableSchema products) {

        String timeColumn() {
            return table.timeAttribute().flatMap(table::column).map(TableSchema.Column::quoted)
                    .orElse("created_at");
        }
    }

    /**
     * "Bought this, also bought": the seed products are those of the trigger (its row or its related rows in the
     * purchase table), else the contact's own latest purchases. Other contacts who bought a seed product within the
     * window (at most {@code max-buyers} of them) vote for each other product they bought; products are ranked by
     * votes (ties by key), leaving out the seeds and everything the contact bought.
     */
    @SuppressWarnings("unchecked")
    private List<Object> recommendations(long contactId, Map<String, Object> trigger,
            Map<String, Map<Object, Map<String, Object>>> cache) {
        Optional<Purchases> found = purchases(trigger);
        if (found.isEmpty()) {
            return List.of();
        }
        Purchases p = found.get();
        String keyColumn = p.products().businessKey();
        Set<String> seeds = new LinkedHashSet<>();
        if (trigger.get("row") instanceof Map<?, ?> row && p.table().name().equals(trigger.get("table"))) {
            seed(seeds, row.get(p.product().name()), keyColumn);
        }
        if (trigger.get("related") instanceof Map<?, ?> related
                && related.get(p.table().name()) instanceof List<?> lines) {
            lines.forEach(l -> seed(seeds, ((Map<String, Object>) l).get(p.product().name()), keyColumn));
        }
        if (seeds.isEmpty()) {
            seeds.addAll(jdbc.queryForList("select " + p.product().quoted() + "::text from "
                    + p.table().qualifiedName() + " where contact_id = ? and " + p.product().quoted()
                    + " is not null order by id desc limit ?", String.class, contactId, properties.relatedRows()));
        }
        if (seeds.isEmpty()) {
            return List.of();
        }
        TemplateProperties.Recommendations config = properties.recommendations();
        String t = p.table().qualifiedName();
        String col = p.product().quoted();
        String time = p.timeColumn();
        Timestamp since = Timestamp.from(clock.instant().minus(config.window()));
        String sql = "with seeds(k) as (select unnest(?::text[])),"
                + " buyers as (select distinct contact_id from " + t + " where " + col + "::text in (select k from"
                + " seeds) and contact_id <> ? and " + time + " >= ? limit ?)"
                + " select l." + col + "::text as product, count(distinct l.contact_id) as votes"
                + " from " + t + " l join buyers b on b.contact_id = l.contact_id"
                + " where l." + time + " >= ? and l." + col + " is not null"
                + " and l." + col + "::text not in (select k from seeds)"
                + " and not exists (select 1 from " + t + " o where o.contact_id = ? and o." + col + " = l." + col
                + ") group by 1 order by 2 desc, 1 limit ?";
        List<Map.Entry<String, Long>> ranked = jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement(sql);
            Array array = connection.createArrayOf("text", seeds.toArray());
            ps.setArray(1, array);
            ps.setLong(2, contactId);
            ps.setTimestamp(3, since);
            ps.setInt(4, config.maxBuyers());
            ps.setTimestamp(5, since);
            ps.setLong(6, contactId);
            ps.setInt(7, config.limit());
            return ps;
        }, (rs, n) -> Map.entry(rs.getString(1), rs.getLong(2)));
        List<Object> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : ranked) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("product", referenced(p.products().name(), e.getKey(), cache));
            item.put("buyers", e.getValue());
            out.add(item);
        }
        return out;
    }

    private static void seed(Set<String> seeds, Object product, String keyColumn) {
        if (product instanceof Map<?, ?> m && m.get(keyColumn) != null) {
            seeds.add(String.valueOf(m.get(keyColumn)));
        } else if (product != null && !(product instanceof Map<?, ?>)) {
            seeds.add(String.valueOf(product));
        }
    }
}
