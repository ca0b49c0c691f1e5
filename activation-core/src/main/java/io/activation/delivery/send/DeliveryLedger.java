package io.activation.delivery.send;

import io.activation.consent.Suppressions;
import io.activation.delivery.ChannelFallback;
import io.activation.delivery.spi.SendResult;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.platform.CustomPlans;
import io.activation.platform.JdbcTransactions;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The send ledger on {@code deliveries}: claims (committed before the provider is called), marks (the provider's
 * answer, its decision, its event and its consequences in one transaction), the retry poller's lease and the
 * in-doubt sweep. Every state change is guarded by the state it expects, so two consumers, a redelivered record and
 * the retry poller can race for a row and only one wins.
 */
final class DeliveryLedger {

    /** What a channel's runtime tells the mark. */
    record Channel(String name, String deadLetterTopic, int maxAttempts, Backoff backoff, ChannelFallback fallback) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String ORIGIN = "delivery";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final JdbcTransactions jdbcTransactions;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Suppressions suppressions;
    private final Clock clock;

    /**
     * @param transactions the application's (JPA) transactions, for marks that call other components' transactional
     *     methods (suppressions, the channel fallback)
     * @param jdbcTransactions plain JDBC transactions for everything else the ledger does (no Hibernate session per
     *     begin and commit): the ledger's own statements are all JDBC
     */
    DeliveryLedger(JdbcTemplate jdbc, TransactionTemplate transactions, JdbcTransactions jdbcTransactions,
            Outbox outbox, ChangeEvents events, Suppressions suppressions, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.jdbcTransactions = jdbcTransactions;
        this.outbox = outbox;
        this.events = events;
        this.suppressions = suppressions;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /** The channel's deliveries among {@code ids} that are waiting to be sent, in the order of {@code ids}. */
    List<PendingDelivery> load(String channel, Collection<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<Long, PendingDelivery> byId = new HashMap<>();
        Long[] values = ids.toArray(new Long[0]);
        // Auto-commit, so no transaction-wide setting: a statement planned for its actual ids (see CustomPlans).
        jdbc.query(connection -> {
            java.sql.PreparedStatement ps = CustomPlans.prepare(connection, """
                    select d.id, d.request_id, d.contact_id, d.channel, d.template, d.message_key, d.address,
                        d.purpose, d.scenario_id, d.status, d.attempts, r.step_id, r.created_at as requested_at,
                        r.context::text as context, row_to_json(c)::text as contact
                    from deliveries d
                    join message_requests r on r.id = d.request_id
                    join contacts c on c.id = d.contact_id
                    where d.id = any(?) and d.channel = ? and d.status in ('queued', 'retrying')""");
            ps.setArray(1, connection.createArrayOf("bigint", values));
            ps.setString(2, channel);
            return ps;
        }, (org.springframework.jdbc.core.RowCallbackHandler) rs -> {
            PendingDelivery p = map(rs);
            byId.put(p.id(), p);
        });
        List<PendingDelivery> ordered = new ArrayList<>(byId.size());
        for (Long id : new java.util.LinkedHashSet<>(ids)) {
            PendingDelivery p = byId.get(id);
            if (p != null) {
                ordered.add(p);
            }
        }
        return ordered;
    }

    /**
     * Claims the deliveries (status sending, one more attempt) in a transaction of its own, committed when this
     * returns: from then on a crash leaves them in doubt. Answers the attempt number of each one claimed; the others
     * were taken (or changed) by someone else. {@code leased}: taken by this node's retry poller, which already
     * hides them from everyone else.
     *
     * <p>The claim is a single statement, run on its own connection in auto-commit mode: PostgreSQL commits it
     * before answering, as a transaction around it would, without the transaction manager's begin and commit (a JPA
     * session each time), which were almost half of the claim's cost in the sender benchmark's profile. It must not be
     * called inside a transaction (it would join it and not be committed on return); the claim thread never is.
     */
    Map<Long, Integer> claim(Collection<Long> ids, boolean leased) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        if (org.springframework.transaction.support.TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("a claim must be committed on its own, not inside a transaction");
        }
        Timestamp now = Timestamp.from(now());
        Long[] values = ids.toArray(new Long[0]);
        Map<Long, Integer> claimed = new LinkedHashMap<>();
        jdbc.query(connection -> {
            java.sql.PreparedStatement ps = CustomPlans.prepare(connection, """
                    update deliveries set status = 'sending', attempts = attempts + 1, claimed_at = ?, updated_at = ?,
                        next_attempt_at = null
                    where id = any(?) and (%s)
                    returning id, attempts""".formatted(leased ? "status = 'retrying'"
                            : "status = 'queued' or (status = 'retrying' and next_attempt_at <= ?)"));
            ps.setTimestamp(1, now);
            ps.setTimestamp(2, now);
            ps.setArray(3, connection.createArrayOf("bigint", values));
            if (!leased) {
                ps.setTimestamp(4, now);
            }
            return ps;
        }, rs -> {
            claimed.put(rs.getLong(1), rs.getInt(2));
        });
        return claimed;
    }

