package io.activation.api.tracking;

import io.activation.api.journey.JourneyApiSupport;
import io.activation.tracking.TrackingLinks;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Set-up of the tracking tests: contacts through the API, message requests and deliveries inserted with SQL (the
 * arbitration and sender branches produce them in the application), links from the application's
 * {@link TrackingLinks}, requests without an API key as a recipient's mail client sends them.
 */
public abstract class TrackingTestSupport extends JourneyApiSupport {

    @Autowired
    protected TrackingLinks links;

    @Autowired
    protected JdbcTemplate jdbc;

    /** A delivery as the tests made it. */
    public record Delivery(long id, long contactId, long requestId, String externalId, String messageKey,
            String email) {}

    /** A contact with an e-mail address and a sent e-mail delivery of a request of no scenario. */
    protected Delivery sentEmail() {
        return sentEmail(null, null);
    }

    protected Delivery sentEmail(Long scenarioId, String stepId) {
        String externalId = unique("rcpt");
        String email = externalId + "@example.com";
        long contactId = put("/api/v1/contacts/" + externalId, "{\"email\": \"" + email + "\"}").expect(201).json()
                .get("id").longValue();
        String dedupe = unique("req");
        Timestamp now = Timestamp.from(clock.instant());
        long requestId = jdbc.queryForObject("""
                insert into message_requests (dedupe_key, contact_id, scenario_id, step_id, channels, priority, status,
                    created_at)
                values (?, ?, ?, ?, '[{"channel": "email", "template": "welcome"}]'::jsonb, 0, 'dispatched', ?)
                returning id""", Long.class, dedupe, contactId, scenarioId, stepId, now);
        return new Delivery(delivery(requestId, contactId, scenarioId, dedupe + ":email", email, "sent"), contactId,
                requestId, externalId, dedupe + ":email", email);
    }

    /** Inserts a delivery of an existing request; returns its id. */
    protected long delivery(long requestId, long contactId, Long scenarioId, String messageKey, String address,
            String status) {
        Timestamp now = Timestamp.from(clock.instant());
        return jdbc.queryForObject("""
                insert into deliveries (request_id, contact_id, channel, template, message_key, address, purpose,
                    priority, scenario_id, status, attempts, sent_at, created_at, updated_at)
                values (?, ?, 'email', 'welcome', ?, ?, 'marketing', 0, ?, ?, 1, ?, ?, ?) returning id""", Long.class,
                requestId, contactId, messageKey, address, scenarioId, status, now, now, now);
    }

    /** A GET or POST as a mail client or browser sends it: no API key. */
    protected Response anonymous(String method, String url, String formBody) {
        String path = url.replaceFirst("^https?://[^/]+", "");
        return send(method, path, formBody, null, formBody == null ? Map.of("User-Agent", "TestMail/1.0")
                : Map.of("User-Agent", "TestMail/1.0", "Content-Type", "application/x-www-form-urlencoded"));
    }

    /** The tracking events of a delivery seen on activation.events until the predicate holds. */
    protected List<JsonNode> messageEvents(KafkaConsumer<String, String> consumer, long deliveryId,
            java.util.function.Predicate<List<JsonNode>> until) {
        List<JsonNode> events = new java.util.ArrayList<>();
        consumeUntil(consumer, seen -> {
            events.clear();
            for (ConsumerRecord<String, String> r : seen) {
                JsonNode e = value(r);
                if (e.path("type").asString("").startsWith("io.activation.message.")
                        && e.at("/data/deliveryId").asLong(-1) == deliveryId) {
                    events.add(e);
                }
            }
            return until.test(events);
        }, DEADLINE);
        return events;
    }

    protected long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }
}
