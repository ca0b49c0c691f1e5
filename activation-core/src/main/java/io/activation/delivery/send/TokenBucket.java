package io.activation.delivery.send;

import java.util.function.LongSupplier;

/**
 * A provider's rate limit on one node: {@code ratePerSecond} tokens a second, at most one second's worth saved up.
 * {@link #acquire} blocks until the tokens are there. Real time (a rate limit is about the provider's clock, not the
 * business clock the rest of the runtime reads). A rate of 0 never blocks.
 */
final class TokenBucket {

    private final double ratePerNano;
    private final double capacity;
    private final LongSupplier nanoTime;
    private double tokens;
    private long refilledAt;

    TokenBucket(double ratePerSecond, LongSupplier nanoTime) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = Math.max(1, ratePerSecond);
        this.nanoTime = nanoTime;
        this.tokens = capacity;
        this.refilledAt = nanoTime.getAsLong();
    }

    boolean unlimited() {
        return ratePerNano <= 0;
    }

    /** Takes {@code n} tokens, waiting as long as needed; answers the nanoseconds waited. */
    long acquire(int n) throws InterruptedException {
        if (unlimited()) {
            return 0;
        }
        long waited = 0;
        while (true) {
            long wait;
            synchronized (this) {
                refill();
                // A batch larger than the bucket takes what there is and runs the bucket into debt: the next
                // callers wait until it is paid back, so the rate holds over time.
                double need = Math.min(n, capacity);
                if (tokens >= need) {
                    tokens -= n;
                    return waited;
                }
                wait = (long) Math.ceil((need - tokens) / ratePerNano);
            }
            long millis = Math.max(1, wait / 1_000_000);
            Thread.sleep(millis);
            waited += millis * 1_000_000;
        }
    }

    /** Takes {@code n} tokens if they are there now. */
    synchronized boolean tryAcquire(int n) {
        if (unlimited()) {
            return true;
        }
        refill();
        if (tokens >= Math.min(n, capacity)) {
            tokens -= n;
            return true;
        }
        return false;
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * ratePerNano);
        refilledAt = now;
    }
}
