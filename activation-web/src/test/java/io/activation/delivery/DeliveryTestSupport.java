package io.activation.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.testing.ApiTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.sql.Timestamp;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Helpers of the arbitration tests: contacts with consents, message requests made the way a send step makes them
 * (persisted and published to activation.messages, where arbitration picks them up), and reading the outcome.
 * Caps and quiet hours are installation-wide, so every test removes those it set.
 */
public abstract class DeliveryTestSupport extends ApiTest {

    protected static final Duration DEADLINE = Duration.ofSeconds(30);

    @Autowired
    protected JdbcTemplate jdbc;
    @Autowired
    protected MessageRequests messageRequests;
    @Autowired
    protected TransactionTemplate transactions;
    @Autowired
    protected Arbitration arbitration;
    @Autowired
    protected DeliveryProperties deliveryProperties;

    private final List<Long> caps = new ArrayList<>();

    private static volatile boolean templates;

    /**
     * The templates the requests name ({@code tpl-<channel>}), once per JVM: the application's real senders (e-mail
     * to the mail catcher) render and send what arbitration dispatches, so a dispatched request stays dispatched
     * instead of failing on a missing template.
     */
    @BeforeEach
    void templates() {
        if (templates) {
            return;
        }
        synchronized (DeliveryTestSupport.class) {
            if (templates) {
                return;
            }
            Map<String, String> parts = Map.of(
                    "email", "{\"subject\": \"Hello {{ contact.first_name }}\", \"html\": \"<p>Hello</p>\"}",
                    "sms", "{\"text\": \"Hello\"}",
                    "push", "{\"title\": \"Hello\", \"body\": \"Hello\"}",
                    "print", "{\"letter\": \"<p>Hello</p>\"}",
                    "webhook", "{\"body\": \"{}\"}",
                    "wallet", "{\"passType\": \"loyalty\", \"description\": \"Card\"}");
            parts.forEach((channel, json) -> {
                Response r = post("/api/v1/templates", "{\"name\": \"tpl-" + channel + "\", \"channel\": \""
                        + channel + "\", \"parts\": " + json + "}");
                assertThat(r.status()).as(r.body()).isIn(201, 409);
            });
            templates = true;
        }
    }

    @AfterEach
    void removeSettings() {
        caps.forEach(id -> delete("/api/v1/frequency-caps/" + id));
        caps.clear();
        delete("/api/v1/quiet-hours").expect(204);
    }

    /** A contact with these attributes (API names), its id. */
    protected long contact(String externalId, String attributes) {
        put("/api/v1/contacts/" + externalId, attributes).expect(201);
        return get("/api/v1/contacts/" + externalId).expect(200).json().get("id").longValue();
    }

    protected void consent(String externalId, String channel, String purpose, String status) {
        put("/api/v1/contacts/" + externalId + "/consents/" + channel, """
                {"purpose": "%s", "status": "%s", "source": "test", "proof": {"form": "test"}}
                """.formatted(purpose, status)).expect(200);
    }

    /** Creates a frequency cap, removed after the test. */
    protected long cap(String json) {
        long id = post("/api/v1/frequency-caps", json).expect(201).json().get("id").longValue();
        caps.add(id);
        return id;
    }

    /** A request as a send step makes it: channels in order, e.g. {@code List.of("email", "sms")}. */
    protected long request(long contactId, Long scenarioId, List<String> channels, int priority,
            SendOptions options) {
        List<MessageRequest.ChannelChoice> choices = channels.stream()
                .map(c -> new MessageRequest.ChannelChoice(c, "tpl-" + c)).toList();
        return transactions.execute(status -> messageRequests.request(new MessageRequest(null,
                "test:" + UUID.randomUUID(), contactId, scenarioId, 1, null, "send", choices, priority, null, null,
                options, null)).orElseThrow().id());
    }

    protected long request(long contactId, List<String> channels, SendOptions options) {
        return request(contactId, null, channels, 50, options);
    }

    protected static SendOptions marketing() {
        return SendOptions.DEFAULT;
    }

    protected static SendOptions transactional() {
        return new SendOptions(SendOptions.Purpose.TRANSACTIONAL, null, null, null);
    }

    protected String status(long requestId) {
        return jdbc.queryForObject("select status from message_requests where id = ?", String.class, requestId);
    }

    protected String awaitStatus(long requestId, String status) {
        return await("request " + requestId + " " + status, () -> status(requestId), status::equals);
    }

    /** The why endpoint's answer. */
    protected JsonNode trail(long requestId) {
        return get("/api/v1/message-requests/" + requestId + "/decisions").expect(200).json();
    }

    /** The trail as "stage/channel/outcome" lines. */
    protected List<String> steps(long requestId) {
        List<String> out = new ArrayList<>();
        trail(requestId).get("decisions").forEach(d -> out.add(d.get("stage").stringValue() + "/"
                + d.path("channel").asString("-") + "/" + d.get("outcome").stringValue()));
        return out;
    }

    protected List<String> reasons(long requestId) {
        List<String> out = new ArrayList<>();
        trail(requestId).get("decisions").forEach(d -> out.add(d.get("reason").stringValue()));
        return out;
    }

    protected List<String> deliveryChannels(long requestId) {
        return jdbc.queryForList("select channel from deliveries where request_id = ? order by id", String.class,
                requestId);
    }

    protected long deliveryId(long requestId, String channel) {
        return jdbc.queryForObject("select id from deliveries where request_id = ? and channel = ?", Long.class,
                requestId, channel);
    }

    /** Polls until the value satisfies the condition (arbitration runs behind Kafka and a poller). */
    protected static <T> T await(String what, Supplier<T> value, Predicate<T> condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        T last = value.get();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + what + "; last seen: " + last);
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

    /** A marketing e-mail request written straight into the table, without its Kafka record (nothing decides it). */
    protected long unpublishedRequest(long contactId) {
        return jdbc.queryForObject("""
                insert into message_requests (dedupe_key, contact_id, scenario_version, step_id, channels, priority,
                    status, created_at)
                values (?, ?, 1, 'send', ?::jsonb, 50, 'requested', ?) returning id""", Long.class,
                "test:" + UUID.randomUUID(), contactId, "[{\"channel\": \"email\", \"template\": \"tpl-email\"}]",
                Timestamp.from(clock.instant().truncatedTo(ChronoUnit.MICROS)));
    }
}
