package io.activation.testing;

import io.activation.journey.webhook.WebhookCaller;
import io.activation.journey.webhook.WebhookProperties;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** What every end-to-end test shares (one Spring context): the movable clock, and a webhook caller for stubs. */
@TestConfiguration(proxyBeanMethods = false)
public class TestClockConfiguration {

    @Bean
    @Primary
    MutableClock clock() {
        return new MutableClock();
    }

    /**
     * The application's webhook caller with one exception to its SSRF guard: {@code 127.0.0.1}, where the tests'
     * WireMock stubs listen (on dynamic ports). Every other private, loopback or link-local target stays refused, so
     * the guard itself is still what the tests exercise. Here and not as a test property, so the context stays one.
     */
    @Bean(destroyMethod = "close")
    @Primary
    WebhookCaller testWebhookCaller(WebhookProperties properties, Clock clock) {
        return WebhookCaller.builder().properties(properties).allowedNetworks(List.of("127.0.0.1/32")).clock(clock)
                .build();
    }
}
