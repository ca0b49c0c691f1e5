package io.activation.delivery.send;

import static org.assertj.core.api.Assertions.assertThat;

import io.activation.delivery.ChannelFallback;
import io.activation.delivery.spi.OutboundMessage;
import io.activation.delivery.spi.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Marks are group-committed (one mark thread per runtime, several consumers' answers in one transaction): a batch
 * in which one outcome cannot be marked must neither lose nor double the others.
 */
class MarkBatchTest extends SenderTestSupport {

    @Test
    void oneOutcomeThatCannotBeMarkedLeavesTheOthersMarkedOnce() {
        String channel = channel();
        String topic = topic(channel);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(queued(channel));
        }
        long bad = ids.get(5);
        // Every call waits until all twelve are in flight (or a few seconds: a consumer does not poll again before its
        // poll is marked), so the answers come back together and are marked in as few transactions as possible.
        CountDownLatch allIn = new CountDownLatch(ids.size());
        Sink sink = new Sink(channel);
        sink.answer = m -> {
            allIn.countDown();
            try {
                allIn.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new SendResult.Rejected("invalid number", SendResult.Failure.OTHER);
        };
        Fallbacks told = new Fallbacks();
        // Arbitration's fallback fails for one delivery, inside the mark's transaction: that transaction rolls back.
        // Like arbitration's, what it does joins the mark's transaction: it counts only once that commits.
        ChannelFallback failing = (deliveryId, reason) -> {
            if (deliveryId == bad) {
                throw new IllegalStateException("fallback unavailable for " + deliveryId);
            }
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    told.failed(deliveryId, reason);
                }
            });
        };
        // Dispatched before the runtime starts, so the first polls hold them all.
        ids.forEach(id -> dispatch(topic, id));
        start(runtime(sink, topic).fallback(failing).limits(new SenderProperties.ChannelLimits(0, 16,
                SenderProperties.InDoubt.HOLD)));

        ids.stream().filter(id -> id != bad).forEach(id -> awaitStatus(id, "failed"));
        // The bad one stays claimed (in doubt at the next start); the others are marked once, each with one
        // decision and one fallback call.
        assertThat(status(bad)).isEqualTo("sending");
        for (long id : ids) {
            if (id != bad) {
                assertThat(decisions(id).stream().filter(d -> "failed".equals(d.get("outcome")))).hasSize(1);
            }
        }
        assertThat(decisions(bad)).noneMatch(d -> "failed".equals(d.get("outcome")));
        assertThat(told.ids()).hasSize(ids.size() - 1).doesNotHaveDuplicates().doesNotContain(bad);
        assertThat(sink.calls).extracting(OutboundMessage::deliveryId).hasSize(ids.size())
                .doesNotHaveDuplicates();
    }
}
