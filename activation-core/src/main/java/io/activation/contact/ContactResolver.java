package io.activation.contact;

import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import io.activation.platform.JdbcTransactions;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Finds the contact each ref names and creates the ones that do not exist yet: an interaction row or event for an
 * unknown external id creates a bare contact with that id (data arriving before the profile is not lost); an
 * unknown anonymous id creates an anonymous contact. Contacts named by internal id must exist; a ref to one that
 * does not is left unresolved ({@link ResolvedContacts#has}).
 */
@Component
public class ContactResolver {

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final Clock clock;

    ContactResolver(JdbcTemplate jdbc, TableCatalog catalog, Clock clock) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.clock = clock;
    }

    /** Resolves {@code refs} in the caller's transaction (JPA or plain JDBC); refuses to run outside one. */
    public ResolvedContacts resolve(Collection<ContactRef> refs) {
        return resolve(refs, null);
    }

    /**
     * As {@link #resolve(Collection)}, with the contacts table's schema (for the events of created contacts) already
     * at hand: a caller in a plain JDBC transaction reads it before it begins, since the catalog may read it through
     * JPA, which would not take part in that transaction.
     */
    public ResolvedContacts resolve(Collection<ContactRef> refs, TableSchema schema) {
        JdbcTransactions.requireActive("ContactResolver.resolve");
        Map<ContactRef, Long> ids = new HashMap<>();
        List<StoredRow> created = new ArrayList<>();
        Set<String> externalIds = new LinkedHashSet<>();
        Set<String> anonymousIds = new LinkedHashSet<>();
        Set<Long> internalIds = new LinkedHashSet<>();
        for (ContactRef ref : refs) {
            if (ref.externalId() != null) {
                externalIds.add(ref.externalId());
            } else if (ref.anonymousId() != null) {
                anonymousIds.add(ref.anonymousId());
            } else {
                internalIds.add(ref.contactId());
            }
        }
        Map<String, Long> byExternal = byExternalIds(externalIds, created, schema);
        Map<String, Long> byAnonymous = byAnonymousIds(anonymousIds, created, schema);
        Set<Long> existing = existingIds(internalIds);
        for (ContactRef ref : refs) {
            if (ref.externalId() != null) {
                ids.put(ref, byExternal.get(ref.externalId()));
            } else if (ref.anonymousId() != null) {
                ids.put(ref, byAnonymous.get(ref.anonymousId()));
            } else if (existing.contains(ref.contactId())) {
                ids.put(ref, ref.contactId());
            }
            // An internal id that names no contact stays unresolved: the caller rejects the items naming it.
        }
        return new ResolvedContacts(ids, created);
    }

    /** The contact an anonymous id points at, if any. */
    public java.util.Optional<Long> anonymous(String anonymousId) {
        return jdbc.queryForList("select contact_id from contact_identities where anonymous_id = ?", Long.class,
                anonymousId).stream().findFirst();
    }

    private Map<String, Long> byExternalIds(Set<String> externalIds, List<StoredRow> created, TableSchema schema) {
        Map<String, Long> found = new HashMap<>();
        if (externalIds.isEmpty()) {
            return found;
        }
        // Read first: for events the contacts nearly always exist, and then this is the only round trip. (One
        // statement that reads and inserts is slower: PostgreSQL plans it anew on every call for short arrays.)
        select(externalIds, found);
        if (found.size() == externalIds.size()) {
            return found;
        }
        // In one order for every transaction: two batches naming the same new contacts in different orders
        // would otherwise each wait for a contact the other inserted (a deadlock).
        List<String> missing = externalIds.stream().filter(id -> !found.containsKey(id)).sorted().toList();
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    insert into contacts (external_id, created_at, updated_at)
                    select x, ?, ? from unnest(?::varchar[]) as x
                    on conflict (external_id) do nothing
                    returning id, external_id""");
            ps.setObject(1, now);
            ps.setObject(2, now);
            ps.setArray(3, connection.createArrayOf("varchar", missing.toArray()));
            return ps;
        }, rs -> {
            found.put(rs.getString(2), rs.getLong(1));
            created.add(bare(rs.getLong(1), rs.getString(2), now, schema));
        });
        if (found.size() < externalIds.size()) {
            // Created by another transaction since our read (the insert waited for it to commit).
            select(missing.stream().filter(id -> !found.containsKey(id)).toList(), found);
        }
        return found;
    }

    private void select(Collection<String> externalIds, Map<String, Long> found) {
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement(
                    "select id, external_id from contacts where external_id = any(?)");
            Array array = connection.createArrayOf("varchar", externalIds.toArray());
            ps.setArray(1, array);
            return ps;
        }, rs -> {
            found.putIfAbsent(rs.getString(2), rs.getLong(1));
        });
    }

    private Map<String, Long> byAnonymousIds(Set<String> anonymousIds, List<StoredRow> created,
            TableSchema schema) {
        Map<String, Long> found = new HashMap<>();
        if (anonymousIds.isEmpty()) {
            return found;
        }
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement(
                    "select anonymous_id, contact_id from contact_identities where anonymous_id = any(?)");
            ps.setArray(1, connection.createArrayOf("varchar", anonymousIds.toArray()));
            return ps;
        }, rs -> {
            found.put(rs.getString(1), rs.getLong(2));
        });
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        for (String anonymousId : new TreeSet<>(anonymousIds)) { // sorted: see byExternalIds
            if (found.containsKey(anonymousId)) {
                continue;
            }
            Long contactId = jdbc.queryForObject(
                    "insert into contacts (created_at, updated_at) values (?, ?) returning id", Long.class, now, now);
            int linked = jdbc.update("insert into contact_identities (anonymous_id, contact_id, created_at) "
                    + "values (?, ?, ?) on conflict (anonymous_id) do nothing", anonymousId, contactId, now);
            if (linked == 1) {
                found.put(anonymousId, contactId);
                created.add(bare(contactId, null, now, schema));
            } else {
                // Another request created it first; use theirs.
                jdbc.update("delete from contacts where id = ?", contactId);
                found.put(anonymousId, jdbc.queryForObject(
                        "select contact_id from contact_identities where anonymous_id = ?", Long.class, anonymousId));
            }
        }
        return found;
    }

    private Set<Long> existingIds(Set<Long> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        Set<Long> existing = new LinkedHashSet<>();
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement("select id from contacts where id = any(?)");
            ps.setArray(1, connection.createArrayOf("bigint", ids.toArray()));
            return ps;
        }, rs -> {
            existing.add(rs.getLong(1));
        });
        return existing;
    }

    /** A contact just created with nothing but its key: every attribute is empty. */
    private StoredRow bare(long id, String externalId, OffsetDateTime at, TableSchema schema) {
        Map<String, Object> values = new java.util.LinkedHashMap<>();
        for (TableSchema.Column column : (schema != null ? schema : catalog.contacts()).columns()) {
            values.put(column.name(), null);
        }
        values.put("external_id", externalId);
        return new StoredRow(id, null, values, at.toInstant(), at.toInstant());
    }
}
