package io.activation.ingest;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(IngestProperties.class)
class IngestConfiguration {

    /** Created at start-up by Spring's KafkaAdmin when missing; partitions bound the engine's parallelism. */
    @Bean
    NewTopic eventsTopic(IngestProperties properties) {
        return new NewTopic(properties.eventsTopic(), properties.eventsTopicPartitions(),
                properties.eventsTopicReplicas());
    }
}
