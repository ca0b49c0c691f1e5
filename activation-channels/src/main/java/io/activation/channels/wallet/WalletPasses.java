package io.activation.channels.wallet;

import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The passes and the devices registered for their updates ({@code wallet_passes}, {@code wallet_registrations}).
 * Update tags are {@code updated_at} in epoch microseconds.
 */
public final class WalletPasses {

    /** What {@link #issueOrUpdate} did. */
    public enum Change { ISSUED, UPDATED, UNCHANGED }

    public record Saved(WalletPass pass, Change change) {}

    /** A device's registration for a pass's updates. */
    public record Registration(String deviceLibraryIdentifier, String passTypeIdentifier, String serialNumber,
            String pushToken) {}

    /** Serial numbers changed since a tag, and the tag to ask with next time. */
    public record Updated(List<String> serialNumbers, String lastUpdated) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;

    public WalletPasses(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    /**
     * Issues the contact's pass of this type and style, or updates its description and fields when it exists
     * ({@code updated_at} moves only when something changed). Concurrent calls for one contact serialise on the
     * unique key.
     */
    public Saved issueOrUpdate(String passTypeIdentifier, long contactId, PassStyle style, String description,
            Map<String, String> fields) {
        String fieldsJson = JSON.writeValueAsString(fields);
        return transactions.execute(status -> {
            Instant now = now();
            String serial = UUID.randomUUID().toString();
            String token = HexFormat.of().formatHex(randomBytes(24));
            int inserted = jdbc.update("""
                    insert into wallet_passes (serial_number, pass_type_id, contact_id, style, auth_token,
                        description, fields, created_at, updated_at)
                    values (?, ?, ?, ?, ?, ?, cast(? as jsonb), ?, ?)
                    on conflict (contact_id, pass_type_id, style) do nothing""", serial, passTypeIdentifier,
                    contactId, style.wireName(), token, description, fieldsJson, Timestamp.from(now),
                    Timestamp.from(now));
            if (inserted == 1) {
                return new Saved(find(passTypeIdentifier, serial).orElseThrow(), Change.ISSUED);
            }
            int updated = jdbc.update("""
                    update wallet_passes set description = ?, fields = cast(? as jsonb), updated_at = ?
                    where contact_id = ? and pass_type_id = ? and style = ?
                      and (description <> ? or fields <> cast(? as jsonb))""", description, fieldsJson,
                    Timestamp.from(now), contactId, passTypeIdentifier, style.wireName(), description, fieldsJson);
            WalletPass pass = jdbc.query("select * from wallet_passes where contact_id = ? and pass_type_id = ?"
                    + " and style = ?", this::pass, contactId, passTypeIdentifier, style.wireName()).get(0);
            return new Saved(pass, updated == 1 ? Change.UPDATED : Change.UNCHANGED);
        });
    }

    public Optional<WalletPass> find(String passTypeIdentifier, String serialNumber) {
        return jdbc.query("select * from wallet_passes where pass_type_id = ? and serial_number = ?", this::pass,
                passTypeIdentifier, serialNumber).stream().findFirst();
    }

    public Optional<WalletPass> findForContact(String passTypeIdentifier, long contactId, PassStyle style) {
        return jdbc.query("select * from wallet_passes where pass_type_id = ? and contact_id = ? and style = ?",
                this::pass, passTypeIdentifier, contactId, style.wireName()).stream().findFirst();
    }

    /** Registers a device for a pass's updates; true when it was not registered yet (the push token is updated). */
    public boolean register(String deviceLibraryIdentifier, String passTypeIdentifier, String serialNumber,
            String pushToken) {
        int inserted = jdbc.update("""
                insert into wallet_registrations (device_library_id, pass_type_id, serial_number, push_token,
                    created_at) values (?, ?, ?, ?, ?)
                on conflict (device_library_id, pass_type_id, serial_number) do nothing""",
                deviceLibraryIdentifier, passTypeIdentifier, serialNumber, pushToken, Timestamp.from(now()));
        if (inserted == 0) {
            jdbc.update("update wallet_registrations set push_token = ? where device_library_id = ?"
                    + " and pass_type_id = ? and serial_number = ?", pushToken, deviceLibraryIdentifier,
                    passTypeIdentifier, serialNumber);
        }
        return inserted == 1;
    }

    /** Removes one registration; true when there was one. */
    public boolean unregister(String deviceLibraryIdentifier, String passTypeIdentifier, String serialNumber) {
        return jdbc.update("delete from wallet_registrations where device_library_id = ? and pass_type_id = ?"
                + " and serial_number = ?", deviceLibraryIdentifier, passTypeIdentifier, serialNumber) > 0;
    }

    /** Every registration of a pass, to notify its devices. */
    public List<Registration> registrations(String passTypeIdentifier, String serialNumber) {
        return jdbc.query("select device_library_id, pass_type_id, serial_number, push_token from"
                + " wallet_registrations where pass_type_id = ? and serial_number = ? order by created_at,"
                + " device_library_id", (rs, n) -> new Registration(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4)), passTypeIdentifier, serialNumber);
    }

    /** APNs said the token is gone: every registration with it goes (one device, all its passes of the type). */
    public int removePushToken(String passTypeIdentifier, String pushToken) {
        return jdbc.update("delete from wallet_registrations where pass_type_id = ? and push_token = ?",
                passTypeIdentifier, pushToken);
    }

    /**
     * The serial numbers of the passes the device is registered for, changed after {@code sinceTag} (all when
     * null), and the newest tag among them.
     */
    public Updated updatedSince(String deviceLibraryIdentifier, String passTypeIdentifier, Long sinceTag) {
        List<Object[]> rows = jdbc.query("""
                select p.serial_number, p.updated_at from wallet_passes p
                join wallet_registrations r on r.pass_type_id = p.pass_type_id and r.serial_number = p.serial_number
                where r.device_library_id = ? and r.pass_type_id = ?
                  and (cast(? as bigint) is null
                       or cast(extract(epoch from p.updated_at) * 1000000 as bigint) > cast(? as bigint))
                order by p.updated_at, p.serial_number""", (rs, n) -> new Object[] {rs.getString(1),
                rs.getTimestamp(2).toInstant()}, deviceLibraryIdentifier, passTypeIdentifier, sinceTag, sinceTag);
        if (rows.isEmpty()) {
            return new Updated(List.of(), null);
        }
        Instant newest = (Instant) rows.get(rows.size() - 1)[1];
        return new Updated(rows.stream().map(r -> (String) r[0]).toList(), Long.toString(tag(newest)));
    }

    static long tag(Instant instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private WalletPass pass(ResultSet rs, int row) throws SQLException {
        Map<String, String> fields = JSON.readValue(rs.getString("fields"),
                new TypeReference<LinkedHashMap<String, String>>() {});
        return new WalletPass(rs.getString("serial_number"), rs.getString("pass_type_id"), rs.getLong("contact_id"),
                PassStyle.parse(rs.getString("style")), rs.getString("auth_token"), rs.getString("description"),
                fields, rs.getTimestamp("updated_at").toInstant());
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
