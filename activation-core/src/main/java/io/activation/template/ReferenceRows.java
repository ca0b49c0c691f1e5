package io.activation.template;

import io.activation.datamodel.RowReader;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableKind;
import io.activation.datamodel.TableSchema;
import io.activation.platform.NotFoundException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code lookup} filter's reads: one row of a reference table (shared catalogue data such as products) by its
 * business key, as plain values. Never a row of a table that belongs to contacts: a template cannot read another
 * contact's data.
 */
@Component
class ReferenceRows {

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;

    ReferenceRows(JdbcTemplate jdbc, TableCatalog catalog) {
        this.jdbc = jdbc;
        this.catalog = catalog;
    }

    /** The row, or empty when the table is no reference table or has no row with that key. */
    Optional<Map<String, Object>> find(String table, String key) {
        TableSchema schema;
        try {
            schema = catalog.schema(table);
        } catch (NotFoundException e) {
            return Optional.empty();
        }
        if (schema.kind() != TableKind.REFERENCE) {
            return Optional.empty();
        }
        return jdbc.query("select " + RowReader.selectList(schema) + " from " + schema.qualifiedName() + " where "
                        + schema.keyColumn().quoted() + "::text = ?", (rs, n) -> RowReader.read(schema, rs), key)
                .stream().findFirst().map(ReferenceRows::plain);
    }

    private static Map<String, Object> plain(StoredRow row) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", row.id());
        row.values().forEach((c, v) -> map.put(c, LiquidSandbox.plain(v)));
        return map;
    }
}
