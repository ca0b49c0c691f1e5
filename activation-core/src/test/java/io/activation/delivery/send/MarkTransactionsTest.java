package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.SendResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which marks run in a JDBC-only transaction: only those whose every outcome is the ledger's own statements and the
 * outbox. A rejection (suppression, token removal, fallback) or a last retry (dead letter, fallback) calls other
 * components' transactional methods, which the JPA transaction manager runs, so such a mark stays on it.
 */
class MarkTransactionsTest {

    private static final DeliveryLedger.Channel CHANNEL = new DeliveryLedger.Channel("sms", "dlt", 3,
            new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1), () -> 0.5), null);

    @Test
    void acceptedInDoubtAndEarlyRetriesAreTheLedgersOwn() {
        assertThat(DeliveryLedger.callsOthers(CHANNEL, List.of(
                Outcome.of(delivery(1), 1, new SendResult.Accepted("SM1")),
                Outcome.of(delivery(2), 2, new SendResult.Retry("HTTP 429", Duration.ofSeconds(5))),
                Outcome.of(delivery(3), 1, new SendResult.InDoubt("timeout", null)),
                Outcome.unknown(delivery(4), 3, new IllegalStateException("broken pipe"))))).isFalse();
    }

    @Test
    void aRejectionOrALastRetryAnywhereInTheBatchNeedsTheApplicationsTransaction() {
        Outcome accepted = Outcome.of(delivery(1), 1, new SendResult.Accepted("SM1"));
        assertThat(DeliveryLedger.callsOthers(CHANNEL, List.of(accepted,
                Outcome.of(delivery(2), 1, new SendResult.Rejected("HTTP 400", SendResult.Failure.OTHER)))))
                .isTrue();
        assertThat(DeliveryLedger.callsOthers(CHANNEL, List.of(accepted,
                Outcome.of(delivery(3), 3, new SendResult.Retry("HTTP 503", null))))).isTrue();
    }

    private static PendingDelivery delivery(long id) {
        return new PendingDelivery(id, 100 + id, 7, "sms", "t", "k" + id, "+31600000000", "marketing", null, null,
                "queued", 0, Instant.EPOCH, null, null, Map.of());
    }
}
