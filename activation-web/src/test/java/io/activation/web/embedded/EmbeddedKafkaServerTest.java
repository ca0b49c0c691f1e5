package io.activation.web.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker of its own (not the shared one), since this test stops and restarts it. */
class EmbeddedKafkaServerTest {

    private static final String TOPIC = "embedded-kafka-test";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void servesClientsAndKeepsRecordsOffsetsAndPortAcrossARestart() throws Exception {
        EmbeddedKafkaServer kafka = new EmbeddedKafkaServer(dataDir.resolve("kafka"), 0);
        try {
            kafka.start();
            assertThat(kafka.isRunning()).isTrue();
            assertThat(kafka.formattedStorage()).isTrue();
            String bootstrap = kafka.bootstrapServers();
            assertThat(bootstrap).matches("127\\.0\\.0\\.1:\\d+");
            String clusterId = kafka.clusterId();

            // Same key, so both records land in one partition and keep their order.
            produce(bootstrap, "before-restart");
            assertThat(partitionCount(bootstrap)).as("auto-created with num.partitions").isEqualTo(6);
            assertThat(consume(bootstrap, "group-a", 1)).containsExactly("before-restart");

            kafka.stop();
            assertThat(kafka.isRunning()).isFalse();
            assertThat(accepts(bootstrap)).as("port released after stop").isFalse();

            kafka.start();
            assertThat(kafka.formattedStorage()).isFalse();
            assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(kafka.clusterId()).as("storage reused, not formatted again").isEqualTo(clusterId);
            produce(bootstrap, "after-restart");
            assertThat(consume(bootstrap, "group-a", 1)).as("committed offset survived").containsExactly("after-restart");
            assertThat(consume(bootstrap, "group-b", 2)).as("old record survived")
                    .containsExactly("before-restart", "after-restart");
        } finally {
            kafka.stop();
        }
        assertThat(kafka.isRunning()).isFalse();
    }

    @Test
    void refusesPortOutsideTcpRange() {
        assertThatThrownBy(() -> new EmbeddedKafkaServer(dataDir, 70000)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void produce(String bootstrap, String value) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(TOPIC, "same-key", value)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Polls with a deadline until {@code expected} records arrived, commits, and returns their values. */
    private static List<String> consume(String bootstrap, String group, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(Set.of(TOPIC));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            consumer.commitSync(TIMEOUT);
            // A record more than expected would show up here.
            consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    private static int partitionCount(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeTopics(Set.of(TOPIC)).allTopicNames().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .get(TOPIC).partitions().size();
        }
    }

    private static boolean accepts(String hostAndPort) {
        String[] parts = hostAndPort.split(":");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(parts[0], Integer.parseInt(parts[1])), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
