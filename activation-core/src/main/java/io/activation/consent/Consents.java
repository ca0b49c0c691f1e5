package io.activation.consent;

import io.activation.contact.Contacts;
import io.activation.datamodel.StoredRow;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.platform.NotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The consent ledger. A change writes the current status, appends the history row and publishes {@value #CHANGED}
 * in one transaction; setting the status a consent already has changes nothing and publishes nothing (the first
 * proof stays). Changes of one contact are serialised by locking the contact's row.
 */
@Service
public class Consents {

    public static final String CHANGED = "io.activation.consent.changed";

    /** The outcome of a change: the consent as it now is, and whether it changed. */
    public record Recorded(Consent consent, ConsentStatus previousStatus, boolean changed) {}

    private final JdbcTemplate jdbc;
    private final Contacts contacts;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Clock clock;
    private final JsonMapper json = JsonMapper.builder().build();

    Consents(JdbcTemplate jdbc, Contacts contacts, Outbox outbox, ChangeEvents events, Clock clock) {
        this.jdbc = jdbc;
        this.contacts = contacts;
        this.outbox = outbox;
        this.events = events;
        this.clock = clock;
    }

    /** Sets a consent of the contact with this external id; {@link NotFoundException} when there is none. */
    @Transactional
    public Recorded record(String externalId, ConsentChange change, String origin) {
        return record(contactId(externalId), change, origin);
    }

    /** Sets a consent of a contact by internal id. */
    @Transactional
    public Recorded record(long contactId, ConsentChange change, String origin) {
        List<Long> locked = jdbc.queryForList("select id from contacts where id = ? for update", Long.class,
                contactId);
        if (locked.isEmpty()) {
            throw new NotFoundException("contactId", "There is no contact " + contactId);
        }
        Optional<Consent> current = find(contactId, change.channel(), change.purpose());
        ConsentStatus previous = current.map(Consent::status).orElse(null);
        if (previous == change.status()) {
            return new Recorded(current.get(), previous, false);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String proof = json.writeValueAsString(change.proof());
        jdbc.update("""
                insert into contact_consents (contact_id, channel, purpose, status, changed_at, source, proof)
                values (?, ?, ?, ?, ?, ?, ?::jsonb)
                on conflict (contact_id, channel, purpose) do update set status = excluded.status,
                    changed_at = excluded.changed_at, source = excluded.source, proof = excluded.proof""",
                contactId, change.channel().code(), change.purpose(), change.status().code(), Timestamp.from(now),
                change.source(), proof);
        Long historyId = jdbc.queryForObject("""
                insert into contact_consent_history (contact_id, channel, purpose, status, previous_status, changed_at,
                    source, proof)
                values (?, ?, ?, ?, ?, ?, ?, ?::jsonb) returning id""", Long.class,
                contactId, change.channel().code(), change.purpose(), change.status().code(),
                previous == null ? null : previous.code(), Timestamp.from(now), change.source(), proof);
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("contactId", contactId);
        data.put("channel", change.channel().code());
        data.put("purpose", change.purpose());
        data.put("status", change.status().code());
        if (previous == null) {
            data.putNull("previousStatus");
        } else {
            data.put("previousStatus", previous.code());
        }
        data.put("source", change.source());
        outbox.append(List.of(events.event(CHANGED, contactId, "contacts/" + contactId + "/consents/"
                + change.channel().code() + "/" + change.purpose(), origin, data,
                UUID.nameUUIDFromBytes(("consent-history:" + historyId).getBytes()))));
        Consent now_ = new Consent(contactId, change.channel(), change.purpose(), change.status(), now,
                change.source(), change.proof());
        return new Recorded(now_, previous, true);
    }

    /** The contact's current consents, by channel then purpose. */
    @Transactional(readOnly = true)
    public List<Consent> of(String externalId) {
        return of(contactId(externalId));
    }

    @Transactional(readOnly = true)
    public List<Consent> of(long contactId) {
        return jdbc.query("""
                select contact_id, channel, purpose, status, changed_at, source, proof::text as proof
                from contact_consents where contact_id = ? order by channel, purpose""", this::consent, contactId);
    }

    /** The history of the contact's consents, oldest first. */
    @Transactional(readOnly = true)
    public List<HistoryEntry> history(String externalId) {
        long contactId = contactId(externalId);
        return jdbc.query("""
                select channel, purpose, status, previous_status, changed_at, source, proof::text as proof
                from contact_consent_history where contact_id = ? order by id""", (rs, n) -> new HistoryEntry(
                Channel.of(rs.getString("channel"), "channel"), rs.getString("purpose"),
                ConsentStatus.of(rs.getString("status"), "status"),
                rs.getString("previous_status") == null ? null
                        : ConsentStatus.of(rs.getString("previous_status"), "previousStatus"),
                rs.getTimestamp("changed_at").toInstant(), rs.getString("source"), json.readTree(rs.getString("proof"))),
                contactId);
    }

    /** One change as it was recorded. */
    public record HistoryEntry(Channel channel, String purpose, ConsentStatus status, ConsentStatus previousStatus,
            Instant changedAt, String source, JsonNode proof) {}

    /** Whether the contact has granted (and not withdrawn) this channel for this purpose. */
    @Transactional(readOnly = true)
    public boolean granted(long contactId, Channel channel, String purpose) {
        return find(contactId, channel, purpose).map(Consent::granted).orElse(false);
    }

    public Optional<Consent> find(long contactId, Channel channel, String purpose) {
        return jdbc.query("""
                select contact_id, channel, purpose, status, changed_at, source, proof::text as proof
                from contact_consents where contact_id = ? and channel = ? and purpose = ?""", this::consent,
                contactId, channel.code(), purpose).stream().findFirst();
    }

    private long contactId(String externalId) {
        return contacts.byExternalId(externalId).map(StoredRow::id)
                .orElseThrow(() -> new NotFoundException("externalId", "There is no contact '" + externalId + "'"));
    }

    private Consent consent(ResultSet rs, int n) throws SQLException {
        return new Consent(rs.getLong("contact_id"), Channel.of(rs.getString("channel"), "channel"),
                rs.getString("purpose"), ConsentStatus.of(rs.getString("status"), "status"),
                rs.getTimestamp("changed_at").toInstant(), rs.getString("source"), json.readTree(rs.getString("proof")));
    }
}
