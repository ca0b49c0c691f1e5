package io.activation.journey;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.EventPartitions;
import io.activation.ingest.IngestProperties;
import io.activation.ingest.Outbox;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.time.Clock;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JourneyProperties.class)
class JourneyConfiguration {

    @Bean
    NewTopic journeysDeadLetterTopic(JourneyProperties properties) {
        return new NewTopic(properties.deadLetterTopic(), 1, (short) 1);
    }

    @Bean
    @ConditionalOnRole(Role.ENGINE)
    TimerPoller timerPoller(JdbcTemplate jdbc, TransactionTemplate transactions, Outbox outbox, ChangeEvents events,
            Clock clock, JourneyProperties properties, EventPartitions partitions, EngineBacklog backlog) {
        return new TimerPoller(jdbc, transactions, outbox, events, clock, properties, partitions, backlog);
    }

    /** The engine group's backlog on activation.events, for the timer poller; read at most every 25 ms. */
    @Bean(destroyMethod = "close")
    @ConditionalOnRole(Role.ENGINE)
    EngineBacklog engineBacklog(KafkaAdmin admin, IngestProperties ingest, JourneyProperties properties) {
        return new EngineBacklog(org.apache.kafka.clients.admin.Admin.create(admin.getConfigurationProperties()),
                ingest.eventsTopic(), properties.consumerGroup(), TimerPoller.HELD_BACK_RECHECK);
    }

    @Bean
    @ConditionalOnRole(Role.ENGINE)
    JourneyEngineRuntime journeyEngineRuntime(JourneyEngine engine, ConsumerFactory<?, ?> kafka, IngestProperties ingest,
            JourneyProperties properties, KafkaTemplate<String, String> template, TimerPoller poller) {
        return new JourneyEngineRuntime(engine, kafka, ingest, properties, template, poller, "journey-engine");
    }
}
