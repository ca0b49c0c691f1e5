package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    @Test
    void holdsOneSecondsWorthAndRefillsAtTheRate() {
        AtomicLong nanos = new AtomicLong();
        TokenBucket bucket = new TokenBucket(10, nanos::get);
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryAcquire(1)).as("token " + i).isTrue();
        }
        assertThat(bucket.tryAcquire(1)).isFalse();
        nanos.addAndGet(99_000_000);
        assertThat(bucket.tryAcquire(1)).isFalse();
        nanos.addAndGet(1_000_000);
        assertThat(bucket.tryAcquire(1)).isTrue();
        assertThat(bucket.tryAcquire(1)).isFalse();
        // Idle for a minute saves up one second's worth, no more.
        nanos.addAndGet(60_000_000_000L);
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.tryAcquire(1)).isTrue();
        }
        assertThat(bucket.tryAcquire(1)).isFalse();
    }

    @Test
    void aBatchLargerThanTheBucketRunsItIntoDebt() {
        AtomicLong nanos = new AtomicLong();
        TokenBucket bucket = new TokenBucket(10, nanos::get);
        assertThat(bucket.tryAcquire(25)).isTrue();
        // 15 tokens owed: paid back after 1.5 s, the next token 0.1 s later.
        nanos.addAndGet(1_550_000_000L);
        assertThat(bucket.tryAcquire(1)).isFalse();
        nanos.addAndGet(50_000_000L);
        assertThat(bucket.tryAcquire(1)).isTrue();
    }

    @Test
    void acquireWaitsForTheTokensAndZeroMeansUnlimited() throws InterruptedException {
        TokenBucket unlimited = new TokenBucket(0, System::nanoTime);
        for (int i = 0; i < 1000; i++) {
            assertThat(unlimited.acquire(1000)).isZero();
        }
        TokenBucket bucket = new TokenBucket(100, System::nanoTime);
        long start = System.nanoTime();
        for (int i = 0; i < 120; i++) {
            bucket.acquire(1);
        }
        // 100 saved up, 20 more at 100 per second: about 200 ms.
        assertThat(System.nanoTime() - start).isGreaterThan(150_000_000L);
    }
}
