package io.activation.delivery.send;

import io.activation.consent.Channel;
import io.activation.consent.ConsentChange;
import io.activation.consent.ConsentStatus;
import io.activation.consent.Consents;
import io.activation.consent.Suppressions;
import io.activation.delivery.ChannelFallback;
import io.activation.delivery.spi.InboundMessage;
import io.activation.delivery.spi.ProviderFeedback;
import io.activation.delivery.spi.StatusReport;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.platform.JdbcTransactions;
import io.activation.ingest.OutboxMessage;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What providers report after the send. A status report finds its delivery by message key, else by channel and
 * provider id, moves it (delivered, bounced, complained, failed), records the decision, publishes the event,
 * suppresses the address on a hard bounce or complaint, and on a failure or hard bounce hands the request to
 * {@link ChannelFallback} when it names another channel. A report that changes nothing (a repeated callback) does
 * nothing. An inbound SMS of STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT withdraws the marketing SMS consent of
 * the contacts with that number and suppresses it; START, UNSTOP or YES grants it again and lifts an opt-out.
 * Each call is one transaction.
 */
@Service
public class DeliveryFeedback implements ProviderFeedback {

    private static final Logger log = LoggerFactory.getLogger(DeliveryFeedback.class);
    static final Set<String> STOP_WORDS = Set.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT");
    static final Set<String> START_WORDS = Set.of("START", "UNSTOP", "YES");
    static final String SOURCE = "sms-reply";
    private static final Set<String> FINAL = Set.of("delivered", "bounced", "complained", "failed", "dead");

