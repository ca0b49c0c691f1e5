package io.activation.delivery.device;

import io.activation.contact.Contacts;
import io.activation.datamodel.StoredRow;
import io.activation.platform.FieldError;
import io.activation.platform.InvalidInputException;
import io.activation.platform.NotFoundException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The device-token registry. A token identifies one app installation, so it belongs to one contact at a time:
 * registering a token another contact holds moves it (the phone changed hands, another user logged in). Registering
 * a known token again refreshes it ({@code last_seen_at}); a registration naming a {@code previousToken} replaces
 * that token (FCM rotated it). A contact keeps at most {@value #MAX_PER_CONTACT} tokens: registering one more drops
 * the one seen longest ago, as abandoned installations never unregister.
 */
@Service
public class DeviceTokens {

    public static final int MAX_PER_CONTACT = 20;

    /** The outcome of a registration. */
    public record Registered(DeviceToken device, Result result) {}

    /** What a registration did. */
    public enum Result {
        /** A token new to the registry. */
        CREATED,
        /** A token the contact already had: refreshed. */
        REFRESHED,
        /** A token another contact had: now this contact's. */
        MOVED
    }

    private final JdbcTemplate jdbc;
    private final Contacts contacts;
    private final Clock clock;

    DeviceTokens(JdbcTemplate jdbc, Contacts contacts, Clock clock) {
        this.jdbc = jdbc;
        this.contacts = contacts;
        this.clock = clock;
    }

    /** Registers (or refreshes) a token of the contact with this external id. */
    @Transactional
    public Registered register(String externalId, DeviceRegistration registration) {
        return register(contactId(externalId), registration);
    }

    /** Registers (or refreshes) a token of a contact by internal id. */
    @Transactional
    public Registered register(long contactId, DeviceRegistration registration) {
        // Serialises registrations of one contact, so the per-contact limit holds under concurrent registrations.
        if (jdbc.queryForList("select id from contacts where id = ? for update", Long.class, contactId).isEmpty()) {
            throw new NotFoundException("contactId", "There is no contact " + contactId);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Optional<DeviceToken> existing = find(registration.token());
        Instant createdAt = now;
        if (registration.previousToken() != null) {
            // The rotated token's first registration is the installation's: keep it.
            Optional<DeviceToken> previous = find(registration.previousToken()).filter(d -> d.contactId() == contactId);
            if (previous.isPresent()) {
                createdAt = previous.get().createdAt();
                jdbc.update("delete from device_tokens where token = ?", registration.previousToken());
            }
        }
        if (existing.isPresent() && existing.get().contactId() == contactId) {
            createdAt = existing.get().createdAt().isBefore(createdAt) ? existing.get().createdAt() : createdAt;
        }
        String appId = registration.appId();
        jdbc.update("""
                insert into device_tokens (token, contact_id, platform, app_id, created_at, last_seen_at)
                values (?, ?, ?, ?, ?, ?)
                on conflict (token) do update set contact_id = excluded.contact_id, platform = excluded.platform,
                    app_id = excluded.app_id, created_at = excluded.created_at,
                    last_seen_at = excluded.last_seen_at""",
                registration.token(), contactId, registration.platform().code(), appId, Timestamp.from(createdAt),
                Timestamp.from(now));
        keepMostRecent(jdbc, contactId);
        Result result = existing.isEmpty() ? Result.CREATED
                : existing.get().contactId() == contactId ? Result.REFRESHED : Result.MOVED;
        DeviceToken device = new DeviceToken(registration.token(), contactId, registration.platform(), appId,
                createdAt, now);
        return new Registered(device, result);
    }

    /** Removes a token of the contact; answers whether the contact had it. */
    @Transactional
    public boolean unregister(String externalId, String token) {
        List<FieldError> errors = new ArrayList<>();
        DeviceRegistration.checkToken(token, "token", true, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return jdbc.update("delete from device_tokens where contact_id = ? and token = ?", contactId(externalId),
                token) > 0;
    }

    /**
     * Removes a token whoever holds it: the provider said it is no longer registered (FCM {@code UNREGISTERED}).
     * Answers whether it was there.
     */
    @Transactional
    public boolean remove(String token) {
        return jdbc.update("delete from device_tokens where token = ?", token) > 0;
    }

    /** The contact's tokens, most recently seen first. */
    @Transactional(readOnly = true)
    public List<DeviceToken> list(String externalId) {
        return list(contactId(externalId));
    }

    @Transactional(readOnly = true)
    public List<DeviceToken> list(long contactId) {
        return jdbc.query("select * from device_tokens where contact_id = ? order by last_seen_at desc, token",
                DeviceTokens::device, contactId);
    }

    /** A token, whoever holds it. */
    @Transactional(readOnly = true)
    public Optional<DeviceToken> find(String token) {
        return jdbc.query("select * from device_tokens where token = ?", DeviceTokens::device, token).stream()
                .findFirst();
    }

    /** Drops the contact's tokens beyond the {@value #MAX_PER_CONTACT} most recently seen. */
    static void keepMostRecent(JdbcTemplate jdbc, long contactId) {
        jdbc.update("""
                delete from device_tokens where contact_id = ? and token not in (
                    select token from device_tokens where contact_id = ?
                    order by last_seen_at desc, created_at desc, token limit ?)""",
                contactId, contactId, MAX_PER_CONTACT);
    }

    private long contactId(String externalId) {
        return contacts.byExternalId(externalId).map(StoredRow::id)
                .orElseThrow(() -> new NotFoundException("externalId", "There is no contact '" + externalId + "'"));
    }

    private static DeviceToken device(ResultSet rs, int n) throws SQLException {
        return new DeviceToken(rs.getString("token"), rs.getLong("contact_id"),
                DevicePlatform.of(rs.getString("platform"), "platform"), rs.getString("app_id"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("last_seen_at").toInstant());
    }
}
