package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static Backoff backoff(double random) {
        return new Backoff(Duration.ofSeconds(30), Duration.ofHours(1), () -> random);
    }

    @Test
    void doublesPerAttemptBetweenHalfAndAllOfTheDelay() {
        assertThat(backoff(0).delay(1, null)).isEqualTo(Duration.ofSeconds(15));
        assertThat(backoff(1).delay(1, null)).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff(0).delay(2, null)).isEqualTo(Duration.ofSeconds(30));
        assertThat(backoff(1).delay(3, null)).isEqualTo(Duration.ofMinutes(2));
        assertThat(backoff(0.5).delay(4, null)).isEqualTo(Duration.ofMinutes(3));
    }

    @Test
    void isCappedAtTheMaximumEvenAfterManyAttempts() {
        assertThat(backoff(1).delay(8, null)).isEqualTo(Duration.ofHours(1));
        assertThat(backoff(1).delay(100, null)).isEqualTo(Duration.ofHours(1));
        assertThat(backoff(0).delay(100, null)).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void honoursRetryAfterExactlyUpToTheMaximum() {
        assertThat(backoff(0.3).delay(1, Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
        assertThat(backoff(0.3).delay(5, Duration.ZERO)).isEqualTo(Duration.ZERO);
        assertThat(backoff(0.3).delay(1, Duration.ofDays(2))).isEqualTo(Duration.ofHours(1));
    }
}
