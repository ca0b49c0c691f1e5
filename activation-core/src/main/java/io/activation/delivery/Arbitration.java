package io.activation.delivery;

import io.activation.consent.Suppressions;
import io.activation.ingest.EventPartitions;
import io.activation.ingest.Outbox;
import io.activation.ingest.OutboxMessage;
import io.activation.platform.CustomPlans;
import io.activation.platform.JdbcTransactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Decides each message request, recording every decision: per channel in the request's order, consent for the
 * channel and purpose, suppression, a usable address and (marketing only) the frequency caps; then (marketing only)
 * quiet hours in the contact's time zone; then the first channel that passed gets a delivery. A request a cap
 * applies to waits in the arbitration window first, so requests of the same contact arriving close together
 * compete: they are decided highest priority first, and a loser is deferred until a slot frees or it expires.
 *
 * <p>All decisions of one contact are serialised by a transaction-scoped PostgreSQL advisory lock on the contact,
 * so caps hold when many threads and engine instances decide requests of the same contact at once.
 *
 * <p>Requests are decided in batches (a Kafka poll, a poller's due contacts) in one transaction: the batch's
 * contacts are locked in one statement (in a fixed order, so two batches cannot deadlock), what the checks need of
 * them (consents, suppressions, addresses, cap counts, quiet hours) is read once, the requests are decided in
 * memory in their order (a dispatch counts towards the caps of the contact's later requests of the batch), and the
 * trail, the deliveries, the status updates and the events are written with one statement each. A single request
 * is a batch of one.
 */
@Service
public class Arbitration implements ChannelFallback {

    public static final String SKIPPED = DeliveryEvents.SKIPPED;
    public static final String DEFERRED = DeliveryEvents.DEFERRED;
    /**
     * Several {@value #SKIPPED} / {@value #DEFERRED} events of contacts sharing a partition of
     * {@code activation.events}, in one record ({@link io.activation.ingest.EventGroups}, ADR 0022).
     */
    public static final String OUTCOMES = DeliveryEvents.OUTCOMES;

    /** Request statuses. */
    static final String PENDING = "pending";
    static final String DEFERRED_STATUS = "deferred";
    static final String DISPATCHED_STATUS = "dispatched";

    private static final int LOCK_SPACE = 0xDE1;
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final DeliveryProperties properties;
    private final ChannelDirectory channels;
    private final ContactAddresses addresses;
    private final FrequencyCaps caps;
    private final QuietHours quietHours;
    private final Deliveries deliveries;
    private final DeliveryDecisions decisions;
    private final DeliveryEvents events;
    private final Outbox outbox;
    private final JdbcTransactions transactions;
    private final EventPartitions partitions;

    Arbitration(JdbcTemplate jdbc, Clock clock, DeliveryProperties properties, ChannelDirectory channels,
            ContactAddresses addresses, FrequencyCaps caps, QuietHours quietHours,
            Deliveries deliveries, DeliveryDecisions decisions, DeliveryEvents events, Outbox outbox,
            JdbcTransactions transactions, EventPartitions partitions) {
        this.transactions = transactions;
        this.partitions = partitions;
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.channels = channels;
        this.addresses = addresses;
        this.caps = caps;
        this.quietHours = quietHours;
        this.deliveries = deliveries;
        this.decisions = decisions;
        this.events = events;
        this.outbox = outbox;
    }

    /**
     * A request arrived (from {@code activation.messages}): decided now, or, when it is marketing and a frequency
     * cap applies to it, held in the arbitration window to compete with the contact's other requests. A request
     * that is no longer {@code requested} (a redelivery) is left alone.
     */
    public void arrive(long requestId) {
        arriveAll(List.of(requestId));
    }

    /**
     * Requests arrived (a Kafka poll), handled as {@link #arrive(long)} handles one, in one transaction and in the
     * list's order: a later request of the same contact sees the caps taken by an earlier one. Should any of them
     * fail, nothing of the batch is written (the caller then handles them one by one). Plain JDBC from begin to
     * commit ({@link JdbcTransactions}: no Hibernate session per batch); joins a transaction under way.
     */
    public void arriveAll(List<Long> requestIds) {
        transactions.run(() -> arriveAllNow(requestIds));
    }

    private void arriveAllNow(List<Long> requestIds) {
        List<MessageRequest> requests = lockRequests(requestIds).stream()
                .filter(r -> MessageRequest.REQUESTED.equals(r.status())).toList();
        if (requests.isEmpty()) {
            return;
        }
        Instant now = now();
        Duration window = properties.arbitrationWindow();
        Facts facts = facts(requests, now);
        List<FrequencyCap> capList = facts.caps;
        Writes writes = new Writes(now);
        List<MessageRequest> undecided = new ArrayList<>();
        for (MessageRequest r : requests) {
            if (!window.isZero() && r.options().purpose() == SendOptions.Purpose.MARKETING
                    && FrequencyCaps.anyApplies(capList, r.channels().stream()
                            .map(MessageRequest.ChannelChoice::channel).toList(), r.scenarioId())) {
                Instant until = now.plus(window);
                writes.status(r.id(), PENDING, Decided.KEEP, until);
                writes.record(r.id(), null, r.contactId(), "priority", null, "deferred", "a frequency cap applies:"
                        + " waits in the arbitration window (" + window + ") until " + until + " for competing"
                        + " requests of the contact, decided highest priority first");
            } else {
                undecided.add(r);
            }
        }
        for (MessageRequest r : undecided) {
            decide(r, now, new Round(), facts, writes);
        }
        writes.flush();
    }

    /** Decides one undecided request now, whatever its window or deferral. Answers whether it was undecided. */
    @Transactional
    public boolean decide(long requestId) {
        List<MessageRequest> found = lockRequests(List.of(requestId));
        if (found.isEmpty() || isDecided(requestId)) {
            return false;
        }
        Instant now = now();
        Writes writes = new Writes(now);
        decide(found.get(0), now, new Round(), facts(found, now), writes);
        writes.flush();
        return true;
    }

    /**
     * Decides the contact's requests that are due (their window or deferral ended), together with those still in
     * their arbitration window, highest priority first (then oldest first). Answers how many were considered.
     */
    public int decideDue(long contactId) {
        return decideDueAll(List.of(contactId));
    }

    /**
     * {@link #decideDue(long)} for several contacts in one transaction (a poller's batch); answers how many
     * requests were considered. Should any of them fail, nothing of the batch is written. Plain JDBC, as
     * {@link #arriveAll}.
     */
    public int decideDueAll(List<Long> contactIds) {
        return transactions.execute(() -> decideDueAllNow(contactIds));
    }

    private int decideDueAllNow(List<Long> contactIds) {
        CustomPlans.forThisTransaction(jdbc);
        lockContacts(contactIds);
        Instant now = now();
        Long[] ids = contactIds.toArray(Long[]::new);
        List<Long> due = jdbc.queryForList("""
                select distinct contact_id from message_requests
                where contact_id = any(?) and decided_at is null and decide_at <= ?""", Long.class, ids,
                Timestamp.from(now));
        if (due.isEmpty()) {
            return 0;
        }
        List<MessageRequest> competing = jdbc.query(MessageRequests.SELECT_FOR_DECIDING + " " + """
                 where contact_id = any(?) and decided_at is null and (decide_at <= ? or status = ?)
                 order by contact_id, priority desc, id for update skip locked""", MessageRequests::map,
                due.toArray(Long[]::new), Timestamp.from(now), PENDING);
        Facts facts = facts(competing, now);
        Writes writes = new Writes(now);
        Round round = null;
        long contact = -1;
        for (MessageRequest r : competing) {
            if (round == null || r.contactId() != contact) {
                round = new Round();
                contact = r.contactId();
            }
            decide(r, now, round, facts, writes);
        }
        writes.flush();
        return competing.size();
    }

    /**
     * The delivery did not work on its channel: marks it fallen back (once), records why and dispatches the
     * request on its next allowed channel, or marks the request failed when none is left. For push, the request
     * falls back only once every device token of it failed.
     */
    @Override
    @Transactional
    public void failed(long deliveryId, String reason) {
        Optional<Delivery> found = deliveries.find(deliveryId);
        if (found.isEmpty()) {
            return;
        }
        Delivery d = found.get();
        lockContact(d.contactId());
        Instant now = now();
        if (jdbc.update("update deliveries set fallen_back_at = ?, updated_at = ? where id = ? and fallen_back_at"
                + " is null", Timestamp.from(now), Timestamp.from(now), deliveryId) == 0) {
            return;
        }
        Writes writes = new Writes(now);
        writes.record(d.requestId(), deliveryId, d.contactId(), "fallback", d.channel(), "failed", reason);
        Integer others = jdbc.queryForObject("""
                select count(*) from deliveries where request_id = ? and channel = ? and id <> ?
                  and fallen_back_at is null and status not in ('failed', 'bounced', 'dead')""", Integer.class,
                d.requestId(), d.channel(), deliveryId);
        if (others != null && others > 0) {
            writes.flush();
            return;
        }
        MessageRequest r = jdbc.query(MessageRequests.SELECT_FOR_DECIDING + " where id = ?", MessageRequests::map, d.requestId())
                .get(0);
        int from = 0;
        for (int i = 0; i < r.channels().size(); i++) {
            if (r.channels().get(i).channel().equals(d.channel())) {
                from = i + 1;
            }
        }
        Facts facts = facts(List.of(r), now);
        Choice choice = choose(r, from, now, new Round(), true, facts, writes);
        if (choice.chosen() != null) {
            dispatch(r, choice, now, facts, writes);
        } else {
            String why = from >= r.channels().size() ? d.channel() + " was the last channel"
                    : "no later channel was allowed (" + String.join("; ", choice.blocked()) + ")";
            finish(r, "failed", "fallback", null, "failed", "no channel left after " + d.channel() + ": " + why,
                    writes);
        }
        writes.flush();
    }

    /** Falls back from deliveries sent but not confirmed as delivered by their {@code confirm_by}. */
    @Transactional
    public boolean confirmOverdue(long deliveryId) {
        List<Timestamp> confirmBy = jdbc.queryForList("""
                select confirm_by from deliveries where id = ? and status = 'sent' and fallen_back_at is null
                  and confirm_by <= ? for update skip locked""", Timestamp.class, deliveryId,
                Timestamp.from(now()));
        if (confirmBy.isEmpty()) {
            return false;
        }
        failed(deliveryId, "not confirmed as delivered by " + confirmBy.get(0).toInstant());
        return true;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The requests decided in one pass over a contact: who took which slot. */
    private static final class Round {
        private record Won(MessageRequest request, String channel) {}

        private final List<Won> dispatched = new ArrayList<>();

        void won(MessageRequest r, String channel) {
            dispatched.add(new Won(r, channel));
        }

        /** A request dispatched earlier in this round that took a slot of the cap. */
        Optional<MessageRequest> winnerOf(FrequencyCap cap) {
            return dispatched.stream().filter(w -> cap.applies(w.channel(), w.request().scenarioId()))
                    .map(Won::request).findFirst();
        }
    }

    /** The outcome of going through the channels: the chosen one, or what blocked caps (for a deferral). */
    private record Choice(MessageRequest.ChannelChoice chosen, List<String> addresses, boolean capBlocked,
            Instant capFreeAt, String capStage, String capReason, List<String> blocked) {}

    /** What the checks need to know about the contacts of a batch, read once under their locks. */
    private static final class Facts {
        final List<FrequencyCap> caps;
        final Optional<QuietHours.Window> quiet;
        final ContactAddresses.Known addresses;
        final ConsentPolicy.Known consents;
        final Map<String, Suppressions.Suppression> suppressions;
        /** The marketing deliveries the caps count, per contact; a dispatch of the batch is added as it is made. */
        final Map<Long, List<FrequencyCaps.Sent>> sent;

        Facts(List<FrequencyCap> caps, Optional<QuietHours.Window> quiet, ContactAddresses.Known addresses,
                ConsentPolicy.Known consents, Map<String, Suppressions.Suppression> suppressions,
                Map<Long, List<FrequencyCaps.Sent>> sent) {
            this.caps = caps;
            this.quiet = quiet;
            this.addresses = addresses;
            this.consents = consents;
            this.suppressions = suppressions;
            this.sent = sent;
        }

        Optional<Suppressions.Suppression> suppression(String channel, String address) {
            return Optional.ofNullable(suppressions.get(channel + " " + Suppressions.normalise(channel, address)));
        }

        List<FrequencyCaps.Sent> sent(long contactId) {
            return sent.computeIfAbsent(contactId, c -> new ArrayList<>());
        }
    }

    /**
     * Reads what the checks need of the requests' contacts. The caps, the quiet hours, the contacts' e-mail, phone
     * and time zone and their consents come in one round trip (one multi-statement execution, one snapshot under
     * the contacts' locks); device tokens, postal addresses, suppressions and cap counts, each when needed, after.
     */
    private Facts facts(List<MessageRequest> requests, Instant now) {
        Set<Long> contacts = new LinkedHashSet<>();
        Set<String> wanted = new HashSet<>();
        boolean marketing = false;
        for (MessageRequest r : requests) {
            contacts.add(r.contactId());
            r.channels().forEach(c -> wanted.add(c.channel()));
            marketing |= r.options().purpose() == SendOptions.Purpose.MARKETING;
        }
        List<FrequencyCap> capList = new ArrayList<>();
        List<QuietHours.Window> quiet = new ArrayList<>();
        ContactAddresses.Known known = addresses.known();
        ConsentPolicy.Known consents = new ConsentPolicy.Known();
        Object[] ids = contacts.toArray();
        jdbc.execute((Connection connection) -> {
            try (PreparedStatement ps = connection.prepareStatement(FrequencyCaps.SELECT_ALL + "; " + QuietHours.SELECT
                    + "; " + ContactAddresses.SELECT + "; " + ConsentPolicy.SELECT)) {
                ps.setArray(1, connection.createArrayOf("bigint", ids));
                ps.setArray(2, connection.createArrayOf("bigint", ids));
                ps.execute();
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        capList.add(FrequencyCaps.map(rs, 0));
                    }
                }
                next(ps);
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        quiet.add(QuietHours.map(rs, 0));
                    }
                }
                next(ps);
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        ContactAddresses.readColumns(known, rs);
                    }
                }
                next(ps);
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        ConsentPolicy.read(consents, rs);
                    }
                }
            }
            return null;
        });
        addresses.loadOthers(known, contacts, wanted);
        List<String> channelList = new ArrayList<>();
        List<String> addressList = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (MessageRequest r : requests) {
            for (MessageRequest.ChannelChoice c : r.channels()) {
                for (String address : known.resolve(r.contactId(), c.channel()).addresses()) {
                    String normalised = Suppressions.normalise(c.channel(), address);
                    if (seen.add(c.channel() + " " + normalised)) {
                        channelList.add(c.channel());
                        addressList.add(normalised);
                    }
                }
            }
        }
        Map<String, Suppressions.Suppression> suppressed = new HashMap<>();
        if (!channelList.isEmpty()) {
            jdbc.query(connection -> {
                PreparedStatement ps = connection.prepareStatement("""
                        select s.* from suppressions s
                        join unnest(?::varchar[], ?::varchar[]) as x(channel, address)
                          on s.channel = x.channel and s.address = x.address""");
                ps.setArray(1, connection.createArrayOf("varchar", channelList.toArray()));
                ps.setArray(2, connection.createArrayOf("varchar", addressList.toArray()));
                return ps;
            }, rs -> {
                Suppressions.Suppression found = new Suppressions.Suppression(rs.getString("channel"),
                        rs.getString("address"), rs.getString("reason"), rs.getString("source"),
                        rs.getString("detail"), rs.getTimestamp("created_at").toInstant());
                suppressed.put(found.channel() + " " + found.address(), found);
            });
        }
        return new Facts(List.copyOf(capList), marketing ? quiet.stream().findFirst() : Optional.empty(), known,
                consents, suppressed, marketing ? caps.history(contacts, capList, now) : new HashMap<>());
    }

    private static void next(PreparedStatement ps) throws SQLException {
        if (!ps.getMoreResults()) {
            throw new SQLException("a statement of arbitration's facts read returned no result set");
        }
    }

    /** How a status update treats {@code decided_at}. */
    private enum Decided {
        /** Leaves it (the request waits). */
        KEEP,
        /** Sets it unless set (a dispatch, also after a fallback). */
        FIRST,
        /** Sets it (the request ended). */
        NOW
    }

    /**
     * What deciding a batch writes, kept in order and written at the end with one statement per table: the
     * deliveries first (a chosen decision names its delivery), then the trail, the requests' statuses and the
     * events: the dispatches, then the outcomes (skipped, deferred) grouped per partition of
     * {@code activation.events} (ADR 0022).
     */
    private final class Writes {
        private record Chosen(Deliveries.Pending delivery, String reason) {}

        private record Status(long id, String status, Decided decided, Instant decideAt) {}

        private final Instant now;
        private final List<Object> trail = new ArrayList<>();
        private final List<Deliveries.Pending> pending = new ArrayList<>();
        private final List<Deliveries.Pending> dispatched = new ArrayList<>();
        private final List<DeliveryEvents.Outcome> outcomes = new ArrayList<>();
        private final Map<Long, Status> statuses = new LinkedHashMap<>();

        Writes(Instant now) {
            this.now = now;
        }

        void record(long requestId, Long deliveryId, long contactId, String stage, String channel, String outcome,
                String reason) {
            trail.add(new DeliveryDecisions.Entry(requestId, deliveryId, contactId, stage, channel, outcome, reason,
                    now));
        }

        /** A delivery to insert; its chosen decision reads {@code reason} followed by the delivery's id. */
        void dispatch(Deliveries.Pending delivery, String reason) {
            pending.add(delivery);
            trail.add(new Chosen(delivery, reason));
            dispatched.add(delivery);
        }

        void status(long requestId, String status, Decided decided, Instant decideAt) {
            statuses.put(requestId, new Status(requestId, status, decided, decideAt));
        }

        void event(DeliveryEvents.Outcome outcome) {
            outcomes.add(outcome);
        }

        void flush() {
            deliveries.insertAll(pending);
            List<DeliveryDecisions.Entry> entries = new ArrayList<>(trail.size());
            for (Object o : trail) {
                if (o instanceof Chosen c) {
                    Deliveries.Pending p = c.delivery();
                    if (p.id != null) {
                        entries.add(new DeliveryDecisions.Entry(p.request.id(), p.id, p.request.contactId(),
                                "channel", p.choice.channel(), "chosen", c.reason() + p.id, now));
                    }
                } else {
                    entries.add((DeliveryDecisions.Entry) o);
                }
            }
            // The trail and the requests' statuses in one statement (one round trip).
            decisions.recordAll(entries, statusUpdate());
            // Dispatches go to the channels' topics, outcomes to activation.events: no order between them matters.
            List<OutboxMessage> messages = new ArrayList<>(dispatched.size() + outcomes.size());
            for (Deliveries.Pending p : dispatched) {
                if (p.id != null) {
                    messages.add(deliveries.dispatched(p));
                }
            }
            if (!outcomes.isEmpty()) {
                messages.addAll(events.messages(outcomes, partitions.count()));
            }
            outbox.append(messages);
        }

        /** The update of the requests' statuses, or null when there is none. */
        private DeliveryDecisions.Following statusUpdate() {
            if (statuses.isEmpty()) {
                return null;
            }
            int n = statuses.size();
            Object[] ids = new Object[n];
            String[] status = new String[n];
            String[] decided = new String[n];
            String[] decideAt = new String[n];
            int i = 0;
            for (Status st : statuses.values()) {
                ids[i] = st.id();
                status[i] = st.status();
                decided[i] = st.decided().name();
                decideAt[i] = st.decideAt() == null ? null : st.decideAt().toString();
                i++;
            }
            return new DeliveryDecisions.Following() {
                @Override
                public String sql() {
                    return """
                            update message_requests m set status = u.status,
                                decided_at = case u.decided when 'NOW' then ?::timestamptz
                                    when 'FIRST' then coalesce(m.decided_at, ?::timestamptz) else m.decided_at end,
                                decide_at = u.decide_at
                            from unnest(?::bigint[], ?::varchar[], ?::varchar[], ?::timestamptz[])
                                as u(id, status, decided, decide_at)
                            where m.id = u.id""";
                }

                @Override
                public void bind(Connection connection, PreparedStatement ps, int first) throws SQLException {
                    ps.setTimestamp(first, Timestamp.from(now));
                    ps.setTimestamp(first + 1, Timestamp.from(now));
                    ps.setArray(first + 2, connection.createArrayOf("bigint", ids));
                    ps.setArray(first + 3, connection.createArrayOf("varchar", status));
                    ps.setArray(first + 4, connection.createArrayOf("varchar", decided));
                    ps.setArray(first + 5, connection.createArrayOf("varchar", decideAt));
                }
            };
        }
    }

    private void decide(MessageRequest r, Instant now, Round round, Facts facts, Writes writes) {
        Instant expiresAt = r.expiresAt();
        if (expiresAt != null && !now.isBefore(expiresAt)) {
            String last = jdbc.query("select reason from delivery_trail where request_id = ? and outcome ="
                    + " 'deferred' order by id desc, step desc limit 1", (rs, n) -> rs.getString(1), r.id()).stream()
                    .findFirst().map(s -> " (last deferred: " + s + ")").orElse("");
            finish(r, "expired", "expiry", null, "dropped", "expired at " + expiresAt + " before it could be sent"
                    + last, writes);
            return;
        }
        boolean marketing = r.options().purpose() == SendOptions.Purpose.MARKETING;
        Choice choice = choose(r, 0, now, round, false, facts, writes);
        if (choice.chosen() == null) {
            if (choice.capBlocked()) {
                if (expiresAt != null && choice.capFreeAt() != null) {
                    Instant until = choice.capFreeAt().isBefore(expiresAt) ? choice.capFreeAt() : expiresAt;
                    defer(r, until, choice.capStage(), null, choice.capReason() + "; deferred until " + until
                            + (until.equals(expiresAt) ? " (its expiry)" : " (a slot frees)"), writes);
                } else {
                    finish(r, "dropped", choice.capStage(), null, "dropped", choice.capReason() + (expiresAt == null
                            ? "; the request has no expiresAfter, so it does not wait for a slot"
                            : "; the cap allows no message"), writes);
                }
            } else {
                finish(r, "skipped", "channel", null, "skipped", "no channel of " + names(r)
                        + " is allowed and reachable (" + String.join("; ", choice.blocked()) + ")", writes);
            }
            return;
        }
        if (marketing) {
            Optional<QuietHours.Window> quiet = facts.quiet;
            String channel = choice.chosen().channel();
            if (quiet.isPresent()) {
                ZoneId zone = quietHours.zone(facts.addresses.timeZone(r.contactId()));
                ZonedDateTime local = now.atZone(zone);
                QuietHours.Window w = quiet.get();
                if (w.contains(local.toLocalTime())) {
                    Instant next = w.nextAllowed(local).toInstant();
                    String why = LOCAL.format(local) + " " + zone + " is within quiet hours " + w;
                    if (r.options().quietHours() == SendOptions.QuietHoursPolicy.SKIP) {
                        finish(r, "skipped", "quiet-hours", channel, "skipped", why + "; the send step skips in"
                                + " quiet hours", writes);
                    } else if (expiresAt != null && next.isAfter(expiresAt)) {
                        finish(r, "expired", "quiet-hours", channel, "dropped", why + "; they end at " + next
                                + ", after the request's expiry " + expiresAt, writes);
                    } else {
                        defer(r, next, "quiet-hours", channel, why + "; deferred until " + LOCAL.format(
                                next.atZone(zone)) + " " + zone + " (" + next + ")", writes);
                    }
                    return;
                }
                writes.record(r.id(), null, r.contactId(), "quiet-hours", channel, "passed", LOCAL.format(local)
                        + " " + zone + " is outside quiet hours " + w);
            }
        }
        dispatch(r, choice, now, facts, writes);
        round.won(r, choice.chosen().channel());
    }

    /**
     * Goes through the request's channels from {@code from}: the first that passes consent, suppression, address
     * and caps is chosen. On a fallback the request holds its slot in the global and scenario caps already, so only
     * the caps of the new channel are checked.
     */
    private Choice choose(MessageRequest r, int from, Instant now, Round round, boolean fallback, Facts facts,
            Writes writes) {
        boolean marketing = r.options().purpose() == SendOptions.Purpose.MARKETING;
        boolean capBlocked = false;
        Instant capFreeAt = null;
        boolean capFreeNever = false;
        String capStage = null;
        String capReason = null;
        List<String> blocks = new ArrayList<>();
        for (int i = from; i < r.channels().size(); i++) {
            MessageRequest.ChannelChoice c = r.channels().get(i);
            String ch = c.channel();
            long id = r.id();
            long contact = r.contactId();
            if (!channels.available(ch)) {
                blocks.add(block(writes, id, contact, "channel", ch, "no sender serves channel " + ch
                        + " in this installation"));
                continue;
            }
            ConsentPolicy.Verdict consent = ConsentPolicy.check(facts.consents, contact, ch, r.options().purpose());
            if (!consent.allowed()) {
                blocks.add(block(writes, id, contact, "consent", ch, consent.reason()));
                continue;
            }
            writes.record(id, null, contact, "consent", ch, "passed", consent.reason());
            ContactAddresses.Resolved resolved = facts.addresses.resolve(contact, ch);
            List<String> usable = new ArrayList<>();
            List<String> suppressed = new ArrayList<>();
            for (String address : resolved.addresses()) {
                facts.suppression(ch, address).ifPresentOrElse(s -> suppressed.add(s.address() + " (" + s.reason()
                        + ", " + s.source() + ")"), () -> usable.add(address));
            }
            if (!suppressed.isEmpty()) {
                if (usable.isEmpty()) {
                    blocks.add(block(writes, id, contact, "suppression", ch, "suppressed: "
                            + String.join(", ", suppressed)));
                    continue;
                }
                writes.record(id, null, contact, "suppression", ch, "passed", "skipping suppressed: "
                        + String.join(", ", suppressed));
            } else if (resolved.found()) {
                writes.record(id, null, contact, "suppression", ch, "passed", "not on the " + ch
                        + " suppression list");
            }
            if (usable.isEmpty()) {
                blocks.add(block(writes, id, contact, "address", ch, resolved.missing()));
                continue;
            }
            writes.record(id, null, contact, "address", ch, "passed", usable.size() == 1 ? usable.get(0)
                    : usable.size() + " device tokens");
            if (!marketing) {
                writes.record(id, null, contact, "cap", ch, "passed", "transactional: exempt from frequency caps");
                return new Choice(c, usable, false, null, null, null, blocks);
            }
            List<FrequencyCaps.Blocked> blocked = FrequencyCaps.blocking(facts.caps, facts.sent(contact), ch,
                    r.scenarioId(), id, now, fallback);
            if (blocked.isEmpty()) {
                writes.record(id, null, contact, "cap", ch, "passed", "within every frequency cap");
                return new Choice(c, usable, false, null, null, null, blocks);
            }
            boolean allChannels = false;
            for (FrequencyCaps.Blocked b : blocked) {
                Optional<MessageRequest> winner = round.winnerOf(b.cap());
                String stage = winner.isPresent() ? "priority" : "cap";
                String reason = winner.map(w -> "lost the slot of " + b.cap().describe() + " to request " + w.id()
                        + " (priority " + w.priority() + ", this one " + r.priority() + ")")
                        .orElse(b.cap().describe() + " reached: " + b.counted() + " within the window");
                blocks.add(block(writes, id, contact, stage, ch, reason));
                capBlocked = true;
                if (capStage == null || "priority".equals(stage)) {
                    capStage = stage;
                    capReason = reason;
                }
                if (b.freeAt() == null) {
                    capFreeNever = true;
                } else if (capFreeAt == null || b.freeAt().isAfter(capFreeAt)) {
                    capFreeAt = b.freeAt();
                }
                allChannels |= b.cap().scope() != FrequencyCap.Scope.CHANNEL;
            }
            if (allChannels) {
                break;
            }
        }
        return new Choice(null, List.of(), capBlocked, capFreeNever ? null : capFreeAt, capStage, capReason, blocks);
    }

    /** Records a blocked check; answers it as "channel: reason" for the summary. */
    private static String block(Writes writes, long requestId, long contactId, String stage, String channel,
            String reason) {
        writes.record(requestId, null, contactId, stage, channel, "blocked", reason);
        return channel + ": " + reason;
    }

    private void dispatch(MessageRequest r, Choice choice, Instant now, Facts facts, Writes writes) {
        MessageRequest.ChannelChoice c = choice.chosen();
        int position = r.channels().indexOf(c) + 1;
        for (String address : choice.addresses()) {
            writes.dispatch(new Deliveries.Pending(r, c, address, now), "dispatched on " + c.channel() + " (choice "
                    + position + " of " + r.channels().size() + ") with template " + c.template() + " as delivery ");
        }
        if (r.options().purpose() == SendOptions.Purpose.MARKETING) {
            facts.sent(r.contactId()).add(new FrequencyCaps.Sent(r.id(), c.channel(), r.scenarioId(), now));
        }
        writes.status(r.id(), DISPATCHED_STATUS, Decided.FIRST, null);
    }

    private void defer(MessageRequest r, Instant until, String stage, String channel, String reason, Writes writes) {
        writes.status(r.id(), DEFERRED_STATUS, Decided.KEEP, until);
        writes.record(r.id(), null, r.contactId(), stage, channel, "deferred", reason);
        writes.event(events.deferred(r, channel, stage, until, reason));
    }

    /** Ends the request undelivered (skipped, dropped, expired, failed) and publishes {@value #SKIPPED}. */
    private void finish(MessageRequest r, String status, String stage, String channel, String outcome,
            String reason, Writes writes) {
        writes.status(r.id(), status, Decided.NOW, null);
        writes.record(r.id(), null, r.contactId(), stage, channel, outcome, reason);
        writes.event(events.skipped(r, channel, stage, status, reason));
    }

    private static String names(MessageRequest r) {
        return r.channels().stream().map(MessageRequest.ChannelChoice::channel).toList().toString();
    }

    /**
     * Locks the requests' contacts, then the requests; answers those that exist, in the order of the ids (each
     * once).
     */
    private List<MessageRequest> lockRequests(List<Long> requestIds) {
        // The batch's look-ups by ids of growing tables, planned for their actual arrays (see CustomPlans).
        CustomPlans.forThisTransaction(jdbc);
        Long[] ids = requestIds.toArray(Long[]::new);
        // The requests' contacts found and locked in one statement, in the order lockContacts takes them.
        Long locked = jdbc.queryForObject("select count(pg_advisory_xact_lock(?, k)) from (select distinct "
                + lockKey("contact_id") + " as k from message_requests where id = any(?) order by k) s", Long.class,
                LOCK_SPACE, ids);
        if (locked == null || locked == 0) {
            return List.of();
        }
        Map<Long, MessageRequest> byId = new HashMap<>();
        jdbc.query(MessageRequests.SELECT_FOR_DECIDING + " where id = any(?) order by id for update", MessageRequests::map,
                (Object) ids).forEach(r -> byId.put(r.id(), r));
        Map<Long, MessageRequest> ordered = new LinkedHashMap<>();
        for (Long id : requestIds) {
            MessageRequest r = byId.get(id);
            if (r != null) {
                ordered.putIfAbsent(id, r);
            }
        }
        return List.copyOf(ordered.values());
    }

    private boolean isDecided(long requestId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select decided_at is not null from message_requests"
                + " where id = ?", Boolean.class, requestId));
    }

    /** Serialises every decision about one contact, across threads and instances, until the transaction ends. */
    private void lockContact(long contactId) {
        lockContacts(List.of(contactId));
    }

    /**
     * The SQL for the advisory-lock key of a contact id column: {@code Long.hashCode(id)} (the key
     * {@link #lockContacts} takes), computed by PostgreSQL, so a statement can find and lock contacts at once.
     */
    static String lockKey(String column) {
        String low = "((" + column + " # (" + column + " >> 32)) & 4294967295)";
        return "(" + low + " - ((" + low + " >> 31) << 32))::integer";
    }

    /**
     * {@link #lockContact} for several contacts in one statement. The locks are taken in the order of their keys,
     * the same order in every transaction, so two batches sharing contacts wait for each other but never deadlock.
     */
    private void lockContacts(Collection<Long> contactIds) {
        Integer[] keys = contactIds.stream().map(id -> Long.hashCode(id)).distinct().sorted().toArray(Integer[]::new);
        jdbc.queryForList("select count(pg_advisory_xact_lock(?, k)) from (select k from unnest(?::integer[]) as"
                + " t(k) order by k) s", Long.class, LOCK_SPACE, keys);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
