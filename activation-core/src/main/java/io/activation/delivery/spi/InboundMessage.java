package io.activation.delivery.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A message a recipient sent to us, such as an SMS reply.
 *
 * @param channel the channel ({@code sms})
 * @param from the sender's address (E.164 number)
 * @param to our address it was sent to
 * @param body the text
 * @param providerId the provider's id of the inbound message
 * @param at when it arrived
 */
public record InboundMessage(String channel, String from, String to, String body, String providerId, Instant at) {

    public InboundMessage {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(at, "at");
        body = body == null ? "" : body;
    }
}
