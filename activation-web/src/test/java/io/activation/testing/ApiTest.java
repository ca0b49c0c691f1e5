package io.activation.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.web.ActivationApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Base of the end-to-end API tests: the whole application on a random port, on the JVM's one embedded PostgreSQL
 * and one Kafka broker (ephemeral mode), shared by every test class through Spring's context cache. Tests keep
 * out of each other's way by using fresh names (see {@link #unique}), not by resetting the database.
 */
@SpringBootTest(classes = ActivationApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "activation.embedded.ephemeral=true",
                "activation.demo.enabled=false",
                "activation.security.bootstrap-api-key=" + ApiTest.ADMIN_KEY,
                "activation.ingest.max-body-size=256KB",
                "activation.datamodel.reference-max-rows=1000000",
                // Arbitration treats these channels as deliverable although no sender may be configured in tests.
                "activation.delivery.assume-channels=email,sms,push,print",
                // Fail a publish to a stopped broker in seconds, not 20 s: the outage test waits for one failure.
                "spring.kafka.producer.properties.delivery.timeout.ms=4000",
                "spring.kafka.producer.properties.request.timeout.ms=2000",
                "spring.kafka.producer.properties.max.block.ms=2000",
                "logging.level.org.apache.kafka=WARN",
                "logging.level.kafka=WARN",
                "logging.level.org.apache.zookeeper=WARN"
        })
@Import(TestClockConfiguration.class)
public abstract class ApiTest {

    public static final String ADMIN_KEY = "test-admin-key-0123456789";

    protected static final JsonMapper JSON = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    protected int port;

    @Value("${spring.kafka.bootstrap-servers}")
    protected String bootstrapServers;

    @Autowired
    protected MutableClock clock;

    /** A containerised PostgreSQL where Docker runs; without one the application's embedded PostgreSQL serves. */
    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        ContainerDatabase.get().ifPresent(postgres -> {
            registry.add("spring.datasource.url", postgres::getJdbcUrl);
            registry.add("spring.datasource.username", postgres::getUsername);
            registry.add("spring.datasource.password", postgres::getPassword);
        });
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    /** A name no other test uses: lower-case, safe as a table name or external id. */
    protected static String unique(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    protected Response get(String path) {
        return send("GET", path, null, ADMIN_KEY, Map.of());
    }

    protected Response post(String path, String json) {
        return send("POST", path, json, ADMIN_KEY, Map.of());
    }

    protected Response put(String path, String json) {
        return send("PUT", path, json, ADMIN_KEY, Map.of());
    }

    protected Response delete(String path) {
        return send("DELETE", path, null, ADMIN_KEY, Map.of());
    }

    protected Response send(String method, String path, String body, String apiKey, Map<String, String> headers) {
        return sendBytes(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), apiKey, headers);
    }

    protected Response sendBytes(String method, String path, byte[] body, String apiKey,
            Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null && !headers.containsKey("Content-Type")) {
            builder.header("Content-Type", "application/json");
        }
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        headers.forEach(builder::header);
        try {
            HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.headers().map());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer with its body parsed on demand. */
    public record Response(int status, String body, Map<String, List<String>> headers) {
        public JsonNode json() {
            return JSON.readTree(body);
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        public Response expect(int expected) {
            assertThat(status).as("HTTP status of answer %s", body).isEqualTo(expected);
            return this;
        }
    }

    /** Defines a table through the API and returns its name. */
    protected String defineTable(String json) {
        JsonNode answer = post("/api/v1/tables", json).expect(201).json();
        return answer.get("name").stringValue();
    }

    /** A consumer of activation.events positioned at the end now, so it sees only what follows. */
    protected KafkaConsumer<String, String> eventsConsumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("test"));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor("activation.events", Duration.ofSeconds(30))
                .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        return consumer;
    }

    /** Polls until {@code until} holds for the records seen so far, or fails after the timeout. */
    protected static List<ConsumerRecord<String, String>> consumeUntil(KafkaConsumer<String, String> consumer,
            Predicate<List<ConsumerRecord<String, String>>> until, Duration timeout) {
        List<ConsumerRecord<String, String>> seen = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!until.test(seen)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out after " + timeout + " waiting on activation.events; saw "
                        + seen.size() + " records: " + seen.stream().map(ConsumerRecord::value).toList());
            }
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        }
        return seen;
    }

    protected static JsonNode value(ConsumerRecord<String, String> record) {
        return JSON.readTree(record.value());
    }
}
