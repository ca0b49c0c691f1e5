package io.activation.segment.value;

import io.activation.datamodel.AttributeType;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A column of a table, or one relation hop away ({@code order_no.ordered_at}: the relation column
 * {@code order_no} of the table, then the column {@code ordered_at} of the table it references), as SQL over
 * whitelisted identifiers. Joins are collected so that every path through the same relation shares one join.
 */
final class ColumnPath {

    /** The joins a query needs, by relation column; the base table is aliased {@code t}. */
    static final class Joins {
        private final TableSchema base;
        private final TableCatalog catalog;
        private final Map<String, String> joins = new LinkedHashMap<>();
        private final Map<String, String> joinSql = new LinkedHashMap<>();

        Joins(TableSchema base, TableCatalog catalog) {
            this.base = base;
            this.catalog = catalog;
        }

        /** The SQL expression of {@code path} and its type; bad paths fail naming {@code field}. */
        Resolved resolve(String path, String field) {
            if (path == null || path.isBlank()) {
                throw new InvalidInputException(field, "is required: a column of '" + base.name() + "'");
            }
            String[] parts = path.split("\\.", -1);
            if (parts.length > 2) {
                throw new InvalidInputException(field, "follows at most one relation (relation.column)");
            }
            TableSchema.Column first = base.column(parts[0]).orElseThrow(() -> new InvalidInputException(field,
                    "'" + parts[0] + "' is not a column of '" + base.name() + "'"));
            if (parts.length == 1) {
                return new Resolved("t." + first.quoted(), first.type());
            }
            if (first.referencesTable() == null) {
                throw new InvalidInputException(field, "'" + parts[0] + "' of '" + base.name()
                        + "' is not a relation to another table");
            }
            TableSchema target;
            try {
                target = catalog.schema(first.referencesTable(), field);
            } catch (NotFoundException e) {
                throw new InvalidInputException(field, e.getMessage());
            }
            TableSchema.Column second = target.column(parts[1]).orElseThrow(() -> new InvalidInputException(field,
                    "'" + parts[1] + "' is not a column of '" + target.name() + "'"));
            String alias = joins.computeIfAbsent(first.name(), k -> "j" + joins.size());
            joinSql.putIfAbsent(alias, "left join " + target.qualifiedName() + " " + alias + " on " + alias + "."
                    + target.keyColumn().quoted() + " = t." + first.quoted());
            return new Resolved(alias + "." + second.quoted(), second.type());
        }

        String sql() {
            return String.join(" ", joinSql.values());
        }
    }

    /** A path as SQL: an expression over aliases {@code t} and {@code j<n>}, never user text. */
    record Resolved(String sql, AttributeType type) {

        boolean numeric() {
            return type == AttributeType.INTEGER || type == AttributeType.DECIMAL;
        }

        boolean temporal() {
            return type == AttributeType.TIMESTAMP || type == AttributeType.DATE;
        }
    }

    private ColumnPath() {}
}
