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
 * answered outcomes here and waits; one thread marks everything handed in meanwhile together. Two consumers used to
 * mark their own answers in transactions of their own, so the fixed cost of a mark transaction (begin, three
 * statements, commit) was paid twice as often for the same messages. How the outcomes are marked (in batches, one by
 * one when a batch fails) is the worker's; a caller returns once its outcomes are marked or given up on, exactly as
 * when it marked them itself.
 */
final class MarkBatcher {

    private record Request(List<Outcome> outcomes, CompletableFuture<Void> done) {}

    private final Consumer<List<Outcome>> marker;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    MarkBatcher(Consumer<List<Outcome>> marker, String channel) {
        this.marker = marker;
        this.thread = new Thread(this::loop, "sender-marks-" + channel);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Marks the outcomes together with whatever other callers hand in meanwhile; returns when that is done. */
    void mark(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        if (!running) {
            // Closed: the caller marks them itself rather than leave claimed rows unmarked.
            marker.accept(outcomes);
            return;
        }
        Request request = new Request(List.copyOf(outcomes), new CompletableFuture<>());
        queue.add(request);
        if (!running && queue.remove(request)) {
            marker.accept(outcomes);
            return;
        }
        try {
            request.done().get();
        } catch (InterruptedException e) {
            // The mark goes on without us; the rows are marked (or in doubt at the next start) either way.
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
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
            queue.drainTo(round);
            List<Outcome> all = new ArrayList<>();
            round.forEach(r -> all.addAll(r.outcomes()));
            try {
                marker.accept(all);
                round.forEach(r -> r.done().complete(null));
            } catch (RuntimeException | Error e) {
                round.forEach(r -> r.done().completeExceptionally(e));
            }
        }
    }
}