    /**
     * Takes up to {@code limit} of the channel's retries that are due ({@code FOR UPDATE SKIP LOCKED}: pollers of
     * other nodes take others) and hides them for {@code lease} by moving their next attempt, so no other poller
     * and no redelivered record claims them meanwhile.
     */
    List<Long> leaseDue(String channel, int limit, Duration lease) {
        Instant now = now();
        List<Long> ids = jdbcTransactions.execute(() -> {
            List<Long> due = jdbc.queryForList("""
                    select id from deliveries where status = 'retrying' and channel = ? and next_attempt_at <= ?
                    order by next_attempt_at limit ? for update skip locked""", Long.class, channel,
                    Timestamp.from(now), limit);
            if (!due.isEmpty()) {
                jdbc.update("update deliveries set next_attempt_at = ?, updated_at = ? where id = any(?)",
                        Timestamp.from(now.plus(lease)), Timestamp.from(now), array(due));
            }
            return due;
        });
        return ids == null ? List.of() : ids;
    }

    /**
     * The channel's deliveries left in {@code sending} (a crash between claim and mark): the provider may have
     * accepted them. {@code hold}: marked in_doubt with a decision, never sent again by the runtime; {@code resend}:
     * back to retrying, due now. Answers the ids.
     */
    List<Long> sweepInDoubt(String channel, SenderProperties.InDoubt mode) {
        Instant now = now();
        List<Long> swept = jdbcTransactions.execute(() -> {
            List<Map<String, Object>> rows = jdbc.queryForList("""
                    update deliveries set status = ?, next_attempt_at = ?, updated_at = ?, last_error = ?
                    where channel = ? and status = 'sending'
                    returning id, request_id, contact_id, attempts, claimed_at""",
                    mode == SenderProperties.InDoubt.HOLD ? "in_doubt" : "retrying",
                    mode == SenderProperties.InDoubt.HOLD ? null : Timestamp.from(now), Timestamp.from(now),
                    "claimed but not marked: the sender stopped during the provider call", channel);
            List<Long> ids = new ArrayList<>();
            for (Map<String, Object> row : rows) {
                long id = ((Number) row.get("id")).longValue();
                ids.add(id);
                decision(((Number) row.get("request_id")).longValue(), id, ((Number) row.get("contact_id")).longValue(),
                        "send", channel, "in-doubt", "attempt " + row.get("attempts") + " was claimed at "
                                + ((Timestamp) row.get("claimed_at")).toInstant() + " but never marked (the sender"
                                + " stopped during the provider call, which may have accepted it); "
                                + (mode == SenderProperties.InDoubt.HOLD
                                        ? "not sent again (at most once)"
                                        : "sent again: the channel is configured in-doubt: resend"), now);
            }
            return ids;
        });
        return swept == null ? List.of() : swept;
    }

    /**
     * Marks the outcomes in one transaction: status, decision, event, suppression, token removal, dead letter and
     * fallback. A mark whose row no longer holds the attempt (changed by someone else) is skipped.
     */
    void mark(Channel channel, List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        Runnable work = () -> {
            CustomPlans.forThisTransaction(jdbc);
            Instant now = now();
            List<OutboxMessage> messages = new ArrayList<>();
            List<Outcome> accepted = new ArrayList<>();
            for (Outcome o : outcomes) {
                if (o.unknown() == null && o.result() instanceof SendResult.Accepted) {
                    accepted.add(o);
                } else {
                    markOne(channel, o, now, messages);
                }
            }
            markSent(accepted, now, messages);
            outbox.append(messages);
        };
        if (callsOthers(channel, outcomes)) {
            // Suppressions and the fallback are other components' @Transactional methods on the JPA manager, which
            // does not join a JDBC-only transaction: such a mark runs in the application's transaction as a whole.
            transactions.executeWithoutResult(status -> work.run());
        } else {
            jdbcTransactions.run(work);
        }
    }

