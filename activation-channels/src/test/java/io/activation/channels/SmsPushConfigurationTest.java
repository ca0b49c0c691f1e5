package io.activation.channels;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.channels.push.FcmPushSender;
import io.activation.channels.sms.TwilioSmsSender;
import io.activation.channels.sms.TwilioWebhookController;
import io.activation.delivery.spi.ChannelSender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;

/** The SMS and push senders exist only when configured, and bad settings stop the start with the setting named. */
class SmsPushConfigurationTest {

    @Configuration
    @ComponentScan(basePackages = {"io.activation.channels.sms", "io.activation.channels.push"},
            excludeFilters = @ComponentScan.Filter(type = FilterType.REGEX, pattern = ".*Test\\$.*"))
    static class Scan {
        @Bean
        Clock clock() {
            return Clock.systemUTC();
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Scan.class);

    private static final String[] TWILIO = {
            "activation.channels.sms.twilio.account-sid=AC" + "0".repeat(32),
            "activation.channels.sms.twilio.auth-token=secret",
            "activation.channels.sms.twilio.messaging-service-sid=MG" + "1".repeat(32),
            "activation.channels.sms.twilio.status-callback-base-url=https://act.example.com"};

    @Test
    void unconfiguredChannelsHaveNoBeans() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(ChannelSender.class);
            assertThat(context).doesNotHaveBean(TwilioWebhookController.class);
        });
    }

    @Test
    void twilioSettingsMakeTheSmsSenderAndItsWebhooks() {
        runner.withPropertyValues(TWILIO).run(context -> {
            assertThat(context).hasSingleBean(TwilioSmsSender.class);
            assertThat(context).hasSingleBean(TwilioWebhookController.class);
            assertThat(context.getBean(ChannelSender.class).channel()).isEqualTo("sms");
        });
    }

    @Test
    void aMalformedTwilioSettingStopsTheStartNamingIt() {
        runner.withPropertyValues(TWILIO).withPropertyValues("activation.channels.sms.twilio.messaging-service-sid=PN1")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("messagingServiceSid"));
    }

    @Test
    void anFcmCredentialsFileMakesThePushSender(@TempDir Path dir) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\\n"
                + Base64.getEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\\n-----END PRIVATE KEY-----\\n";
        Path json = Files.writeString(dir.resolve("sa.json"), """
                {"type": "service_account", "project_id": "p1", "private_key_id": "k", "private_key": "%s",
                 "client_email": "push@p1.iam.gserviceaccount.com", "client_id": "1",
                 "token_uri": "https://oauth2.googleapis.com/token"}""".formatted(pem));
        runner.withPropertyValues("activation.channels.push.fcm.credentials-file=" + json.toAbsolutePath())
                .run(context -> {
                    assertThat(context).hasSingleBean(FcmPushSender.class);
                    assertThat(context.getBean(FcmPushSender.class).channel()).isEqualTo("push");
                    assertThat(context.getBean(FcmPushSender.class).maxBatch()).isEqualTo(500);
                });
        runner.withPropertyValues("activation.channels.push.fcm.credentials-file=/nonexistent/sa.json")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining("/nonexistent/sa.json"));
    }
}
