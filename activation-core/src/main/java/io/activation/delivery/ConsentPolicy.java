package io.activation.delivery;

import io.activation.consent.Channel;
import io.activation.consent.Consent;
import io.activation.consent.ConsentStatus;
import io.activation.consent.Consents;
import java.util.Arrays;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Whether the contact's consents allow a message on a channel for a purpose: marketing needs a granted
 * {@code marketing} consent; transactional needs none and is refused only when the contact withdrew
 * {@code transactional} for the channel; channels nobody consents to (webhook) need none.
 */
@Component
class ConsentPolicy {

    /** The answer, with the reason recorded in the trail. */
    record Verdict(boolean allowed, String reason) {}

    private final Consents consents;

    ConsentPolicy(Consents consents) {
        this.consents = consents;
    }

    Verdict check(long contactId, String channel, SendOptions.Purpose purpose) {
        Channel consentChannel = Arrays.stream(Channel.values()).filter(c -> c.code().equals(channel)).findFirst()
                .orElse(null);
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
