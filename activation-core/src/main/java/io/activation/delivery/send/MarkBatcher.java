package io.activation.delivery.send;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Group commit for marks, one per channel runtime: every consumer of the channel (and the retry poller) hands its
 * answered outcomes here; one thread marks what was handed in during a short linger together, in one transaction. Two consumers used to
 * mark their own answers in transactions of their own, so the fixed cost of a mark transaction (begin, three
 * statements, commit) was paid twice as often for the same messages. How the outcomes are marked (in batches, one by
 * one when a batch fails) is the worker's; a caller's stage completes once its outcomes are marked or given up on,
 * and the caller waits for all of them before it reports its records done, exactly as when it marked them itself.
 */
final class MarkBatcher {

    private record Request(List<Outcome> outcomes, CompletableFuture<Void> done) {}

    private final Consumer<List<Outcome>> marker;
    private final long lingerNanos;
    private final int maxRound;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param linger how long a round waits after its first outcome for more, unless {@code maxRound} outcomes are in
     */
    MarkBatcher(Consumer<List<Outcome>> marker, String channel, java.time.Duration linger, int maxRound) {
        this.marker = marker;
        this.lingerNanos = linger.toNanos();
        this.maxRound = maxRound;
        this.thread = new Thread(this::loop, "sender-marks-" + channel);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Hands the outcomes over to be marked with the others of the round; the stage completes when they are marked
     * (or given up on: see the worker's one-by-one marking). The caller goes on handing out provider calls meanwhile.
     */
    CompletableFuture<Void> submit(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Request request = new Request(List.copyOf(outcomes), new CompletableFuture<>());
        if (running) {
            queue.add(request);
            if (running || !queue.remove(request)) {
                return request.done();
            }
        }
        // Closed: the caller marks them itself rather than leave claimed rows unmarked.
        marker.accept(request.outcomes());
        return CompletableFuture.completedFuture(null);
    }

    /** Waits for a stage of {@link #submit}. */
    static void await(CompletableFuture<Void> marked) {
        try {
            marked.get();
        } catch (InterruptedException e) {
            // The mark goes on without us; the rows are marked (or in doubt at the next start) either way.
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    void close() {
        running = false;
        thread.interrupt();
    }

    private void loop() {
        while (running || !queue.isEmpty()) {
            List<Request> round = new ArrayList<>();
            try {
                round.add(queue.take());
            } catch (InterruptedException e) {
                if (queue.isEmpty()) {
                    break;
                }
                continue;
            }
            List<Outcome> all = new ArrayList<>(round.get(0).outcomes());
            long deadline = System.nanoTime() + lingerNanos;
            // Linger for more answers: one transaction for many outcomes instead of one for every one or two.
            while (all.size() < maxRound) {
                Request next = queue.poll();
                if (next == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !running) {
                        break;
                    }
                    try {
                        next = queue.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        break;
                    }
                    if (next == null) {
                        break;
                    }
                }
                round.add(next);
                all.addAll(next.outcomes());
            }
            try {
                marker.accept(all);
                round.forEach(r -> r.done().complete(null));
            } catch (RuntimeException | Error e) {
                round.forEach(r -> r.done().completeExceptionally(e));
            }
        }
    }
}
