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
 *
 * <p>A lane's fetches wait for {@value #FETCH_MIN_BYTES} bytes or {@value #FETCH_MAX_WAIT_MS} ms, whichever comes
 * first (Kafka's defaults are 1 byte or 500 ms: the broker answers as soon as one record is there). Under load a
 * lane then gets a poll of dozens of records per fetch instead of a handful, so the broker handles fewer fetch
 * requests and offset commits, and the listener begins and commits fewer transactions per record; an idle lane
 * waits at most {@value #FETCH_MAX_WAIT_MS} ms longer for a lone record. {@code spring.kafka.consumer.fetch-min-size}
 * and {@code spring.kafka.consumer.fetch-max-wait} override both (set {@code fetch-min-size: 1} for Kafka's
 * behaviour).
 */
public final class KafkaLanes {

    /** Bytes a lane's fetch waits for (about 16 records of {@code activation.events}). */
    public static final int FETCH_MIN_BYTES = 16_384;
    /** The longest a lane's fetch waits for {@link #FETCH_MIN_BYTES}: the latency an idle lane adds to a record. */
    public static final int FETCH_MAX_WAIT_MS = 50;

    private KafkaLanes() {
    }

    public static ConcurrentMessageListenerContainer<String, String> container(ConsumerFactory<?, ?> kafka,
            String topic, String group, String name, int maxPollRecords, int concurrency,
            BatchMessageListener<String, String> listener, KafkaTemplate<String, String> template,
            String deadLetterTopic) {
        Map<String, Object> config = consumerConfig(kafka.getConfigurationProperties(), group, name, maxPollRecords);
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

    /** A lane's consumer settings: Spring Boot's ({@code spring.kafka.consumer.*}) plus the lane's own. */
    static Map<String, Object> consumerConfig(Map<String, Object> boot, String group, String name,
            int maxPollRecords) {
        Map<String, Object> config = new HashMap<>(boot);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        config.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, FETCH_MIN_BYTES);
        config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_MAX_WAIT_MS);
        return config;
    }
}
