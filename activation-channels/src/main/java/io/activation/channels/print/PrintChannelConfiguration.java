package io.activation.channels.print;

import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.PlatformTransactionManager;

/** The print sender and its batch job, only when {@code activation.channels.print.directory} is set. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("!'${activation.channels.print.directory:}'.isBlank()")
@EnableConfigurationProperties(PrintChannelProperties.class)
class PrintChannelConfiguration {

    @Bean
    PrintSender printSender(JdbcTemplate jdbc, PrintChannelProperties properties, Clock clock) {
        return new PrintSender(jdbc, properties, clock);
    }

    @Bean
    PrintBatchWriter printBatchWriter(JdbcTemplate jdbc, PlatformTransactionManager transactions,
            PrintChannelProperties properties, Clock clock) {
        return new PrintBatchWriter(jdbc, transactions, properties, clock);
    }

    @Bean
    @ConditionalOnRole(Role.SENDERS)
    PrintBatchJob printBatchJob(PrintBatchWriter writer) {
        return new PrintBatchJob(writer);
    }

    /** The scheduled run of {@link PrintBatchWriter} on sender nodes. */
    static final class PrintBatchJob {

        private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PrintBatchJob.class);

        private final PrintBatchWriter writer;

        PrintBatchJob(PrintBatchWriter writer) {
            this.writer = writer;
        }

        @Scheduled(cron = "${activation.channels.print.schedule:0 0 6 * * *}")
        void run() {
            try {
                var written = writer.writePending();
                if (!written.isEmpty()) {
                    log.info("Print batches written: {}", written);
                }
            } catch (RuntimeException e) {
                // The batch stays 'writing' and is finished by the next run with the same letters.
                log.error("Print batch job failed; the next run resumes it", e);
            }
        }
    }
}
