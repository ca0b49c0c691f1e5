package io.activation.delivery;

/**
 * Arbitration's answer to a delivery that did not work on its channel. Implemented by arbitration, called by the
 * sender runtime and by provider feedback, in the caller's transaction.
 */
public interface ChannelFallback {

    /**
     * The delivery failed for good on its channel (rejected, dead-lettered, hard-bounced, or not confirmed by its
     * {@code confirm_by}): record it and try the request's next allowed channel, or mark the request failed when
     * none is left. Calling it twice for the same delivery does nothing the second time.
     */
    void failed(long deliveryId, String reason);
}
