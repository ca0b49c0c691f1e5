package io.activation.delivery;

import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.time.Clock;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DeliveryProperties.class)
class DeliveryConfiguration {

    @Bean
    NewTopic messagesTopic(DeliveryProperties properties) {
        return new NewTopic(properties.messagesTopic(), properties.messagesTopicPartitions(),
                properties.messagesTopicReplicas());
    }

    @Bean
    NewTopic arbitrationDeadLetterTopic(DeliveryProperties properties) {
        return new NewTopic(properties.deadLetterTopic(), 1, properties.messagesTopicReplicas());
    }

    @Bean
    @ConditionalOnRole(Role.ENGINE)
    ArbitrationPoller arbitrationPoller(Arbitration arbitration, JdbcTemplate jdbc, Clock clock,
            DeliveryProperties properties) {
        return new ArbitrationPoller(arbitration, jdbc, clock, properties);
    }

    @Bean
    @ConditionalOnRole(Role.ENGINE)
    ArbitrationRuntime arbitrationRuntime(Arbitration arbitration, ConsumerFactory<?, ?> kafka,
            DeliveryProperties properties, KafkaTemplate<String, String> template, ArbitrationPoller poller) {
        return new ArbitrationRuntime(arbitration, kafka, properties, template, poller);
    }
}
