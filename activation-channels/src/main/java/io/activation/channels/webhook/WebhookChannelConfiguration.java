package io.activation.channels.webhook;

import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The webhook sender, only when {@code activation.channels.webhook.url} is set. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${activation.channels.webhook.url:}'.isBlank()")
@EnableConfigurationProperties(WebhookChannelProperties.class)
class WebhookChannelConfiguration {

    @Bean
    WebhookSender webhookSender(WebhookChannelProperties properties, Clock clock) {
        return new WebhookSender(properties, clock);
    }
}
