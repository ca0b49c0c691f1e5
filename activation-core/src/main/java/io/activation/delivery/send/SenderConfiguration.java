package io.activation.delivery.send;

import io.activation.delivery.DeliveryProperties;
import io.activation.delivery.spi.ChannelSender;
import io.activation.platform.ConditionalOnRole;
import io.activation.platform.Role;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SenderProperties.class)
class SenderConfiguration {

    /** The channels the platform knows; each gets its topic and dead-letter topic whether or not it is configured. */
    static final List<String> CHANNELS = List.of("email", "sms", "push", "wallet", "print", "webhook");

    @Bean
    KafkaAdmin.NewTopics channelTopics(DeliveryProperties delivery, SenderProperties properties) {
        List<NewTopic> topics = new ArrayList<>();
        for (String channel : CHANNELS) {
            String topic = delivery.messagesTopic() + "." + channel;
            topics.add(new NewTopic(topic, delivery.messagesTopicPartitions(), delivery.messagesTopicReplicas()));
            topics.add(new NewTopic(topic + properties.sending().deadLetterSuffix(), 1,
                    delivery.messagesTopicReplicas()));
        }
        return new KafkaAdmin.NewTopics(topics.toArray(new NewTopic[0]));
    }

    @Bean
    @ConditionalOnRole(Role.SENDERS)
    SenderLauncher senderLauncher(SenderRuntimes runtimes, ObjectProvider<ChannelSender> senders) {
        return new SenderLauncher(runtimes, senders);
    }

    /** Starts one runtime per {@link ChannelSender} bean and stops them on shutdown. */
    static final class SenderLauncher implements SmartLifecycle {

        private static final Logger log = LoggerFactory.getLogger(SenderLauncher.class);

        private final SenderRuntimes runtimes;
        private final ObjectProvider<ChannelSender> senders;
        private final List<SenderRuntime> running = new ArrayList<>();

        SenderLauncher(SenderRuntimes runtimes, ObjectProvider<ChannelSender> senders) {
            this.runtimes = runtimes;
            this.senders = senders;
        }

        @Override
        public synchronized void start() {
            List<ChannelSender> all = senders.orderedStream().toList();
            if (all.isEmpty()) {
                return;
            }
            if (!runtimes.hasRenderer()) {
                log.error("Channel senders {} are configured but there is no MessageRenderer: nothing is sent",
                        all.stream().map(ChannelSender::channel).toList());
                return;
            }
            for (ChannelSender sender : all) {
                SenderRuntime runtime = runtimes.builder(sender).build();
                runtime.start();
                running.add(runtime);
                log.info("Sender of channel {} consumes {} as group {}", sender.channel(), runtime.topic(),
                        runtime.consumerGroup());
            }
        }

        @Override
        public synchronized void stop() {
            running.forEach(SenderRuntime::close);
            running.clear();
        }

        @Override
        public synchronized boolean isRunning() {
            return !running.isEmpty();
        }

        List<SenderRuntime> runtimes() {
            return List.copyOf(running);
        }
    }
}
