package io.activation.delivery.send;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Group commit for claims: the provider-call threads of a channel ask for their claims here, and one thread claims
 * everything asked meanwhile in one statement and one commit. Each caller still gets its claim committed before it
 * calls the provider; under load a few hundred claims share a transaction instead of taking one each. A delivery
 * asked for by two callers in one round (a duplicate record) is given to the first only.
 */
final class ClaimBatcher {

    private record Request(List<Long> ids, boolean leased, CompletableFuture<Map<Long, Integer>> result) {}

    /** The claim of a round: {@link DeliveryLedger#claim}. */
    interface Claim {
        Map<Long, Integer> claim(List<Long> ids, boolean leased);
    }

    private final Claim ledger;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    ClaimBatcher(Claim ledger, String channel) {
        this.ledger = ledger;
        this.thread = new Thread(this::loop, "sender-claims-" + channel);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Claims the deliveries (see {@link DeliveryLedger#claim}); returns once the claim is committed. */
    Map<Long, Integer> claim(List<Long> ids, boolean leased) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Request request = new Request(List.copyOf(ids), leased, new CompletableFuture<>());
        if (!running) {
            throw new IllegalStateException("the sender is closed");
        }
        queue.add(request);
        try {
            return request.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while claiming", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    void close() {
        running = false;
        thread.interrupt();
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(r -> r.result().completeExceptionally(new IllegalStateException("the sender is closed")));
    }

    private void loop() {
        while (running) {
            List<Request> round = new ArrayList<>();
            try {
                round.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(round);
            for (boolean leased : new boolean[] {false, true}) {
                List<Request> group = round.stream().filter(r -> r.leased() == leased).toList();
                if (!group.isEmpty()) {
                    claimRound(group, leased);
                }
            }
        }
        List<Request> left = new ArrayList<>();
        queue.drainTo(left);
        left.forEach(r -> r.result().completeExceptionally(new IllegalStateException("the sender is closed")));
    }

    private void claimRound(List<Request> group, boolean leased) {
        try {
            List<Long> all = new ArrayList<>();
            group.forEach(r -> all.addAll(r.ids()));
            Map<Long, Integer> claimed = new HashMap<>(ledger.claim(all, leased));
            for (Request r : group) {
                Map<Long, Integer> mine = new LinkedHashMap<>();
                for (Long id : r.ids()) {
                    Integer attempt = claimed.remove(id);
                    if (attempt != null) {
                        mine.put(id, attempt);
                    }
                }
                r.result().complete(mine);
            }
        } catch (RuntimeException e) {
            group.forEach(r -> r.result().completeExceptionally(e));
        }
    }
}
