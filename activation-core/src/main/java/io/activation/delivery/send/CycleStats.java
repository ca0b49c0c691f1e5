package io.activation.delivery.send;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where a channel's provider-call permits spend their time, and where its consumers spend theirs: sums of
 * {@link System#nanoTime} intervals, a few adders per chunk (no locks, no allocation on the hot path). Read by the
 * sender benchmark to split the permit cycle (claim and render, provider call, hand-back, mark) and by anyone asking
 * {@link SenderRuntime#cycleStats()}.
 */
final class CycleStats {

    /** The first permit taken and the last given back: the span the permits' average use is taken over. */
    final AtomicLong firstAcquired = new AtomicLong();
    final AtomicLong lastReleased = new AtomicLong();
    /** Chunks handed to a provider-call thread, and the deliveries in them. */
    final LongAdder chunks = new LongAdder();
    final LongAdder deliveries = new LongAdder();
    /** Permit taken to permit given back (what a permit was busy for). */
    final LongAdder permitHeld = new LongAdder();
    /** Permit taken to the provider-call thread starting the chunk. */
    final LongAdder dispatch = new LongAdder();
    final LongAdder render = new LongAdder();
    final LongAdder rateWait = new LongAdder();
    /** The claim: asked to committed (the claim statement and the wait for its round). */
    final LongAdder claim = new LongAdder();
    /** The provider call: started to answered. */
    final LongAdder call = new LongAdder();
    /** Answer in to the consumer loop taking it (the hand-back; the permit is already free). */
    final LongAdder handBack = new LongAdder();
    /** Outcomes handed to the mark thread to marked, per outcome. */
    final LongAdder markWait = new LongAdder();
    final LongAdder marked = new LongAdder();
    /** Claim statements, and the deliveries they claimed. */
    final LongAdder claimStatements = new LongAdder();
    final LongAdder claimIds = new LongAdder();
    /** Consumer side, per poll: loading the records' rows, handing out, the tail, the barrier, between polls. */
    final LongAdder polls = new LongAdder();
    final LongAdder pollLoad = new LongAdder();
    final LongAdder pollHandOut = new LongAdder();
    final LongAdder pollTail = new LongAdder();
    final LongAdder pollBarrier = new LongAdder();
    final LongAdder betweenPolls = new LongAdder();

    void acquired(long at) {
        firstAcquired.compareAndSet(0, at);
    }

    void released(long at) {
        lastReleased.accumulateAndGet(at, Math::max);
    }

    /** Milliseconds per chunk / per poll, the permits' average use, the claim statements' average size. */
    Map<String, Double> snapshot(int permits) {
        Map<String, Double> m = new LinkedHashMap<>();
        double wall = Math.max(1, lastReleased.get() - firstAcquired.get()) / 1e6;
        long c = Math.max(1, chunks.sum());
        long p = Math.max(1, polls.sum());
        m.put("chunks", (double) chunks.sum());
        m.put("deliveries", (double) deliveries.sum());
        m.put("wallMs", wall);
        m.put("permitsBusyAvg", permitHeld.sum() / 1e6 / wall);
        m.put("permits", (double) permits);
        m.put("permitHeldMs", permitHeld.sum() / 1e6 / c);
        m.put("dispatchMs", dispatch.sum() / 1e6 / c);
        m.put("renderMs", render.sum() / 1e6 / c);
        m.put("rateWaitMs", rateWait.sum() / 1e6 / c);
        m.put("claimMs", claim.sum() / 1e6 / c);
        m.put("callMs", call.sum() / 1e6 / c);
        m.put("handBackMs", handBack.sum() / 1e6 / c);
        m.put("markWaitMs", markWait.sum() / 1e6 / Math.max(1, marked.sum()));
        m.put("claimStatements", (double) claimStatements.sum());
        m.put("idsPerClaim", claimIds.sum() / (double) Math.max(1, claimStatements.sum()));
        m.put("polls", (double) polls.sum());
        m.put("pollLoadMs", pollLoad.sum() / 1e6 / p);
        m.put("pollHandOutMs", pollHandOut.sum() / 1e6 / p);
        m.put("pollTailMs", pollTail.sum() / 1e6 / p);
        m.put("pollBarrierMs", pollBarrier.sum() / 1e6 / p);
        m.put("betweenPollsMs", betweenPolls.sum() / 1e6 / p);
        return m;
    }
}
