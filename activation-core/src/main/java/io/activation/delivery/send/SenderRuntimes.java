package io.activation.delivery.send;

import io.activation.consent.Suppressions;
import io.activation.delivery.ChannelFallback;
import io.activation.delivery.DeliveryProperties;
import io.activation.delivery.spi.ChannelSender;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.platform.JdbcTransactions;
import io.activation.template.MessageRenderer;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Builds sender runtimes: the platform's ledger, Kafka settings and defaults, the application's renderer and
 * fallback (when there are such beans). The application starts one per {@link ChannelSender} bean in processes
 * with the {@code senders} role; tests and benchmarks build their own.
 */
@Component
public class SenderRuntimes {

    private final DeliveryLedger ledger;
    private final ConsumerFactory<?, ?> kafka;
    private final SenderProperties properties;
    private final DeliveryProperties delivery;
    private final ObjectProvider<MessageRenderer> renderer;
    private final ObjectProvider<ChannelFallback> fallback;

    SenderRuntimes(JdbcTemplate jdbc, TransactionTemplate transactions, JdbcTransactions jdbcTransactions,
            Outbox outbox, ChangeEvents events,
            Suppressions suppressions, Clock clock, ConsumerFactory<?, ?> kafka, SenderProperties properties,
            DeliveryProperties delivery, ObjectProvider<MessageRenderer> renderer,
            ObjectProvider<ChannelFallback> fallback) {
        this.ledger = new DeliveryLedger(jdbc, transactions, jdbcTransactions, outbox, events, suppressions, clock);
        this.kafka = kafka;
        this.properties = properties;
        this.delivery = delivery;
        this.renderer = renderer;
        this.fallback = fallback;
    }

    /** The topic a channel's deliveries are dispatched to: {@code activation.messages.<channel>}. */
    public String topic(String channel) {
        return delivery.messagesTopic() + "." + channel;
    }

    /** A runtime for the sender on its channel's topic and group, with the configured limits; not started. */
    public SenderRuntime.Builder builder(ChannelSender sender) {
        return new SenderRuntime.Builder(sender, ledger, kafka, properties, topic(sender.channel()),
                renderer.getIfAvailable(), fallback.getIfAvailable());
    }

    /** Whether the application has a renderer (the templates module). */
    boolean hasRenderer() {
        return renderer.getIfAvailable() != null;
    }
}
