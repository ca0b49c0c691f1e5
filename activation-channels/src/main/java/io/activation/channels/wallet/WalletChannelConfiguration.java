package io.activation.channels.wallet;

import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The wallet channel, only when {@code activation.channels.wallet.certificate} is set: the sender and the APNs
 * client on every node (arbitration sees the channel by its sender). The PassKit web service
 * ({@link WalletWebService}) is a scanned controller on API nodes under the same condition.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${activation.channels.wallet.certificate:}'.isBlank()")
@EnableConfigurationProperties(WalletChannelProperties.class)
class WalletChannelConfiguration {

    @Bean
    WalletPasses walletPasses(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock) {
        return new WalletPasses(jdbc, transactions, clock);
    }

    @Bean
    PassFactory walletPassFactory(WalletChannelProperties properties) {
        return new PassFactory(properties);
    }

    @Bean
    WalletLinks walletLinks(WalletChannelProperties properties) {
        return new WalletLinks(properties);
    }

    @Bean
    ApnsNotifier walletApnsNotifier(WalletChannelProperties properties) {
        return new ApnsNotifier(properties);
    }

    @Bean
    WalletSender walletSender(WalletPasses passes, PassFactory factory, ApnsNotifier apns,
            WalletChannelProperties properties) {
        return new WalletSender(passes, factory, apns, properties);
    }
}
