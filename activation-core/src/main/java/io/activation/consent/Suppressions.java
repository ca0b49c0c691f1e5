package io.activation.consent;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Suppression lists: addresses nothing is sent to on a channel, whoever the contact (hard bounces, complaints,
 * unsubscribes, SMS STOP, manual entries). Addresses are kept normalised: e-mail lower-cased and trimmed, others
 * trimmed.
 */
@Service
public class Suppressions {

    /** A suppressed address. */
    public record Suppression(String channel, String address, String reason, String source, String detail,
            Instant createdAt) {}

    private final JdbcTemplate jdbc;
    private final Clock clock;

    Suppressions(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** The form addresses are stored and compared in. */
    public static String normalise(String channel, String address) {
        String a = address.trim();
        return "email".equals(channel) ? a.toLowerCase(Locale.ROOT) : a;
    }

    /** Suppresses the address; answers false when it was suppressed already (the first reason is kept). */
    @Transactional
    public boolean suppress(String channel, String address, String reason, String source, String detail) {
        return jdbc.update("""
                insert into suppressions (channel, address, reason, source, detail, created_at)
                values (?, ?, ?, ?, ?, ?) on conflict (channel, address) do nothing""", channel,
                normalise(channel, address), reason, source, detail,
                Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS))) > 0;
    }

    /** Lifts a suppression; answers whether there was one. */
    @Transactional
    public boolean lift(String channel, String address) {
        return jdbc.update("delete from suppressions where channel = ? and address = ?", channel,
                normalise(channel, address)) > 0;
    }

    public Optional<Suppression> find(String channel, String address) {
        return jdbc.query("select * from suppressions where channel = ? and address = ?", (rs, n) ->
                new Suppression(rs.getString("channel"), rs.getString("address"), rs.getString("reason"),
                        rs.getString("source"), rs.getString("detail"), rs.getTimestamp("created_at").toInstant()),
                channel, normalise(channel, address)).stream().findFirst();
    }

    /** A page of a channel's suppressions, newest first. */
    public List<Suppression> list(String channel, int limit, int offset) {
        return jdbc.query("select * from suppressions where channel = ? order by created_at desc, address"
                + " limit ? offset ?", (rs, n) -> new Suppression(rs.getString("channel"), rs.getString("address"),
                rs.getString("reason"), rs.getString("source"), rs.getString("detail"),
                rs.getTimestamp("created_at").toInstant()), channel, limit, offset);
    }
}
