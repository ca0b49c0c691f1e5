package io.activation.tracking;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The HMAC key of tracking tokens: {@code activation.tracking.secret} when set, otherwise 32 random bytes generated
 * by the first instance that needs them and kept in {@code tracking_keys}, so every instance and every restart signs
 * and verifies with the same key. Never a constant: a key in the source would let anyone forge links.
 */
@Component
class TrackingKey {

    private final TrackingProperties properties;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private volatile byte[] key;

    TrackingKey(TrackingProperties properties, JdbcTemplate jdbc, Clock clock) {
        this.properties = properties;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    byte[] key() {
        byte[] current = key;
        if (current == null) {
            synchronized (this) {
                current = key;
                if (current == null) {
                    current = load();
                    key = current;
                }
            }
        }
        return current;
    }

    private byte[] load() {
        String configured = properties.secret();
        if (configured != null && !configured.isBlank()) {
            if (configured.length() < 16) {
                throw new IllegalStateException("activation.tracking.secret must have at least 16 characters");
            }
            return configured.getBytes(StandardCharsets.UTF_8);
        }
        byte[] generated = new byte[32];
        new SecureRandom().nextBytes(generated);
        // Two instances starting together: the first insert wins and both read the winner.
        jdbc.update("insert into tracking_keys (name, secret, created_at) values ('links', ?, ?) "
                + "on conflict (name) do nothing", generated, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC));
        return jdbc.queryForObject("select secret from tracking_keys where name = 'links'", byte[].class);
    }
}
