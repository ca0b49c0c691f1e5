package io.activation.delivery.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The provider side of one channel. Implementations live in {@code activation-channels} as Spring beans; the core's
 * sender runtime finds them by {@link #channel()} and runs one Kafka consumer group per channel.
 *
 * <p>A sender never throws for a provider outcome: it answers {@link SendResult.Accepted},
 * {@link SendResult.Retry} (transient: 4xx SMTP, HTTP 429/5xx, timeouts before the provider accepted) or
 * {@link SendResult.Rejected} (permanent). The runtime owns retries, backoff, dead-lettering, the send ledger and
 * the decision trail; the sender owns the provider protocol, its connection pool and its own rate limits.
 */
public interface ChannelSender {

    /** The channel this sender serves: {@code email}, {@code sms}, {@code push}, {@code wallet}, {@code print} or
     * {@code webhook}. */
    String channel();

    /**
     * The address every delivery of this channel uses when it has no per-contact address (the shop's webhook
     * endpoint; {@code wallet}, where the sender finds the contact's pass itself), or null (the default): the
     * address comes from the contact (e-mail, phone, device token, postal address).
     */
    default String fixedAddress() {
        return null;
    }

    /** Sends one message. */
    SendResult send(OutboundMessage message);

    /**
     * Sends one message without holding a thread while the provider answers (an HTTP client's or SDK's asynchronous
     * call). The runtime uses it for chunks of one message; the stage completes with the result, or exceptionally
     * when the outcome is unknown (as {@link #send} throwing). The default runs {@link #send} on the calling thread.
     * The result must be the same as {@link #send}'s: the same request to the provider, the same answers.
     * A sender that overrides it should also say so in {@link #sendsAsynchronously()}.
     */
    default CompletionStage<SendResult> sendAsync(OutboundMessage message) {
        try {
            return CompletableFuture.completedFuture(send(message));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * {@link #sendAll} without holding a thread while the provider answers (FCM's batch call, asynchronously). The
     * default: one message through {@link #sendAsync}, several through {@link #sendAll} on the calling thread.
     */
    default CompletionStage<List<SendResult>> sendAllAsync(List<OutboundMessage> messages) {
        if (messages.size() == 1) {
            return sendAsync(messages.get(0)).thenApply(List::of);
        }
        try {
            return CompletableFuture.completedFuture(sendAll(messages));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Whether {@link #sendAsync} (and {@link #sendAllAsync}) really return before the provider answers. The runtime then keeps no thread per
     * call in flight: a call holds only one of the channel's {@code concurrency} permits.
     */
    default boolean sendsAsynchronously() {
        return false;
    }

    /**
     * Sends several messages at once (FCM batches, print files). Answers one result per message, in order. The
     * default sends them one by one.
     */
    default List<SendResult> sendAll(List<OutboundMessage> messages) {
        List<SendResult> results = new ArrayList<>(messages.size());
        for (OutboundMessage m : messages) {
            results.add(send(m));
        }
        return results;
    }

    /** The most messages the runtime hands to {@link #sendAll} at once. */
    default int maxBatch() {
        return 1;
    }
}
