package io.activation.delivery.send;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before the next attempt: the provider's {@code Retry-After} when it gave one (capped at the
 * maximum, no jitter: the provider named the time), else exponential backoff (initial, doubled per failed attempt,
 * capped) with "equal jitter": between half the delay and all of it, so a burst of failures does not come back as
 * one burst.
 */
record Backoff(Duration initial, Duration max, DoubleSupplier random) {

    /** The delay after attempt {@code attempt} (1 for the first) failed. */
    Duration delay(int attempt, Duration retryAfter) {
        if (retryAfter != null && !retryAfter.isNegative()) {
            return retryAfter.compareTo(max) > 0 ? max : retryAfter;
        }
        long initialMillis = Math.max(1, initial.toMillis());
        long capped = max.toMillis();
        int shift = Math.min(Math.max(attempt - 1, 0), 40);
        long full = initialMillis > (capped >> shift) ? capped : Math.min(capped, initialMillis << shift);
        long half = full / 2;
        return Duration.ofMillis(half + Math.round(random.getAsDouble() * (full - half)));
    }
}
