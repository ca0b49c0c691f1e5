package io.activation.delivery.send;

/** The CloudEvents types the sender runtime and provider feedback publish on {@code activation.events}. */
public final class SendEvents {

    /** On {@code activation.messages.<channel>} (published by arbitration, consumed here). */
    public static final String DISPATCHED = "io.activation.message.dispatched";
    /** The provider accepted the message; data adds {@code providerId}. */
    public static final String SENT = "io.activation.message.sent";
    /** The provider reports it delivered. */
    public static final String DELIVERED = "io.activation.message.delivered";
    /** Not delivered; data adds {@code kind} ({@code hard} or {@code soft}) and {@code detail}. */
    public static final String BOUNCED = "io.activation.message.bounced";
    /** The recipient marked it as spam. */
    public static final String COMPLAINED = "io.activation.message.complained";
    /** Given up on this channel; data adds {@code reason}. */
    public static final String FAILED = "io.activation.message.failed";

    private SendEvents() {}
}
