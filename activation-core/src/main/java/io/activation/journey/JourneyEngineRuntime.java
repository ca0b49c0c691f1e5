package io.activation.journey;

import io.activation.ingest.IngestProperties;
import io.activation.platform.KafkaLanes;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

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
        ConcurrentMessageListenerContainer<String, String> c = KafkaLanes.container(kafka, ingest.eventsTopic(),
                properties.consumerGroup(), name, properties.batchSize(), properties.concurrency(),
                new EngineListener(engine), template, properties.deadLetterTopic());
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
