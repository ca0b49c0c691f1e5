package io.activation.channels.email;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.ChannelSender;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Which e-mail beans exist for which settings and roles. */
class EmailChannelConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withBean(Clock.class, Clock::systemUTC)
            .withUserConfiguration(EmailChannelConfiguration.class, EmailWebhookController.class);

    @Test
    void withoutSpringMailHostThereIsNoEmailChannel() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ChannelSender.class);
            assertThat(context).doesNotHaveBean(EmailWebhookController.class);
        });
    }

    @Test
    void withAHostTheSenderExistsInEveryRoleAndTheExtrasOnlyWhereConfigured() {
        runner.withPropertyValues("spring.mail.host=127.0.0.1", "spring.mail.port=2525",
                        "spring.mail.properties.mail.smtp.starttls.enable=true",
                        "activation.channels.email.from=news@shop.example", "activation.roles=engine")
                .run(context -> {
                    assertThat(context).hasSingleBean(SmtpSender.class);
                    assertThat(context.getBean(SmtpSender.class).channel()).isEqualTo("email");
                    assertThat(context).doesNotHaveBean(EmailChannelConfiguration.ScheduledBounceReader.class);
                    assertThat(context).doesNotHaveBean(EmailWebhookController.class);
                });
    }

    @Test
    void theBounceReaderRunsWithTheSendersRoleAndTheWebhookWithApiAndASecret() {
        runner.withPropertyValues("spring.mail.host=127.0.0.1", "activation.roles=api,senders",
                        "activation.channels.email.bounces.enabled=true",
                        "activation.channels.email.bounces.host=imap.shop.example",
                        "activation.channels.email.webhook-secret=0123456789abcdef-secret")
                .run(context -> {
                    assertThat(context).hasSingleBean(SmtpSender.class);
                    assertThat(context).hasSingleBean(EmailChannelConfiguration.ScheduledBounceReader.class);
                    assertThat(context).hasSingleBean(EmailWebhookController.class);
                });
        runner.withPropertyValues("spring.mail.host=127.0.0.1", "activation.roles=engine",
                        "activation.channels.email.bounces.enabled=true",
                        "activation.channels.email.webhook-secret=0123456789abcdef-secret")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(EmailChannelConfiguration.ScheduledBounceReader.class);
                    assertThat(context).doesNotHaveBean(EmailWebhookController.class);
                });
    }

    @Test
    void enabledFalseSwitchesTheChannelOffEvenWithAHost() {
        runner.withPropertyValues("spring.mail.host=127.0.0.1", "activation.channels.email.enabled=false",
                        "activation.channels.email.webhook-secret=0123456789abcdef-secret")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(SmtpSender.class);
                    assertThat(context).doesNotHaveBean(EmailWebhookController.class);
                });
    }

    @Test
    void aBadFromAddressStopsTheStart() {
        runner.withPropertyValues("spring.mail.host=127.0.0.1", "activation.channels.email.from=not an address")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("activation.channels.email.from is not an e-mail address"));
    }
}
