package io.activation.journey.webhook;

import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WebhookProperties.class)
class WebhookConfiguration {

    @Bean(destroyMethod = "close")
    WebhookCaller webhookCaller(WebhookProperties properties, Clock clock) {
        return WebhookCaller.builder().properties(properties).clock(clock).build();
    }
}
