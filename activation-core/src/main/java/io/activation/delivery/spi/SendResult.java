package io.activation.delivery.spi;

import java.time.Duration;
import java.util.Objects;

/** What a provider answered for one message. */
public sealed interface SendResult {

    /** The provider took the message; {@code providerId} is its id for it (SMTP queue id, Twilio SID, FCM name). */
    record Accepted(String providerId) implements SendResult {}

    /**
     * A transient failure: try again later. {@code retryAfter} is the provider's {@code Retry-After} when it gave
     * one (the runtime honours it), otherwise null and the runtime backs off exponentially.
     */
    record Retry(String reason, Duration retryAfter) implements SendResult {
        public Retry {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The provider may or may not have taken the message: the whole message was handed over but no answer came (an
     * SMTP server silent after the end of DATA, a read timeout after an HTTP POST without idempotency key). The
     * runtime marks the delivery in doubt and never sends it again by itself (at most once); a later delivery report
     * (DSN, status callback) can still settle it.
     */
    record InDoubt(String reason, String providerId) implements SendResult {
        public InDoubt {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** A permanent failure: not retried on this channel; the runtime falls back to the next channel if any. */
    record Rejected(String reason, Failure failure) implements SendResult {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(failure, "failure");
        }
    }

    /** Why a message was rejected for good. */
    enum Failure {
        /** The address does not exist (SMTP 5xx on RCPT, Twilio 21211): the address is suppressed. */
        HARD_BOUNCE,
        /** The address is malformed for the channel. */
        INVALID_ADDRESS,
        /** The device token is no longer registered (FCM UNREGISTERED, APNs 410): the token is removed. */
        UNREGISTERED,
        /** The recipient complained or opted out at the provider (Twilio 21610): the address is suppressed. */
        OPTED_OUT,
        /** Anything else the provider refuses for good (content rejected, account problem). */
        OTHER
    }
}
