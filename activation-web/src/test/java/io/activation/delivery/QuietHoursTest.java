package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Quiet hours in the contact's own time zone: marketing is deferred to their end or skipped; transactional goes. */
class QuietHoursTest extends DeliveryTestSupport {

    // 14:30 UTC is 23:30 in Tokyo (UTC+9): inside 21:00-08:00 there, outside it in UTC.
    private static final Instant AFTERNOON_UTC = Instant.parse("2031-03-12T14:30:00Z");

    @Test
    void aMarketingMessageIsDeferredUntilTheQuietHoursEndInTheContactsZone() {
        put("/api/v1/quiet-hours", "{\"start\": \"21:00\", \"end\": \"08:00\"}").expect(200);
        clock.set(AFTERNOON_UTC);
        String tokyo = unique("tokyo");
        long inTokyo = contact(tokyo, "{\"email\": \"" + tokyo + "@example.com\", \"timeZone\": \"Asia/Tokyo\"}");
        consent(tokyo, "email", "marketing", "granted");
        String utc = unique("utc");
        long inUtc = contact(utc, "{\"email\": \"" + utc + "@example.com\"}");
        consent(utc, "email", "marketing", "granted");

        long deferred = request(inTokyo, List.of("email"), marketing());
        long sent = request(inUtc, List.of("email"), marketing());
        long receipt = request(inTokyo, List.of("email"), transactional());
        awaitStatus(deferred, "deferred");
        awaitStatus(sent, "dispatched");
        awaitStatus(receipt, "dispatched");

        // 08:00 in Tokyo the next morning is 23:00 UTC the same day.
        Instant until = Instant.parse("2031-03-12T23:00:00Z");
        assertThat(jdbc.queryForObject("select decide_at from message_requests where id = ?",
                java.sql.Timestamp.class, deferred).toInstant()).isEqualTo(until);
        assertThat(steps(deferred)).endsWith("quiet-hours/email/deferred");
        assertThat(reasons(deferred).get(reasons(deferred).size() - 1)).isEqualTo("2031-03-12 23:30 Asia/Tokyo is"
                + " within quiet hours 21:00-08:00; deferred until 2031-03-13 08:00 Asia/Tokyo (" + until + ")");
        assertThat(reasons(sent)).contains("2031-03-12 14:30 UTC is outside quiet hours 21:00-08:00");
        assertThat(deliveryChannels(deferred)).isEmpty();

        clock.set(until.minusSeconds(60));
        assertThat(arbitration.decideDue(inTokyo)).isZero();
        assertThat(status(deferred)).isEqualTo("deferred");
        clock.set(until);
        awaitStatus(deferred, "dispatched");
        assertThat(deliveryChannels(deferred)).containsExactly("email");
        assertThat(reasons(deferred)).contains("2031-03-13 08:00 Asia/Tokyo is outside quiet hours 21:00-08:00");
    }

    @Test
    void aSendStepThatSkipsInQuietHoursSkipsAndAnExpiryBeforeTheirEndDrops() {
        put("/api/v1/quiet-hours", "{\"start\": \"21:00\", \"end\": \"08:00\"}").expect(200);
        clock.set(AFTERNOON_UTC);
        String who = unique("tokyo");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\", \"timeZone\": \"Asia/Tokyo\"}");
        consent(who, "email", "marketing", "granted");

        long skipped = request(contact, List.of("email"), new SendOptions(SendOptions.Purpose.MARKETING,
                SendOptions.QuietHoursPolicy.SKIP, null, null));
        awaitStatus(skipped, "skipped");
        assertThat(steps(skipped)).endsWith("quiet-hours/email/skipped");

        long expiring = request(contact, List.of("email"), new SendOptions(SendOptions.Purpose.MARKETING,
                SendOptions.QuietHoursPolicy.DEFER, Duration.ofHours(2), null));
        awaitStatus(expiring, "expired");
        assertThat(reasons(expiring).get(reasons(expiring).size() - 1)).contains("after the request's expiry");
    }
}
