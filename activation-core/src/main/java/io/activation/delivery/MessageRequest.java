package io.activation.delivery;

import java.time.Instant;
import java.util.List;

/**
 * A request to send one message to one contact: the channels in order of preference, each with its template.
 * Delivery picks the channel (consent, caps, quiet hours) later; the request itself is only what was asked.
 *
 * @param dedupeKey deterministic (journey instance + step + occurrence); a second request with it is a no-op
 */
public record MessageRequest(Long id, String dedupeKey, long contactId, Long scenarioId, Integer scenarioVersion,
        Long instanceId, String stepId, List<ChannelChoice> channels, int priority, String status,
        Instant createdAt) {

    public static final String REQUESTED = "requested";

    /** One channel with the template to use on it. */
    public record ChannelChoice(String channel, String template) {}

    public MessageRequest {
        channels = List.copyOf(channels);
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("a message request names at least one channel");
        }
    }
}
