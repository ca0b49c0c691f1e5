package io.activation.delivery.spi;

/**
 * What providers tell us after the send, reported by the channel adapters (status callbacks, bounce mailboxes,
 * provider webhooks, inbound messages). Implemented by the core: it updates the delivery, records the decision,
 * suppresses addresses, updates consent and publishes the matching {@code io.activation.message.*} event on
 * {@code activation.events}.
 */
public interface ProviderFeedback {

    /** A delivery receipt, bounce or complaint for a message sent earlier. Unknown messages are ignored (logged). */
    void status(StatusReport report);

    /** An inbound message from a recipient (an SMS reply such as STOP or START). */
    void inbound(InboundMessage message);
}
