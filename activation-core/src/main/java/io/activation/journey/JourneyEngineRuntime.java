package io.activation.journey;

import io.activation.ingest.IngestProperties;
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
 * One engine instance (consumer settings from Spring Boot's consumer factory, so {@code spring.kafka.*} and service
 * connections apply; group, deserialisers and commits are the engine's own): a consumer of the engine's group on {@code activation.events} plus a timer poller. The
 * application runs one; {@link #newInstance} makes more (several engine instances in one process, as a test of
 * rebalancing does). The records of a poll (at most {@code activation.journeys.batch-size}) are applied together in
 * one transaction ({@link EngineListener}); offsets are committed once they are (ack mode BATCH), so a crash replays
 * at most one poll's records, which the engine recognises as applied.
 */
public class JourneyEngineRuntime implements SmartLifecycle {

    private final JourneyEngine engine;
    private final ConsumerFactory<?, ?> kafka;
    private final IngestProperties ingest;
    private final JourneyProperties properties;
    private final KafkaTemplate<String, String> template;
    private final TimerPoller poller;
    private final String name;
    private volatile ConcurrentMessageListenerContainer<String, String> container;

    JourneyEngineRuntime(JourneyEngine engine, ConsumerFactory<?, ?> kafka, IngestProperties ingest,
            JourneyProperties properties, KafkaTemplate<String, String> template, TimerPoller poller, String name) {
        this.engine = engine;
        this.kafka = kafka;
        this.ingest = ingest;
        this.properties = properties;
        this.template = template;
        this.poller = poller;
        this.name = name;
    }

    /** Another engine instance in this process, in the same consumer group; not started. */
    public JourneyEngineRuntime newInstance(String instanceName) {
        return new JourneyEngineRuntime(engine, kafka, ingest, properties, template, poller.copy(), instanceName);
    }

    @Override
    public synchronized void start() {
        if (container != null && container.isRunning()) {
            return;
        }
        Map<String, Object> config = new HashMap<>(kafka.getConfigurationProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.consumerGroup());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.batchSize());
        ContainerProperties containerProperties = new ContainerProperties(ingest.eventsTopic());
        containerProperties.setAckMode(ContainerProperties.AckMode.BATCH);
        containerProperties.setMessageListener(new EngineListener(engine));
        containerProperties.setPollTimeout(200);
        ConcurrentMessageListenerContainer<String, String> c = new ConcurrentMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(config), containerProperties);
        c.setConcurrency(properties.concurrency());
        c.setBeanName(name);
        // Transient failures (a deadlock, the database restarting) are retried; a record that still fails goes to
        // the dead-letter topic with its headers, so one poisoned record does not stop the contact's lane for good.
        c.setCommonErrorHandler(new DefaultErrorHandler(new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(properties.deadLetterTopic(), -1)), new FixedBackOff(500, 5)));
        c.start();
        container = c;
        poller.start();
    }

    /** Stops consuming and polling timers (as a killed engine would); state stays in PostgreSQL and Kafka. */
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

    /** Partitions this instance holds now (changes with rebalances). */
    public int assignedPartitions() {
        ConcurrentMessageListenerContainer<String, String> c = container;
        return c == null || c.getAssignedPartitions() == null ? 0 : c.getAssignedPartitions().size();
    }

    public TimerPoller poller() {
        return poller;
    }
}
