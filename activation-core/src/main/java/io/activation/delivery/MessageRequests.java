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
    /**
     * What arbitration reads of a request: every column {@link #map} needs except {@code context} (the trigger data
     * only templates use, read as null here), so deciding neither fetches nor parses it.
     */
    static final String SELECT_FOR_DECIDING = "select id, dedupe_key, contact_id, scenario_id, scenario_version,"
            + " instance_id, step_id, channels, priority, status, created_at, purpose, quiet_hours, expires_at,"
            + " null::text as context, extract(epoch from confirm_within)::bigint as confirm_seconds"
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
        return requestAll(List.of(request)).get(0);
    }

    /**
     * {@link #request} for many requests at once, in the caller's transaction: one insert and one outbox append
     * whatever their number (the journey engine applies a poll's records together). Answers in the order of the
     * list: the stored request, or empty for a dedupe key that existed already (nothing written or published for
     * it). A key given twice in the list is stored once, for its first occurrence.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<Optional<MessageRequest>> requestAll(List<MessageRequest> requests) {
        int n = requests.size();
        if (n == 0) {
            return List.of();
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Timestamp created = Timestamp.from(now);
        String[] keys = new String[n];
        Long[] contacts = new Long[n];
        Long[] scenarios = new Long[n];
        Integer[] versions = new Integer[n];
        Long[] instances = new Long[n];
        String[] steps = new String[n];
        String[] channels = new String[n];
        Integer[] priorities = new Integer[n];
        String[] purposes = new String[n];
        String[] quietHours = new String[n];
        String[] expires = new String[n];
        String[] confirm = new String[n];
        String[] contexts = new String[n];
        for (int i = 0; i < n; i++) {
            MessageRequest r = requests.get(i);
            SendOptions options = r.options();
            keys[i] = r.dedupeKey();
            contacts[i] = r.contactId();
            scenarios[i] = r.scenarioId();
            versions[i] = r.scenarioVersion();
            instances[i] = r.instanceId();
            steps[i] = r.stepId();
            channels[i] = channelsJson(r.channels());
            priorities[i] = r.priority();
            purposes[i] = options.purpose().code();
            quietHours[i] = options.quietHours().code();
            expires[i] = options.expiresAfter() == null ? null : now.plus(options.expiresAfter()).toString();
            confirm[i] = options.confirmWithin() == null ? null : options.confirmWithin().toSeconds() + " seconds";
            contexts[i] = r.context() == null ? null : JSON.writeValueAsString(r.context());
        }
        // One statement for the lot; the ordinality keeps the identity ids in the order of the list, and a key met
        // before (a replay) or twice in the list is skipped by the unique dedupe key.
        java.util.Map<String, Long> stored = new java.util.HashMap<>();
        jdbc.query(connection -> {
            java.sql.PreparedStatement ps = connection.prepareStatement("""
                    insert into message_requests (dedupe_key, contact_id, scenario_id, scenario_version, instance_id,
                        step_id, channels, priority, status, created_at, purpose, quiet_hours, expires_at,
                        confirm_within, context)
                    select k, c, s, v, i, st, ch::jsonb, p, ?, ?, pu, q, e::timestamptz, cw::interval, cx::jsonb
                    from unnest(?::varchar[], ?::bigint[], ?::bigint[], ?::integer[], ?::bigint[], ?::varchar[],
                        ?::text[], ?::integer[], ?::varchar[], ?::varchar[], ?::text[], ?::text[], ?::text[])
                        with ordinality as x(k, c, s, v, i, st, ch, p, pu, q, e, cw, cx, n)
                    order by n
                    on conflict (dedupe_key) do nothing returning id, dedupe_key""");
            ps.setString(1, MessageRequest.REQUESTED);
            ps.setTimestamp(2, created);
            ps.setArray(3, connection.createArrayOf("varchar", keys));
            ps.setArray(4, connection.createArrayOf("bigint", contacts));
            ps.setArray(5, connection.createArrayOf("bigint", scenarios));
            ps.setArray(6, connection.createArrayOf("integer", versions));
            ps.setArray(7, connection.createArrayOf("bigint", instances));
            ps.setArray(8, connection.createArrayOf("varchar", steps));
            ps.setArray(9, connection.createArrayOf("text", channels));
            ps.setArray(10, connection.createArrayOf("integer", priorities));
            ps.setArray(11, connection.createArrayOf("varchar", purposes));
            ps.setArray(12, connection.createArrayOf("varchar", quietHours));
            ps.setArray(13, connection.createArrayOf("text", expires));
            ps.setArray(14, connection.createArrayOf("text", confirm));
            ps.setArray(15, connection.createArrayOf("text", contexts));
            return ps;
        }, (org.springframework.jdbc.core.RowCallbackHandler) rs -> stored.put(rs.getString(2), rs.getLong(1)));
        List<Optional<MessageRequest>> answers = new ArrayList<>(n);
        List<io.activation.ingest.OutboxMessage> messages = new ArrayList<>(stored.size());
        for (MessageRequest request : requests) {
            Long id = stored.remove(request.dedupeKey());
            if (id == null) {
                answers.add(Optional.empty());
                continue;
            }
            MessageRequest r = new MessageRequest(id, request.dedupeKey(), request.contactId(),
                    request.scenarioId(), request.scenarioVersion(), request.instanceId(), request.stepId(),
                    request.channels(), request.priority(), MessageRequest.REQUESTED, now, request.options(),
                    request.context());
            UUID eventId = ChangeEvents.deterministicId("message-request:" + r.dedupeKey());
            messages.add(events.event(properties.messagesTopic(), REQUESTED_EVENT, r.contactId(),
                    "message-requests/" + id, "journeys", json(r), eventId));
            answers.add(Optional.of(r));
        }
        outbox.append(messages);
        return answers;
    }

    private static String channelsJson(List<MessageRequest.ChannelChoice> channels) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        channels.forEach(c -> array.addObject().put("channel", c.channel()).put("template", c.template()));
        return JSON.writeValueAsString(array);
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
