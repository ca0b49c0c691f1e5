package io.activation.delivery;

import io.activation.consent.Suppressions;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 */
@Service
public class Arbitration implements ChannelFallback {

    public static final String SKIPPED = DeliveryEvents.SKIPPED;
    public static final String DEFERRED = DeliveryEvents.DEFERRED;

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
    private final ConsentPolicy consentPolicy;
    private final Suppressions suppressions;
    private final FrequencyCaps caps;
    private final QuietHours quietHours;
    private final Deliveries deliveries;
    private final DeliveryDecisions decisions;
    private final DeliveryEvents events;

    Arbitration(JdbcTemplate jdbc, Clock clock, DeliveryProperties properties, ChannelDirectory channels,
            ContactAddresses addresses, ConsentPolicy consentPolicy, Suppressions suppressions, FrequencyCaps caps,
            QuietHours quietHours, Deliveries deliveries, DeliveryDecisions decisions, DeliveryEvents events) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.channels = channels;
        this.addresses = addresses;
        this.consentPolicy = consentPolicy;
        this.suppressions = suppressions;
        this.caps = caps;
        this.quietHours = quietHours;
        this.deliveries = deliveries;
        this.decisions = decisions;
        this.events = events;
    }

    /**
     * A request arrived (from {@code activation.messages}): decided now, or, when it is marketing and a frequency
     * cap applies to it, held in the arbitration window to compete with the contact's other requests. A request
     * that is no longer {@code requested} (a redelivery) is left alone.
     */
    @Transactional
    public void arrive(long requestId) {
        Optional<MessageRequest> found = lockRequest(requestId);
        if (found.isEmpty() || !MessageRequest.REQUESTED.equals(found.get().status())) {
            return;
        }
        MessageRequest r = found.get();
        Instant now = now();
        Duration window = properties.arbitrationWindow();
        if (!window.isZero() && r.options().purpose() == SendOptions.Purpose.MARKETING
                && caps.anyApplies(r.channels().stream().map(MessageRequest.ChannelChoice::channel).toList(),
                        r.scenarioId())) {
            Instant until = now.plus(window);
            jdbc.update("update message_requests set status = ?, decide_at = ? where id = ?", PENDING,
                    Timestamp.from(until), r.id());
            decisions.record(r.id(), null, r.contactId(), "priority", null, "deferred", "a frequency cap applies:"
                    + " waits in the arbitration window (" + window + ") until " + until + " for competing requests"
                    + " of the contact, decided highest priority first", now);
            return;
        }
        decide(r, now, new Round());
    }

    /** Decides one undecided request now, whatever its window or deferral. Answers whether it was undecided. */
    @Transactional
    public boolean decide(long requestId) {
        Optional<MessageRequest> found = lockRequest(requestId);
        if (found.isEmpty() || isDecided(requestId)) {
            return false;
        }
        decide(found.get(), now(), new Round());
        return true;
    }

    /**
     * Decides the contact's requests that are due (their window or deferral ended), together with those still in
     * their arbitration window, highest priority first (then oldest first). Answers how many were considered.
     */
    @Transactional
    public int decideDue(long contactId) {
        lockContact(contactId);
        Instant now = now();
        List<MessageRequest> due = jdbc.query(MessageRequests.SELECT + " " + """
                 where contact_id = ? and decided_at is null and decide_at <= ?
                 for update skip locked""", MessageRequests::map, contactId, Timestamp.from(now));
        if (due.isEmpty()) {
            return 0;
        }
        List<MessageRequest> competing = new ArrayList<>(jdbc.query(MessageRequests.SELECT + " " + """
                 where contact_id = ? and decided_at is null and (decide_at <= ? or status = ?)
                 order by priority desc, id for update skip locked""", MessageRequests::map, contactId,
                Timestamp.from(now), PENDING));
        Round round = new Round();
        for (MessageRequest r : competing) {
            decide(r, now, round);
        }
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
        decisions.record(d.requestId(), deliveryId, d.contactId(), "fallback", d.channel(), "failed", reason, now);
        Integer others = jdbc.queryForObject("""
                select count(*) from deliveries where request_id = ? and channel = ? and id <> ?
                  and fallen_back_at is null and status not in ('failed', 'bounced', 'dead')""", Integer.class,
                d.requestId(), d.channel(), deliveryId);
        if (others != null && others > 0) {
            return;
        }
        MessageRequest r = jdbc.query(MessageRequests.SELECT + " where id = ?", MessageRequests::map, d.requestId())
                .get(0);
        int from = 0;
        for (int i = 0; i < r.channels().size(); i++) {
            if (r.channels().get(i).channel().equals(d.channel())) {
                from = i + 1;
            }
        }
        Choice choice = choose(r, from, now, new Round(), true);
        if (choice.chosen() != null) {
            dispatch(r, choice, now);
            return;
        }
        String why = from >= r.channels().size() ? d.channel() + " was the last channel"
                : "no later channel was allowed (" + String.join("; ", choice.blocked()) + ")";
        finish(r, "failed", "fallback", null, "failed", "no channel left after " + d.channel() + ": " + why, now);
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

    private void decide(MessageRequest r, Instant now, Round round) {
        Instant expiresAt = r.expiresAt();
        if (expiresAt != null && !now.isBefore(expiresAt)) {
            String last = jdbc.query("select reason from delivery_decisions where request_id = ? and outcome ="
                    + " 'deferred' order by id desc limit 1", (rs, n) -> rs.getString(1), r.id()).stream()
                    .findFirst().map(s -> " (last deferred: " + s + ")").orElse("");
            finish(r, "expired", "expiry", null, "dropped", "expired at " + expiresAt + " before it could be sent"
                    + last, now);
            return;
        }
        boolean marketing = r.options().purpose() == SendOptions.Purpose.MARKETING;
        Choice choice = choose(r, 0, now, round, false);
        if (choice.chosen() == null) {
            if (choice.capBlocked()) {
                if (expiresAt != null && choice.capFreeAt() != null) {
                    Instant until = choice.capFreeAt().isBefore(expiresAt) ? choice.capFreeAt() : expiresAt;
                    defer(r, until, choice.capStage(), null, choice.capReason() + "; deferred until " + until
                            + (until.equals(expiresAt) ? " (its expiry)" : " (a slot frees)"), now);
                } else {
                    finish(r, "dropped", choice.capStage(), null, "dropped", choice.capReason() + (expiresAt == null
                            ? "; the request has no expiresAfter, so it does not wait for a slot"
                            : "; the cap allows no message"), now);
                }
            } else {
                finish(r, "skipped", "channel", null, "skipped", "no channel of " + names(r)
                        + " is allowed and reachable (" + String.join("; ", choice.blocked()) + ")", now);
            }
            return;
        }
        if (marketing) {
            Optional<QuietHours.Window> quiet = quietHours.window();
            String channel = choice.chosen().channel();
            if (quiet.isPresent()) {
                ZoneId zone = quietHours.zoneOf(r.contactId());
                ZonedDateTime local = now.atZone(zone);
                QuietHours.Window w = quiet.get();
                if (w.contains(local.toLocalTime())) {
                    Instant next = w.nextAllowed(local).toInstant();
                    String why = LOCAL.format(local) + " " + zone + " is within quiet hours " + w;
                    if (r.options().quietHours() == SendOptions.QuietHoursPolicy.SKIP) {
                        finish(r, "skipped", "quiet-hours", channel, "skipped", why + "; the send step skips in"
                                + " quiet hours", now);
                    } else if (expiresAt != null && next.isAfter(expiresAt)) {
                        finish(r, "expired", "quiet-hours", channel, "dropped", why + "; they end at " + next
                                + ", after the request's expiry " + expiresAt, now);
                    } else {
                        defer(r, next, "quiet-hours", channel, why + "; deferred until " + LOCAL.format(
                                next.atZone(zone)) + " " + zone + " (" + next + ")", now);
                    }
                    return;
                }
                decisions.record(r.id(), null, r.contactId(), "quiet-hours", channel, "passed", LOCAL.format(local)
                        + " " + zone + " is outside quiet hours " + w, now);
            }
        }
        dispatch(r, choice, now);
        round.won(r, choice.chosen().channel());
    }

    /**
     * Goes through the request's channels from {@code from}: the first that passes consent, suppression, address
     * and caps is chosen. On a fallback the request holds its slot in the global and scenario caps already, so only
     * the caps of the new channel are checked.
     */
    private Choice choose(MessageRequest r, int from, Instant now, Round round, boolean fallback) {
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
                blocks.add(block(id, contact, "channel", ch, "no sender serves channel " + ch
                        + " in this installation", now));
                continue;
            }
            ConsentPolicy.Verdict consent = consentPolicy.check(contact, ch, r.options().purpose());
            if (!consent.allowed()) {
                blocks.add(block(id, contact, "consent", ch, consent.reason(), now));
                continue;
            }
            decisions.record(id, null, contact, "consent", ch, "passed", consent.reason(), now);
            ContactAddresses.Resolved resolved = addresses.resolve(contact, ch);
            List<String> usable = new ArrayList<>();
            List<String> suppressed = new ArrayList<>();
            for (String address : resolved.addresses()) {
                suppressions.find(ch, address).ifPresentOrElse(s -> suppressed.add(s.address() + " (" + s.reason()
                        + ", " + s.source() + ")"), () -> usable.add(address));
            }
            if (!suppressed.isEmpty()) {
                if (usable.isEmpty()) {
                    blocks.add(block(id, contact, "suppression", ch, "suppressed: " + String.join(", ", suppressed),
                            now));
                    continue;
                }
                decisions.record(id, null, contact, "suppression", ch, "passed", "skipping suppressed: "
                        + String.join(", ", suppressed), now);
            } else if (resolved.found()) {
                decisions.record(id, null, contact, "suppression", ch, "passed", "not on the " + ch
                        + " suppression list", now);
            }
            if (usable.isEmpty()) {
                blocks.add(block(id, contact, "address", ch, resolved.missing(), now));
                continue;
            }
            decisions.record(id, null, contact, "address", ch, "passed", usable.size() == 1 ? usable.get(0)
                    : usable.size() + " device tokens", now);
            if (!marketing) {
                decisions.record(id, null, contact, "cap", ch, "passed", "transactional: exempt from frequency caps",
                        now);
                return new Choice(c, usable, false, null, null, null, blocks);
            }
            List<FrequencyCaps.Blocked> blocked = caps.blocking(contact, ch, r.scenarioId(), id, now, fallback);
            if (blocked.isEmpty()) {
                decisions.record(id, null, contact, "cap", ch, "passed", "within every frequency cap", now);
                return new Choice(c, usable, false, null, null, null, blocks);
            }
            boolean allChannels = false;
            for (FrequencyCaps.Blocked b : blocked) {
                Optional<MessageRequest> winner = round.winnerOf(b.cap());
                String stage = winner.isPresent() ? "priority" : "cap";
                String reason = winner.map(w -> "lost the slot of " + b.cap().describe() + " to request " + w.id()
                        + " (priority " + w.priority() + ", this one " + r.priority() + ")")
                        .orElse(b.cap().describe() + " reached: " + b.counted() + " within the window");
                blocks.add(block(id, contact, stage, ch, reason, now));
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
    private String block(long requestId, long contactId, String stage, String channel, String reason,
            Instant now) {
        decisions.record(requestId, null, contactId, stage, channel, "blocked", reason, now);
        return channel + ": " + reason;
    }

    private void dispatch(MessageRequest r, Choice choice, Instant now) {
        MessageRequest.ChannelChoice c = choice.chosen();
        int position = r.channels().indexOf(c) + 1;
        for (String address : choice.addresses()) {
            Optional<Long> id = deliveries.dispatch(r, c, address, now);
            id.ifPresent(deliveryId -> decisions.record(r.id(), deliveryId, r.contactId(), "channel", c.channel(),
                    "chosen", "dispatched on " + c.channel() + " (choice " + position + " of " + r.channels().size()
                            + ") with template " + c.template() + " as delivery " + deliveryId, now));
        }
        jdbc.update("update message_requests set status = ?, decided_at = coalesce(decided_at, ?), decide_at = null"
                + " where id = ?", DISPATCHED_STATUS, Timestamp.from(now), r.id());
    }

    private void defer(MessageRequest r, Instant until, String stage, String channel, String reason, Instant now) {
        jdbc.update("update message_requests set status = ?, decide_at = ? where id = ?", DEFERRED_STATUS,
                Timestamp.from(until), r.id());
        decisions.record(r.id(), null, r.contactId(), stage, channel, "deferred", reason, now);
        events.deferred(r, channel, stage, until, reason);
    }

    /** Ends the request undelivered (skipped, dropped, expired, failed) and publishes {@value #SKIPPED}. */
    private void finish(MessageRequest r, String status, String stage, String channel, String outcome,
            String reason, Instant now) {
        jdbc.update("update message_requests set status = ?, decided_at = ?, decide_at = null where id = ?", status,
                Timestamp.from(now), r.id());
        decisions.record(r.id(), null, r.contactId(), stage, channel, outcome, reason, now);
        events.skipped(r, channel, stage, status, reason);
    }

    private static String names(MessageRequest r) {
        return r.channels().stream().map(MessageRequest.ChannelChoice::channel).toList().toString();
    }

    private Optional<MessageRequest> lockRequest(long requestId) {
        List<Long> contact = jdbc.queryForList("select contact_id from message_requests where id = ?", Long.class,
                requestId);
        if (contact.isEmpty()) {
            return Optional.empty();
        }
        lockContact(contact.get(0));
        return jdbc.query(MessageRequests.SELECT + " where id = ? for update", MessageRequests::map, requestId)
                .stream().findFirst();
    }

    private boolean isDecided(long requestId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select decided_at is not null from message_requests"
                + " where id = ?", Boolean.class, requestId));
    }

    /** Serialises every decision about one contact, across threads and instances, until the transaction ends. */
    private void lockContact(long contactId) {
        jdbc.queryForList("select pg_advisory_xact_lock(?, ?)", LOCK_SPACE, Long.hashCode(contactId));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
