package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.ChannelFallback;
import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.template.MessageRenderer;
import io.activation.template.RenderException;
import io.activation.template.RenderedMessage;
import io.activation.testing.ApiTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sender tests without arbitration: they write the rows arbitration would (a request, a queued delivery) and publish
 * the dispatched record through the outbox, on a channel, topic and consumer group of their own, to a runtime built
 * for a sender that records what it was handed (the sink).
 */
abstract class SenderTestSupport extends ApiTest {

    @Autowired
    SenderRuntimes runtimes;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    Outbox outbox;

    @Autowired
    ChangeEvents events;

    @Autowired
    KafkaAdmin kafkaAdmin;

    private final List<SenderRuntime> started = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeRuntimes() {
        started.forEach(SenderRuntime::close);
        started.clear();
    }

    /** A channel name no other test uses (deliveries.channel holds 20 characters). */
    static String channel() {
        return unique("ch");
    }

    /** Creates the channel's topic and dead-letter topic of a test. */
    String topic(String channel) {
        String topic = "test.messages." + channel;
        kafkaAdmin.createOrModifyTopics(new NewTopic(topic, 3, (short) 1), new NewTopic(topic + ".dlt", 1, (short) 1));
        return topic;
    }

    SenderRuntime.Builder runtime(ChannelSender sender, String topic) {
        return runtimes.builder(sender).topic(topic).consumerGroup(unique("sender")).renderer(new TestRenderer())
                .retryPollInterval(Duration.ofMillis(100));
    }

    SenderRuntime start(SenderRuntime.Builder builder) {
        SenderRuntime runtime = builder.build();
        started.add(runtime);
        runtime.start();
        return runtime;
    }

    long contact(String phone) {
        String id = unique("c");
        Timestamp now = Timestamp.from(clock.instant());
        return jdbc.queryForObject("""
                insert into contacts (external_id, email, phone, first_name, last_name, country, created_at, updated_at)
                values (?, ?, ?, 'Ada', 'Lovelace', 'GB', ?, ?) returning id""", Long.class, id,
                id + "@example.com", phone, now, now);
    }

    /** A message request naming these channels, with two days to confirm. */
    long request(long contactId, String... channels) {
        StringBuilder json = new StringBuilder("[");
        for (String c : channels) {
            json.append(json.length() > 1 ? "," : "").append("{\"channel\":\"").append(c)
                    .append("\",\"template\":\"welcome\"}");
        }
        json.append(']');
        return jdbc.queryForObject("""
                insert into message_requests (dedupe_key, contact_id, scenario_id, scenario_version, step_id, channels,
                    priority, status, created_at, confirm_within, context)
                values (?, ?, 7, 1, 'send', ?::jsonb, 5, 'dispatched', ?, interval '2 days', '{"trigger":{"cart":"c1"}}')
                returning id""", Long.class, unique("req"), contactId, json.toString(),
                Timestamp.from(clock.instant()));
    }

    /** A queued delivery as arbitration writes it. */
    long delivery(long requestId, long contactId, String channel, String template, String address) {
        String key = jdbc.queryForObject("select dedupe_key from message_requests where id = ?", String.class,
                requestId) + ":" + channel;
        Timestamp now = Timestamp.from(clock.instant());
        return jdbc.queryForObject("""
                insert into deliveries (request_id, contact_id, channel, template, message_key, address, purpose,
                    priority, scenario_id, status, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?, 'marketing', 5, 7, 'queued', ?, ?) returning id""", Long.class, requestId,
                contactId, channel, template, key, address, now, now);
    }

    /** One contact, one request, one queued delivery to the contact's e-mail address. */
    long queued(String channel) {
        long contact = contact(null);
        long request = request(contact, channel);
        String email = jdbc.queryForObject("select email from contacts where id = ?", String.class, contact);
        return delivery(request, contact, channel, "welcome", email);
    }

