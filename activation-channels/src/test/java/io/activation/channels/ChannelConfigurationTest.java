package io.activation.channels;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.ChannelSender;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Each channel's beans exist only when the channel is configured (a light context scanning the wallet, print and
 * webhook packages as the application scans them), and the configured ones are the senders of their channels.
 */
class ChannelConfigurationTest {

    @Configuration(proxyBeanMethods = false)
    @ComponentScan(basePackages = {"io.activation.channels.wallet", "io.activation.channels.print",
            "io.activation.channels.webhook"},
            excludeFilters = @ComponentScan.Filter(type = FilterType.REGEX, pattern = ".*Test(\\$.*)?"))
    static class Scan {}

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withUserConfiguration(Scan.class)
                .withBean(Clock.class, Clock::systemUTC)
                .withBean(JdbcTemplate.class, TestDatabase::jdbc)
                .withBean(PlatformTransactionManager.class,
                        () -> new DataSourceTransactionManager(TestDatabase.dataSource()));
    }

    @Test
    void nothingIsConfiguredByDefault() {
        runner().withPropertyValues("activation.channels.webhook.url=", "activation.channels.print.directory=")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeansOfType(ChannelSender.class)).isEmpty();
                    assertThat(context).doesNotHaveBean(io.activation.channels.wallet.WalletWebService.class)
                            .doesNotHaveBean(io.activation.channels.print.PrintBatchWriter.class);
                });
    }

    @Test
    void eachConfiguredChannelHasItsSender() {
        Path certs = directory.resolve("certs");
        certs.toFile().mkdirs();
        var c = io.activation.channels.wallet.WalletTestSupport.certificates(certs);
        runner().withPropertyValues(
                        "activation.channels.webhook.url=https://shop.example/hooks",
                        "activation.channels.webhook.secret=s3cret",
                        "activation.channels.print.directory=" + directory.resolve("print"),
                        "activation.channels.wallet.certificate=" + c.get("certificate"),
                        "activation.channels.wallet.certificate-password=" + c.get("password"),
                        "activation.channels.wallet.wwdr-certificate=" + c.get("wwdr"),
                        "activation.channels.wallet.pass-type-identifier=pass.io.activation.test",
                        "activation.channels.wallet.team-identifier=TEAM123456",
                        "activation.channels.wallet.link-secret=0123456789abcdef0123",
                        "activation.roles=api,senders")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Map<String, String> senders = context.getBeansOfType(ChannelSender.class).values().stream()
                            .collect(Collectors.toMap(ChannelSender::channel, s -> String.valueOf(s.fixedAddress())));
                    assertThat(senders).containsOnly(Map.entry("webhook", "https://shop.example/hooks"),
                            Map.entry("print", "null"), Map.entry("wallet", "wallet"));
                    assertThat(context).hasSingleBean(io.activation.channels.wallet.WalletWebService.class);
                    assertThat(context.getBeanNamesForType(Class.forName(
                            "io.activation.channels.print.PrintChannelConfiguration$PrintBatchJob"))).hasSize(1);
                });
    }

    @Test
    void thePrintBatchJobRunsOnlyOnSenderNodes() {
        runner().withPropertyValues("activation.channels.print.directory=" + directory.resolve("print"),
                        "activation.roles=api")
                .run(context -> {
                    assertThat(context).hasSingleBean(io.activation.channels.print.PrintSender.class);
                    assertThat(context.getBeanNamesForType(Class.forName(
                            "io.activation.channels.print.PrintChannelConfiguration$PrintBatchJob"))).isEmpty();
                });
    }

    @Test
    void theWebServiceRunsOnlyOnApiNodes() {
        Path certs = directory.resolve("certs");
        certs.toFile().mkdirs();
        var c = io.activation.channels.wallet.WalletTestSupport.certificates(certs);
        runner().withPropertyValues(
                        "activation.channels.wallet.certificate=" + c.get("certificate"),
                        "activation.channels.wallet.certificate-password=" + c.get("password"),
                        "activation.channels.wallet.wwdr-certificate=" + c.get("wwdr"),
                        "activation.channels.wallet.pass-type-identifier=pass.io.activation.test",
                        "activation.channels.wallet.team-identifier=TEAM123456",
                        "activation.channels.wallet.link-secret=0123456789abcdef0123",
                        "activation.roles=senders")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(io.activation.channels.wallet.WalletSender.class)
                            .doesNotHaveBean(io.activation.channels.wallet.WalletWebService.class);
                });
    }
}
