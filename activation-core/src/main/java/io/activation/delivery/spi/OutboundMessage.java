package io.activation.delivery.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One message, rendered and addressed, as a sender receives it.
 *
 * @param messageKey the deterministic key of this delivery (message request key + channel); the same key is never
 *     handed out twice after the provider accepted it. Senders pass it to providers that take an idempotency key
 *     and use it for {@code Message-ID} and the like.
 * @param deliveryId the row in {@code deliveries}
 * @param contactId the recipient contact
 * @param channel the channel
 * @param recipient where it goes
 * @param content the rendered parts
 * @param attempt 1 for the first attempt
 * @param requestedAt when the journey or broadcast asked for the message
 * @param metadata scenario id, step id, template name and other labels a provider may carry as tags
 */
public record OutboundMessage(String messageKey, long deliveryId, long contactId, String channel,
        Recipient recipient, Content content, int attempt, Instant requestedAt, Map<String, String> metadata) {

    public OutboundMessage {
        Objects.requireNonNull(messageKey, "messageKey");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(content, "content");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
