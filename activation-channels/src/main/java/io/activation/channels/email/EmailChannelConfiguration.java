package io.activation.channels.email;

import io.activation.delivery.spi.ProviderFeedback;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.time.Clock;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The e-mail channel, on when {@code spring.mail.host} is set (the embedded mail catcher sets it) and
 * {@code activation.channels.email.enabled} is not false: the
 * {@link SmtpSender} (in every process, so arbitration on an engine-only node sees the channel; it connects only when
 * it sends), the bounce mailbox reader (processes with the {@code senders} role, when
 * {@code activation.channels.email.bounces.enabled}) and, with a webhook secret, {@link EmailWebhookController}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.mail.host")
@ConditionalOnProperty(name = "activation.channels.email.enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(EmailProperties.class)
public class EmailChannelConfiguration {

    @Bean(destroyMethod = "close")
    SmtpSender smtpSender(Environment env, EmailProperties settings, Clock clock) {
        return new SmtpSender(smtpServer(env), settings, clock);
    }

    /** {@code spring.mail.*} as the sender's server. */
    static SmtpServer smtpServer(Environment env) {
        Binder binder = Binder.get(env);
        Map<String, String> properties = binder.bind("spring.mail.properties",
                Bindable.mapOf(String.class, String.class)).orElse(Map.of());
        return new SmtpServer(env.getRequiredProperty("spring.mail.host"),
                env.getProperty("spring.mail.port", Integer.class, 0), env.getProperty("spring.mail.username"),
                env.getProperty("spring.mail.password"), env.getProperty("spring.mail.protocol", "smtp"),
                properties);
    }

    @Bean
    @ConditionalOnRole(Role.SENDERS)
    @ConditionalOnProperty(name = "activation.channels.email.bounces.enabled", havingValue = "true")
    ScheduledBounceReader bounceMailboxReader(EmailProperties settings, ObjectProvider<ProviderFeedback> feedback,
            Clock clock) {
        return new ScheduledBounceReader(new BounceMailboxReader(settings.bounces(), feedback::getIfAvailable,
                clock, settings));
    }

    /** Polls the bounce mailbox every {@code activation.channels.email.bounces.interval}. */
    public static final class ScheduledBounceReader {
        private final BounceMailboxReader reader;

        ScheduledBounceReader(BounceMailboxReader reader) {
            this.reader = reader;
        }

        @Scheduled(initialDelayString = "${activation.channels.email.bounces.interval:60s}",
                fixedDelayString = "${activation.channels.email.bounces.interval:60s}")
        public void poll() {
            reader.poll();
        }

        public BounceMailboxReader reader() {
            return reader;
        }
    }
}