    private record Found(long id, long requestId, long contactId, String channel, String template, String messageKey,
            String address, Long scenarioId, String stepId, String status, int channelCount) {

        ObjectNode data() {
            return PendingDelivery.eventData(contactId, requestId, id, messageKey, channel, scenarioId, stepId,
                    template);
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final Suppressions suppressions;
    private final Consents consents;
    private final Clock clock;
    private final DeliveryLedger ledger;
    private final ObjectProvider<ChannelFallback> fallback;
    private final ChannelFallback fixedFallback;

    @Autowired
    DeliveryFeedback(JdbcTemplate jdbc, TransactionTemplate transactions, Outbox outbox, ChangeEvents events,
            Suppressions suppressions, Consents consents, Clock clock, ObjectProvider<ChannelFallback> fallback) {
        this(jdbc, transactions, outbox, events, suppressions, consents, clock, fallback, null);
    }

    private DeliveryFeedback(JdbcTemplate jdbc, TransactionTemplate transactions, Outbox outbox, ChangeEvents events,
            Suppressions suppressions, Consents consents, Clock clock, ObjectProvider<ChannelFallback> fallback,
            ChannelFallback fixedFallback) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.outbox = outbox;
        this.events = events;
        this.suppressions = suppressions;
        this.consents = consents;
        this.clock = clock;
        this.fallback = fallback;
        this.fixedFallback = fixedFallback;
        this.ledger = new DeliveryLedger(jdbc, transactions, new JdbcTransactions(jdbc.getDataSource()), outbox, events, suppressions, clock);
    }

    /** The same feedback handing failures to {@code fallback} instead of the application's (tests, tools). */
    public DeliveryFeedback withFallback(ChannelFallback fallback) {
        return new DeliveryFeedback(jdbc, transactions, outbox, events, suppressions, consents, clock, this.fallback,
                fallback);
    }

    @Override
    public void status(StatusReport report) {
        transactions.executeWithoutResult(tx -> apply(report));
    }

    private void apply(StatusReport report) {
        Optional<Found> found = find(report);
        if (found.isEmpty()) {
            log.info("Ignoring a {} status report for an unknown message (key {}, provider id {})", report.channel(),
                    report.messageKey(), report.providerId());
            return;
        }
        Found d = found.get();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String detail = report.detail() == null || report.detail().isBlank() ? "" : ": " + report.detail();
        String occurrence = "feedback-" + report.status().name().toLowerCase(Locale.ROOT);
        switch (report.status()) {
            case DELIVERED -> {
                if (FINAL.contains(d.status())) {
                    return;
                }
                move(d, "delivered", null, now);
                decision(d, "delivered", "the provider reports it delivered at " + report.at() + detail, now);
                publish(SendEvents.DELIVERED, d, d.data(), occurrence);
            }
            case SOFT_BOUNCE -> {
                if (FINAL.contains(d.status())) {
                    return;
                }
                decision(d, "bounced", "soft bounce at " + report.at() + detail, now);
                ObjectNode data = d.data();
                data.put("kind", "soft");
                data.put("detail", report.detail());
                publish(SendEvents.BOUNCED, d, data, occurrence + "-" + report.at());
            }
            case HARD_BOUNCE -> {
                if (d.status().equals("bounced") || d.status().equals("complained")) {
                    return;
                }
                move(d, "bounced", "hard bounce" + detail, now);
                decision(d, "bounced", "hard bounce at " + report.at() + detail + "; the address is suppressed", now);
                suppressions.suppress(d.channel(), d.address(), "hard-bounce", "provider:" + d.channel(),
                        report.detail());
                ObjectNode data = d.data();
                data.put("kind", "hard");
                data.put("detail", report.detail());
                publish(SendEvents.BOUNCED, d, data, occurrence);
                fallBack(d, "hard bounce" + detail);
            }
            case COMPLAINT -> {
                if (d.status().equals("complained")) {
                    return;
                }
                move(d, "complained", "complaint" + detail, now);
                decision(d, "complained", "the recipient marked it as spam at " + report.at() + detail
                        + "; the address is suppressed", now);
                suppressions.suppress(d.channel(), d.address(), "complaint", "provider:" + d.channel(),
                        report.detail());
                publish(SendEvents.COMPLAINED, d, d.data(), occurrence);
            }
            case FAILED -> {
                if (FINAL.contains(d.status())) {
                    return;
                }
                String reason = "the provider gave up" + detail;
                move(d, "failed", reason, now);
                decision(d, "failed", reason + " (reported at " + report.at() + ")", now);
                ObjectNode data = d.data();
                data.put("reason", reason);
                publish(SendEvents.FAILED, d, data, occurrence);
                fallBack(d, reason);
            }
        }
    }

    @Override
    public void inbound(InboundMessage message) {
        if (!"sms".equals(message.channel())) {
            log.info("Ignoring an inbound {} message: only SMS replies are understood", message.channel());
            return;
        }
        String word = keyword(message.body());
        boolean stop = STOP_WORDS.contains(word);
        boolean start = START_WORDS.contains(word);
        if (!stop && !start) {
            return;
        }
        String from = message.from().replaceAll("[\\s()-]", "");
        transactions.executeWithoutResult(tx -> {
            ObjectNode proof = JsonNodeFactory.instance.objectNode();
            proof.put("from", from);
            proof.put("to", message.to());
            proof.put("text", message.body());
            proof.put("providerId", message.providerId());
            proof.put("receivedAt", message.at().toString());
            ConsentChange change = new ConsentChange(Channel.SMS, "marketing",
                    stop ? ConsentStatus.WITHDRAWN : ConsentStatus.GRANTED, SOURCE, proof);
            List<Long> contacts = jdbc.queryForList("select id from contacts where phone = ? order by id",
                    Long.class, from);
            for (long contactId : contacts) {
                consents.record(contactId, change, "delivery");
            }
            if (stop) {
                suppressions.suppress("sms", from, "opted-out", SOURCE, message.body());
            } else {
                suppressions.find("sms", from).filter(s -> s.reason().equals("opted-out")
                        || s.reason().equals("unsubscribe")).ifPresent(s -> suppressions.lift("sms", from));
            }
            if (contacts.isEmpty()) {
                log.info("An SMS {} from a number no contact has; the number is {}", word,
                        stop ? "suppressed" : "no longer opted out");
            }
        });
    }

    /** The first word, upper-case, without punctuation ("Stop." and " stop please" are STOP). */
    static String keyword(String body) {
        String trimmed = body.strip();
        int end = 0;
        while (end < trimmed.length() && Character.isLetter(trimmed.charAt(end))) {
            end++;
        }
        return trimmed.substring(0, end).toUpperCase(Locale.ROOT);
    }

    private Optional<Found> find(StatusReport report) {
        String select = """
                select d.id, d.request_id, d.contact_id, d.channel, d.template, d.message_key, d.address, d.scenario_id,
                    d.status, r.step_id, jsonb_array_length(r.channels) as channel_count
                from deliveries d join message_requests r on r.id = d.request_id
                """;
        List<Found> rows = List.of();
        if (report.messageKey() != null) {
            rows = jdbc.query(select + " where d.message_key = ? for update of d", DeliveryFeedback::map,
                    report.messageKey());
        }
        if (rows.isEmpty() && report.providerId() != null) {
            rows = jdbc.query(select + " where d.channel = ? and d.provider_id = ? for update of d",
                    DeliveryFeedback::map, report.channel(), report.providerId());
        }
        return rows.stream().findFirst();
    }

    private void move(Found d, String status, String error, Instant now) {
        jdbc.update("update deliveries set status = ?, last_error = coalesce(?, last_error), updated_at = ?"
                + " where id = ?", status, error, Timestamp.from(now), d.id());
    }

    private void decision(Found d, String outcome, String reason, Instant now) {
        ledger.decision(d.requestId(), d.id(), d.contactId(), "status", d.channel(), outcome, reason, now);
    }

    private void publish(String type, Found d, ObjectNode data, String occurrence) {
        OutboxMessage m = events.event(type, d.contactId(), "deliveries/" + d.id(), DeliveryLedger.ORIGIN, data,
                DeliveryLedger.id(type + ":" + d.id() + ":" + occurrence));
        outbox.append(List.of(m));
    }

    private void fallBack(Found d, String reason) {
        if (d.channelCount() < 2) {
            return;
        }
        ChannelFallback f = fixedFallback != null ? fixedFallback : fallback.getIfAvailable();
        if (f != null) {
            f.failed(d.id(), reason);
        }
    }

    private static Found map(ResultSet rs, int n) throws SQLException {
        return new Found(rs.getLong("id"), rs.getLong("request_id"), rs.getLong("contact_id"), rs.getString("channel"),
                rs.getString("template"), rs.getString("message_key"), rs.getString("address"),
                (Long) rs.getObject("scenario_id"), rs.getString("step_id"), rs.getString("status"),
                rs.getInt("channel_count"));
    }
}
