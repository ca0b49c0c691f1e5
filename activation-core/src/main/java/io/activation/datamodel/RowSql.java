package io.activation.datamodel;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Binding and reading of canonical values, and the SQL texts of one table schema. */
final class RowSql {

    private RowSql() {}

    static String selectList(TableSchema table) {
        List<String> columns = new ArrayList<>();
        columns.add("id");
        if (table.belongsToContact()) {
            columns.add("contact_id");
        }
        table.columns().forEach(c -> columns.add(c.quoted()));
        columns.add("created_at");
        columns.add("updated_at");
        return String.join(", ", columns);
    }

    static String placeholder(TableSchema.Column column) {
        return column.type() == AttributeType.JSON ? "cast(? as jsonb)" : "?";
    }

    static String keyArrayType(TableSchema table) {
        return table.keyColumn().type() == AttributeType.INTEGER ? "bigint" : "text";
    }

    static StoredRow read(TableSchema table, ResultSet rs) throws SQLException {
        int i = 1;
        long id = rs.getLong(i++);
        Long contactId = null;
        if (table.belongsToContact()) {
            contactId = rs.getLong(i++);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (TableSchema.Column column : table.columns()) {
            values.put(column.name(), readValue(rs, i++, column.type()));
        }
        Instant created = rs.getObject(i++, OffsetDateTime.class).toInstant();
        Instant updated = rs.getObject(i, OffsetDateTime.class).toInstant();
        return new StoredRow(id, contactId, values, created, updated);
    }

    static Object readValue(ResultSet rs, int index, AttributeType type) throws SQLException {
        return switch (type) {
            case INTEGER -> {
                long v = rs.getLong(index);
                yield rs.wasNull() ? null : v;
            }
            case DECIMAL -> {
                BigDecimal d = rs.getBigDecimal(index);
                yield d == null ? null : d.stripTrailingZeros().scale() < 0 ? d.setScale(0) : d.stripTrailingZeros();
            }
            case BOOLEAN -> {
                boolean b = rs.getBoolean(index);
                yield rs.wasNull() ? null : b;
            }
            case DATE -> rs.getObject(index, LocalDate.class);
            case TIMESTAMP -> {
                OffsetDateTime t = rs.getObject(index, OffsetDateTime.class);
                yield t == null ? null : t.toInstant();
            }
            case JSON -> {
                String s = rs.getString(index);
                yield s == null ? null : Values.json().readTree(s);
            }
            default -> rs.getString(index);
        };
    }

    static void bind(PreparedStatement ps, int index, AttributeType type, Object value) throws SQLException {
        if (value == null) {
            ps.setNull(index, switch (type) {
                case INTEGER -> Types.BIGINT;
                case DECIMAL -> Types.NUMERIC;
                case BOOLEAN -> Types.BOOLEAN;
                case DATE -> Types.DATE;
                case TIMESTAMP -> Types.TIMESTAMP_WITH_TIMEZONE;
                default -> Types.VARCHAR;
            });
            return;
        }
        switch (type) {
            case INTEGER -> ps.setLong(index, (Long) value);
            case DECIMAL -> ps.setBigDecimal(index, (BigDecimal) value);
            case BOOLEAN -> ps.setBoolean(index, (Boolean) value);
            case DATE -> ps.setObject(index, value, Types.DATE);
            case TIMESTAMP -> ps.setObject(index, OffsetDateTime.ofInstant((Instant) value, ZoneOffset.UTC));
            case JSON -> ps.setString(index, Values.json().writeValueAsString((JsonNode) value));
            default -> ps.setString(index, (String) value);
        }
    }
}
