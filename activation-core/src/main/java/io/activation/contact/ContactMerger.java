package io.activation.contact;

import io.activation.datamodel.RowReader;
import io.activation.datamodel.StoredRow;
import io.activation.datamodel.TableCatalog;
import io.activation.datamodel.TableSchema;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Links an anonymous id to a known contact and, when the anonymous id had a contact of its own with no external
 * id, folds it in: its events, rows of every contact-owned table and identities move to the known contact, the
 * known contact's empty built-in attributes take the anonymous one's values, and the anonymous contact is deleted.
 * An anonymous id already used by another known contact (a shared device) is re-pointed, never merged.
 */
@Component
public class ContactMerger {

    /** What a link did. {@code mergedContactId} is the anonymous contact folded in, when there was one. */
    public record Link(long contactId, String anonymousId, Long mergedContactId, boolean changed) {}

    private final JdbcTemplate jdbc;
    private final TableCatalog catalog;
    private final RowReader rows;
    private final Clock clock;
    private final List<ContactMergeParticipant> participants;

    ContactMerger(JdbcTemplate jdbc, TableCatalog catalog, RowReader rows, Clock clock,
            List<ContactMergeParticipant> participants) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.rows = rows;
        this.clock = clock;
        this.participants = List.copyOf(participants);
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public Link link(String anonymousId, long knownContactId) {
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        List<Long> current = jdbc.queryForList(
                "select contact_id from contact_identities where anonymous_id = ? for update", Long.class, anonymousId);
        if (current.isEmpty()) {
            int inserted = jdbc.update("insert into contact_identities (anonymous_id, contact_id, created_at) "
                    + "values (?, ?, ?) on conflict (anonymous_id) do nothing", anonymousId, knownContactId, now);
            if (inserted == 1) {
                return new Link(knownContactId, anonymousId, null, true);
            }
            return link(anonymousId, knownContactId);
        }
        long anonymousContactId = current.get(0);
        if (anonymousContactId == knownContactId) {
            return new Link(knownContactId, anonymousId, null, false);
        }
        // Lock both contacts in id order so two merges never deadlock.
        jdbc.queryForList("select id from contacts where id in (?, ?) order by id for update", Long.class,
                Math.min(anonymousContactId, knownContactId), Math.max(anonymousContactId, knownContactId));
        TableSchema contacts = catalog.contacts();
        Optional<StoredRow> anonymous = rows.byId(contacts, anonymousContactId);
        if (anonymous.isEmpty() || anonymous.get().values().get("external_id") != null) {
            jdbc.update("update contact_identities set contact_id = ? where anonymous_id = ?", knownContactId,
                    anonymousId);
            return new Link(knownContactId, anonymousId, null, true);
        }
        jdbc.update("update events set contact_id = ? where contact_id = ?", knownContactId, anonymousContactId);
        for (TableSchema table : catalog.all()) {
            if (table.belongsToContact()) {
                jdbc.update("update " + table.qualifiedName() + " set contact_id = ? where contact_id = ?",
                        knownContactId, anonymousContactId);
            }
        }
        jdbc.update("update contact_identities set contact_id = ? where contact_id = ?", knownContactId,
                anonymousContactId);
        fillEmptyAttributes(contacts, anonymous.get(), knownContactId, now);
        for (ContactMergeParticipant participant : participants) {
            participant.merged(anonymousContactId, knownContactId, now.toInstant());
        }
        jdbc.update("delete from contacts where id = ?", anonymousContactId);
        return new Link(knownContactId, anonymousId, anonymousContactId, true);
    }

    private void fillEmptyAttributes(TableSchema contacts, StoredRow anonymous, long knownContactId,
            OffsetDateTime now) {
        List<String> sets = new ArrayList<>();
        for (TableSchema.Column column : contacts.columns()) {
            if (!column.name().equals("external_id") && anonymous.values().get(column.name()) != null) {
                sets.add(column.quoted() + " = coalesce(k." + column.quoted() + ", a." + column.quoted() + ")");
            }
        }
        if (sets.isEmpty()) {
            return;
        }
        jdbc.update("update contacts k set " + String.join(", ", sets) + ", updated_at = ? from contacts a "
                + "where k.id = ? and a.id = ?", now, knownContactId, anonymous.id());
    }
}
