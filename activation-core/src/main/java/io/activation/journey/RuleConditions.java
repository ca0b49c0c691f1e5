package io.activation.journey;

import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.datamodel.Values;
import io.activation.contact.Contacts;
import io.activation.platform.FieldError;
import io.activation.platform.NotFoundException;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The condition evaluator journeys ship with: {@code and}/{@code or}/{@code not}; contact attribute comparisons;
 * {@code aggregate} (count, sum, avg, min, max of an interaction table's column, rows filtered by a {@code where}
 * of attribute comparisons, in a window {@code since: journeyStart}, {@code lastDays: N} or {@code from}/{@code to});
 * {@code exists}; and {@code segment} membership (read from {@code segment_memberships}). Rule kinds outside this
 * subset are reported by {@link #validate}, so a scenario using them cannot be activated until the segment rule
 * compiler is wired in. Registered only when no other {@link ConditionEvaluator} bean exists.
 */
class RuleConditions implements ConditionEvaluator {

    private static final Set<String> FUNCTIONS = Set.of("count", "sum", "avg", "min", "max");
    private static final Set<String> SQL_OPS = Set.of("eq", "ne", "lt", "lte", "gt", "gte", "is_null", "is_not_null",
            "in");

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final Contacts contacts;
    private final Values values = new Values(10_000);

    RuleConditions(JdbcTemplate jdbc, TableCatalog catalog, Contacts contacts) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.contacts = contacts;
    }

    @Override
    public boolean test(JsonNode rule, Subject subject) {
        return eval(rule, subject, new ObjectNode[1]);
    }

    private boolean eval(JsonNode rule, Subject subject, ObjectNode[] contact) {
        if (rule.has("and")) {
            for (JsonNode r : rule.get("and")) {
                if (!eval(r, subject, contact)) {
                    return false;
                }
            }
            return true;
        }
        if (rule.has("or")) {
            for (JsonNode r : rule.get("or")) {
                if (eval(r, subject, contact)) {
                    return true;
                }
            }
            return false;
        }
        if (rule.has("not")) {
            return !eval(rule.get("not"), subject, contact);
        }
        if (rule.has("aggregate")) {
            JsonNode actual = aggregate(rule.get("aggregate"), subject);
            return JsonRules.compare(rule.path("op").asString(), actual, rule.get("value"));
        }
        if (rule.has("exists")) {
            JsonNode count = aggregate(rule.get("exists"), subject);
            return count.asLong() > 0;
        }
        if (rule.has("segment")) {
            Boolean tables = jdbc.queryForObject("select to_regclass('public.segment_memberships') is not null"
                    + " and to_regclass('public.segments') is not null", Boolean.class);
            if (!Boolean.TRUE.equals(tables)) {
                return false;
            }
            Boolean member = jdbc.queryForObject("""
                    select exists(select 1 from segment_memberships m join segments s on s.id = m.segment_id
                                  where s.name = ? and m.contact_id = ?)""", Boolean.class,
                    rule.get("segment").asString(), subject.contactId());
            return Boolean.TRUE.equals(member);
        }
        if (contact[0] == null) {
            contact[0] = JsonNodeFactory.instance.objectNode();
            StoredRow row = contacts.byId(subject.contactId()).orElse(null);
            if (row != null) {
                row.values().forEach((k, v) -> contact[0].set(k, Values.toJson(v)));
            }
        }
        return JsonRules.matches(rule, contact[0]);
    }

    private JsonNode aggregate(JsonNode a, Subject subject) {
        TableSchema table = catalog.schema(a.path("table").asString());
        String fn = a.path("fn").asString("count");
        StringBuilder sql = new StringBuilder("select ");
        if (fn.equals("count") || a.path("column").isMissingNode()) {
            sql.append("count(*)");
        } else {
            sql.append(fn).append("(").append(table.column(a.get("column").asString()).orElseThrow().quoted())
                    .append(")");
        }
        sql.append(" from ").append(table.qualifiedName()).append(" where contact_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(subject.contactId());
        JsonNode where = a.get("where");
        if (where != null && !where.isNull()) {
            sql.append(" and ");
            where(where, table, sql, args);
        }
        JsonNode window = a.get("window");
        if (window != null && window.isObject()) {
            String time = table.timeAttribute().map(t -> table.column(t).orElseThrow().quoted())
                    .orElse("created_at");
            if ("journeyStart".equals(window.path("since").asString())) {
                sql.append(" and ").append(time).append(" >= ?");
                args.add(Timestamp.from(subject.journeyStartedAt()));
            }
            if (window.has("lastDays")) {
                sql.append(" and ").append(time).append(" >= ?");
                args.add(Timestamp.from(subject.now().minus(window.get("lastDays").asLong(), ChronoUnit.DAYS)));
            }
            if (window.has("from")) {
                sql.append(" and ").append(time).append(" >= ?");
                args.add(Timestamp.from(OffsetDateTime.parse(window.get("from").asString()).toInstant()));
            }
            if (window.has("to")) {
                sql.append(" and ").append(time).append(" < ?");
                args.add(Timestamp.from(OffsetDateTime.parse(window.get("to").asString()).toInstant()));
            }
        }
        Object result = jdbc.queryForObject(sql.toString(), Object.class, args.toArray());
        if (result == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        return result instanceof Number n ? JsonNodeFactory.instance.numberNode(new BigDecimal(n.toString()))
                : JsonNodeFactory.instance.stringNode(result.toString());
    }

    private void where(JsonNode rule, TableSchema table, StringBuilder sql, List<Object> args) {
        for (String group : List.of("and", "or")) {
            if (rule.has(group)) {
                sql.append("(");
                boolean first = true;
                for (JsonNode r : rule.get(group)) {
                    if (!first) {
                        sql.append(group.equals("and") ? " and " : " or ");
                    }
                    where(r, table, sql, args);
                    first = false;
                }
                sql.append(")");
                return;
            }
        }
        if (rule.has("not")) {
            sql.append("not (");
            where(rule.get("not"), table, sql, args);
            sql.append(")");
            return;
        }
        TableSchema.Column column = table.column(rule.path("attribute").asString()).orElseThrow();
        String op = rule.path("op").asString();
        switch (op) {
            case "is_null" -> sql.append(column.quoted()).append(" is null");
            case "is_not_null" -> sql.append(column.quoted()).append(" is not null");
            case "in" -> {
                sql.append(column.quoted()).append(" in (");
                for (int i = 0; i < rule.get("value").size(); i++) {
                    sql.append(i == 0 ? "?" : ", ?");
                    args.add(sqlValue(column, rule.get("value").get(i)));
                }
                sql.append(")");
            }
            default -> {
                String operator = switch (op) {
                    case "eq" -> " = ";
                    case "ne" -> " is distinct from ";
                    case "lt" -> " < ";
                    case "lte" -> " <= ";
                    case "gt" -> " > ";
                    default -> " >= ";
                };
                sql.append(column.quoted()).append(operator).append("?");
                args.add(sqlValue(column, rule.get("value")));
            }
        }
    }

    private Object sqlValue(TableSchema.Column column, JsonNode node) {
        try {
            Object v = values.fromJson(column, node, null);
            if (v instanceof Instant i) {
                return Timestamp.from(i);
            }
            if (v instanceof OffsetDateTime o) {
                return Timestamp.from(o.toInstant());
            }
            if (v instanceof LocalDate d) {
                return java.sql.Date.valueOf(d);
            }
            return v;
        } catch (Values.InvalidValue e) {
            throw new IllegalStateException("validated rule value no longer fits column " + column.name(), e);
        }
    }

    @Override
    public List<FieldError> validate(JsonNode rule, String path) {
        List<FieldError> errors = new ArrayList<>();
        check(rule, path, errors);
        return errors;
    }

    private void check(JsonNode rule, String path, List<FieldError> errors) {
        if (rule == null || !rule.isObject()) {
            errors.add(new FieldError(path, "must be a rule object"));
            return;
        }
        for (String group : List.of("and", "or")) {
            if (rule.has(group)) {
                JsonNode list = rule.get(group);
                if (!list.isArray() || list.isEmpty()) {
                    errors.add(new FieldError(path + "." + group, "must be a non-empty array of rules"));
                    return;
                }
                for (int i = 0; i < list.size(); i++) {
                    check(list.get(i), path + "." + group + "[" + i + "]", errors);
                }
                return;
            }
        }
        if (rule.has("not")) {
            check(rule.get("not"), path + ".not", errors);
        } else if (rule.has("aggregate") || rule.has("exists")) {
            boolean exists = rule.has("exists");
            String k = path + (exists ? ".exists" : ".aggregate");
            JsonNode a = rule.get(exists ? "exists" : "aggregate");
            TableSchema table;
            try {
                table = catalog.schema(a.path("table").asString(""), k + ".table");
            } catch (NotFoundException e) {
                errors.add(new FieldError(k + ".table", e.getMessage()));
                return;
            }
            if (!table.belongsToContact()) {
                errors.add(new FieldError(k + ".table", "'" + table.name() + "' belongs to no contact"));
                return;
            }
            if (!exists) {
                String fn = a.path("fn").asString("count");
                if (!FUNCTIONS.contains(fn)) {
                    errors.add(new FieldError(k + ".fn", "must be one of " + FUNCTIONS.stream().sorted().toList()
                            + " (the journey evaluator's subset)"));
                } else if (!fn.equals("count")) {
                    String column = a.path("column").asString("");
                    if (table.column(column).isEmpty()) {
                        errors.add(new FieldError(k + ".column", "'" + column + "' is not an attribute of '"
                                + table.name() + "'"));
                    }
                }
                errors.addAll(JsonRules.problems(rule, path).stream()
                        .filter(e -> !e.field().endsWith(".attribute")).toList());
            }
            JsonNode where = a.get("where");
            if (where != null && !where.isNull()) {
                checkWhere(where, table, k + ".where", errors);
            }
            JsonNode window = a.get("window");
            if (window != null && !window.isNull()) {
                boolean known = window.isObject() && (("journeyStart".equals(window.path("since").asString()))
                        || window.path("lastDays").isIntegralNumber() || window.has("from") || window.has("to"));
                if (!known) {
                    errors.add(new FieldError(k + ".window", "must be {\"since\": \"journeyStart\"},"
                            + " {\"lastDays\": N} or {\"from\": ..., \"to\": ...}"));
                }
                for (String bound : List.of("from", "to")) {
                    if (window.has(bound)) {
                        try {
                            OffsetDateTime.parse(window.get(bound).asString());
                        } catch (RuntimeException e) {
                            errors.add(new FieldError(k + ".window." + bound, "must be an ISO-8601 timestamp"));
                        }
                    }
                }
            }
        } else if (rule.has("segment")) {
            if (!rule.get("segment").isString()) {
                errors.add(new FieldError(path + ".segment", "must be a segment name"));
            }
        } else if (rule.has("attribute")) {
            errors.addAll(JsonRules.problems(rule, path));
            TableSchema contacts = catalog.contacts();
            String attribute = rule.path("attribute").asString("");
            if (contacts.column(attribute).isEmpty()) {
                errors.add(new FieldError(path + ".attribute", "'" + attribute + "' is not a contact attribute"));
            }
        } else {
            errors.add(new FieldError(path, "is not a rule the journey condition evaluator supports (and, or, not,"
                    + " attribute, aggregate, exists, segment)"));
        }
    }

    private void checkWhere(JsonNode rule, TableSchema table, String path, List<FieldError> errors) {
        errors.addAll(JsonRules.problems(rule, path));
        List<String[]> attributes = new ArrayList<>();
        collectOps(rule, path, errors);
        JsonRules.attributes(rule, path, attributes);
        for (String[] a : attributes) {
            java.util.Optional<TableSchema.Column> column = table.column(a[0]);
            if (column.isEmpty()) {
                errors.add(new FieldError(a[1], "'" + a[0] + "' is not an attribute of '" + table.name() + "'"));
            }
        }
    }

    private void collectOps(JsonNode rule, String path, List<FieldError> errors) {
        if (rule == null || !rule.isObject()) {
            return;
        }
        for (String group : List.of("and", "or")) {
            if (rule.has(group) && rule.get(group).isArray()) {
                for (int i = 0; i < rule.get(group).size(); i++) {
                    collectOps(rule.get(group).get(i), path + "." + group + "[" + i + "]", errors);
                }
                return;
            }
        }
        if (rule.has("not")) {
            collectOps(rule.get("not"), path + ".not", errors);
        } else if (rule.has("op") && !SQL_OPS.contains(rule.path("op").asString())) {
            errors.add(new FieldError(path + ".op", "in a row rule the journey evaluator supports "
                    + SQL_OPS.stream().sorted().toList()));
        }
    }
}
