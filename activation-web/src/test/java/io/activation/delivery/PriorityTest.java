package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Campaign priority: requests of one contact competing for a capped slot within the arbitration window are decided
 * highest priority first; the loser waits for a free slot or its expiry, and is dropped then, with the reason.
 */
class PriorityTest extends DeliveryTestSupport {

    private static SendOptions expiringAfter(Duration d) {
        return new SendOptions(SendOptions.Purpose.MARKETING, null, d, null);
    }

    @Test
    void theHigherPriorityWinsTheSlotAndTheLoserIsDroppedAtItsExpiry() {
        String who = unique("priority");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "email", "marketing", "granted");
        cap("""
                {"name": "%s", "scope": "global", "max": 1, "window": "P1D"}
                """.formatted(unique("one-a-day")));
        // The lower priority arrives first: without priority it would take the slot.
        long low = request(contact, null, List.of("email"), 30, expiringAfter(Duration.ofHours(2)));
        long high = request(contact, null, List.of("email"), 80, expiringAfter(Duration.ofHours(2)));
        awaitStatus(low, "pending");
        awaitStatus(high, "pending");

        clock.advance(deliveryProperties.arbitrationWindow().plusSeconds(1));
        awaitStatus(high, "dispatched");
        awaitStatus(low, "deferred");
        assertThat(deliveryChannels(high)).containsExactly("email");
        assertThat(deliveryChannels(low)).isEmpty();
        JsonNode last = last(low);
        assertThat(last.get("stage").stringValue()).isEqualTo("priority");
        assertThat(last.get("outcome").stringValue()).isEqualTo("deferred");
        assertThat(last.get("reason").stringValue()).contains("lost the slot of cap").contains("to request " + high)
                .contains("(priority 80, this one 30)").contains("(its expiry)");

        clock.advance(Duration.ofHours(2));
        awaitStatus(low, "expired");
        JsonNode dropped = last(low);
        assertThat(dropped.get("stage").stringValue()).isEqualTo("expiry");
        assertThat(dropped.get("outcome").stringValue()).isEqualTo("dropped");
        assertThat(dropped.get("reason").stringValue()).contains("before it could be sent")
                .contains("lost the slot");
        assertThat(deliveryChannels(low)).isEmpty();
    }

    @Test
    void theLoserIsSentWhenASlotFreesBeforeItsExpiry() {
        String who = unique("slot");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "email", "marketing", "granted");
        cap("""
                {"name": "%s", "scope": "global", "max": 1, "window": "PT1H"}
                """.formatted(unique("one-an-hour")));
        long low = request(contact, null, List.of("email"), 10, expiringAfter(Duration.ofDays(1)));
        long high = request(contact, null, List.of("email"), 90, expiringAfter(Duration.ofDays(1)));
        awaitStatus(low, "pending");
        awaitStatus(high, "pending");
        clock.advance(deliveryProperties.arbitrationWindow().plusSeconds(1));
        awaitStatus(high, "dispatched");
        awaitStatus(low, "deferred");
        assertThat(last(low).get("reason").stringValue()).contains("(a slot frees)");

        // The winner's message leaves the one-hour window an hour after it was dispatched, not before.
        clock.advance(Duration.ofMinutes(59));
        assertThat(arbitration.decideDue(contact)).isZero();
        assertThat(status(low)).isEqualTo("deferred");
        clock.advance(Duration.ofMinutes(1));
        awaitStatus(low, "dispatched");
        assertThat(deliveryChannels(low)).containsExactly("email");
    }

    private JsonNode last(long id) {
        JsonNode decisions = trail(id).get("decisions");
        return decisions.get(decisions.size() - 1);
    }
}
