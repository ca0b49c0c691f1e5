package io.activation.contact;

import io.activation.datamodel.RowReader;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads contacts: by business key, by id, and a filtered search with keyset paging. */
@Component
public class Contacts {

    /** Search filters; all optional and combined with AND. Values are always bound, never put in SQL text. */
    public record Query(String email, String phone, String externalIdPrefix, String name) {}

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final RowReader rows;

    Contacts(JdbcTemplate jdbc, TableCatalog catalog, RowReader rows) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.rows = rows;
    }

    public Optional<StoredRow> byExternalId(String externalId) {
        return rows.byKey(catalog.contacts(), externalId);
    }

    public Optional<StoredRow> byId(long id) {
        return rows.byId(catalog.contacts(), id);
    }

    public List<String> anonymousIds(long contactId) {
        return jdbc.queryForList("select anonymous_id from contact_identities where contact_id = ? order by created_at",
                String.class, contactId);
    }

    public List<StoredRow> search(Query query, long afterId, int limit) {
        TableSchema contacts = catalog.contacts();
        StringBuilder sql = new StringBuilder("select ").append(RowReader.selectList(contacts))
                .append(" from contacts where id > ?");
        List<Object> args = new ArrayList<>();
        args.add(afterId);
        if (query.email() != null) {
            sql.append(" and lower(email) = ?");
            args.add(query.email().toLowerCase(Locale.ROOT));
        }
        if (query.phone() != null) {
            sql.append(" and phone = ?");
            args.add(query.phone());
        }
        if (query.externalIdPrefix() != null) {
            sql.append(" and external_id like ? escape '\\'");
            args.add(escapeLike(query.externalIdPrefix()) + "%");
        }
        if (query.name() != null) {
            sql.append(" and (first_name ilike ? escape '\\' or last_name ilike ? escape '\\')");
            String pattern = "%" + escapeLike(query.name()) + "%";
            args.add(pattern);
            args.add(pattern);
        }
        sql.append(" order by id limit ?");
        args.add(limit);
        return jdbc.query(sql.toString(), (rs, n) -> RowReader.read(contacts, rs), args.toArray());
    }

    private static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
