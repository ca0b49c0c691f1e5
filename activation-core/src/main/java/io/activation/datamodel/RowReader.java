package io.activation.datamodel;

import java.sql.PreparedStatement;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads rows of any table, with keyset pagination by surrogate id (stable under concurrent inserts). */
@Component
public class RowReader {

    private final JdbcTemplate jdbc;

    RowReader(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The column list that {@link #read} expects, for queries written elsewhere over one table. */
    public static String selectList(TableSchema table) {
        return RowSql.selectList(table);
    }

    /** Reads the current result-set row, selected with {@link #selectList}. */
    public static StoredRow read(TableSchema table, java.sql.ResultSet rs) throws java.sql.SQLException {
        return RowSql.read(table, rs);
    }

    public Optional<StoredRow> byKey(TableSchema table, Object key) {
        return jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("select " + RowSql.selectList(table) + " from "
                    + table.qualifiedName() + " where " + table.keyColumn().quoted() + " = ?");
            RowSql.bind(ps, 1, table.keyColumn().type(), key);
            return ps;
        }, (rs, n) -> RowSql.read(table, rs)).stream().findFirst();
    }

    public Optional<StoredRow> byId(TableSchema table, long id) {
        return jdbc.query("select " + RowSql.selectList(table) + " from " + table.qualifiedName() + " where id = ?",
                (rs, n) -> RowSql.read(table, rs), id).stream().findFirst();
    }

    /** Rows of a contact-owned table that belong to the contact, oldest first, after the given id. */
    public List<StoredRow> byContact(TableSchema table, long contactId, long afterId, int limit) {
        return jdbc.query("select " + RowSql.selectList(table) + " from " + table.qualifiedName()
                        + " where contact_id = ? and id > ? order by id limit ?",
                (rs, n) -> RowSql.read(table, rs), contactId, afterId, limit);
    }

    public List<StoredRow> page(TableSchema table, long afterId, int limit) {
        return jdbc.query("select " + RowSql.selectList(table) + " from " + table.qualifiedName()
                + " where id > ? order by id limit ?", (rs, n) -> RowSql.read(table, rs), afterId, limit);
    }
}
