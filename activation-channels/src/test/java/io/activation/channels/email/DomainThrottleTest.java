package io.activation.channels.email;

import io.activation.channels.MutableTestClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.SendResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-recipient-domain token buckets, on a clock the test moves. */
class DomainThrottleTest {

    private final MutableTestClock clock = new MutableTestClock(Instant.parse("2026-11-22T10:00:00Z"));

    @Test
    void aBurstGoesAtOnceThenSlotsFollowTheRateAndOtherDomainsAreNotHeldUp() {
        DomainThrottle throttle = new DomainThrottle(clock, 10, 3, Map.of(), Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.reserve("example.org")).isEqualTo(new DomainThrottle.Slot(true, Duration.ZERO));
        }
        assertThat(throttle.reserve("Example.ORG")).isEqualTo(new DomainThrottle.Slot(true, Duration.ofMillis(100)));
        assertThat(throttle.reserve("example.org")).isEqualTo(new DomainThrottle.Slot(true, Duration.ofMillis(200)));
        assertThat(throttle.reserve("other.example")).isEqualTo(new DomainThrottle.Slot(true, Duration.ZERO));
        clock.advance(Duration.ofMillis(200));
        // two slots promised, 2 tokens refilled: the next waits one interval
        assertThat(throttle.reserve("example.org")).isEqualTo(new DomainThrottle.Slot(true, Duration.ofMillis(100)));
    }

    @Test
    void aWaitLongerThanTheMaximumIsRefusedWithTheDelayAndReservesNothing() {
        DomainThrottle throttle = new DomainThrottle(clock, 1, 1, Map.of("slow.example", 0.5),
                Duration.ofMillis(500));
        assertThat(throttle.reserve("slow.example").granted()).isTrue();
        DomainThrottle.Slot refused = throttle.reserve("slow.example");
        assertThat(refused).isEqualTo(new DomainThrottle.Slot(false, Duration.ofSeconds(2)));
        clock.advance(Duration.ofSeconds(2));
        assertThat(throttle.reserve("slow.example")).isEqualTo(new DomainThrottle.Slot(true, Duration.ZERO));
    }

    @Test
    void rateZeroIsUnlimited() {
        DomainThrottle throttle = new DomainThrottle(clock, 0, 1, Map.of(), Duration.ZERO);
        for (int i = 0; i < 1000; i++) {
            assertThat(throttle.reserve("example.org").delay()).isZero();
        }
    }

    @Test
    void theSenderWaitsForItsSlotOrAnswersRetryWithTheDelay() {
        List<Duration> slept = new ArrayList<>();
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer();
                SmtpSender sender = new SmtpSender(SmtpServer.of("127.0.0.1", smtp.port()),
                        Messages.settings(1, Duration.ofSeconds(5), 2, 1, Map.of(), Duration.ofMillis(600),
                                EmailProperties.Dkim.off(), ""), clock, slept::add)) {
            assertThat(sender.send(Messages.email("th-1:email", "a@example.org")))
                    .isInstanceOf(SendResult.Accepted.class);
            assertThat(sender.send(Messages.email("th-2:email", "b@example.org")))
                    .isInstanceOf(SendResult.Accepted.class);
            assertThat(slept).containsExactly(Duration.ofMillis(500));
            SendResult third = sender.send(Messages.email("th-3:email", "c@example.org"));
            assertThat(third).isEqualTo(new SendResult.Retry("sending to example.org is throttled (2.0/s)",
                    Duration.ofSeconds(1)));
            assertThat(sender.send(Messages.email("th-4:email", "d@other.example")))
                    .isInstanceOf(SendResult.Accepted.class);
            assertThat(smtp.accepted()).hasSize(3);
        }
    }
}
