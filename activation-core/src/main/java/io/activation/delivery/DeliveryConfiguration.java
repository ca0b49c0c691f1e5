package io.activation.delivery;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DeliveryProperties.class)
class DeliveryConfiguration {

    @Bean
    NewTopic messagesTopic(DeliveryProperties properties) {
        return new NewTopic(properties.messagesTopic(), properties.messagesTopicPartitions(),
                properties.messagesTopicReplicas());
    }
}
