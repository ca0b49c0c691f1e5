package io.activation.delivery;

import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A request to send one message to one contact: the channels in order of preference, each with its template, and
 * how it may be delivered ({@link SendOptions}). Arbitration picks the channel (consent, caps, quiet hours) later;
 * the request itself is only what was asked.
 *
 * @param dedupeKey deterministic (journey instance + step + occurrence); a second request with it is a no-op
 * @param context what the template sees besides the contact: {@code {"trigger": <the journey's trigger data>}}
 */
public record MessageRequest(Long id, String dedupeKey, long contactId, Long scenarioId, Integer scenarioVersion,
        Long instanceId, String stepId, List<ChannelChoice> channels, int priority, String status,
        Instant createdAt, SendOptions options, JsonNode context) {

    public static final String REQUESTED = "requested";

    /** One channel with the template to use on it. */
    public record ChannelChoice(String channel, String template) {}

    public MessageRequest {
        channels = List.copyOf(channels);
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("a message request names at least one channel");
        }
        options = options == null ? SendOptions.DEFAULT : options;
    }

    /** A marketing request with the default options and no context. */
    public MessageRequest(Long id, String dedupeKey, long contactId, Long scenarioId, Integer scenarioVersion,
            Long instanceId, String stepId, List<ChannelChoice> channels, int priority, String status,
            Instant createdAt) {
        this(id, dedupeKey, contactId, scenarioId, scenarioVersion, instanceId, stepId, channels, priority, status,
                createdAt, SendOptions.DEFAULT, null);
    }

    /** When the request is dropped if still undecided, or null. */
    public Instant expiresAt() {
        return options.expiresAfter() == null || createdAt == null ? null : createdAt.plus(options.expiresAfter());
    }
}
