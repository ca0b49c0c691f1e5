package io.activation.platform;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * A keyed lane of work on a topic: a consumer group whose batch listener applies a poll at a time (the journey engine,
 * arbitration). Settings from Spring Boot's consumer factory; group, client id, string deserialisers, commits
 * once per poll (ack mode {@code BATCH}, no auto-commit) and earliest offsets its own. A transient failure (a
 * deadlock, the database restarting) is retried; a record that still fails on its own (the listener names it
 * with a {@code BatchListenerFailedException}) goes to the dead-letter topic with its headers, so one poisoned
 * record does not stop its contact's lane. Not started.
 */
public final class KafkaLanes {

    private KafkaLanes() {
    }

    public static ConcurrentMessageListenerContainer<String, String> container(ConsumerFactory<?, ?> kafka,
            String topic, String group, String name, int maxPollRecords, int concurrency,
            BatchMessageListener<String, String> listener, KafkaTemplate<String, String> template,
            String deadLetterTopic) {
        Map<String, Object> config = new HashMap<>(kafka.getConfigurationProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        ContainerProperties containerProperties = new ContainerProperties(topic);
        containerProperties.setAckMode(ContainerProperties.AckMode.BATCH);
        containerProperties.setMessageListener(listener);
        containerProperties.setPollTimeout(200);
        ConcurrentMessageListenerContainer<String, String> c = new ConcurrentMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(config), containerProperties);
        c.setConcurrency(concurrency);
        c.setBeanName(name);
        c.setCommonErrorHandler(new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(deadLetterTopic, -1)), new FixedBackOff(500, 5)));
        return c;
    }
}
