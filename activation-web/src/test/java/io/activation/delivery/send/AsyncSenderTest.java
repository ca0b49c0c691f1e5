package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sender that answers asynchronously ({@code sendAsync} returns before the provider answers, the answer comes on
 * the provider client's thread): the runtime keeps the calls in flight within the channel's concurrency without a
 * thread each, marks the answers as it does a synchronous sender's, an exceptional answer is in doubt (never sent
 * again), and an {@link Error} in the answer halts the channel as a synchronous sender's would.
 */
class AsyncSenderTest extends SenderTestSupport {

    /** The provider's client: one thread answers every call after {@code latencyMillis}. */
    private final ScheduledExecutorService client = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "async-provider-client");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stopClient() {
        client.shutdownNow();
    }

    final class AsyncSink extends Sink {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        volatile Function<OutboundMessage, CompletableFuture<SendResult>> asyncAnswer;
        final int latencyMillis;

        AsyncSink(String channel, int latencyMillis) {
            super(channel);
            this.latencyMillis = latencyMillis;
        }

        @Override
        public boolean sendsAsynchronously() {
            return true;
        }

        @Override
        public SendResult send(OutboundMessage message) {
            throw new AssertionError("an asynchronous sender is called through sendAsync");
        }

        @Override
        public CompletionStage<SendResult> sendAsync(OutboundMessage message) {
            calls.add(message);
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<SendResult> answer = new CompletableFuture<>();
            client.schedule(() -> {
                inFlight.decrementAndGet();
                Function<OutboundMessage, CompletableFuture<SendResult>> scripted = asyncAnswer;
                if (scripted != null) {
                    scripted.apply(message).whenComplete((r, e) -> {
                        if (e != null) {
                            answer.completeExceptionally(e);
                        } else {
                            answer.complete(r);
                        }
                    });
                } else {
                    SendResult r = this.answer.apply(message);
                    if (r instanceof SendResult.Accepted) {
                        accepted.computeIfAbsent(message.messageKey(), k -> new AtomicInteger()).incrementAndGet();
                    }
                    answer.complete(r);
                }
            }, latencyMillis, TimeUnit.MILLISECONDS);
            return answer;
        }
    }

    @Test
    void callsInFlightHoldPermitsNotThreadsAndEveryAnswerIsMarkedOnce() {
        String channel = channel();
        String topic = topic(channel);
        AsyncSink sink = new AsyncSink(channel, 100);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ids.add(queued(channel));
        }
        int concurrency = 20;
        start(runtime(sink, topic).limits(new SenderProperties.ChannelLimits(0, concurrency,
                SenderProperties.InDoubt.HOLD)));
        ids.forEach(id -> dispatch(topic, id));
        ids.forEach(id -> awaitStatus(id, "sent"));

        assertThat(sink.calls).hasSize(ids.size());
        for (long id : ids) {
            String key = (String) row(id).get("message_key");
            assertThat(sink.acceptedTimes(key)).as(key).isEqualTo(1);
            assertThat(row(id).get("provider_id")).isEqualTo("p-" + id);
            assertDecision(decisions(id), "sent", "accepted by the provider as p-" + id);
        }
        // Calls overlapped (60 calls of 100 ms each), and a call holds its permit until its answer came, so never
        // more than the channel's concurrency were in flight although no thread waited for them.
        assertThat(sink.maxInFlight.get()).isGreaterThan(1).isLessThanOrEqualTo(concurrency);
    }

    @Test
    void anExceptionalAnswerIsInDoubtAndNeverSentAgain() throws Exception {
        String channel = channel();
        String topic = topic(channel);
        AsyncSink sink = new AsyncSink(channel, 5);
        long ok = queued(channel);
        long broken = queued(channel);
        sink.asyncAnswer = m -> m.deliveryId() == broken
                ? CompletableFuture.failedFuture(new java.io.IOException("connection reset after the request"))
                : CompletableFuture.completedFuture(new SendResult.Accepted("p-" + m.deliveryId()));
        SenderRuntime runtime = start(runtime(sink, topic));
        dispatch(topic, ok);
        dispatch(topic, broken);
        awaitStatus(ok, "sent");
        awaitStatus(broken, "in_doubt");
        assertDecision(decisions(broken), "in-doubt", "connection reset after the request");
        // Neither a second record nor the retry poller sends it again.
        dispatch(topic, broken);
        clock.advance(java.time.Duration.ofDays(1));
        assertThat(runtime.pollRetriesOnce()).isZero();
        long marker = queued(channel);
        dispatch(topic, marker);
        awaitStatus(marker, "sent");
        assertThat(sink.calls).extracting(OutboundMessage::deliveryId).containsExactlyInAnyOrder(ok, broken, marker);
        assertThat(status(broken)).isEqualTo("in_doubt");
    }

    @Test
    void anErrorInTheAnswerHaltsTheChannelAndTheRestartFindsTheMessageInDoubt() {
        String channel = channel();
        String topic = topic(channel);
        AsyncSink sink = new AsyncSink(channel, 5);
        long crashed = queued(channel);
        sink.asyncAnswer = m -> CompletableFuture.failedFuture(new SenderCrashTest.SimulatedCrash());
        SenderRuntime runtime = start(runtime(sink, topic).limits(new SenderProperties.ChannelLimits(0, 1,
                SenderProperties.InDoubt.HOLD)));
        dispatch(topic, crashed);
        await("the halt", runtime::halted, h -> h);
        await("the consumer stopped", runtime::isRunning, r -> !r);
        assertThat(status(crashed)).isEqualTo("sending");

        sink.asyncAnswer = null;
        runtime.start();
        assertThat(runtime.lastSweep()).containsExactly(crashed);
        assertThat(status(crashed)).isEqualTo("in_doubt");
        long next = queued(channel);
        dispatch(topic, next);
        awaitStatus(next, "sent");
        assertThat(sink.calls).extracting(OutboundMessage::deliveryId).containsExactly(crashed, next);
    }
}
