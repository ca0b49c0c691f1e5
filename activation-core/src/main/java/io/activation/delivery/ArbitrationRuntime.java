package io.activation.delivery;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Arbitration in an engine process: a consumer of group {@code activation-delivery} on {@code activation.messages}
 * (settings from Spring Boot's consumer factory; group, deserialisers and commits its own) and the
 * {@link ArbitrationPoller}. The requests of a poll are decided in one transaction ({@link ArbitrationListener});
 * deciding is idempotent (a request no longer {@code requested} is left alone; deliveries have unique message
 * keys), so a replayed poll does nothing twice.
 */
public class ArbitrationRuntime implements SmartLifecycle {

    private final Arbitration arbitration;
    private final ConsumerFactory<?, ?> kafka;
    private final DeliveryProperties properties;
    private final KafkaTemplate<String, String> template;
    private final ArbitrationPoller poller;
    private volatile ConcurrentMessageListenerContainer<String, String> container;

    ArbitrationRuntime(Arbitration arbitration, ConsumerFactory<?, ?> kafka, DeliveryProperties properties,
            KafkaTemplate<String, String> template, ArbitrationPoller poller) {
        this.arbitration = arbitration;
        this.kafka = kafka;
        this.properties = properties;
        this.template = template;
        this.poller = poller;
    }

    @Override
    public synchronized void start() {
        if (container != null && container.isRunning()) {
            return;
        }
        Map<String, Object> config = new HashMap<>(kafka.getConfigurationProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.consumerGroup());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "delivery-arbitration");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.batchSize());
        ContainerProperties containerProperties = new ContainerProperties(properties.messagesTopic());
        containerProperties.setAckMode(ContainerProperties.AckMode.BATCH);
        containerProperties.setMessageListener(new ArbitrationListener(arbitration));
        containerProperties.setPollTimeout(200);
        ConcurrentMessageListenerContainer<String, String> c = new ConcurrentMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(config), containerProperties);
        c.setConcurrency(properties.concurrency());
        c.setBeanName("delivery-arbitration");
        // A transient failure (deadlock, database restart) is retried; a request that still fails on its own (the
        // listener names it) goes to the dead-letter topic with its headers, so one poisoned record does not stop
        // the contact's lane.
        c.setCommonErrorHandler(new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(properties.deadLetterTopic(), -1)), new FixedBackOff(500, 5)));
        c.start();
        container = c;
        poller.start();
    }

    @Override
    public synchronized void stop() {
        poller.stop();
        ConcurrentMessageListenerContainer<String, String> c = container;
        if (c != null) {
            c.stop();
        }
        container = null;
    }

    @Override
    public boolean isRunning() {
        return container != null && container.isRunning();
    }

    public ArbitrationPoller poller() {
        return poller;
    }
}
