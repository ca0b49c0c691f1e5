package io.activation.delivery;

import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The message requests: written once per dedupe key, and published to {@code activation.messages} through the
 * outbox in the same transaction, so a request exists exactly when its Kafka record will.
 */
@Service
public class MessageRequests {

    /** The CloudEvents type of a published request. */
    public static final String REQUESTED_EVENT = "io.activation.message.requested";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Every column, with the confirmation interval in seconds. */
    static final String SELECT = "select *, extract(epoch from confirm_within)::bigint as confirm_seconds"
            + " from message_requests";

    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final DeliveryProperties properties;
    private final Clock clock;

    MessageRequests(JdbcTemplate jdbc, Outbox outbox, ChangeEvents events, DeliveryProperties properties,
            Clock clock) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.events = events;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Persists and publishes the request, in the caller's transaction. Returns the stored request, or empty when
     * one with the same dedupe key exists already (a replay), in which case nothing is written or published.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<MessageRequest> request(MessageRequest request) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        SendOptions options = request.options();
        ArrayNode channels = JsonNodeFactory.instance.arrayNode();
        request.channels().forEach(c -> channels.addObject().put("channel", c.channel())
                .put("template", c.template()));
        List<Long> ids = jdbc.queryForList("""
                insert into message_requests (dedupe_key, contact_id, scenario_id, scenario_version, instance_id,
                    step_id, channels, priority, status, created_at, purpose, quiet_hours, expires_at,
                    confirm_within, context)
                values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?::interval, ?::jsonb)
                on conflict (dedupe_key) do nothing returning id""", Long.class, request.dedupeKey(),
                request.contactId(), request.scenarioId(), request.scenarioVersion(), request.instanceId(),
                request.stepId(), JSON.writeValueAsString(channels), request.priority(), MessageRequest.REQUESTED,
                Timestamp.from(now), options.purpose().code(), options.quietHours().code(),
                options.expiresAfter() == null ? null : Timestamp.from(now.plus(options.expiresAfter())),
                options.confirmWithin() == null ? null : options.confirmWithin().toSeconds() + " seconds",
                request.context() == null ? null : JSON.writeValueAsString(request.context()));
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        MessageRequest stored = new MessageRequest(ids.get(0), request.dedupeKey(), request.contactId(),
                request.scenarioId(), request.scenarioVersion(), request.instanceId(), request.stepId(),
                request.channels(), request.priority(), MessageRequest.REQUESTED, now, options, request.context());
        ObjectNode data = json(stored);
        UUID eventId = UUID.nameUUIDFromBytes(("message-request:" + request.dedupeKey())
                .getBytes(StandardCharsets.UTF_8));
        outbox.append(List.of(events.event(properties.messagesTopic(), REQUESTED_EVENT, request.contactId(),
                "message-requests/" + stored.id(), "journeys", data, eventId)));
        return Optional.of(stored);
    }

    /** A contact's requests, newest first. */
    public List<MessageRequest> ofContact(long contactId, int limit) {
        return jdbc.query(SELECT + " where contact_id = ? order by id desc limit ?",
                MessageRequests::map, contactId, limit);
    }

    /** The requests a journey instance made, oldest first. */
    public List<MessageRequest> ofInstance(long instanceId) {
        return jdbc.query(SELECT + " where instance_id = ? order by id",
                MessageRequests::map, instanceId);
    }

    /** One request, or empty. */
    public Optional<MessageRequest> find(long id) {
        return jdbc.query(SELECT + " where id = ?", MessageRequests::map, id).stream()
                .findFirst();
    }

    /** The JSON representation, as published and as the API shows it. */
    public static ObjectNode json(MessageRequest r) {
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.put("id", r.id());
        data.put("dedupeKey", r.dedupeKey());
        data.put("contactId", r.contactId());
        data.put("scenarioId", r.scenarioId());
        data.put("scenarioVersion", r.scenarioVersion());
        data.put("instanceId", r.instanceId());
        data.put("stepId", r.stepId());
        ArrayNode channels = data.putArray("channels");
        r.channels().forEach(c -> channels.addObject().put("channel", c.channel()).put("template", c.template()));
        data.put("priority", r.priority());
        data.put("status", r.status());
        data.put("createdAt", r.createdAt().toString());
        data.put("purpose", r.options().purpose().code());
        data.put("quietHours", r.options().quietHours().code());
        putNullable(data, "expiresAfter", r.options().expiresAfter());
        putNullable(data, "expiresAt", r.expiresAt());
        putNullable(data, "confirmWithin", r.options().confirmWithin());
        if (r.context() != null) {
            data.set("context", r.context());
        }
        return data;
    }

    private static void putNullable(ObjectNode node, String field, Object value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value.toString());
        }
    }

    static MessageRequest map(ResultSet rs, int n) throws SQLException {
        List<MessageRequest.ChannelChoice> channels = new ArrayList<>();
        for (JsonNode c : JSON.readTree(rs.getString("channels"))) {
            channels.add(new MessageRequest.ChannelChoice(c.path("channel").asString(),
                    c.path("template").asString()));
        }
        Instant created = rs.getTimestamp("created_at").toInstant();
        Timestamp expires = rs.getTimestamp("expires_at");
        Long confirmSeconds = (Long) rs.getObject("confirm_seconds");
        SendOptions options = new SendOptions(SendOptions.Purpose.of(rs.getString("purpose")),
                SendOptions.QuietHoursPolicy.of(rs.getString("quiet_hours")),
                expires == null ? null : Duration.between(created, expires.toInstant()),
                confirmSeconds == null ? null : Duration.ofSeconds(confirmSeconds));
        String context = rs.getString("context");
        return new MessageRequest(rs.getLong("id"), rs.getString("dedupe_key"), rs.getLong("contact_id"),
                (Long) rs.getObject("scenario_id"), (Integer) rs.getObject("scenario_version"),
                (Long) rs.getObject("instance_id"), rs.getString("step_id"), channels, rs.getInt("priority"),
                rs.getString("status"), created, options, context == null ? null : JSON.readTree(context));
    }
}
