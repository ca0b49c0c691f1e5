package io.activation.tracking;

import io.activation.consent.Channel;
import io.activation.consent.ConsentChange;
import io.activation.consent.ConsentStatus;
import io.activation.consent.Consents;
import io.activation.ingest.ChangeEvents;
import io.activation.ingest.Outbox;
import io.activation.tracking.TrackingReference.Kind;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Records what recipients do with a message's tracking links and publishes it: every open, click and unsubscribe is a
 * row of {@code message_interactions} and, unless it repeats one of the same delivery (and URL) within {@code
 * activation.tracking.open-burst}, an {@code io.activation.message.opened / clicked / unsubscribed} event in the
 * outbox of the same transaction. The first open of a delivery (the first click of a URL) is flagged unique.
 * Interactions of one delivery are serialised by a transaction-scoped advisory lock, so two pixel fetches at once
 * still make one unique open.
 */
@Service
public class Interactions {

    public static final String OPENED = "io.activation.message.opened";
    public static final String CLICKED = "io.activation.message.clicked";
    public static final String UNSUBSCRIBED = "io.activation.message.unsubscribed";
    static final String ORIGIN = "tracking";
    /** Consent source recorded for an unsubscribe through a message's link. */
    public static final String CONSENT_SOURCE = "unsubscribe-link";

    /** What an unsubscribe page shows: the channel and the address, masked. */
    public record UnsubscribeTarget(String channel, String maskedAddress) {}

    /** The outcome of an unsubscribe: what it was for and whether the consent changed (false: already withdrawn). */
    public record Unsubscribed(UnsubscribeTarget target, boolean changed) {}

    private final JdbcTemplate jdbc;
    private final TrackingLinks links;
    private final Consents consents;
    private final Outbox outbox;
    private final ChangeEvents events;
    private final TrackingProperties properties;
    private final Clock clock;

    Interactions(JdbcTemplate jdbc, TrackingLinks links, Consents consents, Outbox outbox, ChangeEvents events,
            TrackingProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.links = links;
        this.consents = consents;
        this.outbox = outbox;
        this.events = events;
        this.properties = properties;
        this.clock = clock;
    }

    /** Records an open; false when the token is no valid open token (the pixel is served all the same). */
    @Transactional
    public boolean opened(String token, Visitor visitor) {
        Optional<TrackingReference> ref = links.verify(token).filter(r -> r.kind() == Kind.OPEN);
        ref.flatMap(r -> delivery(r.deliveryId())).ifPresent(d -> record(d, "open", null, visitor, OPENED));
        return ref.isPresent();
    }

    /**
     * Records a click and returns the signed target to redirect to; empty when the token is not a valid click token
     * (the caller answers 404, never redirecting anywhere else). A valid link whose delivery was deleted since (the
     * contact was erased) still redirects, recording nothing.
     */
    @Transactional
    public Optional<String> clicked(String token, Visitor visitor) {
        return click(links.verify(token), visitor);
    }

    /** The same for a short link's code. */
    @Transactional
    public Optional<String> shortClicked(String code, Visitor visitor) {
        return click(links.verifyShort(code), visitor);
    }

    private Optional<String> click(Optional<TrackingReference> verified, Visitor visitor) {
        Optional<TrackingReference> ref = verified
                .filter(r -> r.kind() == Kind.CLICK && r.url().filter(TrackingLinks::trackable).isPresent());
        ref.ifPresent(r -> delivery(r.deliveryId())
                .ifPresent(d -> record(d, "click", r.url().get(), visitor, CLICKED)));
        return ref.flatMap(TrackingReference::url);
    }

    /** What an unsubscribe token is for, to show on the page (GET); records and changes nothing. */
    @Transactional(readOnly = true)
    public Optional<UnsubscribeTarget> unsubscribeTarget(String token) {
        return unsubscribeDelivery(token).map(Interactions::target);
    }

