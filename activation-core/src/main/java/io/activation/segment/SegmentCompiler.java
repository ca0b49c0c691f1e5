package io.activation.segment;

import io.activation.contact.ContactFields;
import io.activation.datamodel.AttributeType;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The one place a segment rule becomes SQL. Identifiers come only from the data-model catalogue (validated names,
 * always quoted); every value is a bind parameter. Two shapes of the same rule: {@link Shape#SET} for whole
 * segments (aggregates as grouped semi-joins, so one pass over the interaction table serves every contact) and
 * {@link Shape#SINGLE} for one contact (correlated subqueries that use the table's (contact_id, time) index).
 */
@Component
public class SegmentCompiler {

    /** How the statement will be used. */
    public enum Shape {
        /** All matching contacts. */
        SET,
        /** One contact ({@code c.id = ?}). */
        SINGLE
    }

    /** The contact-side tables of other features a rule can test. */
    static final String CONSENTS = "contact_consents";
    static final String RFM = "rfm_scores";
    static final String INTERESTS = "contact_interests";

    private static final Set<AttributeType> TEXTUAL = EnumSet.of(AttributeType.TEXT, AttributeType.EMAIL,
            AttributeType.PHONE, AttributeType.LOCALE, AttributeType.TIME_ZONE, AttributeType.COUNTRY);
    private static final Set<AttributeType> NUMERIC = EnumSet.of(AttributeType.INTEGER, AttributeType.DECIMAL);
    private static final Set<AttributeType> TEMPORAL = EnumSet.of(AttributeType.DATE, AttributeType.TIMESTAMP);
    private static final int MAX_RELATION_HOPS = 3;

    private final TableCatalog catalog;
    private final Segments segments;
    private final JdbcTemplate jdbc;
    private final TargetingProperties properties;
    private final Values values = new Values(10_000);

    SegmentCompiler(TableCatalog catalog, Segments segments, JdbcTemplate jdbc, TargetingProperties properties) {
        this.catalog = catalog;
        this.segments = segments;
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /** Parses rule JSON; {@link InvalidInputException} naming the fields (prefixed by {@code path}). */
    public Rule parse(JsonNode json, String path) {
        return RuleParser.parse(json, path);
    }

    /**
     * Validates and compiles; {@link InvalidInputException} naming every problem: unknown table or attribute, a
     * value that does not fit the attribute's type, an operator the type does not have, a relation path that does
     * not lead anywhere, an unknown segment.
     */
    public CompiledRule compile(Rule rule, Shape shape) {
        Compilation c = new Compilation(shape);
        Fragment fragment = c.rule(rule);
        if (!c.errors.isEmpty()) {
            throw new InvalidInputException(c.errors);
        }
        return new CompiledRule(fragment.sql, c.params, c.dependencies);
    }

    /** A piece of SQL and whether it can be NULL (so {@code not} must treat NULL as false). */
    private record Fragment(String sql, boolean nullable, Grouped grouped) {
        static final Fragment INVALID = new Fragment("false", false);

        Fragment(String sql, boolean nullable) {
            this(sql, nullable, null);
        }
    }

    /**
     * An aggregate compiled as {@code c.id in (select <alias>.contact_id from <from> where true<filter> group by
     * <alias>.contact_id having <having>)}; its first {@code filterParams} parameters are the filter's. Aggregates
     * of one {@code and} with the same table and filter are merged into one such statement with their conditions
     * joined in the {@code having}: one pass over the table instead of one per aggregate.
     */
    private record Grouped(String alias, String from, String filter, int filterParams, String having) {

        /** The filter with the alias blanked out: equal keys (and equal filter parameters) may be merged. */
        String key() {
            return from.replaceAll("\\b" + alias + "\\b", "#") + "|" + filter.replaceAll("\\b" + alias + "\\b", "#");
        }

        String havingAs(String other) {
            return having.replaceAll("\\b" + alias + "\\.", java.util.regex.Matcher.quoteReplacement(other + "."));
        }
    }

    /** The state of one compilation: parameters in order, aliases, problems, dependencies. */
    private final class Compilation {
        final Shape shape;
        final List<CompiledRule.Param> params = new ArrayList<>();
        final List<FieldError> errors = new ArrayList<>();
        final Set<String> dependencies = new LinkedHashSet<>();
        int aliases;
        int zoneUses;

        Compilation(Shape shape) {
            this.shape = shape;
        }

        String bind(Object value) {
            params.add(new CompiledRule.Param.Value(value));
            return "?";
        }

        String alias() {
            return "r" + (++aliases);
        }

        void error(String field, String message) {
            errors.add(new FieldError(field, message));
        }

        Fragment rule(Rule rule) {
            if (rule == null) {
                return Fragment.INVALID;
            }
            if (rule instanceof Rule.And and) {
                return junction(and.rules(), " and ", "c", null);
            }
            if (rule instanceof Rule.Or or) {
                return junction(or.rules(), " or ", "c", null);
            }
            if (rule instanceof Rule.Not not) {
                return negate(rule(not.rule()));
            }
            if (rule instanceof Rule.Compare compare) {
                return compare(compare, "c", contacts(), 0);
            }
            if (rule instanceof Rule.Aggregate aggregate) {
                return aggregate(aggregate);
            }
            if (rule instanceof Rule.Exists exists) {
                return exists(exists);
            }
            if (rule instanceof Rule.InSegment in) {
                return segment(in);
            }
            if (rule instanceof Rule.Consent consent) {
                if (present(CONSENTS, consent.path())) {
                    dependencies.add(CONSENTS);
                }
                return new Fragment("exists (select 1 from public." + CONSENTS + " k where k.contact_id = c.id"
                        + " and k.channel = " + bind(consent.channel()) + " and k.purpose = "
                        + bind(consent.purpose()) + " and k.status = " + bind("granted") + ")", false);
            }
            if (rule instanceof Rule.Rfm rfm) {
                if (present(RFM, rfm.path())) {
                    dependencies.add(RFM);
                }
                return new Fragment("exists (select 1 from public." + RFM + " s where s.contact_id = c.id"
                        + " and s.model = " + bind(rfm.model()) + " and s.rfm_group = " + bind(rfm.group())
                        + ")", false);
            }
            return interest((Rule.Interest) rule);
        }

        Fragment junction(List<Rule> rules, String joiner, String alias, TableSchema rowTable) {
            if (rowTable == null && joiner.equals(" and ")) {
                return conjunction(rules);
            }
            List<String> parts = new ArrayList<>();
            boolean nullable = false;
            for (Rule r : rules) {
                Fragment f = rowTable == null ? rule(r) : rowRule(r, alias, rowTable);
                parts.add(f.sql);
                nullable |= f.nullable;
            }
            return new Fragment("(" + String.join(joiner, parts) + ")", nullable);
        }

        /**
         * An {@code and} of contact rules. Each part's parameters are taken aside as it compiles, so that grouped
         * aggregates over the same table and filter can be merged into the first of them (see {@link Grouped})
         * and the parameters put back in the order of the text.
         */
        Fragment conjunction(List<Rule> rules) {
            List<Fragment> parts = new ArrayList<>();
            List<List<CompiledRule.Param>> partParams = new ArrayList<>();
            for (Rule r : rules) {
                int before = params.size();
                parts.add(rule(r));
                List<CompiledRule.Param> own = new ArrayList<>(params.subList(before, params.size()));
                params.subList(before, params.size()).clear();
                partParams.add(own);
            }
            List<String> sql = new ArrayList<>();
            boolean nullable = false;
            boolean[] merged = new boolean[parts.size()];
            for (int i = 0; i < parts.size(); i++) {
                if (merged[i]) {
                    continue;
                }
                Fragment f = parts.get(i);
                Grouped g = f.grouped();
                if (g != null) {
                    List<CompiledRule.Param> filterParams = partParams.get(i).subList(0, g.filterParams());
                    StringBuilder having = new StringBuilder("(" + g.having() + ")");
                    List<CompiledRule.Param> havingParams = new ArrayList<>(
                            partParams.get(i).subList(g.filterParams(), partParams.get(i).size()));
                    int together = 1;
                    for (int j = i + 1; j < parts.size(); j++) {
                        Grouped other = parts.get(j).grouped();
                        if (!merged[j] && other != null && other.key().equals(g.key())
                                && partParams.get(j).subList(0, other.filterParams()).equals(filterParams)) {
                            merged[j] = true;
                            together++;
                            having.append(" and (").append(other.havingAs(g.alias())).append(")");
                            havingParams.addAll(partParams.get(j).subList(other.filterParams(),
                                    partParams.get(j).size()));
                        }
                    }
                    if (together > 1) {
                        sql.add(grouped(g, having.toString()));
                        params.addAll(filterParams);
                        params.addAll(havingParams);
                        continue;
                    }
                }
                sql.add(f.sql);
                nullable |= f.nullable;
                params.addAll(partParams.get(i));
            }
            return new Fragment("(" + String.join(" and ", sql) + ")", nullable);
        }

        String grouped(Grouped g, String having) {
            return "c.id in (select " + g.alias() + ".contact_id" + g.from() + " where true" + g.filter()
                    + " group by " + g.alias() + ".contact_id having " + having + ")";
        }

        Fragment negate(Fragment inner) {
            return new Fragment(inner.nullable ? "not coalesce(" + inner.sql + ", false)" : "not " + inner.sql,
                    false);
        }

        /** A rule over the rows of {@code table} (aliased {@code alias}): and / or / not / attribute only. */
        Fragment rowRule(Rule rule, String alias, TableSchema table) {
            if (rule == null) {
                return Fragment.INVALID;
            }
            if (rule instanceof Rule.And and) {
                return junction(and.rules(), " and ", alias, table);
            }
            if (rule instanceof Rule.Or or) {
                return junction(or.rules(), " or ", alias, table);
            }
            if (rule instanceof Rule.Not not) {
                return negate(rowRule(not.rule(), alias, table));
            }
            if (rule instanceof Rule.Compare compare) {
                return compare(compare, alias, table, 0);
            }
            error(rule.path(), "a row filter holds only and / or / not / attribute conditions");
            return Fragment.INVALID;
        }

        // ---- comparisons ------------------------------------------------------------------------------------

        Fragment compare(Rule.Compare compare, String alias, TableSchema table, int hops) {
            String field = compare.path() + ".attribute";
            if (compare.attribute() == null || compare.op() == null) {
                return Fragment.INVALID;
            }
            String attribute = compare.attribute();
            int dot = attribute.indexOf('.');
            String head = dot < 0 ? attribute : attribute.substring(0, dot);
            Optional<TableSchema.Column> found = column(table, head);
            if (found.isEmpty()) {
                error(field, "'" + RuleParser.printable(head) + "' is not an attribute of " + table.name());
                return Fragment.INVALID;
            }
            TableSchema.Column column = found.get();
            if (table.kind() == TableKind.CONTACTS) {
                dependencies.add("contacts." + column.name());
            }
            if (dot >= 0) {
                return relation(compare, alias, table, column, attribute.substring(dot + 1), hops);
            }
            return condition(compare.path(), alias + "." + column.quoted(), column, compare.op(), compare.value());
        }

        /** {@code product.category}: the row's relation column joins the referenced table by its business key. */
        Fragment relation(Rule.Compare compare, String alias, TableSchema table, TableSchema.Column column,
                String rest, int hops) {
            String field = compare.path() + ".attribute";
            if (column.referencesTable() == null) {
                error(field, "'" + column.name() + "' of " + table.name() + " is not a relation to another table");
                return Fragment.INVALID;
            }
            if (hops >= MAX_RELATION_HOPS) {
                error(field, "a path follows at most " + MAX_RELATION_HOPS + " relations");
                return Fragment.INVALID;
            }
            TableSchema target;
            try {
                target = catalog.schema(column.referencesTable(), field);
            } catch (NotFoundException e) {
                error(field, e.getMessage());
                return Fragment.INVALID;
            }
            dependencies.add(target.name());
            String ref = alias();
            Fragment inner = compare(new Rule.Compare(compare.path(), rest, compare.op(), compare.value()), ref,
                    target, hops + 1);
            String keyColumn = target.kind() == TableKind.CONTACTS ? "external_id" : target.keyColumn().quoted();
            return new Fragment("exists (select 1 from " + target.qualifiedName() + " " + ref + " where " + ref + "."
                    + keyColumn + " = " + alias + "." + column.quoted() + " and " + inner.sql + ")", false);
        }

        /** {@code expression op value} for an attribute of this type. */
        Fragment condition(String path, String expression, TableSchema.Column column, Rule.Op op, JsonNode value) {
            AttributeType type = column.type();
            String opField = path + ".op";
            String valueField = path + ".value";
            if (!allowed(type, op)) {
                error(opField, "'" + op.json() + "' does not apply to " + type.name().toLowerCase()
                        + " attribute '" + column.name() + "'; use one of " + allowedOps(type));
                return Fragment.INVALID;
            }
            switch (op) {
                case IS_NULL, IS_NOT_NULL -> {
                    if (value != null && !value.isNull()) {
                        error(valueField, "must be left out for " + op.json());
                    }
                    return new Fragment(expression + (op == Rule.Op.IS_NULL ? " is null" : " is not null"), false);
                }
                case IN, NOT_IN -> {
                    if (value == null || !value.isArray() || value.isEmpty() || value.size() > RuleParser.MAX_LIST) {
                        error(valueField, "must be an array of 1 to " + RuleParser.MAX_LIST + " values");
                        return Fragment.INVALID;
                    }
                    List<String> marks = new ArrayList<>();
                    for (int i = 0; i < value.size(); i++) {
                        Object v = convert(column, value.get(i), valueField + "[" + i + "]");
                        marks.add(bind(v));
                    }
                    return new Fragment(expression + (op == Rule.Op.IN ? " in (" : " not in (")
                            + String.join(", ", marks) + ")", true);
                }
                case BETWEEN -> {
                    if (value == null || !value.isArray() || value.size() != 2) {
                        error(valueField, "must be an array of two values [low, high] (both included)");
                        return Fragment.INVALID;
                    }
                    Object low = convert(column, value.get(0), valueField + "[0]");
                    Object high = convert(column, value.get(1), valueField + "[1]");
                    return new Fragment(expression + " between " + bind(low) + " and " + bind(high), true);
                }
                case CONTAINS, STARTS_WITH -> {
                    if (value == null || !value.isString() || value.stringValue().isEmpty()) {
                        error(valueField, "must be a non-empty string");
                        return Fragment.INVALID;
                    }
                    String text = value.stringValue();
                    if (text.indexOf('\0') >= 0 || text.length() > 10_000) {
                        error(valueField, "must be at most 10000 characters without NUL");
                        return Fragment.INVALID;
                    }
                    return op == Rule.Op.CONTAINS
                            ? new Fragment("strpos(lower(" + expression + "), lower(" + bind(text) + ")) > 0", true)
                            : new Fragment("starts_with(lower(" + expression + "), lower(" + bind(text) + "))", true);
                }
                case IN_LAST_DAYS, MORE_THAN_DAYS_AGO, DAYS_AGO, ANNIVERSARY -> {
                    return dateRelative(path, expression, type, op, value);
                }
                default -> {
                    if (value == null || value.isNull()) {
                        error(valueField, "is required; to test for a missing value use is_null / is_not_null");
                        return Fragment.INVALID;
                    }
                    Object v = convert(column, value, valueField);
                    return new Fragment(expression + " " + sqlOperator(op) + " " + bind(v), true);
                }
            }
        }

        /** Days are counted on the calendar of the contact's time zone (or the configured default zone). */
        Fragment dateRelative(String path, String expression, AttributeType type, Rule.Op op, JsonNode value) {
            String valueField = path + ".value";
            Integer days = null;
            if (value != null && !value.isNull()) {
                if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0
                        || value.intValue() > 36_600) {
                    error(valueField, "must be a whole number from 0 to 36600");
                    return Fragment.INVALID;
                }
                days = value.intValue();
            } else if (op != Rule.Op.ANNIVERSARY) {
                error(valueField, "is required: a number of days");
                return Fragment.INVALID;
            }
            java.util.function.Supplier<String> local = () -> type == AttributeType.DATE ? expression
                    : localDate(() -> expression);
            // Each helper that binds is called once per occurrence in the text, in text order.
            switch (op) {
                case IN_LAST_DAYS -> {
                    if (type == AttributeType.TIMESTAMP) {
                        params.add(new CompiledRule.Param.NowMinusDays(days));
                        params.add(new CompiledRule.Param.Now());
                        return new Fragment("(" + expression + " >= ? and " + expression + " <= ?)", true);
                    }
                    String low = "(" + today() + " - " + bind(days) + "::int)";
                    String high = today();
                    return new Fragment("(" + expression + " >= " + low + " and " + expression + " <= " + high + ")",
                            true);
                }
                case MORE_THAN_DAYS_AGO -> {
                    if (type == AttributeType.TIMESTAMP) {
                        params.add(new CompiledRule.Param.NowMinusDays(days));
                        return new Fragment(expression + " < ?", true);
                    }
                    // A contact's calendar is at most a day off UTC's (zones lie within +-18:00), so the UTC date
                    // decides all but the dates within a day of the threshold without the per-contact zone
                    // conversion (most of the cost of an age test over a million contacts).
                    return new Fragment("(" + expression + " < (" + utcToday() + " - " + bind(days + 1) + "::int) or ("
                            + expression + " < (" + utcToday() + " - " + bind(days - 1) + "::int) and " + expression
                            + " < (" + today() + " - " + bind(days) + "::int)))", true);
                }
                case DAYS_AGO -> {
                    return new Fragment(local.get() + " = (" + today() + " - " + bind(days) + "::int)", true);
                }
                case ANNIVERSARY -> {
                    // date + N years clamps Feb 29 to Feb 28 in common years, so leap-day dates have an
                    // anniversary every year.
                    String same = "(" + local.get() + " + make_interval(years => " + years(local) + "))::date = "
                            + today();
                    String count = years(local) + (days == null ? " > 0" : " = " + bind(days) + "::int");
                    return new Fragment("(" + same + " and " + count + ")", true);
                }
                default -> throw new IllegalStateException(op.name());
            }
        }

        String years(java.util.function.Supplier<String> local) {
            return "(extract(year from " + today() + ")::int - extract(year from " + local.get() + ")::int)";
        }

        /** Today's date in UTC, the same for every contact. */
        String utcToday() {
            params.add(new CompiledRule.Param.Now());
            return "(cast(? as timestamptz) at time zone 'UTC')::date";
        }

        /** The contact's current local date. */
        String today() {
            return localDate(() -> {
                params.add(new CompiledRule.Param.Now());
                return "cast(? as timestamptz)";
            });
        }

        /**
         * The date of a timestamp on the contact's calendar. Zones stored as a UTC offset ({@code +13:00},
         * {@code UTC-05:00}, {@code Z}) are added as an interval: PostgreSQL would read them with the POSIX sign,
         * the other way round. {@code ts} is asked once per occurrence in the text, so its parameters stay in order.
         */
        String localDate(java.util.function.Supplier<String> ts) {
            zoneUses++;
            dependencies.add("contacts.time_zone");
            String test = zone() + " ~ '^(Z|(UTC|GMT|UT)?[+-].*)$'";
            String offset = "(" + ts.get() + " at time zone 'UTC') + cast(regexp_replace(replace(" + zone()
                    + ", 'Z', '+00:00'), '^(UTC|GMT|UT)', '') as interval)";
            String named = ts.get() + " at time zone " + zone();
            return "(case when " + test + " then " + offset + " else " + named + " end)::date";
        }

        String zone() {
            return "coalesce(c.\"time_zone\", " + bind(properties.defaultTimeZone().getId()) + ")";
        }

        // ---- aggregates and existence -----------------------------------------------------------------------

        TableSchema contactTable(String table, String field) {
            if (table == null) {
                return null;
            }
            TableSchema schema;
            try {
                schema = catalog.schema(table, field);
            } catch (NotFoundException e) {
                error(field, e.getMessage());
                return null;
            }
            if (!schema.belongsToContact()) {
                error(field, "'" + table + "' is a " + schema.kind().name().toLowerCase()
                        + " table; aggregates and exists need an interaction or linked-data table");
                return null;
            }
            dependencies.add(schema.name());
            return schema;
        }

        /** The time column of the table's window: its time attribute, else when the row was created. */
        TableSchema.Column timeColumn(TableSchema table) {
            return table.timeAttribute().flatMap(table::column)
                    .orElse(new TableSchema.Column("created_at", AttributeType.TIMESTAMP, true, true, List.of(),
                            null));
        }

        String window(Rule.Window window, TableSchema table, String alias) {
            if (window == null) {
                return "";
            }
            TableSchema.Column time = timeColumn(table);
            String t = alias + "." + time.quoted();
            if (window instanceof Rule.Window.LastDays last) {
                if (time.type() == AttributeType.DATE) {
                    String low = " and " + t + " >= (" + today() + " - " + bind(last.days()) + "::int)";
                    return low + " and " + t + " <= " + today();
                }
                params.add(new CompiledRule.Param.NowMinusDays(last.days()));
                params.add(new CompiledRule.Param.Now());
                return " and " + t + " >= ? and " + t + " <= ?";
            }
            if (window instanceof Rule.Window.Between between) {
                String sql = "";
                if (between.from() != null) {
                    sql += " and " + t + " >= " + bind(time.type() == AttributeType.DATE
                            ? java.time.LocalDate.ofInstant(between.from(), java.time.ZoneOffset.UTC)
                            : between.from());
                }
                if (between.to() != null) {
                    sql += " and " + t + " < " + bind(time.type() == AttributeType.DATE
                            ? java.time.LocalDate.ofInstant(between.to(), java.time.ZoneOffset.UTC)
                            : between.to());
                }
                return sql;
            }
            params.add(new CompiledRule.Param.JourneyStart());
            return " and " + t + " >= ?";
        }

        Fragment exists(Rule.Exists exists) {
            String field = exists.path() + ".exists.table";
            TableSchema table = contactTable(exists.table(), field);
            if (table == null) {
                return Fragment.INVALID;
            }
            String r = alias();
            String sql = "exists (select 1 from " + table.qualifiedName() + " " + r + " where " + r
                    + ".contact_id = c.id" + window(exists.window(), table, r);
            if (exists.where() != null) {
                sql += " and " + rowRule(exists.where(), r, table).sql;
            }
            return new Fragment(sql + ")", false);
        }

        Fragment aggregate(Rule.Aggregate aggregate) {
            String at = aggregate.path() + ".aggregate";
            TableSchema table = contactTable(aggregate.table(), at + ".table");
            if (table == null || aggregate.fn() == null || aggregate.op() == null) {
                return Fragment.INVALID;
            }
            TableSchema.Column column = null;
            if (aggregate.column() != null) {
                column = column(table, aggregate.column()).orElse(null);
                if (column == null) {
                    error(at + ".column", "'" + RuleParser.printable(aggregate.column()) + "' is not an attribute of "
                            + table.name());
                    return Fragment.INVALID;
                }
            }
            Rule.Fn fn = aggregate.fn();
            if ((fn == Rule.Fn.SUM || fn == Rule.Fn.AVG) && !NUMERIC.contains(column.type())) {
                error(at + ".column", fn.name().toLowerCase() + " needs a number attribute; '" + column.name()
                        + "' is " + column.type().name().toLowerCase());
                return Fragment.INVALID;
            }
            if ((fn == Rule.Fn.MIN || fn == Rule.Fn.MAX) && !NUMERIC.contains(column.type())
                    && !TEMPORAL.contains(column.type())) {
                error(at + ".column", fn.name().toLowerCase() + " needs a number, date or timestamp attribute; '"
                        + column.name() + "' is " + column.type().name().toLowerCase());
                return Fragment.INVALID;
            }
            if (fn == Rule.Fn.LAST && column.type() == AttributeType.JSON) {
                error(at + ".column", "last needs an attribute that is not json");
                return Fragment.INVALID;
            }
            // The result's type decides which values and operators fit.
            TableSchema.Column result = switch (fn) {
                case COUNT -> new TableSchema.Column("count", AttributeType.INTEGER, false, false, List.of(), null);
                case SUM, AVG -> new TableSchema.Column(fn.name().toLowerCase(), AttributeType.DECIMAL, false, false,
                        List.of(), null);
                default -> column;
            };
            if (aggregate.op() == Rule.Op.IS_NULL || aggregate.op() == Rule.Op.IS_NOT_NULL) {
                error(aggregate.path() + ".op", "an aggregate is compared with a value; for \"no rows\" use count"
                        + " eq 0 or not exists");
                return Fragment.INVALID;
            }
            String r = alias();
            TableSchema.Column time = timeColumn(table);
            String from = " from " + table.qualifiedName() + " " + r;
            int zonesBefore = zoneUses;
            int paramsBefore = params.size();
            String filter = window(aggregate.window(), table, r);
            if (aggregate.where() != null) {
                filter += " and " + rowRule(aggregate.where(), r, table).sql;
            }
            boolean correlatedFilter = zoneUses > zonesBefore;
            int filterParams = params.size() - paramsBefore;
            String value = switch (fn) {
                case COUNT -> "count(*)";
                case LAST -> r + "." + column.quoted();
                default -> fn.name().toLowerCase() + "(" + r + "." + column.quoted() + ")";
            };
            String order = " order by " + r + "." + time.quoted() + " desc, " + r + ".id desc";
            if (shape == Shape.SINGLE || correlatedFilter) {
                String scalar = fn == Rule.Fn.LAST
                        ? "(select " + value + from + " where " + r + ".contact_id = c.id" + filter + order + " limit 1)"
                        : "(select " + value + from + " where " + r + ".contact_id = c.id" + filter + ")";
                return condition(aggregate.path(), scalar, result, aggregate.op(), aggregate.value());
            }
            String where = " where true" + filter;
            if (fn == Rule.Fn.LAST) {
                String inner = "(select distinct on (" + r + ".contact_id) " + r + ".contact_id, " + value + " as v"
                        + from + where + " order by " + r + ".contact_id, " + r + "." + time.quoted() + " desc, "
                        + r + ".id desc) " + r + "l";
                Fragment test = condition(aggregate.path(), r + "l.v", result, aggregate.op(), aggregate.value());
                return new Fragment("c.id in (select " + r + "l.contact_id from " + inner + " where " + test.sql + ")",
                        false);
            }
            Fragment having = condition(aggregate.path(), value, result, aggregate.op(), aggregate.value());
            if (fn == Rule.Fn.COUNT && satisfiedByZero(aggregate.op(), aggregate.value())) {
                // Contacts without rows have count 0 and match: exclude those whose count fails instead.
                return new Fragment("c.id not in (select " + r + ".contact_id" + from + where + " group by " + r
                        + ".contact_id having not coalesce(" + having.sql + ", false))", false);
            }
            Grouped grouped = new Grouped(r, from, filter, filterParams, having.sql);
            return new Fragment(grouped(grouped, having.sql), false, grouped);
        }

        Fragment segment(Rule.InSegment in) {
            if (in.segment() == null) {
                return Fragment.INVALID;
            }
            Optional<Long> id = segments.idByName(in.segment());
            if (id.isEmpty()) {
                error(in.path() + ".segment", "there is no segment '" + RuleParser.printable(in.segment()) + "'");
                return Fragment.INVALID;
            }
            dependencies.add("segment:" + id.get());
            return new Fragment("exists (select 1 from public.segment_memberships m where m.segment_id = "
                    + bind(id.get()) + " and m.contact_id = c.id)", false);
        }

        Fragment interest(Rule.Interest interest) {
            if (interest.interest() == null || interest.op() == null) {
                return Fragment.INVALID;
            }
            if (present(INTERESTS, interest.path())) {
                dependencies.add(INTERESTS);
            }
            TableSchema.Column weight = new TableSchema.Column("weight", AttributeType.DECIMAL, false, false,
                    List.of(), null);
            if (!NUMERIC_OPS.contains(interest.op())) {
                error(interest.path() + ".op", "an interest weight is compared with eq, ne, lt, lte, gt, gte or"
                        + " between");
                return Fragment.INVALID;
            }
            String sql = "exists (select 1 from public." + INTERESTS + " i where i.contact_id = c.id and i.interest = "
                    + bind(interest.interest()) + " and i.profile = " + bind(interest.profile()) + " and ";
            Fragment test = condition(interest.path(), "i.weight", weight, interest.op(), interest.value());
            return new Fragment(sql + test.sql + ")", false);
        }

        boolean present(String table, String field) {
            Boolean exists = jdbc.queryForObject("select to_regclass(?) is not null", Boolean.class,
                    "public." + table);
            if (!Boolean.TRUE.equals(exists)) {
                error(field, "this condition needs the table " + table + ", which this installation does not have yet");
                return false;
            }
            return true;
        }

        Object convert(TableSchema.Column column, JsonNode value, String field) {
            if (value == null || value.isNull()) {
                error(field, "must not be null; to test for a missing value use is_null / is_not_null");
                return null;
            }
            try {
                Object v = values.fromJson(column, value, null);
                if (v instanceof JsonNode) {
                    error(field, "json attributes can only be tested with is_null / is_not_null");
                }
                if (column.type() == AttributeType.DECIMAL && v instanceof Long l) {
                    return BigDecimal.valueOf(l);
                }
                return v;
            } catch (Values.InvalidValue e) {
                error(field, e.getMessage());
                return null;
            }
        }
    }

    private static final Set<Rule.Op> NUMERIC_OPS = EnumSet.of(Rule.Op.EQ, Rule.Op.NE, Rule.Op.LT, Rule.Op.LTE,
            Rule.Op.GT, Rule.Op.GTE, Rule.Op.BETWEEN);

    private TableSchema contacts() {
        return catalog.contacts();
    }

    /** An attribute by column name; for contacts also by its API name (birthDate). */
    private static Optional<TableSchema.Column> column(TableSchema table, String name) {
        Optional<TableSchema.Column> column = table.column(name);
        if (column.isEmpty() && table.kind() == TableKind.CONTACTS) {
            column = ContactFields.column(name).flatMap(table::column);
        }
        return column;
    }

    static boolean allowed(AttributeType type, Rule.Op op) {
        return allowedOps(type).contains(op.json());
    }

    static List<String> allowedOps(AttributeType type) {
        List<String> ops = new ArrayList<>(List.of("is_null", "is_not_null"));
        if (type == AttributeType.JSON) {
            return ops;
        }
        ops.addAll(List.of("eq", "ne"));
        if (type == AttributeType.BOOLEAN) {
            return ops;
        }
        ops.addAll(List.of("in", "not_in"));
        if (type == AttributeType.ENUM) {
            return ops;
        }
        if (TEXTUAL.contains(type)) {
            ops.addAll(List.of("contains", "starts_with"));
            return ops;
        }
        ops.addAll(List.of("lt", "lte", "gt", "gte", "between"));
        if (TEMPORAL.contains(type)) {
            ops.addAll(List.of("in_last_days", "more_than_days_ago", "days_ago", "anniversary"));
        }
        return ops;
    }

    private static String sqlOperator(Rule.Op op) {
        return switch (op) {
            case EQ -> "=";
            case NE -> "<>";
            case LT -> "<";
            case LTE -> "<=";
            case GT -> ">";
            case GTE -> ">=";
            default -> throw new IllegalStateException(op.name());
        };
    }

    /** Whether a count of 0 satisfies {@code op value} (contacts without rows then match). */
    static boolean satisfiedByZero(Rule.Op op, JsonNode value) {
        if (value == null) {
            return false;
        }
        BigDecimal zero = BigDecimal.ZERO;
        return switch (op) {
            case EQ -> value.isNumber() && value.decimalValue().compareTo(zero) == 0;
            case NE -> value.isNumber() && value.decimalValue().compareTo(zero) != 0;
            case LT -> value.isNumber() && zero.compareTo(value.decimalValue()) < 0;
            case LTE -> value.isNumber() && zero.compareTo(value.decimalValue()) <= 0;
            case GT -> value.isNumber() && zero.compareTo(value.decimalValue()) > 0;
            case GTE -> value.isNumber() && zero.compareTo(value.decimalValue()) >= 0;
            case BETWEEN -> value.isArray() && value.size() == 2 && value.get(0).isNumber() && value.get(1).isNumber()
                    && value.get(0).decimalValue().compareTo(zero) <= 0 && value.get(1).decimalValue().compareTo(zero) >= 0;
            case IN -> value.isArray() && java.util.stream.StreamSupport.stream(value.spliterator(), false)
                    .anyMatch(v -> v.isNumber() && v.decimalValue().compareTo(zero) == 0);
            case NOT_IN -> value.isArray() && java.util.stream.StreamSupport.stream(value.spliterator(), false)
                    .noneMatch(v -> v.isNumber() && v.decimalValue().compareTo(zero) == 0);
            default -> false;
        };
    }
}
