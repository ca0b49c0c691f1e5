package io.activation.datamodel;

import java.util.List;
import java.util.Optional;

/**
 * An immutable snapshot of one table's definition, as writers, readers and the segment compiler use it.
 *
 * @param name the table's name (also its identifier in SQL)
 * @param kind what kind of table it is
 * @param businessKey the attribute whose value identifies a row for upserts
 * @param timeAttribute for interaction tables, the attribute that says when the interaction happened
 * @param columns the attributes, in definition order
 * @param version the catalogue version this snapshot was taken from
 */
public record TableSchema(String name, TableKind kind, String businessKey, Optional<String> timeAttribute,
        String description, List<Column> columns, long version) {

    public TableSchema {
        columns = List.copyOf(columns);
    }

    /** One attribute of the table. */
    public record Column(String name, AttributeType type, boolean required, boolean system, List<String> enumValues,
            String referencesTable) {

        public Column {
            enumValues = enumValues == null ? List.of() : List.copyOf(enumValues);
        }

        public String quoted() {
            return new Identifier(name).quoted();
        }
    }

    static TableSchema of(TableDefinition definition) {
        List<Column> columns = definition.attributes().stream()
                .map(a -> new Column(a.name(), a.type(), a.required() || a.name().equals(definition.businessKey())
                        && definition.kind() != TableKind.CONTACTS, a.system(), a.enumValues(), a.referencesTable()))
                .toList();
        return new TableSchema(definition.name(), definition.kind(), definition.businessKey(),
                definition.timeAttribute(), definition.description(), columns, definition.version());
    }

    public Optional<Column> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }

    public Column keyColumn() {
        return column(businessKey).orElseThrow();
    }

    public boolean belongsToContact() {
        return kind.belongsToContact();
    }

    /** The schema-qualified, quoted name for SQL: contacts live in {@code public}, user tables in {@code data}. */
    public String qualifiedName() {
        return kind == TableKind.CONTACTS ? "public.\"contacts\"" : "data." + quote(name);
    }

    private static String quote(String identifier) {
        if (!identifier.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalStateException("Not a safe identifier: " + identifier);
        }
        return '"' + identifier + '"';
    }
}
