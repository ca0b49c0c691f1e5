package io.activation.delivery;

import io.activation.consent.Channel;
import io.activation.consent.Consent;
import io.activation.consent.ConsentStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whether the contact's consents allow a message on a channel for a purpose: marketing needs a granted
 * {@code marketing} consent; transactional needs none and is refused only when the contact withdrew
 * {@code transactional} for the channel; channels nobody consents to (webhook) need none.
 */
class ConsentPolicy {

    /** The answer, with the reason recorded in the trail. */
    record Verdict(boolean allowed, String reason) {}

    /** The current consents of some contacts (read once for a batch of decisions). */
    static final class Known {
        private final Map<String, Consent> consents = new HashMap<>();

        Optional<Consent> find(long contactId, Channel channel, String purpose) {
            return Optional.ofNullable(consents.get(key(contactId, channel.code(), purpose)));
        }

        private static String key(long contactId, String channel, String purpose) {
            return contactId + "/" + channel + "/" + purpose;
        }
    }

    /** The consent channels by code (a channel without one needs no consent). */
    private static final Map<String, Channel> CHANNELS = Arrays.stream(Channel.values())
            .collect(Collectors.toUnmodifiableMap(Channel::code, c -> c));

    private ConsentPolicy() {
    }

    /** What {@link #read} reads: the consents of the contacts {@code any(?)} names. */
    static final String SELECT = "select contact_id, channel, purpose, status, changed_at, source from contact_consents"
            + " where contact_id = any(?)";

    /** Adds the consent on the result set's current row (a row of {@link #SELECT}). */
    static void read(Known known, ResultSet rs) throws SQLException {
        long contactId = rs.getLong(1);
        String channel = rs.getString(2);
        String purpose = rs.getString(3);
        known.consents.put(Known.key(contactId, channel, purpose), new Consent(contactId, Channel.of(channel,
                "channel"), purpose, ConsentStatus.of(rs.getString(4), "status"), rs.getTimestamp(5).toInstant(),
                rs.getString(6), null));
    }

    static Verdict check(Known consents, long contactId, String channel, SendOptions.Purpose purpose) {
        Channel consentChannel = CHANNELS.get(channel);
        if (consentChannel == null) {
            return new Verdict(true, channel + " needs no consent");
        }
        if (purpose == SendOptions.Purpose.TRANSACTIONAL) {
            Optional<Consent> c = consents.find(contactId, consentChannel, "transactional");
            return c.isPresent() && c.get().status() == ConsentStatus.WITHDRAWN
                    ? new Verdict(false, "transactional " + channel + " withdrawn on " + c.get().changedAt() + " ("
                            + c.get().source() + ")")
                    : new Verdict(true, "transactional: needs no marketing consent");
        }
        Optional<Consent> c = consents.find(contactId, consentChannel, "marketing");
        if (c.isEmpty()) {
            return new Verdict(false, "no marketing consent for " + channel);
        }
        return new Verdict(c.get().granted(), "marketing consent for " + channel + " " + c.get().status().code()
                + " on " + c.get().changedAt() + " (" + c.get().source() + ")");
    }
}
