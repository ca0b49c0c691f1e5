package io.activation.channels.push;

import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The push channel, when {@code activation.channels.push.fcm.credentials-file} is set. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "activation.channels.push.fcm", name = "credentials-file")
@EnableConfigurationProperties(FcmProperties.class)
class FcmConfiguration {

    @Bean(destroyMethod = "close")
    FcmPushSender fcmPushSender(FcmProperties properties, Clock clock) {
        return new FcmPushSender(properties, clock);
    }
}
