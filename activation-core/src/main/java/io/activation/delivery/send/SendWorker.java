package io.activation.delivery.send;

import io.activation.delivery.spi.ChannelSender;
import io.activation.delivery.spi.Content;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.Recipient;
import io.activation.delivery.spi.SendResult;
import io.activation.template.MessageRenderer;
import io.activation.template.RenderException;
import io.activation.template.RenderRequest;
import io.activation.template.RenderedMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a list of deliveries of one channel in chunks (up to the sender's {@code maxBatch}). The calling thread (a
 * consumer, or the retry poller) takes every free permit, waits for the rate limit, and claims the deliveries of the
 * chunks of that round in one committed statement; each chunk is then rendered and handed to the sender on a
 * provider-call thread, and its outcome queued back. The calling thread hands the outcomes to the mark thread as they
 * come in; {@link #dispatch} returns when every chunk has answered (a stage completes when they are marked), {@link
 * #send} when they are marked. Provider calls of a channel run on its pool, at most {@code concurrency} at once
 * across all callers.
 *
 * <p>A sender that throws an {@link Error} (the process is in trouble: out of memory, or a test's simulated crash)
 * halts the channel: nothing more is claimed by this runtime (answers already in are marked), and the rows it held
 * stay in {@code sending} until the next start finds them in doubt.
 */
final class SendWorker {

    private static final Logger log = LoggerFactory.getLogger(SendWorker.class);
    private static final int MARK_BATCH = 200;

    /** Thrown to the caller when the channel halted: its records must not be committed. */
    static final class HaltedException extends RuntimeException {
        HaltedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Chunk(List<PendingDelivery> deliveries) {}

    /**
     * What a chunk's task hands back: outcomes to mark, the error that halted the channel, or the failure that kept
     * it from the provider (the claim's database call).
     */
    private record Done(List<Outcome> outcomes, Error halt, RuntimeException failure, long at) {
        Done(List<Outcome> outcomes, Error halt, RuntimeException failure) {
            this(outcomes, halt, failure, System.nanoTime());
        }
    }

    /** When a chunk's permit was taken and where its time went (see {@link CycleStats}). */
    private static final class Times {
        final long acquired = System.nanoTime();
        long started;
        long claimed;
        long called;
    }

    private final ChannelSender sender;
    private final MessageRenderer renderer;
    private final DeliveryLedger ledger;
    private final DeliveryLedger.Channel channel;
    private final ExecutorService pool;
    private final Semaphore permits;
    private final TokenBucket rate;
    private final MarkBatcher marks;
    private final int concurrency;
    private final CycleStats stats = new CycleStats();
    private final ThreadLocal<long[]> lastReturn = ThreadLocal.withInitial(() -> new long[1]);
    private volatile Error halted;

    SendWorker(ChannelSender sender, MessageRenderer renderer, DeliveryLedger ledger, DeliveryLedger.Channel channel,
            ExecutorService pool, int concurrency, TokenBucket rate, java.time.Duration markLinger) {
        this.sender = sender;
        this.renderer = renderer;
        this.ledger = ledger;
        this.channel = channel;
        this.pool = pool;
        this.permits = new Semaphore(concurrency);
        this.concurrency = concurrency;
        this.rate = rate;
        this.marks = new MarkBatcher(this::markNow, channel.name(), markLinger, MARK_BATCH);
    }

    /** Stops the mark thread (the runtime is closed for good). */
    void close() {
        marks.close();
    }

    boolean halted() {
        return halted != null;
    }

    /** See {@link CycleStats#snapshot}. */
    Map<String, Double> cycleStats() {
        return stats.snapshot(concurrency);
    }

    /** Clears a halt (the runtime starts again; the rows it left are swept as in doubt first). */
    void resume() {
        halted = null;
    }

    /**
     * Sends the deliveries among {@code ids} that are still waiting; {@code leased}: they come from the retry poller.
     * Answers how many were claimed. Throws {@link HaltedException} when the channel halted meanwhile.
     */
    int send(List<Long> ids, boolean leased) throws InterruptedException {
        Dispatched d = dispatch(ids, leased);
        long waiting = System.nanoTime();
        MarkBatcher.await(d.marked());
        lastReturn.get()[0] = System.nanoTime();
        if (!leased) {
            stats.pollBarrier.add(System.nanoTime() - waiting);
        }
        return d.claimed();
    }

    /**
     * What {@link #dispatch} answers: how many deliveries were claimed, and a stage that completes once every answer
     * of them is marked (durable), or exceptionally when a mark could not even be tried.
     */
    record Dispatched(int claimed, CompletableFuture<Void> marked) {}

    /**
     * Like {@link #send}, but returns as soon as every answer is in and handed to the mark thread, not when they are
     * marked: a consumer's next poll is loaded and handed out while the mark thread marks this one, and the poll's
     * offsets are committed when {@link Dispatched#marked()} completes. Throws as {@link #send} does when the
     * channel halted or a claim failed (some deliveries never reached the provider: the poll must be read again).
     */
    Dispatched dispatch(List<Long> ids, boolean leased) throws InterruptedException {
        checkHalted();
        long entered = System.nanoTime();
        long[] last = lastReturn.get();
        if (!leased) {
            stats.polls.increment();
            if (last[0] != 0) {
                stats.betweenPolls.add(entered - last[0]);
            }
        }
        List<PendingDelivery> waiting;
        try {
            waiting = ledger.load(channel.name(), ids);
        } finally {
            if (!leased) {
                stats.pollLoad.add(System.nanoTime() - entered);
            }
        }
        if (waiting.isEmpty()) {
            last[0] = System.nanoTime();
            return new Dispatched(0, CompletableFuture.completedFuture(null));
        }
        long loaded = System.nanoTime();
        long handedOut = 0;
        int batch = Math.max(1, sender.maxBatch());
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < waiting.size(); i += batch) {
            chunks.add(new Chunk(waiting.subList(i, Math.min(waiting.size(), i + batch))));
        }
        BlockingQueue<Done> done = new LinkedBlockingQueue<>();
        int next = 0;
        int outstanding = 0;
        int claimed = 0;
        List<Outcome> toMark = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<Void>> marked = new ArrayList<>();
        List<Done> ready = new ArrayList<>();
        RuntimeException failure = null;
        while (true) {
            // Hand out every free permit first, then hand what came back meanwhile to the mark thread, which marks
            // the answers of all callers in one transaction after a short linger (group commit): a transaction per
            // message or two was most of the marking CPU (the sender benchmark's profiles).
            boolean submitted = false;
            List<Chunk> round = new ArrayList<>();
            while (next < chunks.size() && !halted() && permits.tryAcquire()) {
                outstanding++;
                round.add(chunks.get(next++));
                submitted = true;
            }
            submitRound(round, leased, done);
            if (handedOut == 0 && (next == chunks.size() || halted())) {
                handedOut = System.nanoTime();
            }
            ready.clear();
            done.drainTo(ready);
            if (ready.isEmpty() && !submitted) {
                boolean more = next < chunks.size() && !halted();
                if (outstanding == 0) {
                    if (!more) {
                        marked.add(submitMarks(toMark));
                        break;
                    }
                    // Other callers hold every permit: wait for one.
                    if (permits.tryAcquire(20, TimeUnit.MILLISECONDS)) {
                        // (the hand-out phase ends when the last chunk is handed out: checked at the loop's top)
                        outstanding++;
                        submitRound(List.of(chunks.get(next++)), leased, done);
                    }
                    continue;
                }
                // Our own answers free permits and wake us; another caller's may free one too (checked soon).
                Done one = done.poll(more ? 5 : 50, TimeUnit.MILLISECONDS);
                if (one == null) {
                    continue;
                }
                ready.add(one);
                done.drainTo(ready);
            }
            long drained = System.nanoTime();
            for (Done d : ready) {
                stats.handBack.add(drained - d.at());
                outstanding--;
                if (d.halt() != null) {
                    halted = d.halt();
                }
                if (d.failure() != null && failure == null) {
                    failure = d.failure();
                }
                toMark.addAll(d.outcomes());
                claimed += d.outcomes().size();
            }
            if (!toMark.isEmpty()) {
                // To the mark thread, which lingers for more and marks many in one transaction; this thread goes
                // on handing out the permits these answers freed.
                marked.add(submitMarks(new ArrayList<>(toMark)));
                toMark.clear();
            }
        }
        long tailEnd = System.nanoTime();
        last[0] = tailEnd;
        if (!leased) {
            handedOut = handedOut == 0 ? tailEnd : handedOut;
            stats.pollHandOut.add(handedOut - loaded);
            stats.pollTail.add(tailEnd - handedOut);
        }
        checkHalted();
        if (failure != null) {
            // Some deliveries never reached the provider and are still waiting: the caller must not consider them
            // done (the consumer does not commit the poll and tries it again; the poller's lease runs out). The
            // answers that did come are marked all the same (handed over above).
            throw failure;
        }
        return new Dispatched(claimed, CompletableFuture.allOf(marked.toArray(new CompletableFuture<?>[0])));
    }

    private java.util.concurrent.CompletableFuture<Void> submitMarks(List<Outcome> outcomes) {
        long submitted = System.nanoTime();
        int n = outcomes.size();
        java.util.concurrent.CompletableFuture<Void> m = marks.submit(outcomes);
        m.whenComplete((ok, e) -> {
            stats.markWait.add((System.nanoTime() - submitted) * n);
            stats.marked.add(n);
        });
        return m;
    }

    /** The permit of a chunk is given back: its cycle's time goes to the stats. */
    private void released(Times t) {
        long now = System.nanoTime();
        stats.permitHeld.add(now - t.acquired);
        stats.released(now);
        if (t.called != 0) {
            stats.call.add(now - t.called);
        }
    }

    /**
     * Claims the deliveries of the chunks whose permits this loop round took, in one statement (after the rate limit
     * let them through), and hands each chunk with its claims to a provider-call thread. A delivery claimed
     * elsewhere meanwhile (another consumer, the retry poller, a redelivered record) is not in the answer and is
     * skipped. When the claim fails nothing was claimed: every chunk of the round comes back as a failure (the
     * poll is not committed and is read again), and its permit is free at once.
     */
    private void submitRound(List<Chunk> round, boolean leased, BlockingQueue<Done> done) {
        if (round.isEmpty()) {
            return;
        }
        List<Times> times = new ArrayList<>(round.size());
        List<Long> ids = new ArrayList<>();
        for (Chunk chunk : round) {
            Times t = new Times();
            stats.acquired(t.acquired);
            stats.chunks.increment();
            stats.deliveries.add(chunk.deliveries().size());
            times.add(t);
            chunk.deliveries().forEach(d -> ids.add(d.id()));
        }
        Map<Long, Integer> attempts;
        try {
            long rateStart = System.nanoTime();
            try {
                rate.acquire(ids.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the rate limit", e);
            }
            long claimStart = System.nanoTime();
            if (halted()) {
                // Nothing claimed: the records are not committed (the channel halted) and are read again.
                attempts = Map.of();
            } else {
                attempts = ledger.claim(ids, leased);
                stats.claimStatements.increment();
                stats.claimIds.add(ids.size());
            }
            long claimed = System.nanoTime();
            for (Times t : times) {
                stats.rateWait.add(claimStart - rateStart);
                stats.claim.add(claimed - claimStart);
                t.claimed = claimed;
            }
        } catch (RuntimeException e) {
            log.warn("Claiming {} {} deliveries failed; none was sent: {}", ids.size(), channel.name(), e.toString());
            for (Times t : times) {
                released(t);
                permits.release();
                done.add(new Done(List.of(), null, e));
            }
            return;
        }
        for (int i = 0; i < round.size(); i++) {
            Chunk chunk = round.get(i);
            Map<Long, Integer> mine = new LinkedHashMap<>();
            for (PendingDelivery d : chunk.deliveries()) {
                Integer attempt = attempts.get(d.id());
                if (attempt != null) {
                    mine.put(d.id(), attempt);
                }
            }
            submit(chunk, mine, times.get(i), done);
        }
    }

    private void submit(Chunk chunk, Map<Long, Integer> attempts, Times times, BlockingQueue<Done> done) {
        try {
            pool.execute(() -> {
                times.started = System.nanoTime();
                stats.dispatch.add(times.started - times.claimed);
                CompletionStage<List<Outcome>> outcomes;
                try {
                    outcomes = run(chunk, attempts, times);
                } catch (Error e) {
                    released(times);
                    halt(e, done);
                    return;
                } catch (RuntimeException e) {
                    // Not the provider call (that is caught in run), nor a rendering (an outcome): the deliveries are
                    // claimed and were not sent; they stay claimed and are in doubt at the next start.
                    log.warn("Sending a chunk of {} failed before the provider call: {}", channel.name(), e.toString());
                    done.add(new Done(List.of(), null, e));
                    released(times);
                    permits.release();
                    return;
                }
                // A synchronous sender has answered already; an asynchronous one answers on its client's thread, and
                // this thread is free meanwhile: the call in flight holds only its permit.
                outcomes.whenComplete((answered, error) -> {
                    Throwable cause = unwrap(error);
                    if (cause instanceof Error e) {
                        released(times);
                        halt(e, done);
                    } else if (cause != null) {
                        log.warn("Sending a chunk of {} failed: {}", channel.name(), cause.toString());
                        done.add(new Done(List.of(), null, cause instanceof RuntimeException r ? r
                                : new IllegalStateException(cause)));
                        released(times);
                        permits.release();
                    } else {
                        done.add(new Done(answered, null, null));
                        released(times);
                        permits.release();
                    }
                });
            });
        } catch (RuntimeException rejected) {
            released(times);
            permits.release();
            done.add(new Done(List.of(), null, rejected));
        }
    }

    private void halt(Error e, BlockingQueue<Done> done) {
        // Set before the permit is given back: the loop that takes the permit next claims nothing more (it checks
        // before its claim statement, which runs on its own thread, before it has drained this answer).
        halted = e;
        try {
            log.error("The {} sender failed with an error; the channel halts (deliveries it held are in doubt"
                    + " at the next start)", channel.name(), e);
            done.add(new Done(List.of(), e, null));
        } finally {
            permits.release();
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Render, rate limit, claim, send: the outcomes of the claimed deliveries of the chunk, once the provider answered
     * (at once for a synchronous sender). A sender's {@link Error} is thrown, or completes the stage with it.
     */
    private CompletionStage<List<Outcome>> run(Chunk chunk, Map<Long, Integer> attempts, Times times) {
        if (attempts.isEmpty()) {
            // Claimed elsewhere (or changed) meanwhile: nothing of this chunk is ours to send.
            return CompletableFuture.completedFuture(List.of());
        }
        // Rendered after the claim (a template error is then marked failed, any other rendering error a retry, as
        // before), so the claims of a loop round are one statement on the consumer's thread.
        Map<Long, PendingDelivery> byId = new LinkedHashMap<>();
        Map<Long, Content> contents = new HashMap<>();
        Map<Long, SendResult> renderFailures = new HashMap<>();
        long renderStart = System.nanoTime();
        for (PendingDelivery d : chunk.deliveries()) {
            if (!attempts.containsKey(d.id())) {
                continue;
            }
            byId.put(d.id(), d);
            try {
                RenderedMessage rendered = renderer.render(new RenderRequest(d.template(), d.channel(), d.contactId(),
                        d.id(), d.messageKey(), d.context()));
                contents.put(d.id(), new Content(rendered.parts(), rendered.data()));
            } catch (RenderException e) {
                renderFailures.put(d.id(), new SendResult.Rejected("template " + d.template() + " could not be"
                        + " rendered" + (e.field() == null ? "" : " (" + e.field() + ")") + ": " + e.getMessage(),
                        SendResult.Failure.OTHER));
            } catch (RuntimeException e) {
                renderFailures.put(d.id(), new SendResult.Retry("rendering failed: " + e, null));
            }
        }
        times.called = System.nanoTime();
        stats.render.add(times.called - renderStart);
        List<Outcome> outcomes = new ArrayList<>(attempts.size());
        List<OutboundMessage> messages = new ArrayList<>();
        List<PendingDelivery> sent = new ArrayList<>();
        attempts.forEach((id, attempt) -> {
            PendingDelivery d = byId.get(id);
            SendResult failure = renderFailures.get(id);
            if (failure != null) {
                outcomes.add(Outcome.of(d, attempt, failure));
            } else {
                Map<String, String> metadata = new HashMap<>();
                metadata.put("requestId", Long.toString(d.requestId()));
                metadata.put("template", d.template());
                metadata.put("purpose", d.purpose());
                if (d.scenarioId() != null) {
                    metadata.put("scenarioId", d.scenarioId().toString());
                }
                if (d.stepId() != null) {
                    metadata.put("stepId", d.stepId());
                }
                messages.add(new OutboundMessage(d.messageKey(), d.id(), d.contactId(), d.channel(),
                        new Recipient(d.address(), d.displayName(), d.attributes()), contents.get(id), attempt,
                        d.requestedAt(), metadata));
                sent.add(d);
            }
        });
        if (messages.isEmpty()) {
            return CompletableFuture.completedFuture(outcomes);
        }
        if (!sender.sendsAsynchronously()) {
            List<SendResult> results;
            try {
                results = messages.size() == 1 ? List.of(sender.send(messages.get(0))) : sender.sendAll(messages);
            } catch (RuntimeException e) {
                return CompletableFuture.completedFuture(answered(outcomes, sent, messages, null, e));
            }
            return CompletableFuture.completedFuture(answered(outcomes, sent, messages, results, null));
        }
        CompletionStage<List<SendResult>> calls;
        try {
            calls = sender.sendAllAsync(messages);
        } catch (RuntimeException e) {
            calls = CompletableFuture.failedFuture(e);
        }
        return calls.handle((results, error) -> {
            Throwable cause = unwrap(error);
            if (cause instanceof Error e) {
                throw e;
            }
            return answered(outcomes, sent, messages, results, cause);
        });
    }

    /**
     * The outcomes of the messages handed to the sender, after those decided before the call: its results in order,
     * or all unknown when the call failed (the provider may have taken them).
     */
    private static List<Outcome> answered(List<Outcome> outcomes, List<PendingDelivery> sent,
            List<OutboundMessage> messages, List<SendResult> results, Throwable failure) {
        if (failure != null) {
            for (int i = 0; i < sent.size(); i++) {
                outcomes.add(Outcome.unknown(sent.get(i), messages.get(i).attempt(), failure));
            }
            return outcomes;
        }
        for (int i = 0; i < sent.size(); i++) {
            SendResult r = results != null && i < results.size() ? results.get(i) : null;
            if (r == null) {
                outcomes.add(Outcome.unknown(sent.get(i), messages.get(i).attempt(),
                        new IllegalStateException("the sender answered no result for this message")));
            } else {
                outcomes.add(Outcome.of(sent.get(i), messages.get(i).attempt(), r));
            }
        }
        return outcomes;
    }

    /** Marks in batches; a batch that fails is marked one by one, so one bad row does not hold the others. */
    private void markNow(List<Outcome> outcomes) {
        for (int i = 0; i < outcomes.size(); i += MARK_BATCH) {
            List<Outcome> part = outcomes.subList(i, Math.min(outcomes.size(), i + MARK_BATCH));
            try {
                ledger.mark(channel, part);
            } catch (RuntimeException e) {
                log.warn("Marking {} {} deliveries failed, marking them one by one: {}", part.size(), channel.name(),
                        e.toString());
                for (Outcome o : part) {
                    markAlone(o);
                }
            }
        }
    }

    private void markAlone(Outcome o) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                ledger.mark(channel, List.of(o));
                return;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        // The row stays in sending: the next start of the channel finds it in doubt, which is what it is.
        log.error("Could not mark delivery {} ({}); it stays claimed and will be in doubt", o.delivery().id(),
                o.delivery().messageKey(), last);
    }

    private void checkHalted() {
        Error e = halted;
        if (e != null) {
            throw new HaltedException("the " + channel.name() + " sender halted", e);
        }
    }
}
