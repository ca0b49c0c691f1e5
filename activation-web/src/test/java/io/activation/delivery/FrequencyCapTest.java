package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.Concurrently;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Frequency caps over sliding windows: per scenario, per channel and across channels; transactional exempt. */
class FrequencyCapTest extends DeliveryTestSupport {

    private long scenario() {
        return ThreadLocalRandom.current().nextLong(1_000_000_000L, 2_000_000_000L);
    }

    /** Lets the request pass its arbitration window (a cap applies to it) and waits for its decision. */
    /** A scenario cap of {@code max} per day on {@code scenario}, and a new contact on e-mail with marketing consent. */
    private long cappedContact(long scenario, int max, String prefix) {
        cap("""
                {"name": "%s", "scope": "scenario", "scenarioId": %d, "max": %d, "window": "P1D"}
                """.formatted(unique("cap"), scenario, max));
        String who = unique(prefix);
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "email", "marketing", "granted");
        return contact;
    }

    private String decided(long id, String status) {
        awaitStatus(id, "pending");
        clock.advance(deliveryProperties.arbitrationWindow().plusSeconds(1));
        return awaitStatus(id, status);
    }

    @Test
    void aScenarioCapAllowsMaxMessagesPerSlidingWindowAndExemptsTransactional() {
        long scenario = scenario();
        long contact = cappedContact(scenario, 2, "capped");

        long first = request(contact, scenario, List.of("email"), 50, marketing());
        decided(first, "dispatched");
        clock.advance(Duration.ofHours(1));
        long second = request(contact, scenario, List.of("email"), 50, marketing());
        decided(second, "dispatched");
        long third = request(contact, scenario, List.of("email"), 50, marketing());
        decided(third, "dropped");
        assertThat(steps(third)).endsWith("cap/email/blocked", "cap/-/dropped");
        assertThat(reasons(third).get(reasons(third).size() - 1)).contains("reached: 2 within the window")
                .contains("no expiresAfter");
        // Another scenario is not capped by it; transactional messages are exempt.
        long other = request(contact, scenario + 1, List.of("email"), 50, marketing());
        awaitStatus(other, "dispatched");
        long receipt = request(contact, scenario, List.of("email"), 50, transactional());
        awaitStatus(receipt, "dispatched");
        assertThat(reasons(receipt)).contains("transactional: exempt from frequency caps");

        // Sliding: a day after the first message, one slot is free again (the second still counts).
        clock.advance(Duration.ofHours(23).plusMinutes(5));
        long fourth = request(contact, scenario, List.of("email"), 50, marketing());
        decided(fourth, "dispatched");
        long fifth = request(contact, scenario, List.of("email"), 50, marketing());
        decided(fifth, "dropped");
    }

    @Test
    void aDeliveryThatFailedDoesNotCountButOneInDoubtDoes() {
        long scenario = scenario();
        long contact = cappedContact(scenario, 1, "failedcap");

        for (String ended : List.of("failed", "bounced", "dead")) {
            long request = request(contact, scenario, List.of("email"), 50, marketing());
            decided(request, "dispatched");
            jdbc.update("update deliveries set status = ? where request_id = ?", ended, request);
        }
        long inDoubt = request(contact, scenario, List.of("email"), 50, marketing());
        decided(inDoubt, "dispatched");
        jdbc.update("update deliveries set status = 'in_doubt' where request_id = ?", inDoubt);
        long blocked = request(contact, scenario, List.of("email"), 50, marketing());
        decided(blocked, "dropped");
        assertThat(reasons(blocked).get(reasons(blocked).size() - 1)).contains("reached: 1 within the window");
    }

    @Test
    void aChannelCapMovesTheMessageToTheNextChannelAndAGlobalCapBlocksEveryChannel() {
        String who = unique("channelcap");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\", \"phone\": \"+32470123456\"}");
        consent(who, "email", "marketing", "granted");
        consent(who, "sms", "marketing", "granted");
        cap("""
                {"name": "%s", "scope": "channel", "channel": "email", "max": 1, "window": "P7D"}
                """.formatted(unique("email")));
        long first = request(contact, List.of("email", "sms"), marketing());
        decided(first, "dispatched");
        assertThat(deliveryChannels(first)).containsExactly("email");
        long second = request(contact, List.of("email", "sms"), marketing());
        decided(second, "dispatched");
        assertThat(deliveryChannels(second)).containsExactly("sms");
        assertThat(steps(second)).contains("cap/email/blocked", "cap/sms/passed", "channel/sms/chosen");

        cap("""
                {"name": "%s", "scope": "global", "max": 2, "window": "P7D"}
                """.formatted(unique("global")));
        long third = request(contact, List.of("sms", "email"), marketing());
        decided(third, "dropped");
        assertThat(steps(third)).containsSubsequence("cap/sms/blocked", "cap/-/dropped")
                .doesNotContain("consent/email/passed");
        assertThat(deliveryChannels(third)).isEmpty();
    }

    @Test
    void theCapHoldsWhenManyThreadsDecideRequestsOfTheSameContactAtOnce() throws Exception {
        long scenario = scenario();
        cap("""
                {"name": "%s", "scope": "scenario", "scenarioId": %d, "max": 2, "window": "P1D"}
                """.formatted(unique("race"), scenario));
        String who = unique("race");
        long contact = contact(who, "{\"email\": \"" + who + "@example.com\"}");
        consent(who, "email", "marketing", "granted");
        int threads = 8;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            ids.add(request(contact, scenario, List.of("email"), 50, marketing()));
        }
        // Every thread decides another request of the same contact at the same moment (as engine threads and
        // instances would); the consumer, which also sees the requests, may join in.
        Concurrently.run(threads, t -> arbitration.decide(ids.get(t)));

        assertThat(jdbc.queryForObject("select count(*) from deliveries where contact_id = ?", Integer.class,
                contact)).isEqualTo(2);
        assertThat(ids.stream().map(this::status).toList()).filteredOn("dispatched"::equals).hasSize(2);
        assertThat(ids.stream().map(this::status).toList()).filteredOn("dropped"::equals).hasSize(threads - 2);
    }
}
