package io.activation.delivery.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * An asynchronous outcome of a sent message, found by its message key (preferred) or the provider's id.
 *
 * @param channel the channel
 * @param messageKey our key when the provider echoes it (a header in a DSN, a callback parameter), else null
 * @param providerId the provider's id (Twilio SID, SMTP queue id), else null
 * @param status what happened
 * @param detail the provider's words (SMTP diagnostic code, Twilio error code), for the decision trail
 * @param at when the provider says it happened
 */
public record StatusReport(String channel, String messageKey, String providerId, Status status, String detail,
        Instant at) {

    public StatusReport {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(at, "at");
        if (messageKey == null && providerId == null) {
            throw new IllegalArgumentException("a status report names the message key or the provider id");
        }
    }

    public enum Status {
        /** The provider handed it to the recipient's server or device. */
        DELIVERED,
        /** Not delivered, may work later (mailbox full). */
        SOFT_BOUNCE,
        /** Not delivered, never will be: the address is suppressed. */
        HARD_BOUNCE,
        /** The recipient marked it as spam: the address is suppressed. */
        COMPLAINT,
        /** The provider gave up (Twilio undelivered/failed). */
        FAILED
    }
}