    /** Publishes the dispatched record of the delivery to the topic, through the outbox (as arbitration does). */
    void dispatch(String topic, long deliveryId) {
        Map<String, Object> d = jdbc.queryForMap("select * from deliveries where id = ?", deliveryId);
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("deliveryId", deliveryId);
        data.put("messageKey", (String) d.get("message_key"));
        data.put("requestId", ((Number) d.get("request_id")).longValue());
        data.put("contactId", ((Number) d.get("contact_id")).longValue());
        data.put("channel", (String) d.get("channel"));
        data.put("template", (String) d.get("template"));
        data.put("address", (String) d.get("address"));
        long contactId = ((Number) d.get("contact_id")).longValue();
        transactions.executeWithoutResult(tx -> outbox.append(List.of(events.event(topic, SendEvents.DISPATCHED,
                contactId, "deliveries/" + deliveryId, "test", data, java.util.UUID.randomUUID()))));
    }

    Map<String, Object> row(long deliveryId) {
        return jdbc.queryForMap("select * from deliveries where id = ?", deliveryId);
    }

    String status(long deliveryId) {
        return jdbc.queryForObject("select status from deliveries where id = ?", String.class, deliveryId);
    }

    List<Map<String, Object>> decisions(long deliveryId) {
        return jdbc.queryForList("select stage, outcome, reason from delivery_decisions where delivery_id = ?"
                + " order by id", deliveryId);
    }

    Instant instant(Object timestamp) {
        return ((Timestamp) timestamp).toInstant();
    }

    void awaitStatus(long deliveryId, String status) {
        await("delivery " + deliveryId + " " + status, () -> status(deliveryId), status::equals);
    }

    static <T> T await(String what, Supplier<T> value, Predicate<T> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        T last = value.get();
        while (!until.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + what + "; last value: " + last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = value.get();
        }
        return last;
    }

    /** A consumer of a topic from its beginning. */
    KafkaConsumer<String, String> consumer(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("test"));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Renders "Hello <first name>" (the template "broken" fails as a template error would). */
    static final class TestRenderer implements MessageRenderer {
        @Override
        public RenderedMessage render(io.activation.template.RenderRequest request) {
            if (request.template().equals("broken")) {
                throw new RenderException("subject", "unknown variable 'cart.totl'");
            }
            return new RenderedMessage(Map.of("subject", "Hello", "text", "Hello from " + request.template()
                    + " for " + request.messageKey()), Map.of("cart", request.context() == null ? ""
                    : request.context().path("trigger").path("cart").asString("")));
        }
    }

    /** The provider side: records every call and answers what the test's function says (default: accepted). */
    static class Sink implements ChannelSender {
        final String channel;
        final Queue<OutboundMessage> calls = new ConcurrentLinkedQueue<>();
        final Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
        volatile Function<OutboundMessage, SendResult> answer = m -> new SendResult.Accepted("p-" + m.deliveryId());
        int maxBatch = 1;

        Sink(String channel) {
            this.channel = channel;
        }

        @Override
        public String channel() {
            return channel;
        }

        @Override
        public int maxBatch() {
            return maxBatch;
        }

        @Override
        public SendResult send(OutboundMessage message) {
            calls.add(message);
            SendResult r = answer.apply(message);
            if (r instanceof SendResult.Accepted) {
                accepted.computeIfAbsent(message.messageKey(), k -> new AtomicInteger()).incrementAndGet();
            }
            return r;
        }

        int acceptedTimes(String key) {
            AtomicInteger n = accepted.get(key);
            return n == null ? 0 : n.get();
        }
    }

    /** Records what arbitration would be told. */
    static final class Fallbacks implements ChannelFallback {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void failed(long deliveryId, String reason) {
            calls.add(deliveryId + ": " + reason);
        }

        List<Long> ids() {
            List<Long> ids = new ArrayList<>();
            calls.forEach(c -> ids.add(Long.parseLong(c.substring(0, c.indexOf(':')))));
            return ids;
        }
    }

    static void assertDecision(List<Map<String, Object>> decisions, String outcome, String reasonPart) {
        assertThat(decisions).as("decisions").anySatisfy(d -> {
            assertThat(d.get("outcome")).isEqualTo(outcome);
            assertThat((String) d.get("reason")).contains(reasonPart);
        });
    }
}
