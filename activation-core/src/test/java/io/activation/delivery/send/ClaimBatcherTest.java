package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClaimBatcherTest {

    @Test
    void claimsAskedForMeanwhileShareOneRoundAndADuplicateGoesToTheFirstCallerOnly() throws Exception {
        CountDownLatch firstRoundStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstRound = new CountDownLatch(1);
        List<List<Long>> rounds = new CopyOnWriteArrayList<>();
        ClaimBatcher batcher = new ClaimBatcher((ids, leased) -> {
            rounds.add(List.copyOf(ids));
            if (rounds.size() == 1) {
                firstRoundStarted.countDown();
                try {
                    releaseFirstRound.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Map<Long, Integer> claimed = new HashMap<>();
            ids.forEach(id -> claimed.put(id, 1)); // the database answers each claimed row once
            return claimed;
        }, "test");
        try {
            CompletableFuture<Map<Long, Integer>> first = CompletableFuture.supplyAsync(() ->
                    batcher.claim(List.of(1L), false));
            assertThat(firstRoundStarted.await(10, TimeUnit.SECONDS)).isTrue();
            // While the first round runs, three callers ask; two of them for the same delivery.
            List<CompletableFuture<Map<Long, Integer>>> waiting = new ArrayList<>();
            waiting.add(CompletableFuture.supplyAsync(() -> batcher.claim(List.of(2L, 3L), false)));
            waiting.add(CompletableFuture.supplyAsync(() -> batcher.claim(List.of(3L, 4L), false)));
            waiting.add(CompletableFuture.supplyAsync(() -> batcher.claim(List.of(5L), false)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (waiting.stream().anyMatch(f -> !f.isDone()) && rounds.size() == 1
                    && System.nanoTime() < deadline && queued(batcher) < 3) {
                Thread.onSpinWait();
            }
            releaseFirstRound.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).containsOnlyKeys(1L);
            Map<Long, Integer> all = new HashMap<>();
            int given = 0;
            for (CompletableFuture<Map<Long, Integer>> f : waiting) {
                Map<Long, Integer> mine = f.get(10, TimeUnit.SECONDS);
                given += mine.size();
                all.putAll(mine);
            }
            assertThat(all).containsOnlyKeys(2L, 3L, 4L, 5L);
            assertThat(given).as("delivery 3 given once").isEqualTo(4);
            assertThat(rounds).hasSize(2);
        } finally {
            batcher.close();
        }
    }

    private static int queued(ClaimBatcher batcher) {
        try {
            var field = ClaimBatcher.class.getDeclaredField("queue");
            field.setAccessible(true);
            return ((java.util.Collection<?>) field.get(batcher)).size();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