    /**
     * Withdraws the contact's marketing consent for the delivery's channel (e-mail for channels without consent,
     * such as webhooks) with the proof {deliveryId, userAgent, ip, method}, records the unsubscribe and publishes
     * {@value #UNSUBSCRIBED} when the consent changed. Empty when the token is no valid unsubscribe token or its
     * delivery no longer exists. Repeating it changes nothing.
     */
    @Transactional
    public Optional<Unsubscribed> unsubscribe(String token, Visitor visitor, boolean oneClick) {
        Optional<TrackedDelivery> found = unsubscribeDelivery(token);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        TrackedDelivery d = found.get();
        ObjectNode proof = JsonNodeFactory.instance.objectNode();
        proof.put("deliveryId", d.id());
        proof.put("messageKey", d.messageKey());
        proof.put("userAgent", visitor.userAgent());
        proof.put("ip", visitor.ip());
        proof.put("method", oneClick ? "one-click" : "page");
        Consents.Recorded recorded = consents.record(d.contactId(), new ConsentChange(consentChannel(d.channel()),
                "marketing", ConsentStatus.WITHDRAWN, CONSENT_SOURCE, proof), ORIGIN);
        lock(d.id());
        Instant now = now();
        long id = insert(d, "unsubscribe", null, true, visitor, now);
        if (recorded.changed()) {
            ObjectNode data = d.eventData();
            data.put("consentChannel", recorded.consent().channel().code());
            data.put("method", oneClick ? "one-click" : "page");
            publish(UNSUBSCRIBED, d, data, id);
        }
        return Optional.of(new Unsubscribed(target(d), recorded.changed()));
    }

    private Optional<TrackedDelivery> unsubscribeDelivery(String token) {
        return links.verify(token).filter(r -> r.kind() == Kind.UNSUBSCRIBE).flatMap(r -> delivery(r.deliveryId()));
    }

    private void record(TrackedDelivery d, String kind, String url, Visitor visitor, String type) {
        lock(d.id());
        Instant now = now();
        Instant burstStart = now.minus(properties.openBurst());
        // The latest earlier interaction of this kind (and URL): none = unique; within the burst = not published.
        List<Instant> previous = jdbc.query("""
                select at from message_interactions
                where delivery_id = ? and kind = ? and url is not distinct from ?
                order by at desc limit 1""", (rs, n) -> rs.getTimestamp(1).toInstant(), d.id(), kind, url);
        boolean unique = previous.isEmpty();
        long id = insert(d, kind, url, unique, visitor, now);
        if (unique || previous.get(0).isBefore(burstStart)) {
            ObjectNode data = d.eventData();
            if (url != null) {
                data.put("url", url);
            }
            data.put("unique", unique);
            publish(type, d, data, id);
        }
    }

    private long insert(TrackedDelivery d, String kind, String url, boolean unique, Visitor visitor, Instant at) {
        return jdbc.queryForObject("""
                insert into message_interactions (delivery_id, contact_id, scenario_id, channel, kind, url, is_unique,
                    user_agent, ip, at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id""", Long.class,
                d.id(), d.contactId(), d.scenarioId(), d.channel(), kind, url, unique, visitor.userAgent(),
                visitor.ip(), Timestamp.from(at));
    }

    private void publish(String type, TrackedDelivery d, ObjectNode data, long interactionId) {
        outbox.append(List.of(events.event(type, d.contactId(), "deliveries/" + d.id(), ORIGIN, data,
                UUID.nameUUIDFromBytes(("message-interaction:" + interactionId).getBytes()))));
    }

    private void lock(long deliveryId) {
        jdbc.queryForObject("select count(*) from (select pg_advisory_xact_lock(hashtext('activation.tracking'), ?)) l",
                Long.class, (int) (deliveryId ^ (deliveryId >>> 32)));
    }

    Optional<TrackedDelivery> delivery(long id) {
        return jdbc.query(TrackedDelivery.SELECT + " where d.id = ?", (rs, n) -> new TrackedDelivery(rs.getLong(1),
                rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5), (Long) rs.getObject(6),
                rs.getString(7), rs.getString(8), rs.getString(9)), id).stream().findFirst();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static Channel consentChannel(String channel) {
        for (Channel c : Channel.values()) {
            if (c.code().equals(channel)) {
                return c;
            }
        }
        return Channel.EMAIL;
    }

    private static UnsubscribeTarget target(TrackedDelivery d) {
        return new UnsubscribeTarget(consentChannel(d.channel()).code(), mask(d.address()));
    }

    /** j***@example.com, +32*******89; enough for the recipient to recognise, little for anyone else. */
    static String mask(String address) {
        if (address == null || address.isEmpty()) {
            return "";
        }
        int at = address.indexOf('@');
        if (at > 0) {
            return address.charAt(0) + "***" + address.substring(at);
        }
        if (address.length() <= 4) {
            return "***";
        }
        return address.substring(0, Math.min(3, address.length() - 4)) + "*".repeat(address.length() - 5)
                + address.substring(address.length() - 2);
    }
}
