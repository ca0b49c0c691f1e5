package io.activation.channels.email;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-recipient-domain token buckets: at most {@code rate} messages per second to one domain, with bursts of up to
 * {@code burst}. A caller reserves a slot: it gets either the time to wait for it (zero when a token is there; the
 * slot is then its own, later callers queue behind it) or, when that wait would exceed {@code maxWait}, a refusal
 * that names how long to come back after (the sender answers Retry with that delay, so the runtime's thread is not
 * held). Time comes from the injected clock, so tests drive it.
 */
final class DomainThrottle {

    /** Buckets kept before idle, full ones are dropped. */
    private static final int MAX_BUCKETS = 10_000;

    private final Clock clock;
    private final double defaultRate;
    private final int burst;
    private final Map<String, Double> rates;
    private final Duration maxWait;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    DomainThrottle(Clock clock, double defaultRate, int burst, Map<String, Double> rates, Duration maxWait) {
        this.clock = clock;
        this.defaultRate = defaultRate;
        this.burst = burst;
        Map<String, Double> lower = new ConcurrentHashMap<>();
        rates.forEach((domain, rate) -> lower.put(domain.toLowerCase(Locale.ROOT), rate));
        this.rates = Map.copyOf(lower);
        this.maxWait = maxWait;
    }

    /** What a reservation answered: wait this long and send, or (refused) come back after this long. */
    record Slot(boolean granted, Duration delay) {}

    Slot reserve(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        double rate = rates.getOrDefault(d, defaultRate);
        if (rate <= 0) {
            return new Slot(true, Duration.ZERO);
        }
        if (buckets.size() > MAX_BUCKETS) {
            Instant now = clock.instant();
            buckets.values().removeIf(b -> b.idleAndFull(now));
        }
        Bucket bucket = buckets.computeIfAbsent(d, k -> new Bucket(rate, burst, clock.instant()));
        return bucket.reserve(clock.instant(), maxWait);
    }

    private static final class Bucket {
        private final double rate;
        private final int capacity;
        private double tokens;
        private Instant last;

        Bucket(double rate, int capacity, Instant now) {
            this.rate = rate;
            this.capacity = capacity;
            this.tokens = capacity;
            this.last = now;
        }

        synchronized Slot reserve(Instant now, Duration maxWait) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return new Slot(true, Duration.ZERO);
            }
            // Tokens below 1 (possibly negative: slots already promised to waiting callers).
            Duration wait = Duration.ofNanos((long) Math.ceil((1 - tokens) / rate * 1_000_000_000L));
            if (wait.compareTo(maxWait) > 0) {
                return new Slot(false, wait);
            }
            tokens -= 1;
            return new Slot(true, wait);
        }

        private void refill(Instant now) {
            if (now.isAfter(last)) {
                double elapsed = Duration.between(last, now).toNanos() / 1e9;
                tokens = Math.min(capacity, tokens + elapsed * rate);
                last = now;
            }
        }

        synchronized boolean idleAndFull(Instant now) {
            refill(now);
            return tokens >= capacity;
        }
    }
}
