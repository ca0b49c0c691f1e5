package io.activation.template;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.platform.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A test send: the template goes to a given address through the real sender, as one transactional message request
 * (dedupe key {@code test:<uuid>}) that skips arbitration: its delivery row is written as chosen ("test send" in the
 * decision trail) and dispatched on {@code activation.messages.<channel>} through the outbox, in one transaction.
 *
 * <p>Written here in SQL against the delivery tables rather than through the delivery package, which depends on
 * this one (the sender runtime renders templates): the rows are exactly those arbitration writes.
 */
@Service
public class TestSends {

    /** The CloudEvents type of a dispatched delivery (the same as arbitration's). */
    public static final String DISPATCHED_EVENT = "io.activation.message.dispatched";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final JdbcTemplate jdbc;
    private final Templates templates;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Clock clock;

    TestSends(JdbcTemplate jdbc, Templates templates, Outbox outbox, ChangeEvents events, Clock clock) {
        this.jdbc = jdbc;
        this.templates = templates;
        this.outbox = outbox;
        this.events = events;
        this.clock = clock;
    }

    /**
     * What to send.
     *
     * @param messagesTopic the delivery's messages topic; the dispatch goes to {@code <messagesTopic>.<channel>}
     */
    public record TestSend(long templateId, String to, long contactId, JsonNode context, String messagesTopic) {}

    /** The queued test delivery. */
    public record Queued(long deliveryId, long requestId, String messageKey, String channel, String topic) {}

    @Transactional
    public Queued send(TestSend send) {
        Template template = templates.get(send.templateId());
        if (send.to() == null || send.to().isBlank() || send.to().length() > 1000) {
            throw new InvalidInputException("to", "is required: the address to send the test to (at most 1000"
                    + " characters)");
        }
        if ("email".equals(template.channel()) && !send.to().matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            throw new InvalidInputException("to", "must be an e-mail address");
        }
        if ("sms".equals(template.channel()) && !send.to().matches("\\+[1-9][0-9]{6,14}")) {
            throw new InvalidInputException("to", "must be a phone number in E.164 form, e.g. +31612345678");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String dedupeKey = "test:" + UUID.randomUUID();
        String messageKey = dedupeKey + ":" + template.channel();
        ObjectNode channels = JsonNodeFactory.instance.objectNode();
        channels.put("channel", template.channel()).put("template", template.name());
        long requestId = jdbc.queryForObject("""
                insert into message_requests (dedupe_key, contact_id, channels, priority, status, purpose, context,
                    created_at, decided_at)
                values (?, ?, ?::jsonb, 0, 'dispatched', 'transactional', ?::jsonb, ?, ?) returning id""",
                Long.class, dedupeKey, send.contactId(), "[" + JSON.writeValueAsString(channels) + "]",
                send.context() == null || send.context().isNull() ? null : JSON.writeValueAsString(send.context()),
                Timestamp.from(now), Timestamp.from(now));
        long deliveryId = jdbc.queryForObject("""
                insert into deliveries (request_id, contact_id, channel, template, message_key, address, purpose,
                    priority, status, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?, 'transactional', 0, 'queued', ?, ?) returning id""", Long.class,
                requestId, send.contactId(), template.channel(), template.name(), messageKey, send.to(),
                Timestamp.from(now), Timestamp.from(now));
        jdbc.update("""
                insert into delivery_decisions (request_id, delivery_id, contact_id, stage, channel, outcome, reason, at)
                values (?, ?, ?, 'channel', ?, 'chosen', 'test send', ?)""", requestId, deliveryId,
                send.contactId(), template.channel(), Timestamp.from(now));
        String topic = send.messagesTopic() + "." + template.channel();
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("deliveryId", deliveryId);
        data.put("messageKey", messageKey);
        data.put("requestId", requestId);
        data.put("contactId", send.contactId());
        data.put("channel", template.channel());
        data.put("template", template.name());
        data.put("address", send.to());
        UUID eventId = UUID.nameUUIDFromBytes(("dispatch:" + messageKey).getBytes(StandardCharsets.UTF_8));
        outbox.append(List.of(events.event(topic, DISPATCHED_EVENT, send.contactId(), "deliveries/" + deliveryId,
                "templates", data, eventId)));
        return new Queued(deliveryId, requestId, messageKey, template.channel(), topic);
    }
}
