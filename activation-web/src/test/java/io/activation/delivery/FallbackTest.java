package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Channel priority with fallback: not allowed, failed, or not confirmed in time, the next channel is tried. */
class FallbackTest extends DeliveryTestSupport {

    @Autowired
    ChannelFallback fallback;

    private long contactOnEmailAndSms() {
        String who = unique("fallback");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\", \"phone\": \"+32470123456\"}");
        consent(who, "email", "marketing", "granted");
        consent(who, "sms", "marketing", "granted");
        return contact;
    }

    @Test
    void aChannelThatIsNotAllowedFallsToTheNext() {
        String who = unique("notallowed");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\", \"phone\": \"+32470123456\"}");
        consent(who, "sms", "marketing", "granted");
        long id = request(contact, List.of("email", "sms"), marketing());
        awaitStatus(id, "dispatched");
        assertThat(steps(id)).startsWith("consent/email/blocked", "consent/sms/passed");
        assertThat(deliveryChannels(id)).containsExactly("sms");
    }

    @Test
    void aFailedDeliveryFallsToTheNextChannelOnceAndTheRequestFailsWhenNoneIsLeft() {
        long contact = contactOnEmailAndSms();
        long id = request(contact, List.of("email", "sms"), marketing());
        awaitStatus(id, "dispatched");
        long email = deliveryId(id, "email");

        transactions.executeWithoutResult(s -> fallback.failed(email, "rejected: 550 mailbox unavailable"));
        assertThat(deliveryChannels(id)).containsExactly("email", "sms");
        // A second report of the same failure changes nothing.
        transactions.executeWithoutResult(s -> fallback.failed(email, "rejected again"));
        assertThat(deliveryChannels(id)).containsExactly("email", "sms");
        assertThat(steps(id)).containsSubsequence("channel/email/chosen", "fallback/email/failed",
                "consent/sms/passed", "channel/sms/chosen").doesNotContain("fallback/-/failed");
        assertThat(reasons(id)).contains("rejected: 550 mailbox unavailable").doesNotContain("rejected again");
        assertThat(status(id)).isEqualTo("dispatched");

        transactions.executeWithoutResult(s -> fallback.failed(deliveryId(id, "sms"), "rejected: unknown number"));
        assertThat(status(id)).isEqualTo("failed");
        // Arbitration's last steps; the test context's e-mail sender may record its send of the first delivery
        // (a "send/email/..." step) at any point, also after them, as a real send before a bounce would.
        assertThat(steps(id).stream().filter(step -> !step.startsWith("send/")).toList())
                .endsWith("fallback/sms/failed", "fallback/-/failed");
    }

    @Test
    void aDeliveryNotConfirmedInTimeFallsToTheNextChannel() {
        long contact = contactOnEmailAndSms();
        SendOptions confirm = new SendOptions(SendOptions.Purpose.MARKETING, null, null, Duration.ofHours(1));
        long unconfirmed = request(contact, List.of("email", "sms"), confirm);
        long confirmed = request(contact, List.of("email", "sms"), confirm);
        awaitStatus(unconfirmed, "dispatched");
        awaitStatus(confirmed, "dispatched");
        // What the sender runtime does: one is sent and never confirmed, the other is confirmed as delivered.
        jdbc.update("update deliveries set status = 'sent' where id = ?", deliveryId(unconfirmed, "email"));
        jdbc.update("update deliveries set status = 'delivered' where id = ?", deliveryId(confirmed, "email"));

        clock.advance(Duration.ofMinutes(59));
        assertThat(deliveryChannels(unconfirmed)).containsExactly("email");
        clock.advance(Duration.ofMinutes(1));
        await("a fallback to sms", () -> deliveryChannels(unconfirmed), c -> c.size() == 2);
        assertThat(deliveryChannels(unconfirmed)).containsExactly("email", "sms");
        assertThat(reasons(unconfirmed)).anyMatch(r -> r.startsWith("not confirmed as delivered by"));
        assertThat(deliveryChannels(confirmed)).containsExactly("email");
    }

    @Test
    void pushFallsBackOnlyOnceEveryDeviceTokenFailed() {
        String who = unique("devices");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "push", "marketing", "granted");
        consent(who, "email", "marketing", "granted");
        for (String token : List.of("a", "b")) {
            jdbc.update("insert into device_tokens (token, contact_id, platform, created_at, last_seen_at)"
                    + " values (?, ?, 'ios', now(), now())", who + "-" + token, contact);
        }
        long id = request(contact, List.of("push", "email"), marketing());
        awaitStatus(id, "dispatched");
        List<Long> push = jdbc.queryForList("select id from deliveries where request_id = ? order by id", Long.class,
                id);
        assertThat(push).hasSize(2);
        assertThat(jdbc.queryForList("select message_key from deliveries where request_id = ?", String.class, id))
                .doesNotHaveDuplicates();

        transactions.executeWithoutResult(s -> fallback.failed(push.get(0), "UNREGISTERED"));
        assertThat(deliveryChannels(id)).containsExactly("push", "push");
        transactions.executeWithoutResult(s -> fallback.failed(push.get(1), "UNREGISTERED"));
        assertThat(deliveryChannels(id)).containsExactly("push", "push", "email");
    }
}