    /**
     * Whether marking {@code outcomes} calls a component outside the ledger (a rejection: suppression, token removal,
     * fallback; a last retry: dead letter and fallback). Accepted, in-doubt and retried outcomes, the common case, are
     * the ledger's own statements and the outbox only.
     */
    static boolean callsOthers(Channel channel, List<Outcome> outcomes) {
        for (Outcome o : outcomes) {
            if (o.unknown() != null) {
                continue;
            }
            if (o.result() instanceof SendResult.Rejected) {
                return true;
            }
            if (o.result() instanceof SendResult.Retry && o.attempt() >= channel.maxAttempts()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The common case set-based: one update, one insert of decisions, whatever the number of accepted outcomes
     * (a statement per row made the database the sender benchmark's bottleneck).
     */
    private void markSent(List<Outcome> accepted, Instant now, List<OutboxMessage> messages) {
        if (accepted.isEmpty()) {
            return;
        }
        int n = accepted.size();
        Long[] ids = new Long[n];
        Integer[] attempts = new Integer[n];
        String[] providerIds = new String[n];
        for (int i = 0; i < n; i++) {
            Outcome o = accepted.get(i);
            ids[i] = o.delivery().id();
            attempts[i] = o.attempt();
            providerIds[i] = ((SendResult.Accepted) o.result()).providerId();
        }
        Timestamp at = Timestamp.from(now);
        java.util.Set<Long> marked = new java.util.HashSet<>(jdbc.query(connection -> {
            java.sql.PreparedStatement ps = connection.prepareStatement("""
                    update deliveries d set status = 'sent', provider_id = x.provider_id, sent_at = ?,
                        last_error = null, next_attempt_at = null, updated_at = ?,
                        confirm_by = ?::timestamptz + r.confirm_within
                    from unnest(?::bigint[], ?::int[], ?::varchar[]) as x(id, attempt, provider_id), message_requests r
                    where d.id = x.id and d.attempts = x.attempt and d.status in ('sending', 'in_doubt')
                        and r.id = d.request_id
                    returning d.id""");
            ps.setTimestamp(1, at);
            ps.setTimestamp(2, at);
            ps.setTimestamp(3, at);
            ps.setArray(4, connection.createArrayOf("bigint", ids));
            ps.setArray(5, connection.createArrayOf("integer", attempts));
            ps.setArray(6, connection.createArrayOf("varchar", providerIds));
            return ps;
        }, (rs, i) -> rs.getLong(1)));
        List<Long> requestIds = new ArrayList<>();
        List<Long> deliveryIds = new ArrayList<>();
        List<Long> contactIds = new ArrayList<>();
        List<String> channels = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (Outcome o : accepted) {
            PendingDelivery d = o.delivery();
            if (!marked.contains(d.id())) {
                continue;
            }
            String providerId = ((SendResult.Accepted) o.result()).providerId();
            requestIds.add(d.requestId());
            deliveryIds.add(d.id());
            contactIds.add(d.contactId());
            channels.add(d.channel());
            reasons.add("accepted by the provider" + (providerId == null ? "" : " as " + providerId) + " (attempt "
                    + o.attempt() + ")");
            ObjectNode data = d.eventData();
            data.put("providerId", providerId);
            messages.add(event(SendEvents.SENT, d, data, "attempt-" + o.attempt()));
        }
        if (deliveryIds.isEmpty()) {
            return;
        }
        jdbc.update(connection -> {
            java.sql.PreparedStatement ps = connection.prepareStatement("""
                    insert into delivery_decisions (request_id, delivery_id, contact_id, stage, channel, outcome,
                        reason, at)
                    select r, d, c, 'send', ch, 'sent', why, ?
                    from unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::varchar[], ?::text[])
                        with ordinality as x(r, d, c, ch, why, n)
                    order by n""");
            ps.setTimestamp(1, at);
            ps.setArray(2, connection.createArrayOf("bigint", requestIds.toArray()));
            ps.setArray(3, connection.createArrayOf("bigint", deliveryIds.toArray()));
            ps.setArray(4, connection.createArrayOf("bigint", contactIds.toArray()));
            ps.setArray(5, connection.createArrayOf("varchar", channels.toArray()));
            ps.setArray(6, connection.createArrayOf("text", reasons.toArray()));
            return ps;
        });
    }

    private void markOne(Channel channel, Outcome o, Instant now, List<OutboxMessage> messages) {
        PendingDelivery d = o.delivery();
        Timestamp at = Timestamp.from(now);
        if (o.unknown() != null) {
            String reason = "the sender failed during the provider call (" + describe(o.unknown())
                    + "); the provider may have accepted it, so it is not sent again";
            if (update("status = 'in_doubt', last_error = ?", o, at, reason)) {
                decision(d, "send", "in-doubt", reason, now);
            }
            return;
        }
        SendResult result = o.result();
        if (result instanceof SendResult.InDoubt doubt) {
            String reason = doubt.reason() + "; the provider may have accepted it, so it is not sent again";
            if (update("status = 'in_doubt', last_error = ?, provider_id = ?", o, at, reason, doubt.providerId())) {
                decision(d, "send", "in-doubt", reason, now);
            }
            return;
        }
        if (result instanceof SendResult.Accepted accepted) {
            {
                int n = jdbc.update("""
                        update deliveries d set status = 'sent', provider_id = ?, sent_at = ?, last_error = null,
                            next_attempt_at = null, updated_at = ?, confirm_by = ?::timestamptz + r.confirm_within
                        from message_requests r
                        where r.id = d.request_id and d.id = ? and d.attempts = ? and d.status in ('sending', 'in_doubt')""",
                        accepted.providerId(), at, at, at, d.id(), o.attempt());
                if (n > 0) {
                    decision(d, "send", "sent", "accepted by the provider" + (accepted.providerId() == null ? ""
                            : " as " + accepted.providerId()) + " (attempt " + o.attempt() + ")", now);
                    ObjectNode data = d.eventData();
                    data.put("providerId", accepted.providerId());
                    messages.add(event(SendEvents.SENT, d, data, "attempt-" + o.attempt()));
                }
            }
        } else if (result instanceof SendResult.Retry retry) {
            {
                if (o.attempt() >= channel.maxAttempts()) {
                    String reason = "dead after " + o.attempt() + " attempts: " + retry.reason();
                    if (update("status = 'dead', last_error = ?, next_attempt_at = null", o, at, reason)) {
                        decision(d, "send", "failed", reason, now);
                        ObjectNode data = d.eventData();
                        data.put("reason", reason);
                        messages.add(event(SendEvents.FAILED, d, data, "dead"));
                        messages.add(deadLetter(channel, d, o.attempt(), reason));
                        fallback(channel, d, reason);
                    }
                } else {
                    Duration delay = channel.backoff().delay(o.attempt(), retry.retryAfter());
                    Instant next = now.plus(delay);
                    if (update("status = 'retrying', last_error = ?, next_attempt_at = ?", o, at, retry.reason(),
                            Timestamp.from(next))) {
                        decision(d, "send", "retry", retry.reason() + "; attempt " + (o.attempt() + 1) + " of "
                                + channel.maxAttempts() + " at " + next + (retry.retryAfter() != null
                                        ? " (the provider's Retry-After)" : " (backoff)"), now);
                    }
                }
            }
        } else if (result instanceof SendResult.Rejected rejected) {
            {
                boolean bounce = rejected.failure() == SendResult.Failure.HARD_BOUNCE;
                String reason = rejected.failure().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                        + ": " + rejected.reason();
                if (update("status = ?, last_error = ?, next_attempt_at = null", o, at, bounce ? "bounced" : "failed",
                        reason)) {
                    decision(d, "send", bounce ? "bounced" : "failed", reason, now);
                    ObjectNode data = d.eventData();
                    if (bounce) {
                        data.put("kind", "hard");
                        data.put("detail", rejected.reason());
                        messages.add(event(SendEvents.BOUNCED, d, data, "rejected"));
                    } else {
                        data.put("reason", reason);
                        messages.add(event(SendEvents.FAILED, d, data, "rejected"));
                    }
                    switch (rejected.failure()) {
                        case HARD_BOUNCE -> suppressions.suppress(d.channel(), d.address(), "hard-bounce",
                                "sender:" + d.channel(), rejected.reason());
                        case OPTED_OUT -> suppressions.suppress(d.channel(), d.address(), "opted-out",
                                "sender:" + d.channel(), rejected.reason());
                        case UNREGISTERED -> jdbc.update("delete from device_tokens where token = ?", d.address());
                        default -> { }
                    }
                    fallback(channel, d, reason);
                }
            }
        }
    }

    /** Applies {@code set} to the row while it still holds the outcome's claim. */
    private boolean update(String set, Outcome o, Timestamp at, Object... values) {
        Object[] args = new Object[values.length + 3];
        System.arraycopy(values, 0, args, 0, values.length);
        args[values.length] = at;
        args[values.length + 1] = o.delivery().id();
        args[values.length + 2] = o.attempt();
        return jdbc.update("update deliveries set " + set + ", updated_at = ? where id = ? and attempts = ?"
                + " and status in ('sending', 'in_doubt')", args) > 0;
    }

    private void fallback(Channel channel, PendingDelivery d, String reason) {
        if (channel.fallback() != null) {
            channel.fallback().failed(d.id(), reason);
        }
    }

    /** The dispatched record again, on the channel's dead-letter topic, with why and after how many attempts. */
    private OutboxMessage deadLetter(Channel channel, PendingDelivery d, int attempts, String reason) {
        ObjectNode data = dispatchedData(d);
        data.put("reason", reason);
        data.put("attempts", attempts);
        return events.event(channel.deadLetterTopic(), SendEvents.DISPATCHED, d.contactId(), "deliveries/" + d.id(),
                ORIGIN, data, id("dead-letter:" + d.id()));
    }

    static ObjectNode dispatchedData(PendingDelivery d) {
        ObjectNode data = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        data.put("deliveryId", d.id());
        data.put("messageKey", d.messageKey());
        data.put("requestId", d.requestId());
        data.put("contactId", d.contactId());
        data.put("channel", d.channel());
        data.put("template", d.template());
        data.put("address", d.address());
        return data;
    }

    OutboxMessage event(String type, PendingDelivery d, ObjectNode data, String occurrence) {
        return events.event(type, d.contactId(), "deliveries/" + d.id(), ORIGIN, data,
                id(type + ":" + d.id() + ":" + occurrence));
    }

    void decision(PendingDelivery d, String stage, String outcome, String reason, Instant at) {
        decision(d.requestId(), d.id(), d.contactId(), stage, d.channel(), outcome, reason, at);
    }

    void decision(long requestId, Long deliveryId, long contactId, String stage, String channel, String outcome,
            String reason, Instant at) {
        jdbc.update("""
                insert into delivery_decisions (request_id, delivery_id, contact_id, stage, channel, outcome, reason, at)
                values (?, ?, ?, ?, ?, ?, ?, ?)""", requestId, deliveryId, contactId, stage, channel, outcome, reason,
                Timestamp.from(at));
    }

    /** The same name-based UUID as {@code UUID.nameUUIDFromBytes}, without looking up a digest per call. */
    static UUID id(String name) {
        return ChangeEvents.deterministicId("delivery:" + name);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 300 ? m.substring(0, 300) : m));
    }

    private Array array(Collection<Long> ids) {
        Long[] values = ids.toArray(new Long[0]);
        return jdbc.execute((ConnectionCallback<Array>) (Connection c) -> c.createArrayOf("bigint", values));
    }

    /**
     * The contact's row (its {@code row_to_json}) as attribute texts: strings as they are, other values as their JSON,
     * nulls left out. Read with the streaming parser, a tree only for the rare non-string value: building the tree of
     * every contact row was a visible share of the consumer threads' time in the sender benchmark's profile.
     */
    static void contactAttributes(String json, Map<String, String> attributes) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("a contact row is a JSON object");
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    attributes.put(name, p.getString());
                } else if (value == JsonToken.VALUE_NUMBER_INT) {
                    // The contact's id on every row: printed as its node would print it (Jackson's node toString
                    // runs a whole serializer per value: a fifth of the sender consumers' samples).
                    attributes.put(name, p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            ? p.getBigIntegerValue().toString() : Long.toString(p.getLongValue()));
                } else if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE) {
                    attributes.put(name, value == JsonToken.VALUE_TRUE ? "true" : "false");
                } else if (value != JsonToken.VALUE_NULL) {
                    JsonNode node = p.readValueAsTree();
                    attributes.put(name, node.toString());
                }
            }
        }
    }

    static PendingDelivery map(ResultSet rs) throws SQLException {
        String contextText = rs.getString("context");
        JsonNode context = contextText == null ? null : JSON.readTree(contextText);
        Map<String, String> attributes = new LinkedHashMap<>();
        String contactText = rs.getString("contact");
        if (contactText != null) {
            contactAttributes(contactText, attributes);
        }
        String first = attributes.get("first_name");
        String last = attributes.get("last_name");
        String name = ((first == null ? "" : first) + " " + (last == null ? "" : last)).trim();
        return new PendingDelivery(rs.getLong("id"), rs.getLong("request_id"), rs.getLong("contact_id"),
                rs.getString("channel"), rs.getString("template"), rs.getString("message_key"),
                rs.getString("address"), rs.getString("purpose"), (Long) rs.getObject("scenario_id"),
                rs.getString("step_id"), rs.getString("status"), rs.getInt("attempts"),
                rs.getTimestamp("requested_at").toInstant(), context, name.isEmpty() ? null : name, attributes);
    }
}
