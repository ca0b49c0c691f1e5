package io.activation.tracking;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Short click links for SMS: a random 12-character code (about 71 bits, so codes cannot be enumerated) stored with
 * the delivery and the target URL in {@code tracking_short_links}. The same delivery and URL keep one code, so a
 * re-render does not mint a new link.
 */
@Component
class ShortLinks {

    static final int CODE_LENGTH = 12;
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    ShortLinks(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** The code of this delivery's link to this URL, created when there is none. */
    String code(long deliveryId, String url) {
        String fresh = newCode();
        jdbc.update("insert into tracking_short_links (code, delivery_id, url, created_at) values (?, ?, ?, ?) "
                + "on conflict (delivery_id, md5(url)) do nothing",
                fresh, deliveryId, url, OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC));
        return jdbc.queryForObject("select code from tracking_short_links where delivery_id = ? and md5(url) = md5(?)",
                String.class, deliveryId, url);
    }

    /** The delivery and target a code names, if the code was issued. */
    Optional<TrackingReference> find(String code) {
        if (code == null || code.length() != CODE_LENGTH || !code.chars().allMatch(c -> ALPHABET.indexOf(c) >= 0)) {
            return Optional.empty();
        }
        return jdbc.query("select delivery_id, url from tracking_short_links where code = ?",
                (rs, n) -> new TrackingReference(TrackingReference.Kind.CLICK, rs.getLong(1),
                        Optional.of(rs.getString(2))), code).stream().findFirst();
    }

    private String newCode() {
        StringBuilder code = new StringBuilder(CODE_LENGTH);
        for (int i = 0; i < CODE_LENGTH; i++) {
            code.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return code.toString();
    }
}
