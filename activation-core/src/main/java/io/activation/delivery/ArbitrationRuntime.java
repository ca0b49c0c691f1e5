package io.activation.delivery;

import io.activation.platform.KafkaLanes;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

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
        ConcurrentMessageListenerContainer<String, String> c = KafkaLanes.container(kafka,
                properties.messagesTopic(), properties.consumerGroup(), "delivery-arbitration", properties.batchSize(),
                properties.concurrency(), new ArbitrationListener(arbitration), template,
                properties.deadLetterTopic());
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
