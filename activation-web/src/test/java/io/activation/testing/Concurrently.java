package io.activation.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs one call from many threads released at the same moment, for races the code must win. */
public final class Concurrently {

    /** The call of thread {@code i} (0-based). */
    @FunctionalInterface
    public interface Call<T> {
        T call(int thread) throws Exception;
    }

    private Concurrently() {}

    /** The results, in thread order; fails if any thread failed or took over a minute. */
    public static <T> List<T> run(int threads, Call<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int thread = i;
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return call.call(thread);
                }));
            }
            ready.await();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
