package io.activation.channels.sms;

import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The SMS channel (the sender; {@link TwilioWebhookController} takes the same condition), when {@code activation.channels.sms.twilio.account-sid} is set. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "activation.channels.sms.twilio", name = "account-sid")
@EnableConfigurationProperties(TwilioProperties.class)
class TwilioConfiguration {

    @Bean
    TwilioSmsSender twilioSmsSender(TwilioProperties properties, Clock clock) {
        return new TwilioSmsSender(properties, clock);
    }
}
