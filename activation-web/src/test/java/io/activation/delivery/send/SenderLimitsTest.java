package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A channel's rate limit, its concurrency and the sender's batch size hold at the sink. */
class SenderLimitsTest extends SenderTestSupport {

    @Test
    void theRateLimitSpacesProviderCalls() {
        String channel = channel();
        String topic = topic(channel);
        Queue<Long> callTimes = new ConcurrentLinkedQueue<>();
        Sink sink = new Sink(channel);
        sink.answer = m -> {
            callTimes.add(System.nanoTime());
            return new SendResult.Accepted("ok");
        };
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            ids.add(queued(channel));
        }
        ids.forEach(id -> dispatch(topic, id));
        start(runtime(sink, topic).limits(new SenderProperties.ChannelLimits(5, 8, SenderProperties.InDoubt.HOLD)));
        ids.forEach(id -> awaitStatus(id, "sent"));
        // 5 per second, a bucket of 5: the first five at once, the other ten over the next two seconds. A call is
        // timed when the sink sees it, which on a loaded machine can be a few hundred ms after its token was taken
        // (the first calls most of all, on cold code), so the bound leaves 0.6 s of that; without the limit the 15
        // calls (8 at a time, answered at once) take a fraction of it.
        List<Long> times = callTimes.stream().sorted().toList();
        assertThat(times).hasSize(15);
        assertThat(times.get(14) - times.get(0)).isGreaterThan(1_400_000_000L);
    }

    @Test
    void noMoreProviderCallsThanTheConcurrencyAreInFlight() {
        String channel = channel();
        String topic = topic(channel);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Sink sink = new Sink(channel);
        sink.answer = m -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(30); // the provider's latency, so calls overlap
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return new SendResult.Accepted("ok");
        };
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            ids.add(queued(channel));
        }
        ids.forEach(id -> dispatch(topic, id));
        start(runtime(sink, topic).limits(new SenderProperties.ChannelLimits(0, 3, SenderProperties.InDoubt.HOLD)));
        ids.forEach(id -> awaitStatus(id, "sent"));
        assertThat(most.get()).isEqualTo(3);
    }

    @Test
    void aBatchSenderGetsAtMostMaxBatchMessagesPerCall() {
        String channel = channel();
        String topic = topic(channel);
        Queue<Integer> batches = new ConcurrentLinkedQueue<>();
        Sink sink = new Sink(channel) {
            @Override
            public List<SendResult> sendAll(List<OutboundMessage> messages) {
                batches.add(messages.size());
                return messages.stream().map(this::send).toList();
            }
        };
        sink.maxBatch = 4;
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(queued(channel));
        }
        ids.forEach(id -> dispatch(topic, id));
        // Every record is in Kafka before the consumer starts, so its polls hold several.
        await("records on the topic", () -> jdbc.queryForObject("select count(*) from outbox where topic = ?",
                Long.class, topic), n -> n == 0);
        start(runtime(sink, topic));
        ids.forEach(id -> awaitStatus(id, "sent"));
        assertThat(batches).allMatch(n -> n <= 4).anyMatch(n -> n > 1);
        assertThat(sink.calls).hasSize(10);
    }
}
